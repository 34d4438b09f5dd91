// The queue plugin (pg-boss): it starts in the background while the database is unreachable and
// comes up when it can; workers deliver the outbox after a write; job metrics are exported; and a
// job running when its node is killed is taken up by another worker without doubling its effect.
//
// This file is also the killed node: run with QUEUE_KILL_CHILD=1 it starts a worker whose handler
// writes its effect and then hangs (see runKillChild).
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { loadConfig, type Config } from '../../src/config.ts'
import { createQueueClient } from '../../src/plugins/queue.ts'
import type { Db } from 'pg-boss'

const KILL_QUEUE = 'kill-test'
// Short enough for a test: a dead node's job is failed by the supervise pass (every second here)
// two seconds after it started, and retried.
const KILL_QUEUE_OPTIONS = { expireInSeconds: 2, retryLimit: 3, retryDelay: 0 }
const FAST_SUPERVISION = { superviseIntervalSeconds: 1, monitorIntervalSeconds: 1, schedule: false }

function configFor(schema: string, overrides: Partial<Config> = {}): Config {
  return loadConfig({}, {
    databaseUrl: process.env.TEST_DATABASE_URL as string,
    databaseSchema: schema,
    jwtSecret: 'unused-by-the-worker-but-32-bytes-or-more',
    ...overrides,
  })
}

async function writeEffect(db: Db, schema: string, jobId: string, attempt: number) {
  // The effect is keyed by the job: a second run finds it and adds nothing.
  await db.executeSql(`INSERT INTO ${schema}.kill_effects (job_id, written_by) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING`, [jobId, process.pid])
  await db.executeSql(`INSERT INTO ${schema}.kill_runs (job_id, pid, retry_count) VALUES ($1, $2, $3)`, [jobId, process.pid, attempt])
}

async function runKillChild(): Promise<void> {
  const schema = process.env.KILL_SCHEMA as string
  const boss = createQueueClient(configFor(schema), (err) => console.error(`child queue error: ${err.message}`), FAST_SUPERVISION)
  await boss.start()
  await boss.work<{ n: number }>(KILL_QUEUE, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
    if (!job) return
    try {
      await writeEffect(boss.getDb(), schema, job.id, job.retryCount)
    } catch (err) {
      console.error(`child could not write its effect: ${(err as Error).message}`)
      throw err
    }
    console.log(`RUNNING ${job.id}`)
    await new Promise(() => {}) // hangs until the node is killed
  })
}

if (process.env.QUEUE_KILL_CHILD === '1') {
  await runKillChild()
} else {
  await runTests()
}

async function runTests() {
  const { default: t } = await import('tap')
  const { buildTestApp, testDatabaseUrlVia } = await import('../helper.ts')
  const { startOutboxReceiver } = await import('../../src/commands/outbox-receiver-command.ts')
  type T = Parameters<typeof buildTestApp>[0]

  const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) => {
    const stopAt = Date.now() + timeoutMs
    while (!(await check())) {
      if (Date.now() > stopAt) throw new Error(`timed out waiting for: ${what}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  /** A TCP proxy to the test database that refuses connections until open() is called. */
  async function closedDatabaseProxy(t: T) {
    const target = new URL(process.env.TEST_DATABASE_URL as string)
    const probe = net.createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()))
    const port = (probe.address() as net.AddressInfo).port
    await new Promise<void>((r) => probe.close(() => r()))
    const sockets = new Set<net.Socket>()
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('error', () => { client.destroy(); upstream.destroy() })
        s.on('close', () => sockets.delete(s))
      }
      client.pipe(upstream).pipe(client)
    })
    t.teardown(async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    })
    return {
      url: testDatabaseUrlVia(port),
      open: () => new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r())),
      /** The database goes away: every connection is cut and new ones are refused. */
      cut: async () => {
        const closed = new Promise<void>((r) => server.close(() => r()))
        for (const s of sockets) s.destroy()
        await closed
      },
    }
  }

  const workerErrors = async (api: Awaited<ReturnType<typeof buildTestApp>>) =>
    Number(/tqdt_queue_worker_errors_total\{[^}]*\} (\d+)/.exec((await api.app.internalListener.inject({ url: '/metrics' })).body)?.[1] ?? 0)

  t.test('the app serves while the database is unreachable; the queue starts in the background when it can', async (t) => {
    const proxy = await closedDatabaseProxy(t)
    const api = await buildTestApp(t, { queueEnabled: true, databaseUrl: proxy.url, connectTimeoutMs: 500 })
    const queue = api.app.queue
    if (!queue) throw new Error('queue expected')
    t.equal((await api.app.inject({ url: '/health/live' })).statusCode, 200, 'the app is up')
    t.equal(queue.started, false, 'the queue is not')
    await until('a failed start to be counted', async () => /tqdt_queue_worker_errors_total\{[^}]*\} [1-9]/.test((await api.app.internalListener.inject({ url: '/metrics' })).body))
    t.match((await api.app.internalListener.inject({ url: '/health/deps' })).json(), { queue: { started: false } })
    t.equal(await queue.send('overdue-scan', null).catch((err: Error) => err.message), 'the queue is not started yet')
    t.equal(await queue.trySend('overdue-scan', null), null, 'trySend never throws')

    await proxy.open()
    await until('the queue to start', () => queue.started, 30_000)
    t.match((await api.app.internalListener.inject({ url: '/health/deps' })).json(), { queue: { started: true } })
    const schedules = (await queue.boss.getSchedules()).map((s) => `${s.name} ${s.cron}`).sort()
    t.same(schedules, ['back-entry-batch * * * * *', 'idempotency-sweep 17 * * * *', 'outbox-delivery * * * * *', 'overdue-scan * * * * *'])
    const metrics = (await api.app.internalListener.inject({ url: '/metrics' })).body
    t.match(metrics, /tqdt_queue_started\{[^}]*\} 1/)

    // A failover after the start: every connection dies and the database refuses new ones for a while.
    const before = await workerErrors(api)
    await proxy.cut()
    await until('worker errors during the outage to be counted', async () => (await workerErrors(api)) > before)
    t.equal((await api.app.inject({ url: '/health/live' })).statusCode, 200, 'never fatal: the process serves on')
    await proxy.open()
    let jobId: string | null = null
    await until('a job to be accepted again', async () => (jobId = await queue.trySend('overdue-scan', null)) !== null, 30_000)
    await until('the workers to run it', async () =>
      (await queue.boss.findJobs('overdue-scan', { id: jobId as string }))[0]?.state === 'completed', 30_000)
    t.pass('the workers carried on after the outage')
  })

  t.test('after a write, the outbox is delivered by a worker; job metrics are exported', async (t) => {
    const receiver = await startOutboxReceiver()
    t.teardown(() => receiver.close())
    const api = await buildTestApp(t, { queueEnabled: true, outboxEndpoint: receiver.url })
    const queue = api.app.queue
    if (!queue) throw new Error('queue expected')
    await queue.whenStarted()
    const res = await api.as('02CI', {
      method: 'POST',
      url: '/api/v1/paper-declarations',
      payload: {
        formType: 'import', office: '02CI', receiptYear: 2025, receiptNumber: 11, declarantName: 'Công ty TNHH ABC',
        taxCode: '0100109106', procedureType: 'A11', channel: 1, registeredAt: '2025-03-14T08:30:00+07:00',
        goodsLines: [{ hsCode: '85171300', description: 'Điện thoại', quantity: 1, unit: 'PCE', value: 10, currency: 'USD', originCountry: 'CN' }],
      },
    })
    t.equal(res.statusCode, 201, res.body)
    await until('the event to reach the receiver', () => receiver.stats().unique === 1)
    t.match(receiver.events()[0]?.body, { type: 'paper_declaration.create', data: { entityId: '02CI-2025-11' } })
    await until('the outbox row to be marked delivered', async () =>
      (await api.sql('SELECT count(*)::int AS n FROM outbox WHERE delivered_at IS NULL')).rows[0]?.n === 0)

    // A job that throws is counted and retried; the worker carries on.
    await queue.send('back-entry-batch', { batchId: 'not-a-uuid' })
    await until('the failure to be counted', async () =>
      /tqdt_job_failures_total\{[^}]*queue="back-entry-batch"[^}]*\} [1-9]/.test((await api.app.internalListener.inject({ url: '/metrics' })).body))
    const metrics = (await api.app.internalListener.inject({ url: '/metrics' })).body
    t.match(metrics, /tqdt_job_duration_seconds_count\{[^}]*queue="outbox-delivery"[^}]*outcome="completed"[^}]*\} [1-9]/)
    t.match(metrics, /tqdt_outbox_deliveries_total\{[^}]*outcome="delivered"[^}]*\} 1/)
    t.match(metrics, /# TYPE tqdt_queue_depth gauge/)
  })

  t.test('a job running when its node is killed is taken up by another worker; its effect exists once', async (t) => {
    const api = await buildTestApp(t)
    await api.ownerSql('CREATE TABLE kill_effects (job_id text PRIMARY KEY, written_by int NOT NULL)')
    await api.ownerSql('CREATE TABLE kill_runs (id serial PRIMARY KEY, job_id text NOT NULL, pid int NOT NULL, retry_count int NOT NULL)')
    await api.ownerSql('GRANT SELECT, INSERT, UPDATE ON kill_effects, kill_runs TO tqdt_app; GRANT USAGE ON SEQUENCE kill_runs_id_seq TO tqdt_app')
    const boss = createQueueClient(configFor(api.schema), () => undefined, FAST_SUPERVISION)
    await boss.start()
    t.teardown(() => boss.stop({ graceful: false, timeout: 1000 }))
    await boss.createQueue(KILL_QUEUE, KILL_QUEUE_OPTIONS)
    const jobId = (await boss.send(KILL_QUEUE, { n: 1 })) as string

    // Given a worker on another node that has written its effect and is still running the job …
    const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, QUEUE_KILL_CHILD: '1', KILL_SCHEMA: api.schema },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let childOutput = ''
    child.stdout?.on('data', (d) => (childOutput += String(d)))
    child.stderr?.on('data', (d) => (childOutput += String(d)))
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    t.teardown(async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL')
      await exited
    })
    await until('the child to run the job', () => childOutput.includes(`RUNNING ${jobId}`), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; child said: ${childOutput}`)
    })

    // … when that node is killed …
    process.kill(child.pid as number, 'SIGKILL')
    await exited

    // … then a worker here takes the job up after it expires, and the effect is not doubled.
    await boss.work<{ n: number }>(KILL_QUEUE, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
      if (job) await writeEffect(boss.getDb(), api.schema, job.id, job.retryCount)
    })
    await until('the job to complete', async () => (await boss.findJobs(KILL_QUEUE, { id: jobId }))[0]?.state === 'completed', 30_000)
    const runs = (await api.sql('SELECT pid, retry_count FROM kill_runs ORDER BY id')).rows
    t.same(runs.map((r) => r.pid), [child.pid, process.pid], 'it ran on the killed node, then here')
    t.equal(runs[1]?.retry_count, 1, 'as its retry')
    const effects = (await api.sql('SELECT job_id, written_by FROM kill_effects')).rows
    t.same(effects, [{ job_id: jobId, written_by: child.pid }], 'the effect exists exactly once')
  })
}
