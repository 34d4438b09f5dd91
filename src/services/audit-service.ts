// The audit trail: every change appends a row in the change's own transaction, and the chain can be
// verified end to end (an edited, deleted or truncated row breaks it).
import { createHash } from 'node:crypto'
import type { Queryable } from '../db/database.ts'
import { AUDIT_STRIPES, appendAuditRowWithEvent, auditChainHeads, auditRowsOfStripe, auditTrailOf } from '../db/audit-repository.ts'
import { canonicalJson } from './canonical-json.ts'
import { forbidden, notFound } from '../errors.ts'
import type { Actor } from './jwt-service.ts'
import { outboxEventOf } from './outbox-service.ts'
import type { BackEntry, WriteContext } from './write-context.ts'

export interface Change {
  entityType: string
  entityId: string
  action: string
  before: unknown
  after: unknown
  backEntry: BackEntry
}

export function stripeOf(entityId: string): number {
  return createHash('sha256').update(entityId).digest().readUInt8(0) % AUDIT_STRIPES
}

/** Appends the audit row and the outbox event of a change; call it inside the change's transaction. */
export async function recordChange(ctx: WriteContext, change: Change): Promise<void> {
  ctx.changes.push({ entityType: change.entityType, action: change.action })
  const entry = canonicalJson({
    action: change.action,
    entityType: change.entityType,
    entityId: change.entityId,
    officerId: change.backEntry.originalOfficer,
    enteredBy: ctx.actor.officerId,
    office: ctx.actor.office,
    origin: change.backEntry.origin,
    occurredAt: change.backEntry.occurredAt,
    recordedAt: ctx.now,
    requestId: ctx.requestId,
    before: change.before ?? null,
    after: change.after ?? null,
  })
  await appendAuditRowWithEvent(ctx.tx, stripeOf(change.entityId), entry, {
    entityType: change.entityType,
    entityId: change.entityId,
    action: change.action,
    officerId: change.backEntry.originalOfficer,
    office: ctx.actor.office,
    occurredAt: change.backEntry.occurredAt,
  }, outboxEventOf(ctx, change))
}

export interface ChainProblem {
  stripe: number
  seq: string
  problem: 'HASH_MISMATCH' | 'BROKEN_LINK' | 'SEQUENCE_GAP' | 'COLUMNS_DIFFER_FROM_ENTRY' | 'HEAD_MISMATCH'
}

export interface ChainReport {
  ok: boolean
  rowsChecked: number
  stripes: number
  problems: ChainProblem[]
}

const BATCH = 2000

/**
 * Walks every chain from its start; reports the first problem of each chain. Runs in one
 * repeatable-read snapshot, so writes during the walk cannot look like a head mismatch; q must be a
 * single connection (a checked-out client), not a pool.
 */
export async function verifyAuditChain(q: Queryable): Promise<ChainReport> {
  await q.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  try {
    return await walkAuditChains(q)
  } finally {
    await q.query('COMMIT').catch(() => undefined)
  }
}

async function walkAuditChains(q: Queryable): Promise<ChainReport> {
  const heads = await auditChainHeads(q)
  const problems: ChainProblem[] = []
  let rowsChecked = 0
  for (const head of heads) {
    let prevHash = '0'.repeat(64)
    let expectedSeq = 1n
    let lastSeq = '0'
    let broken = false
    for (;;) {
      const rows = await auditRowsOfStripe(q, head.stripe, lastSeq, BATCH)
      for (const row of rows) {
        rowsChecked++
        const problem = checkRow(row, prevHash, expectedSeq)
        if (problem) {
          problems.push({ stripe: head.stripe, seq: row.seq, problem })
          broken = true
          break
        }
        prevHash = row.hash
        expectedSeq = BigInt(row.seq) + 1n
        lastSeq = row.seq
      }
      if (broken || rows.length < BATCH) break
    }
    if (!broken && (head.last_seq !== lastSeq || head.last_hash !== prevHash)) {
      problems.push({ stripe: head.stripe, seq: head.last_seq, problem: 'HEAD_MISMATCH' })
    }
  }
  return { ok: problems.length === 0, rowsChecked, stripes: heads.length, problems }
}

function checkRow(
  row: { seq: string; entry: string; prev_hash: string; hash: string; entity_type: string; entity_id: string; action: string; officer_id: string },
  prevHash: string,
  expectedSeq: bigint,
): ChainProblem['problem'] | null {
  if (BigInt(row.seq) !== expectedSeq) return 'SEQUENCE_GAP'
  if (row.prev_hash !== prevHash) return 'BROKEN_LINK'
  const hash = createHash('sha256').update(`${prevHash}\n${row.entry}`, 'utf8').digest('hex')
  if (hash !== row.hash) return 'HASH_MISMATCH'
  const entry = JSON.parse(row.entry) as Record<string, unknown>
  if (
    entry.entityType !== row.entity_type ||
    entry.entityId !== row.entity_id ||
    entry.action !== row.action ||
    entry.officerId !== row.officer_id
  ) {
    return 'COLUMNS_DIFFER_FROM_ENTRY'
  }
  return null
}

/**
 * The audit trail of one record, oldest first, as the entries were chained. Before/after images are
 * as sensitive as the record: an officer sees the trail of a record their office took part in
 * (made one of its changes); an admin sees every trail.
 */
export async function auditTrail(q: Queryable, actor: Actor, entityType: string, entityId: string) {
  const rows = await auditTrailOf(q, entityType, entityId)
  if (rows.length === 0) throw notFound('AUDIT_TRAIL_NOT_FOUND', `No audit trail for ${entityType} ${entityId}`)
  if (actor.role !== 'admin' && !rows.some((r) => r.office === actor.office)) {
    throw forbidden('OFFICE_FORBIDDEN', 'Only an office that took part in this record may read its audit trail')
  }
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, ...(JSON.parse(r.entry) as Record<string, unknown>) }))
}
