// What the wider customs system hears of a change: one outbox event per audited change, written in
// the change's own statement (or transaction) beside the audit row, so a rolled-back change leaves
// no event.
import type { Origin } from '../domain/write.ts'
import type { Change } from './audit-service.ts'
import type { WriteContext } from './write-context.ts'

export interface OutboxPayload {
  eventType: string
  entityType: string
  entityId: string
  action: string
  /** When it happened: the paper record's own time for a back-entered record. */
  occurredAt: string
  recordedAt: string
  origin: Origin
  officerId: string
  enteredBy: string
  office: string
  before: unknown
  after: unknown
}

function eventTypeOf(entityType: string, action: string): string {
  return `${entityType}.${action}`
}

/** The event of a change, as it is stored beside the audit row. */
export function outboxEventOf(ctx: WriteContext, change: Change): { eventType: string; payload: string } {
  const eventType = eventTypeOf(change.entityType, change.action)
  const payload: OutboxPayload = {
    eventType,
    entityType: change.entityType,
    entityId: change.entityId,
    action: change.action,
    occurredAt: change.backEntry.occurredAt,
    recordedAt: ctx.now,
    origin: change.backEntry.origin,
    officerId: change.backEntry.originalOfficer,
    enteredBy: ctx.actor.officerId,
    office: ctx.actor.office,
    before: change.before ?? null,
    after: change.after ?? null,
  }
  return { eventType, payload: JSON.stringify(payload) }
}
