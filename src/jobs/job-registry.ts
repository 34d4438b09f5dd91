// Every background job the app runs; the queue plugin creates their queues and schedules and starts
// a worker for each on every node.
import type { JobDefinition } from './job-definition.ts'
import { backEntryBatchJob } from './back-entry-batch-job.ts'
import { idempotencySweepJob } from './idempotency-sweep-job.ts'
import { outboxDeliveryJob } from './outbox-delivery-job.ts'
import { overdueScanJob } from './overdue-scan-job.ts'

export const allJobs: JobDefinition[] = [
  overdueScanJob as JobDefinition,
  idempotencySweepJob,
  outboxDeliveryJob,
  backEntryBatchJob as JobDefinition,
]
