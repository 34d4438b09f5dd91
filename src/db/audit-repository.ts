// SQL of the audit trail's rows (table audit_log, migrations/011_write_path.sql). A change appends its
// row and nothing else; sealing is audit-seal-repository.ts.
import type { Queryable } from './database.ts'
import type { AuditAppend } from './write-statement.ts'

/** Audit rows and their outbox events for a change made in an explicit transaction (one statement). */
export async function appendAuditRows(q: Queryable, audits: AuditAppend[]): Promise<void> {
  if (audits.length === 0) return
  await q.query({
    name: 'audit-append',
    text: `WITH audit AS (
      INSERT INTO audit_log (entity_type, entity_id, action, officer_id, office, occurred_at, entry)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[]))
    INSERT INTO outbox (event_type, entity_type, entity_id, payload)
    SELECT * FROM unnest($8::text[], $1::text[], $2::text[], $9::jsonb[])`,
    values: [
      audits.map((a) => a.entityType),
      audits.map((a) => a.entityId),
      audits.map((a) => a.action),
      audits.map((a) => a.officerId),
      audits.map((a) => a.office),
      audits.map((a) => a.occurredAt),
      audits.map((a) => a.entry),
      audits.map((a) => a.event.eventType),
      audits.map((a) => a.event.payload),
    ],
  })
}
