// The overdue scan, one door for both callers (the scheduled job and the supervisors' on-demand
// route): mark handovers past their time limit OVERDUE and, in the same transaction, give their
// departure office a notice — so a handover is never marked without its notice.
import { markOverdue } from './handover-service.ts'
import { raiseOverdueNotices } from './notice-service.ts'
import type { WriteContext } from './write-context.ts'

export async function scanOverdueHandovers(
  ctx: WriteContext,
  options: Parameters<typeof markOverdue>[2] = {},
) {
  const scan = await markOverdue(ctx, ctx.now, options)
  const notices = await raiseOverdueNotices(ctx.tx, scan.marked)
  return { ...scan, notices }
}
