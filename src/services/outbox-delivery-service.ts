// Delivers due outbox events to the configured endpoint, at least once: claim a batch (a short
// transaction that leases the rows), POST each event outside any transaction, then mark it delivered
// or schedule its retry with exponential backoff. A node that dies between the POST and the mark
// leaves the event leased; the lease runs out and another node delivers it again. The receiver
// dedupes on the Idempotency-Key header (the event's dedupe key), so each event applies once in effect.
import type { Database } from '../db/database.ts'
import { claimDueEvents, deleteDeliveredBefore, markDelivered, markFailed, type OutboxEvent } from '../db/outbox-repository.ts'

export interface DeliveryOptions {
  endpoint: string
  timeoutMs: number
  batchSize?: number
  /** How long a claimed event is withheld from other deliverers (longer than one POST can take). */
  leaseSeconds?: number
  /** The job returns after this long even with events left (the next run goes on). */
  timeBudgetMs?: number
  retryBaseMs?: number
  retryMaxMs?: number
  post?: (url: string, init: RequestInit) => Promise<Response>
  onOutcome?: (outcome: 'delivered' | 'failed') => void
}

export interface DeliveryReport {
  delivered: number
  failed: number
}

const DEFAULTS = {
  batchSize: 50,
  leaseSeconds: 60,
  timeBudgetMs: 30_000,
  retryBaseMs: 5_000,
  // A receiver that is down for hours is retried every 15 minutes, not forgotten.
  retryMaxMs: 15 * 60_000,
}

/** Exponential backoff with ±20 % jitter, so events that failed together do not retry together. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)))
  return Math.round(exp * (0.8 + 0.4 * random()))
}

export function requestOf(event: OutboxEvent): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': event.dedupe_key,
      'x-event-type': event.event_type,
    },
    body: JSON.stringify({
      eventId: event.dedupe_key,
      sequence: Number(event.id),
      type: event.event_type,
      createdAt: new Date(event.created_at).toISOString(),
      data: event.payload,
    }),
  }
}

async function postOne(event: OutboxEvent, o: DeliveryOptions): Promise<string | null> {
  const post = o.post ?? fetch
  try {
    const res = await post(o.endpoint, { ...requestOf(event), signal: AbortSignal.timeout(o.timeoutMs) })
    // Drain the body so the keep-alive connection can be reused.
    await res.arrayBuffer().catch(() => undefined)
    return res.ok ? null : `HTTP ${res.status}`
  } catch (err) {
    return (err as Error).message || String(err)
  }
}

export async function deliverDueEvents(db: Database, options: DeliveryOptions): Promise<DeliveryReport> {
  const o = { ...DEFAULTS, ...options }
  const report: DeliveryReport = { delivered: 0, failed: 0 }
  const stopAt = Date.now() + o.timeBudgetMs
  while (Date.now() < stopAt) {
    // Claiming twice after a COMMIT lost in a failover only leases rows that would be delivered anyway.
    const events = await db.write((tx) => claimDueEvents(tx, o.batchSize, o.leaseSeconds), { idempotent: true })
    // Not `< batchSize`: a claim takes only the oldest undelivered event of each record, so a short
    // batch can still leave the next event of a record due.
    if (events.length === 0) break
    for (const event of events) {
      const error = await postOne(event, o)
      if (error === null) {
        await db.write((tx) => markDelivered(tx, event.id), { idempotent: true })
        report.delivered++
      } else {
        const delay = retryDelayMs(event.attempts, o.retryBaseMs, o.retryMaxMs)
        await db.write((tx) => markFailed(tx, event.id, error, delay), { idempotent: true })
        report.failed++
      }
      o.onOutcome?.(error === null ? 'delivered' : 'failed')
    }
  }
  return report
}

/** Delivered events are kept a while for support questions, then removed in bounded batches. */
export async function purgeDeliveredEvents(db: Database, retentionHours: number): Promise<number> {
  let total = 0
  for (;;) {
    const n = await db.write((tx) => deleteDeliveredBefore(tx, retentionHours, 5000), { idempotent: true })
    total += n
    if (n < 5000) return total
  }
}
