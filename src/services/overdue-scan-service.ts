// The overdue scan, one door for both callers (the scheduled job and the supervisors' on-demand
// route): mark handovers past their time limit OVERDUE and, in the same transaction, give their
// departure office a notice — so a handover is never marked without its notice.
import { HANDOVER_ENTITY } from '../domain/handover.ts'
import type { WriteOutcome } from '../domain/write.ts'
import type { Queryable } from '../db/database.ts'
import { lockDueHandovers, markOverdue } from '../db/handover-repository.ts'
import type { Change } from './audit-service.ts'
import { transition } from './handover-state-machine.ts'
import { handoverView } from './handover-views.ts'
import { claimedTransaction } from './idempotency-service.ts'
import { raiseOverdueNotices } from './notice-service.ts'
import type { BackEntry, WriteContext } from './write-context.ts'

const OVERDUE_SCAN_BATCH = 500

export interface OverdueScanResult {
  marked: Array<{ id: string; handoverNumber: string; dueAt: string }>
  /** True when the batch was full: run the scan again. */
  more: boolean
  /** Notices raised for the departure offices. */
  notices: number
}

/**
 * Marks up to `limit` HANDED_OVER handovers whose time limit has passed as OVERDUE: every office's
 * (the scheduled job), or those leaving one office (a supervisor's request).
 */
export function scanOverdueHandovers(
  q: Queryable,
  ctx: WriteContext,
  options: { departureOffice?: string | null; limit?: number } = {},
): Promise<WriteOutcome<OverdueScanResult>> {
  const limit = options.limit ?? OVERDUE_SCAN_BATCH
  const back: BackEntry = { origin: 'online', occurredAt: ctx.now, originalOfficer: ctx.actor.officerId }
  return claimedTransaction(q, ctx, async (tx) => {
    const due = await lockDueHandovers(tx, ctx.now, options.departureOffice ?? null, limit)
    const changes: Change[] = due.map((h) => {
      const to = transition(h.status, 'markOverdue', 'OVERDUE')
      return {
        entityType: HANDOVER_ENTITY,
        entityId: h.id,
        action: 'markOverdue',
        before: { status: h.status, version: h.version },
        after: { status: to, version: h.version + 1, overdueAt: ctx.now, dueAt: h.dueAt },
        backEntry: back,
      }
    })
    if (due.length > 0) await markOverdue(tx, due.map((h) => h.id), ctx.now)
    const notices = await raiseOverdueNotices(tx, due.map((h) => handoverView({ ...h, status: 'OVERDUE', overdueAt: ctx.now })))
    const marked = due.map((h) => ({ id: h.id, handoverNumber: h.handoverNumber, dueAt: h.dueAt }))
    return { outcome: { kind: 'updated', view: { marked, more: due.length === limit, notices } }, changes }
  })
}
