// Removes expired Idempotency-Key records (kept idempotencyTtlHours, at least 24 h) in bounded
// batches, so the table and its index stay the size of one retention window. Idempotent by nature:
// a second run finds nothing expired.
import { deleteExpiredKeys } from '../db/idempotency-repository.ts'
import type { JobDefinition } from './job-definition.ts'

const BATCH = 5000

export const idempotencySweepJob: JobDefinition = {
  name: 'idempotency-sweep',
  queue: { policy: 'stately', expireInSeconds: 600, retryLimit: 3, retryBackoff: true, retryDelay: 30 },
  cron: '17 * * * *',
  async handle({ db, log }, _data, run) {
    let removed = 0
    for (;;) {
      if (run.signal.aborted) break
      // A batch deleted twice after a COMMIT lost in a failover deletes nothing the second time.
      const n = await db.write((tx) => deleteExpiredKeys(tx, BATCH), { idempotent: true })
      removed += n
      if (n < BATCH) break
    }
    if (removed > 0) log.info({ removed }, 'expired idempotency keys removed')
    return { removed }
  },
}
