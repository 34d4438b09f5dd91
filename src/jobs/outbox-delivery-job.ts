// Delivers due outbox events (services/outbox-delivery-service.ts). Runs every minute as a backstop
// and whenever a node nudges it after a write; the stately policy keeps at most one run queued and
// one active, and the claim's SKIP LOCKED makes overlapping runs safe anyway.
import { deliverDueEvents, purgeDeliveredEvents } from '../services/outbox-delivery-service.ts'
import type { JobDefinition } from './job-definition.ts'

export const OUTBOX_DELIVERY_QUEUE = 'outbox-delivery'

/** Delivered events are kept this long for support questions. */
const DELIVERED_RETENTION_HOURS = 7 * 24

export const outboxDeliveryJob: JobDefinition = {
  name: OUTBOX_DELIVERY_QUEUE,
  // Short expiry: a run whose node died is taken up by another within a minute or so.
  queue: { policy: 'stately', expireInSeconds: 90, retryLimit: 5, retryBackoff: true, retryDelay: 5, deleteAfterSeconds: 3600 },
  cron: '* * * * *',
  work: { pollingIntervalSeconds: 1 },
  async handle({ db, config, metrics }) {
    if (!config.outboxEndpoint) return { delivered: 0, failed: 0, skipped: 'no OUTBOX_ENDPOINT configured' }
    const report = await deliverDueEvents(db, {
      endpoint: config.outboxEndpoint,
      timeoutMs: config.outboxTimeoutMs,
      onOutcome: (outcome) => metrics.outboxDelivery(outcome),
    })
    const purged = await purgeDeliveredEvents(db, DELIVERED_RETENTION_HOURS)
    return { ...report, purged }
  },
}
