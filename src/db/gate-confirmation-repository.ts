// SQL of the gate confirmations (table gate_confirmations): the read and the guarded write of a
// confirmation (a pass, or a container held for its seals), a release or a cancellation
// (write-statement.ts), and the searches.
import type {
  ConfirmationKind,
  ConfirmationStatus,
  GateConfirmationRecord,
  GateContainerRecord,
  GateDecision,
  GateDeclarationRecord,
  GateLotRecord,
  GateSealState,
} from '../domain/gate.ts'
import type { IdempotencyClaim } from '../domain/write.ts'
import type { Queryable } from './database.ts'
import { CONTAINER_RECORD, DECLARATION_RECORD, LOT_RECORD } from './gate-declaration-repository.ts'
import type { StoredClaim } from './handover-repository.ts'
import {
  guardedWrite,
  isoOf,
  SqlParams,
  STORED_COLUMN,
  storedOutcomeCte,
  type AuditAppend,
  type ClaimToStore,
  type GuardedWrite,
  type NoticeAppend,
} from './write-statement.ts'

const CONFIRMATION_RECORD = `c.id, c.declaration_number AS "declarationNumber", c.office, c.kind, c.entry_ref AS "entryRef",
  c.carrier_seal AS "carrierSeal", c.customs_seal AS "customsSeal", c.quantity::float8 AS quantity, c.weight::float8 AS weight,
  ${isoOf('c.passed_at')} AS "passedAt", c.officer_id AS "officerId", c.entered_by AS "enteredBy", c.origin,
  c.paper_reference AS "paperReference", ${isoOf('c.recorded_at')} AS "recordedAt", c.status,
  c.seal_state AS "sealState", c.carrier_seal_found AS "carrierSealFound", c.customs_seal_found AS "customsSealFound",
  c.seal_note AS "sealNote", ${isoOf('c.held_at')} AS "heldAt", c.release_reason AS "releaseReason",
  ${isoOf('c.released_at')} AS "releasedAt", c.released_by AS "releasedBy", c.release_origin AS "releaseOrigin",
  ${isoOf('c.release_recorded_at')} AS "releaseRecordedAt", c.cancel_reason AS "cancelReason",
  ${isoOf('c.cancelled_at')} AS "cancelledAt", c.cancelled_by AS "cancelledBy", c.cancel_origin AS "cancelOrigin",
  ${isoOf('c.cancel_recorded_at')} AS "cancelRecordedAt"`

export interface ConfirmRead {
  stored: StoredClaim | null
  declaration: GateDeclarationRecord | null
  container: GateContainerRecord | null
  lot: GateLotRecord | null
  /** The record this one repeats: the same paper form, or the container's live record (passed or held). */
  earlier: GateConfirmationRecord | null
}

/** The read of a confirmation: the key's stored outcome, the declaration, the entry, and any earlier confirmation of it. */
export async function readForConfirmation(
  q: Queryable,
  claim: IdempotencyClaim | null,
  declarationNumber: string,
  kind: ConfirmationKind,
  entryRef: string,
  paperReference: string | null,
): Promise<ConfirmRead> {
  const p = new SqlParams()
  const stored = storedOutcomeCte(p, claim)
  const d = p.add(declarationNumber)
  const e = p.add(entryRef)
  const entry =
    kind === 'container'
      ? `(SELECT row_to_json(x) FROM (SELECT ${CONTAINER_RECORD} FROM gate_containers g WHERE g.declaration_number = ${d} AND g.container_number = ${e}) x) AS container, NULL::json AS lot`
      : `NULL::json AS container, (SELECT row_to_json(x) FROM (SELECT ${LOT_RECORD} FROM gate_lots l WHERE l.declaration_number = ${d} AND l.lot_number = ${e}) x) AS lot`
  const byPaper =
    paperReference === null
      ? 'false'
      : `c.kind = ${p.add(kind)} AND c.entry_ref = ${e} AND c.paper_reference = ${p.add(paperReference)}`
  const active = kind === 'container' ? `(c.kind = 'container' AND c.entry_ref = ${e} AND c.status IN ('CONFIRMED', 'HELD'))` : 'false'
  // A paper form's own entry first: it is what this request repeats, cancelled or not.
  const text = `WITH ${stored}
SELECT ${STORED_COLUMN},
  (SELECT row_to_json(x) FROM (SELECT ${DECLARATION_RECORD} FROM gate_declarations d WHERE d.declaration_number = ${d}) x) AS declaration,
  ${entry},
  (SELECT row_to_json(x) FROM (SELECT ${CONFIRMATION_RECORD}, (${byPaper}) AS by_paper FROM gate_confirmations c
     WHERE c.declaration_number = ${d} AND ((${byPaper}) OR ${active}) ORDER BY by_paper DESC LIMIT 1) x) AS earlier`
  const { rows } = await q.query<ConfirmRead>({
    name: `gate-read-confirm-${kind}-${claim ? 'k' : 'n'}${paperReference === null ? '' : 'p'}`,
    text,
    values: p.values,
  })
  const row = rows[0] as ConfirmRead & { earlier: (GateConfirmationRecord & { by_paper?: boolean }) | null }
  if (row.earlier) delete row.earlier.by_paper
  return row
}

/** A confirmation as it is first written: passed or held, never released or cancelled yet. */
export type NewConfirmation = Omit<
  GateConfirmationRecord,
  | 'status' | 'releaseReason' | 'releasedAt' | 'releasedBy' | 'releaseOrigin' | 'releaseRecordedAt'
  | 'cancelReason' | 'cancelledAt' | 'cancelledBy' | 'cancelOrigin' | 'cancelRecordedAt'
> & { status: 'CONFIRMED' | 'HELD' }

/** A lot's running totals after a pass, as the write statement reads them back. */
export interface LotTotals {
  quantityPassed: number
  quantityRemaining: number
  weightPassed: number
}

function insertConfirmation(p: SqlParams, c: NewConfirmation, from: string): string {
  return `changed AS (
    INSERT INTO gate_confirmations (id, declaration_number, office, kind, entry_ref, carrier_seal, customs_seal, quantity,
      weight, passed_at, officer_id, entered_by, origin, paper_reference, recorded_at, status, seal_state, carrier_seal_found,
      customs_seal_found, seal_note, held_at)
    SELECT ${p.add(c.id)}::uuid, ${p.add(c.declarationNumber)}, ${p.add(c.office)}, ${p.add(c.kind)}, ${p.add(c.entryRef)},
      ${p.add(c.carrierSeal)}, ${p.add(c.customsSeal)}, ${p.add(c.quantity === null ? null : String(c.quantity), 'numeric')},
      ${p.add(c.weight === null ? null : String(c.weight), 'numeric')}, ${p.add(c.passedAt, 'timestamptz')}, ${p.add(c.officerId)},
      ${p.add(c.enteredBy)}, ${p.add(c.origin)}, ${p.add(c.paperReference)}, ${p.add(c.recordedAt, 'timestamptz')},
      ${p.add(c.status)}, ${p.add(c.sealState)}, ${p.add(c.carrierSealFound)}, ${p.add(c.customsSealFound)}, ${p.add(c.sealNote)},
      ${p.add(c.heldAt, 'timestamptz')}
      FROM ${from}
    ON CONFLICT DO NOTHING
    RETURNING id)`
}

/** The declaration's list, still the one read (its content hash), held FOR SHARE until COMMIT so a list change waits for it. */
const listCte = (p: SqlParams, declarationNumber: string, listHash: string) => `list AS (
    SELECT 1 AS one FROM gate_declarations WHERE declaration_number = ${p.add(declarationNumber)} AND content_hash = ${p.add(listHash)} FOR SHARE)`

/**
 * A container's confirmation or hold, guarded by the list it was read from and by the unique indexes
 * (a container has one live record; a paper form is entered once: ON CONFLICT DO NOTHING makes the
 * write stale). A hold raises its notice to the office in the same statement.
 */
export function containerConfirmationWrite(
  claim: ClaimToStore | null,
  listHash: string,
  c: NewConfirmation,
  audit: AuditAppend,
  notices: NoticeAppend[] = [],
): GuardedWrite {
  const p = new SqlParams()
  const change = `${listCte(p, c.declarationNumber, listHash)},
  ${insertConfirmation(p, c, 'claim, list')}`
  return guardedWrite(notices.length === 0 ? 'gate-confirm-container' : 'gate-hold-container', p, claim, change, [audit], notices)
}

/**
 * A pass of a bulk lot. The lot's running totals are the one row every pass of the lot changes, so the
 * statement takes it FOR UPDATE first and adds the pass only while it fits (the total is never
 * exceeded, however many passes race); the stored outcome carries the totals as they then are,
 * computed from that locked row, so a replay answers what the first answer said.
 */
export function lotConfirmationWrite(claim: ClaimToStore | null, listHash: string, c: NewConfirmation, audit: AuditAppend): GuardedWrite {
  const p = new SqlParams()
  const d = p.add(c.declarationNumber)
  const l = p.add(c.entryRef)
  const q = p.add(String(c.quantity), 'numeric')
  const w = p.add(c.weight === null ? null : String(c.weight), 'numeric')
  const before = `${listCte(p, c.declarationNumber, listHash)},
  lot_now AS (SELECT quantity, quantity_passed, weight_passed FROM gate_lots WHERE declaration_number = ${d} AND lot_number = ${l} FOR UPDATE)`
  const change = `lot AS (
    UPDATE gate_lots SET quantity_passed = quantity_passed + ${q}, weight_passed = weight_passed + coalesce(${w}, 0)
      FROM claim, list
     WHERE declaration_number = ${d} AND lot_number = ${l} AND quantity_passed + ${q} <= quantity
    RETURNING quantity_passed::float8 AS "quantityPassed", (quantity - quantity_passed)::float8 AS "quantityRemaining",
              weight_passed::float8 AS "weightPassed"),
  ${insertConfirmation(p, c, 'lot')}`
  return guardedWrite('gate-confirm-lot', p, claim, {
    before,
    claimFrom: 'lot_now',
    outcomeSql: (outcome) => `jsonb_set(${outcome}, '{view,lot}', (${outcome} #> '{view,lot}') || jsonb_build_object(
        'quantityPassed', (lot_now.quantity_passed + ${q})::float8,
        'quantityRemaining', (lot_now.quantity - lot_now.quantity_passed - ${q})::float8,
        'weightPassed', (lot_now.weight_passed + coalesce(${w}, 0))::float8,
        'fullyPassed', lot_now.quantity - lot_now.quantity_passed - ${q} = 0))`,
    change,
    result: '(SELECT row_to_json(t) FROM lot t) AS totals',
  }, [audit])
}

export interface ConfirmationChangeRead {
  stored: StoredClaim | null
  confirmation: GateConfirmationRecord | null
  /** The supervising office of the confirmation's declaration. */
  office: string | null
  /** The declaration's status and list (content hash) as read: a release is guarded by them. */
  declarationStatus: string | null
  listHash: string | null
}

/** The read of a cancellation or a release: the key's stored outcome, the record, its declaration. */
export async function readConfirmationForChange(q: Queryable, claim: IdempotencyClaim | null, id: string): Promise<ConfirmationChangeRead> {
  const p = new SqlParams()
  const stored = storedOutcomeCte(p, claim)
  const text = `WITH ${stored}, found AS (SELECT ${CONFIRMATION_RECORD} FROM gate_confirmations c WHERE c.id = ${p.add(id, 'uuid')}),
  declaration AS (SELECT d.office, d.status, d.content_hash FROM gate_declarations d JOIN found f ON d.declaration_number = f."declarationNumber")
SELECT ${STORED_COLUMN}, (SELECT row_to_json(f) FROM found f) AS confirmation, (SELECT office FROM declaration) AS office,
  (SELECT status FROM declaration) AS "declarationStatus", (SELECT content_hash FROM declaration) AS "listHash"`
  const { rows } = await q.query<ConfirmationChangeRead>({ name: `gate-read-change-${claim ? 'k' : 'n'}`, text, values: p.values })
  return rows[0] as ConfirmationChangeRead
}

/**
 * A supervisor's release of a held container: it passes now (passed_at becomes the release time; the
 * time it was held stays in held_at), guarded by the hold still standing and the list as read.
 */
export function releaseWrite(
  claim: ClaimToStore | null,
  id: string,
  declarationNumber: string,
  listHash: string,
  r: GateDecision,
  audit: AuditAppend,
): GuardedWrite {
  const p = new SqlParams()
  const ctes = `${listCte(p, declarationNumber, listHash)},
  changed AS (
    UPDATE gate_confirmations SET status = 'CONFIRMED', passed_at = ${p.add(r.at, 'timestamptz')}, release_reason = ${p.add(r.reason)},
           released_at = ${p.add(r.at, 'timestamptz')}, released_by = ${p.add(r.by)}, release_origin = ${p.add(r.origin)},
           release_recorded_at = ${p.add(r.recordedAt, 'timestamptz')}
      FROM claim, list
     WHERE id = ${p.add(id, 'uuid')} AND status = 'HELD'
    RETURNING gate_confirmations.id)`
  return guardedWrite('gate-release', p, claim, ctes, [audit])
}

/** The cancellation of a live record (passed or held, as read); a lot gets its quantity (and weight) back in the same statement. */
export function cancelWrite(
  claim: ClaimToStore | null,
  id: string,
  from: 'CONFIRMED' | 'HELD',
  c: GateDecision,
  audit: AuditAppend,
): GuardedWrite {
  const p = new SqlParams()
  const ctes = `changed AS (
    UPDATE gate_confirmations SET status = 'CANCELLED', cancel_reason = ${p.add(c.reason)}, cancelled_at = ${p.add(c.at, 'timestamptz')},
           cancelled_by = ${p.add(c.by)}, cancel_origin = ${p.add(c.origin)}, cancel_recorded_at = ${p.add(c.recordedAt, 'timestamptz')}
      FROM claim
     WHERE id = ${p.add(id, 'uuid')} AND status = ${p.add(from)}
    RETURNING gate_confirmations.kind, gate_confirmations.declaration_number, gate_confirmations.entry_ref,
              gate_confirmations.quantity, gate_confirmations.weight),
  lot AS (
    UPDATE gate_lots l SET quantity_passed = l.quantity_passed - c.quantity,
           weight_passed = greatest(l.weight_passed - coalesce(c.weight, 0), 0)
      FROM changed c
     WHERE c.kind = 'lot' AND l.declaration_number = c.declaration_number AND l.lot_number = c.entry_ref)`
  return guardedWrite('gate-cancel', p, claim, ctes, [audit])
}

/** The live records of a declaration's entries — passes, and containers held for their seals — oldest first. */
export async function activeConfirmationsOf(q: Queryable, declarationNumber: string): Promise<GateConfirmationRecord[]> {
  const { rows } = await q.query<GateConfirmationRecord>(
    `SELECT ${CONFIRMATION_RECORD} FROM gate_confirmations c WHERE c.declaration_number = $1 AND c.status IN ('CONFIRMED', 'HELD')
      ORDER BY c.passed_at, c.id`,
    [declarationNumber],
  )
  return rows
}

export interface ConfirmationFilter {
  office: string | null
  declarationNumber: string | null
  containerNumber: string | null
  sealNumber: string | null
  status: ConfirmationStatus | null
  sealState: GateSealState | null
  from: string | null
  to: string | null
  after: { at: string; id: string } | null
  limit: number
}

/** Newest pass first; keyset on (passed_at, id). Fetches limit + 1 rows so the caller knows if there is more. */
export async function searchConfirmations(q: Queryable, f: ConfirmationFilter): Promise<GateConfirmationRecord[]> {
  const p = new SqlParams()
  const where: string[] = []
  if (f.office !== null) where.push(`c.office = ${p.add(f.office)}`)
  if (f.declarationNumber !== null) where.push(`c.declaration_number = ${p.add(f.declarationNumber)}`)
  if (f.containerNumber !== null) where.push(`c.kind = 'container' AND c.entry_ref = ${p.add(f.containerNumber)}`)
  if (f.sealNumber !== null) {
    const s = p.add(f.sealNumber)
    // The list's seals and those found at the gate: a seal number is one fact wherever it was read.
    where.push(`(c.carrier_seal = ${s} OR c.customs_seal = ${s} OR c.carrier_seal_found = ${s} OR c.customs_seal_found = ${s})`)
  }
  if (f.status !== null) where.push(`c.status = ${p.add(f.status)}`)
  if (f.sealState !== null) where.push(`c.seal_state = ${p.add(f.sealState)}`)
  if (f.from !== null) where.push(`c.passed_at >= ${p.add(f.from)}`)
  if (f.to !== null) where.push(`c.passed_at < ${p.add(f.to)}`)
  if (f.after !== null) where.push(`(c.passed_at, c.id) < (${p.add(f.after.at)}::timestamptz, ${p.add(f.after.id)}::uuid)`)
  const { rows } = await q.query<GateConfirmationRecord>(
    `SELECT ${CONFIRMATION_RECORD} FROM gate_confirmations c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY c.passed_at DESC, c.id DESC LIMIT ${p.add(f.limit + 1)}`,
    p.values,
  )
  return rows
}
