// Every minute: handovers past their time limit that have not arrived are marked OVERDUE and their
// departure office gets a notice to open a verification — in one transaction, so a notice exists
// exactly when the marking committed (services/overdue-scan-service.ts). Idempotent: a re-run (a lost
// complete(), a dead node) finds those handovers no longer HANDED_OVER, and a notice is unique per
// handover.
import type { Actor } from '../domain/actor.ts'
import { scanOverdueHandovers } from '../services/overdue-scan-service.ts'
import type { JobDefinition } from './job-definition.ts'

export const OVERDUE_SCAN_QUEUE = 'overdue-scan'

/** Who the audit trail names for changes made by the scheduled scan (no officer made them). */
export const SYSTEM_ACTOR: Actor = { officerId: 'system:overdue-scan', name: 'Hệ thống (quét quá hạn)', office: 'SYSTEM', role: 'admin' }

// Batches of the scan's default size; a backlog after a long outage is worked off in several
// transactions instead of one that holds thousands of row locks.
const MAX_BATCHES_PER_RUN = 20

export interface OverdueScanReport {
  marked: number
  notices: number
}

export async function runOverdueScan(deps: Parameters<JobDefinition['handle']>[0], runId: string): Promise<OverdueScanReport> {
  const report: OverdueScanReport = { marked: 0, notices: 0 }
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
    const ctx = {
      actor: SYSTEM_ACTOR,
      requestId: `overdue-scan:${runId}`,
      now: new Date().toISOString(),
      claim: null,
      paperBackdatingDays: deps.config.paperBackdatingDays,
    }
    const outcome = await scanOverdueHandovers(deps.db, ctx)
    if (outcome.kind !== 'updated') throw new Error(`the overdue scan answered ${outcome.kind}`)
    deps.metrics.changes(outcome.changes)
    report.marked += outcome.view.marked.length
    report.notices += outcome.view.notices
    if (!outcome.view.more) break
  }
  if (report.marked > 0) deps.log.info(report, 'overdue handovers marked')
  return report
}

export const overdueScanJob: JobDefinition = {
  name: OVERDUE_SCAN_QUEUE,
  queue: { policy: 'stately', expireInSeconds: 300, retryLimit: 3, retryBackoff: true, retryDelay: 10 },
  cron: '* * * * *',
  handle: (deps, _data, run) => runOverdueScan(deps, run.id),
}
