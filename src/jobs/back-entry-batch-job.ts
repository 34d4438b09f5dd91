// Applies the rows of uploaded back-entry batches (services/back-entry-service.ts). Sent with the
// batch id right after an upload; scheduled every minute without one, to resume any batch whose job
// was lost or whose node died (the stately policy with the batch id as key keeps one queued and one
// active per batch). Running twice is harmless: rows are taken only while pending, one at a time in
// file order under a per-batch lock.
import { processBatch, processUnfinishedBatches, type RowOutcome } from '../services/back-entry-service.ts'
import type { JobDefinition, JobDeps } from './job-definition.ts'

export const BACK_ENTRY_QUEUE = 'back-entry-batch'

export interface BackEntryJobData {
  batchId?: string
}

function rowObserver(deps: JobDeps) {
  return (outcome: RowOutcome) => {
    deps.metrics.backEntryRow(outcome.status)
    deps.metrics.changes(outcome.changes)
  }
}

export const backEntryBatchJob: JobDefinition<BackEntryJobData> = {
  name: BACK_ENTRY_QUEUE,
  // A large batch runs for minutes: the heartbeat (not the 15-minute expiry) notices a dead node
  // within a minute, and the job is retried on another node.
  queue: { policy: 'stately', expireInSeconds: 900, heartbeatSeconds: 30, retryLimit: 10, retryBackoff: true, retryDelay: 5, retryDelayMax: 300 },
  cron: '* * * * *',
  work: { pollingIntervalSeconds: 1 },
  async handle(deps, data, run) {
    const log = (err: unknown) => deps.log.error({ err, job: run.id }, 'back-entry row failed unexpectedly; rejected')
    const options = { paperBackdatingDays: deps.config.paperBackdatingDays, signal: run.signal, onRow: rowObserver(deps), log }
    if (data.batchId) return processBatch(deps.db, data.batchId, options)
    return { processed: await processUnfinishedBatches(deps.db, options) }
  },
}
