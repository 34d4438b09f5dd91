// pg-boss for background work (src/jobs/), exposed as `app.queue` (null when QUEUE_ENABLED=false).
// Failover rules (docs/architecture.md, "What fails over how"):
// - the `error` listener is attached before start(): an unhandled error event kills the process
//   (timgit/pg-boss#381); errors are logged and counted, never fatal;
// - start() is not retried by pg-boss when the database is down (#510): it runs in the background
//   with backoff, so the app starts and serves while the database fails over and the queue comes up
//   when it can;
// - its pool gets keepAlive and timeouts, and a small max: it is counted per node (3 app nodes).
import fp from 'fastify-plugin'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { PgBoss, type ConstructorOptions, type Job, type SendOptions } from 'pg-boss'
import { Counter, Gauge, Histogram } from 'prom-client'
import type { Config } from '../config.ts'
import { outboxBacklog } from '../db/outbox-repository.ts'
import { allJobs } from '../jobs/job-registry.ts'
import { OUTBOX_DELIVERY_QUEUE } from '../jobs/outbox-delivery-job.ts'
import type { JobDefinition, JobDeps } from '../jobs/job-definition.ts'

export interface AppQueue {
  readonly boss: PgBoss
  /** True once pg-boss has started and every job's queue, schedule and worker is in place. */
  readonly started: boolean
  /** Resolves when started (tests; routes never wait for it). */
  whenStarted(): Promise<void>
  /** Sends a job; rejects while the queue is not started. */
  send(name: string, data: object | null, options?: SendOptions): Promise<string | null>
  /** Sends a job if the queue is up; failures are logged, never thrown (a schedule is the backstop). */
  trySend(name: string, data: object | null, options?: SendOptions): Promise<string | null>
  /** Asks for an outbox delivery run soon (at most once a second per node). */
  nudgeOutbox(): void
}

declare module 'fastify' {
  interface FastifyInstance {
    queue: AppQueue | null
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

function queueSchemaOf(config: Config): string {
  const schema = config.queueSchema ?? (config.databaseSchema ? `${config.databaseSchema}_boss` : 'pgboss')
  // Checked here so a typo fails the start of the app, not every queue start attempt forever after.
  if (!SCHEMA_NAME.test(schema)) throw new Error(`QUEUE_SCHEMA=${schema}: expected a lower-case PostgreSQL name`)
  return schema
}

/**
 * A PgBoss client with the pool settings that survive a failover and an error listener already
 * attached. Exported for tools and tests that run workers outside the app.
 */
export function createQueueClient(
  config: Config,
  onError: (err: Error) => void,
  overrides: Partial<ConstructorOptions> = {},
): PgBoss {
  const options: ConstructorOptions & Record<string, unknown> = {
    connectionString: config.databaseUrl,
    schema: queueSchemaOf(config),
    application_name: `${config.nodeName}-queue`,
    max: config.queuePoolMax,
    connectionTimeoutMillis: config.connectTimeoutMs,
    // Passed through to pg.Pool (not in pg-boss's types): a dead server that sends no RST must not
    // hang a worker's fetch forever, and connections must move to the new primary after a failover.
    keepAlive: true,
    keepAliveInitialDelayMillis: 1000,
    // pg-boss's maintenance statements (stats, expiry sweeps) may legitimately run longer than a request's.
    query_timeout: Math.max(config.queryTimeoutMs, 30_000),
    idleTimeoutMillis: 10_000,
    maxLifetimeSeconds: 60,
    // Expired jobs (a worker's node died) are found by the supervise pass: every 30 s rather than
    // pg-boss's 60 s, so a dead node's job is taken up within expireInSeconds + 30 s.
    superviseIntervalSeconds: 30,
    monitorIntervalSeconds: 30,
    // The migrations make the schema (the app's role may create objects only inside it).
    createSchema: false,
    ...overrides,
  }
  const boss = new PgBoss(options)
  boss.on('error', onError)
  return boss
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
  })

// Seconds a job's duration is bucketed in: sweeps take milliseconds, a large back-entry batch minutes.
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900]
const START_BACKOFF_MAX_MS = 30_000
const METRIC_QUERY_TIMEOUT_MS = 1000

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

async function queuePlugin(app: FastifyInstance, opts: { config: Config; jobs?: JobDefinition[] }) {
  const { config } = opts
  const registry = app.metrics.registry
  let lastBacklog = { undelivered: 0, oldest_seconds: null as number | null }
  // One query per scrape for both gauges (prom-client collects them concurrently); a database that
  // does not answer keeps the last values rather than stalling /metrics.
  let backlogQuery: Promise<void> | null = null
  const refreshBacklog = () =>
    (backlogQuery ??= withTimeout(app.db.read((q) => outboxBacklog(q)), METRIC_QUERY_TIMEOUT_MS)
      .then((b) => { lastBacklog = b })
      .catch(() => undefined)
      .finally(() => { backlogQuery = null }))
  new Gauge({
    name: 'tqdt_outbox_backlog',
    help: 'Outbox events not yet delivered to the wider customs system',
    registers: [registry],
    async collect() {
      await refreshBacklog()
      this.set(lastBacklog.undelivered)
    },
  })
  new Gauge({
    name: 'tqdt_outbox_oldest_undelivered_seconds',
    help: 'Age of the oldest undelivered outbox event (0 when none)',
    registers: [registry],
    async collect() {
      await refreshBacklog()
      this.set(lastBacklog.oldest_seconds ?? 0)
    },
  })

  if (!config.queueEnabled) {
    app.decorate('queue', null)
    return
  }

  const jobs = opts.jobs ?? allJobs
  const workerErrors = new Counter({
    name: 'tqdt_queue_worker_errors_total',
    help: 'Errors reported by pg-boss (fetch, maintenance, start): logged and counted, never fatal',
    registers: [registry],
  })
  const jobFailures = new Counter({
    name: 'tqdt_job_failures_total',
    help: 'Job runs that threw (pg-boss retries them)',
    labelNames: ['queue'] as const,
    registers: [registry],
  })
  const jobDuration = new Histogram({
    name: 'tqdt_job_duration_seconds',
    help: 'Job run time by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [registry],
  })
  const outboxDeliveries = new Counter({
    name: 'tqdt_outbox_deliveries_total',
    help: 'Outbox delivery attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  })
  const backEntryRows = new Counter({
    name: 'tqdt_back_entry_rows_total',
    help: 'Back-entry rows processed by outcome',
    labelNames: ['status'] as const,
    registers: [registry],
  })

  const log: FastifyBaseLogger = app.log.child({ component: 'queue' })
  const boss = createQueueClient(config, (err) => {
    workerErrors.inc()
    log.warn({ err: err.message, code: (err as { code?: unknown }).code }, 'queue error (carrying on)')
  })
  boss.on('warning', (w) => log.warn({ warning: w.message }, 'queue warning'))

  const deps: JobDeps = {
    db: app.db,
    config,
    log,
    metrics: {
      outboxDelivery: (outcome) => outboxDeliveries.inc({ outcome }),
      backEntryRow: (status) => backEntryRows.inc({ status }),
      changes: (list) => app.metrics.recordChanges(list),
    },
  }

  let started = false
  let resolveStarted: () => void = () => {}
  const startedPromise = new Promise<void>((r) => { resolveStarted = r })
  const closing = new AbortController()

  new Gauge({
    name: 'tqdt_queue_depth',
    help: 'Jobs per queue and state (pg-boss cached counts, refreshed each monitor pass)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      if (!started) return
      const queues = await withTimeout(boss.getQueues(jobs.map((j) => j.name)), METRIC_QUERY_TIMEOUT_MS).catch(() => null)
      if (!queues) return
      this.reset()
      for (const q of queues) {
        this.set({ queue: q.name, state: 'ready' }, q.readyCount ?? 0)
        this.set({ queue: q.name, state: 'deferred' }, q.deferredCount ?? 0)
        this.set({ queue: q.name, state: 'active' }, q.activeCount ?? 0)
        this.set({ queue: q.name, state: 'failed' }, q.failedCount ?? 0)
      }
    },
  })
  new Gauge({
    name: 'tqdt_queue_started',
    help: '1 when this node has started pg-boss and its workers',
    registers: [registry],
    collect() {
      this.set(started ? 1 : 0)
    },
  })

  function handlerOf(job: JobDefinition) {
    // Workers fetch one job at a time (batchSize 1): a batch would share one fate on failure.
    return async ([j]: Job<object>[]) => {
      if (!j) return undefined
      const end = jobDuration.startTimer({ queue: job.name })
      try {
        const result = await job.handle(deps, j.data ?? {}, { id: j.id, retryCount: j.retryCount, signal: j.signal })
        end({ outcome: 'completed' })
        return result
      } catch (err) {
        end({ outcome: 'failed' })
        jobFailures.inc({ queue: job.name })
        log.warn({ queue: job.name, jobId: j.id, retryCount: j.retryCount, err: (err as Error).message }, 'job failed; pg-boss will retry it')
        throw err
      }
    }
  }

  // Everything here is idempotent (createQueue does nothing for an existing queue, schedule upserts,
  // work() after a failed attempt is skipped by the `registered` set), so a failover halfway through
  // is handled by running it again.
  const registered = new Set<string>()
  async function bringUp() {
    await boss.start()
    for (const job of jobs) {
      await boss.createQueue(job.name, job.queue)
      const { policy: _policy, ...changeable } = job.queue
      await boss.updateQueue(job.name, changeable)
      if (job.cron) await boss.schedule(job.name, job.cron, null, { tz: 'UTC' })
    }
    for (const job of jobs) {
      if (registered.has(job.name)) continue
      await boss.work(job.name, { ...job.work, batchSize: 1 }, handlerOf(job))
      registered.add(job.name)
    }
  }

  async function startInBackground() {
    for (let attempt = 1; !closing.signal.aborted; attempt++) {
      try {
        await bringUp()
        if (closing.signal.aborted) return
        started = true
        resolveStarted()
        log.info({ schema: queueSchemaOf(config), jobs: jobs.map((j) => j.name) }, 'queue started')
        return
      } catch (err) {
        if (closing.signal.aborted) return
        workerErrors.inc()
        // pg-boss refusing its configuration fails the same way on every attempt.
        if ((err as { code?: unknown }).code === 'ERR_ASSERTION') {
          log.error({ err: (err as Error).message }, 'queue configuration refused; the queue stays down')
          return
        }
        const waitMs = Math.min(1000 * 2 ** Math.min(attempt - 1, 10), START_BACKOFF_MAX_MS)
        log.warn({ attempt, waitMs, err: (err as Error).message }, 'queue could not start; retrying')
        await sleep(waitMs, closing.signal)
      }
    }
  }

  let lastNudge = 0
  const queue: AppQueue = {
    boss,
    get started() {
      return started
    },
    whenStarted: () => startedPromise,
    async send(name, data, options = {}) {
      if (!started) throw new Error('the queue is not started yet')
      return boss.send(name, data, options)
    },
    async trySend(name, data, options = {}) {
      if (!started) return null
      try {
        return await boss.send(name, data, options)
      } catch (err) {
        workerErrors.inc()
        log.warn({ queue: name, err: (err as Error).message }, 'could not send a job; its schedule will catch up')
        return null
      }
    },
    nudgeOutbox() {
      const now = Date.now()
      if (!started || !config.outboxEndpoint || now - lastNudge < 1000) return
      lastNudge = now
      void queue.trySend(OUTBOX_DELIVERY_QUEUE, null)
    },
  }
  app.decorate('queue', queue)
  app.dependencyProbes.set('queue', async () => ({ started, schema: queueSchemaOf(config) }))

  // A committed write has (almost always) written outbox events: deliver them now rather than at the
  // next minute's scheduled run.
  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD' || reply.statusCode >= 300) return
    queue.nudgeOutbox()
  })

  app.addHook('onReady', async () => {
    void startInBackground()
  })
  app.addHook('onClose', async () => {
    closing.abort()
    // Graceful: running jobs get a few seconds to finish; one that does not is failed and retried
    // by another node (handlers are idempotent).
    await boss.stop({ graceful: true, timeout: 10_000 }).catch((err: Error) => log.warn({ err: err.message }, 'queue stop failed'))
  })
}

export default fp(queuePlugin, { name: 'queue', dependencies: ['postgres', 'metrics', 'health'] })
