// SQL of the hash-chained audit trail (see migrations/001_foundation.sql for the chain layout).
import type { Queryable } from './database.ts'

export const AUDIT_STRIPES = 16

export interface AuditRow {
  stripe: number
  seq: string
  entry: string
  prev_hash: string
  hash: string
  entity_type: string
  entity_id: string
  action: string
  officer_id: string
  office: string
  occurred_at: Date
}

export interface AuditColumns {
  entityType: string
  entityId: string
  action: string
  officerId: string
  office: string
  occurredAt: string
}

export interface OutboxEventInsert {
  eventType: string
  entityType: string
  entityId: string
  payload: string
}

// One round trip for the audit row and the change's outbox event: lock the stripe's head, chain the
// row to it, move the head, and queue the event. The head row lock is held to COMMIT, which
// serialises writers of one stripe only.
const APPEND_SQL = `
WITH head AS (
  SELECT stripe, last_seq, last_hash FROM audit_chain_heads WHERE stripe = $1 FOR UPDATE
), chained AS (
  SELECT stripe, last_seq + 1 AS seq, last_hash AS prev_hash,
         encode(sha256(convert_to(last_hash || E'\\n' || $2::text, 'UTF8')), 'hex') AS hash
  FROM head
), inserted AS (
  INSERT INTO audit_log (stripe, seq, entry, prev_hash, hash, entity_type, entity_id, action, officer_id, office, occurred_at)
  SELECT stripe, seq, $2, prev_hash, hash, $3, $4, $5, $6, $7, $8 FROM chained
  RETURNING stripe, seq, hash
), event AS (
  INSERT INTO outbox (event_type, entity_type, entity_id, payload) VALUES ($9, $10, $11, $12)
)
UPDATE audit_chain_heads h SET last_seq = i.seq, last_hash = i.hash
FROM inserted i WHERE h.stripe = i.stripe
RETURNING i.seq`

export async function appendAuditRowWithEvent(
  q: Queryable,
  stripe: number,
  entry: string,
  c: AuditColumns,
  event: OutboxEventInsert,
): Promise<void> {
  await q.query({
    name: 'audit-append',
    text: APPEND_SQL,
    values: [
    stripe, entry, c.entityType, c.entityId, c.action, c.officerId, c.office, c.occurredAt,
    event.eventType, event.entityType, event.entityId, event.payload,
  ],
  })
}

// `seq::text` in the select list is named seq too: ORDER BY must name the column (audit_log.seq), or
// it sorts the text (1, 10, 2, …) and every chain of ten rows or more looks broken.
export async function auditRowsOfStripe(q: Queryable, stripe: number, afterSeq: string, limit: number): Promise<AuditRow[]> {
  const { rows } = await q.query<AuditRow>(
    `SELECT stripe, seq::text, entry, prev_hash, hash, entity_type, entity_id, action, officer_id, office, occurred_at
       FROM audit_log WHERE stripe = $1 AND seq > $2 ORDER BY audit_log.seq LIMIT $3`,
    [stripe, afterSeq, limit],
  )
  return rows
}

export async function auditChainHeads(q: Queryable): Promise<Array<{ stripe: number; last_seq: string; last_hash: string }>> {
  const { rows } = await q.query<{ stripe: number; last_seq: string; last_hash: string }>(
    'SELECT stripe, last_seq::text, last_hash FROM audit_chain_heads ORDER BY stripe',
  )
  return rows
}

export async function auditTrailOf(q: Queryable, entityType: string, entityId: string): Promise<AuditRow[]> {
  const { rows } = await q.query<AuditRow>(
    `SELECT stripe, seq::text, entry, prev_hash, hash, entity_type, entity_id, action, officer_id, office, occurred_at
       FROM audit_log WHERE entity_type = $1 AND entity_id = $2 ORDER BY recorded_at, audit_log.seq`,
    [entityType, entityId],
  )
  return rows
}
