// A write of the hot paths is two statements, each its own implicit transaction: one read (the stored
// outcome of the idempotency key and the record as it stands) and one guarded write built here. The
// write claims the key, changes the record only if it is still as read, appends the audit row and the
// outbox event, and stores the outcome — all or nothing, and without touching a row that other
// writes share, so no lock but the record's own is held while the commit waits for the synchronous
// standby.
//
//   WITH lock    -- the key's own advisory lock, taken without waiting (a concurrent duplicate: 409)
//      , claim   -- INSERT … ON CONFLICT into idempotency_keys: no row when the key is already used
//      , changed -- the record's change, FROM claim (so nothing happens without the claim), guarded
//      , …       -- the rest of the aggregate, FROM changed
//      , audit, event
//   SELECT key_held, key_awaits_standby, claimed, changed
//
// A key held by a transaction whose COMMIT waits for the synchronous standbys, or that waits behind
// one (key_awaits_standby, migrations/020 and 021), is not a concurrent duplicate to refuse with 409:
// the database cannot acknowledge writes right now, so Database.query tries the write again within
// its hold, and it replays the holder's outcome or is refused 503 DATABASE_UNAVAILABLE. (Run in an
// explicit transaction, a guarded write answers 'in_use' as before.)
//
// A claimed write whose guard fails (the record moved since it was read) raises WRITE_GUARD_FAILED,
// so the claim is rolled back with it and the caller reads again.
import type { ApprovalDecision } from '../domain/approval.ts'
import type { IdempotencyClaim } from '../domain/write.ts'
import { preparedShape, type PreparedStatement, type Queryable } from './database.ts'
import { sqlState } from './failover-errors.ts'

/** Raised by write_guard() (migrations/011_write_path.sql). */
const WRITE_GUARD_FAILED = 'TQ001'

/** Numbered parameters of one statement, in the order they are used. */
export class SqlParams {
  readonly values: unknown[] = []
  add(value: unknown, cast?: string): string {
    this.values.push(value)
    return `$${this.values.length}${cast ? `::${cast}` : ''}`
  }
}

/** A timestamptz column as the app writes times: ISO 8601, UTC, milliseconds. */
export const isoOf = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

export interface AuditAppend {
  entityType: string
  entityId: string
  action: string
  officerId: string
  office: string
  occurredAt: string
  /** The audit entry as JSON text; the sealer hashes it as stored (audit-seal-repository.ts). */
  entry: string
  event: { eventType: string; payload: string }
}

/** A notice to an office raised by the change, in the change's own statement (table notices). */
export interface NoticeAppend {
  office: string
  kind: string
  entityType: string
  entityId: string
  /** The record's version the notice is about: one notice per office, kind, record and version. */
  entityVersion: number
  message: string
  details: unknown
}

export interface ClaimToStore extends IdempotencyClaim {
  /** What a replay answers: the write's stored outcome. */
  outcome: unknown
}

export interface GuardedWrite {
  statement: PreparedStatement
  claimed: boolean
}

export type GuardedResult =
  /** Claimed (if there was a claim), changed, audited, stored. */
  | 'applied'
  /** The record is no longer as read (or a natural key was taken meanwhile): read again. */
  | 'stale'
  /** Another transaction holds the key right now: a concurrent duplicate. */
  | 'in_use'
  /** The key was stored by a request that committed after the read: read again to replay it. */
  | 'taken'

/** The stored outcome of a claim's key, as a `stored` CTE; empty without a claim. */
export function storedOutcomeCte(p: SqlParams, claim: IdempotencyClaim | null): string {
  if (claim === null) return 'stored AS (SELECT NULL::text AS fingerprint, NULL::jsonb AS outcome WHERE false)'
  return `stored AS (
    SELECT fingerprint, outcome FROM idempotency_keys
     WHERE caller = ${p.add(claim.caller)} AND key = ${p.add(claim.key)} AND expires_at > now())`
}

/** The stored outcome as one JSON column of a read: {fingerprint, outcome} or null. */
export const STORED_COLUMN = `(SELECT json_build_object('fingerprint', s.fingerprint, 'outcome', s.outcome) FROM stored s) AS stored`

/** How a write's statement is built around its claim, audit row and event. */
export interface WriteShape {
  /** CTEs evaluated before the claim: locks the change depends on (e.g. a hot row taken FOR UPDATE). */
  before?: string
  /** More FROM items of the claim, e.g. that locked row, when the stored outcome is computed from it. */
  claimFrom?: string
  /** The stored outcome as SQL, given the parameter holding the outcome computed in TypeScript. */
  outcomeSql?: (outcome: string) => string
  /** CTEs defining `changed` (and any after it), selecting FROM claim; `changed` has a row exactly when the change was made. */
  change: string
  /** More columns of the result row (what the statement learnt, e.g. a running total). */
  result?: string
}

/** The guarded write of `shape` (or of CTEs `change` alone): see the top of this file. */
export function guardedWrite(
  prefix: string,
  p: SqlParams,
  claim: ClaimToStore | null,
  shape: WriteShape | string,
  audits: AuditAppend[],
  notices: NoticeAppend[] = [],
): GuardedWrite {
  const s: WriteShape = typeof shape === 'string' ? { change: shape } : shape
  let head: string
  if (claim === null) {
    head = `lock AS (SELECT true AS held), claim AS (SELECT 1 AS one)`
  } else {
    const outcome = `${p.add(JSON.stringify(claim.outcome))}::jsonb`
    head = `lock AS (SELECT k, pg_try_advisory_xact_lock(k) AS held
                FROM (SELECT hashtextextended(${p.add(`${claim.caller}\n${claim.key}`)}, 0) AS k OFFSET 0) key_hash),
  claim AS (
    INSERT INTO idempotency_keys (caller, key, fingerprint, outcome, expires_at)
    SELECT ${p.add(claim.caller)}, ${p.add(claim.key)}, ${p.add(claim.fingerprint)}, ${s.outcomeSql ? s.outcomeSql(outcome) : outcome},
           now() + make_interval(hours => ${p.add(claim.ttlHours)})
      FROM lock${s.claimFrom ? `, ${s.claimFrom}` : ''} WHERE held
    -- An expired key not yet swept is replaced; a live one makes the claim fail.
    ON CONFLICT (caller, key) DO UPDATE
      SET fingerprint = EXCLUDED.fingerprint, outcome = EXCLUDED.outcome, created_at = now(), expires_at = EXCLUDED.expires_at
      WHERE idempotency_keys.expires_at <= now()
    RETURNING 1 AS one)`
  }
  const column = (pick: (a: AuditAppend) => string, cast: string) => p.add(audits.map(pick), cast)
  const tail = `audit AS (
    INSERT INTO audit_log (entity_type, entity_id, action, officer_id, office, occurred_at, entry)
    SELECT a.* FROM unnest(${column((a) => a.entityType, 'text[]')}, ${column((a) => a.entityId, 'text[]')},
                           ${column((a) => a.action, 'text[]')}, ${column((a) => a.officerId, 'text[]')},
                           ${column((a) => a.office, 'text[]')}, ${column((a) => a.occurredAt, 'timestamptz[]')},
                           ${column((a) => a.entry, 'text[]')}) AS a
     WHERE EXISTS (SELECT 1 FROM changed)),
  event AS (
    INSERT INTO outbox (event_type, entity_type, entity_id, payload)
    SELECT e.* FROM unnest(${column((a) => a.event.eventType, 'text[]')}, ${column((a) => a.entityType, 'text[]')},
                           ${column((a) => a.entityId, 'text[]')}, ${column((a) => a.event.payload, 'jsonb[]')}) AS e
     WHERE EXISTS (SELECT 1 FROM changed))${notices.length === 0 ? '' : `,
  ${noticeCte(p, notices)}`}${claim?.decides ? `,
  ${approvalDecidedCte(p, claim.decides)}` : ''}`
  const changed = `EXISTS (SELECT 1 FROM changed)${claim?.decides ? ' AND EXISTS (SELECT 1 FROM decided)' : ''}`
  const result =
    claim === null
      ? `SELECT true AS key_held, false AS key_awaits_standby, false AS claimed, ${changed} AS changed`
      : `SELECT (SELECT held FROM lock) AS key_held,
       (SELECT CASE WHEN held THEN false ELSE idempotency_key_awaits_standby(k) END FROM lock) AS key_awaits_standby,
       EXISTS (SELECT 1 FROM claim) AS claimed,
       write_guard(EXISTS (SELECT 1 FROM claim), ${changed}) AS changed`
  const text = `WITH ${s.before ? `${s.before},\n  ` : ''}${head},\n  ${s.change},\n  ${tail}\n${result}${s.result ? `, ${s.result}` : ''}`
  return { statement: preparedShape(prefix, text, p.values), claimed: claim !== null }
}

/**
 * The approval request the claim decides, marked APPROVED FROM the claim while the handover is at the
 * version the officer asked on; the statement's guard then requires it (and the change) once the key
 * is claimed. A request decided meanwhile (another
 * supervisor approved or rejected it: the UPDATE waits on its row lock, then finds it no longer
 * pending) rolls the whole statement back, so a step is never applied without its approval.
 */
function approvalDecidedCte(p: SqlParams, d: ApprovalDecision): string {
  return `decided AS (
    UPDATE approval_requests SET status = 'APPROVED', decided_by = ${p.add(d.decidedBy)}, decided_at = ${p.add(d.decidedAt, 'timestamptz')}
      FROM claim
     WHERE id = ${p.add(d.approvalId, 'uuid')} AND status = 'PENDING'
       -- The handover is still at the version the officer asked on (as this statement's step read it).
       AND EXISTS (SELECT 1 FROM handovers h WHERE h.id = approval_requests.handover_id AND h.version = approval_requests.handover_version)
    RETURNING approval_requests.id)`
}

/** The change's notices, raised only when it changed something; a notice already raised is not raised again. */
function noticeCte(p: SqlParams, notices: NoticeAppend[]): string {
  const column = (pick: (n: NoticeAppend) => unknown, cast: string) => p.add(notices.map(pick), cast)
  return `notice AS (
    INSERT INTO notices (office, kind, entity_type, entity_id, entity_version, message, details)
    SELECT n.* FROM unnest(${column((n) => n.office, 'text[]')}, ${column((n) => n.kind, 'text[]')}, ${column((n) => n.entityType, 'text[]')},
                           ${column((n) => n.entityId, 'text[]')}, ${column((n) => n.entityVersion, 'int[]')}, ${column((n) => n.message, 'text[]')},
                           ${column((n) => JSON.stringify(n.details ?? {}), 'jsonb[]')}) AS n
     WHERE EXISTS (SELECT 1 FROM changed)
    ON CONFLICT DO NOTHING)`
}

export async function runGuardedWrite(q: Queryable, write: GuardedWrite): Promise<GuardedResult> {
  return (await runGuardedWriteRow(q, write)).result
}

/** The guarded write's result and its row (with the shape's extra result columns). */
export async function runGuardedWriteRow<R extends object>(q: Queryable, write: GuardedWrite): Promise<{ result: GuardedResult; row: R | null }> {
  try {
    const { rows } = await q.query<{ key_held: boolean; claimed: boolean; changed: boolean } & R>(write.statement)
    const row = rows[0]
    if (!row) throw new Error('a guarded write returned no row')
    if (!row.key_held) return { result: 'in_use', row }
    if (write.claimed && !row.claimed) return { result: 'taken', row }
    return { result: row.changed ? 'applied' : 'stale', row }
  } catch (err) {
    // A natural key taken meanwhile (a unique index the statement does not arbitrate) is stale too:
    // reading again finds the record that took it, and the caller answers from there.
    if (sqlState(err) === WRITE_GUARD_FAILED || sqlState(err) === '23505') return { result: 'stale', row: null }
    throw err
  }
}

/**
 * Stores an outcome under its claim when the write changed nothing (a natural-key duplicate, an
 * unchanged list), so a replay of the same key answers the same as the first request did.
 */
export function claimOnlyWrite(claim: ClaimToStore): GuardedWrite {
  // An approval is decided only with the step it approves: nothing to change is not an approval.
  if (claim.decides) throw new Error('an approval cannot be decided by a write that changes nothing')
  return guardedWrite('claim-only', new SqlParams(), claim, 'changed AS (SELECT one FROM claim)', [])
}
