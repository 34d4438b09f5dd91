// The audit trail: every change appends one row (and its outbox event) in the change's own statement
// or transaction, touching no row that other writes share. Sealing the rows into a signed Merkle
// tree happens after, off the write path (audit-seal-service.ts).
import type { ChangeCount } from '../domain/write.ts'
import type { AuditAppend } from '../db/write-statement.ts'
import { canonicalJson } from './canonical-json.ts'
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

/** The audit row and outbox event of a change, ready for its write statement. */
export function auditAppendOf(ctx: WriteContext, change: Change): AuditAppend {
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
    // A supervisor's step applied on an officer's request names the request it decided.
    ...(ctx.claim?.decides && { approvalRequestId: ctx.claim.decides.approvalId }),
  })
  return {
    entityType: change.entityType,
    entityId: change.entityId,
    action: change.action,
    officerId: change.backEntry.originalOfficer,
    office: ctx.actor.office,
    occurredAt: change.backEntry.occurredAt,
    entry,
    event: outboxEventOf(ctx, change),
  }
}

export const countOf = (change: Pick<Change, 'entityType' | 'action'>): ChangeCount => ({
  entityType: change.entityType,
  action: change.action,
})
