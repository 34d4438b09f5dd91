// What a background job is: its pg-boss queue settings, an optional schedule, and one handler that
// calls services. Handlers must be idempotent: a job whose complete() was lost in a failover, or whose
// node died mid-run, runs again after it expires.
import type { FastifyBaseLogger } from 'fastify'
import type { Queue, WorkOptions } from 'pg-boss'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'

export interface JobMetrics {
  outboxDelivery(outcome: 'delivered' | 'failed'): void
  backEntryRow(status: string): void
  /** Business changes a job committed (counted like those of HTTP writes). */
  changes(list: Array<{ entityType: string; action: string }>): void
}

export interface JobDeps {
  db: Database
  config: Config
  log: FastifyBaseLogger
  metrics: JobMetrics
}

export interface JobRun {
  id: string
  /** 0 on the first run; above 0 when an earlier run failed or expired (its node died). */
  retryCount: number
  signal: AbortSignal
}

export interface JobDefinition<Data extends object = object> {
  name: string
  queue: Omit<Queue, 'name'>
  /** Cron expression (UTC) on which pg-boss creates a job, once for the whole cluster. */
  cron?: string
  work?: WorkOptions
  handle(deps: JobDeps, data: Data, run: JobRun): Promise<unknown>
}
