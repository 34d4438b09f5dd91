// SQL of the transactional outbox (table outbox, migrations/005_outbox.sql). Events are inserted
// with their change's audit row (audit-repository.ts: one statement for both).
import type { Queryable } from './database.ts'

export interface OutboxEvent {
  id: string
  event_type: string
  entity_type: string
  entity_id: string
  payload: unknown
  dedupe_key: string
  attempts: number
  created_at: Date
}

/**
 * Claims up to `limit` due events: SKIP LOCKED lets several nodes claim side by side without waiting
 * on each other, and moving next_attempt_at forward by the lease keeps a claimed event from being
 * claimed again while its POST is in flight. An event waits while an earlier event of the same
 * entity is undelivered, so one record's events arrive in the order they happened.
 */
export async function claimDueEvents(q: Queryable, limit: number, leaseSeconds: number): Promise<OutboxEvent[]> {
  const { rows } = await q.query<OutboxEvent>(
    `WITH due AS (
       SELECT o.id FROM outbox o
        WHERE o.delivered_at IS NULL AND o.next_attempt_at <= now()
          AND NOT EXISTS (
            SELECT 1 FROM outbox e
             WHERE e.entity_type = o.entity_type AND e.entity_id = o.entity_id
               AND e.delivered_at IS NULL AND e.id < o.id)
        ORDER BY o.next_attempt_at, o.id
        LIMIT $1
        FOR UPDATE SKIP LOCKED)
     UPDATE outbox o SET attempts = o.attempts + 1,
            next_attempt_at = now() + make_interval(secs => $2)
       FROM due WHERE o.id = due.id
     RETURNING o.id::text, o.event_type, o.entity_type, o.entity_id, o.payload, o.dedupe_key, o.attempts, o.created_at`,
    [limit, leaseSeconds],
  )
  return rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)))
}

export async function markDelivered(q: Queryable, id: string): Promise<void> {
  await q.query('UPDATE outbox SET delivered_at = now(), last_error = NULL WHERE id = $1 AND delivered_at IS NULL', [id])
}

export async function markFailed(q: Queryable, id: string, error: string, retryInMs: number): Promise<void> {
  await q.query(
    `UPDATE outbox SET last_error = $2, next_attempt_at = now() + make_interval(secs => $3)
      WHERE id = $1 AND delivered_at IS NULL`,
    [id, error.slice(0, 1000), retryInMs / 1000],
  )
}

export interface OutboxBacklog {
  undelivered: number
  oldest_seconds: number | null
}

export async function outboxBacklog(q: Queryable): Promise<OutboxBacklog> {
  const { rows } = await q.query<OutboxBacklog>(
    `SELECT count(*)::int AS undelivered,
            EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest_seconds
       FROM outbox WHERE delivered_at IS NULL`,
  )
  return rows[0] ?? { undelivered: 0, oldest_seconds: null }
}

/** Deletes delivered events older than the retention in bounded batches; returns how many went. */
export async function deleteDeliveredBefore(q: Queryable, retentionHours: number, batch: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM outbox WHERE id IN (
       SELECT id FROM outbox
        WHERE delivered_at IS NOT NULL AND delivered_at < now() - make_interval(hours => $1)
        LIMIT $2)`,
    [retentionHours, batch],
  )
  return rowCount ?? 0
}
