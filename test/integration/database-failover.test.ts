// The executor's failover behaviour against a real PostgreSQL: a connection killed mid-transaction
// is destroyed and the write retried (once in effect); a database that stays away ends in
// DATABASE_UNAVAILABLE at the deadline; ordinary SQL errors are not retried.
import net from 'node:net'
import t from 'tap'
import pg from 'pg'
import { Database, READ_LATE_ATTEMPT_BEFORE_MS, withinRequestHold } from '../../src/db/database.ts'
import { createPool } from '../../src/db/pool-factory.ts'
import { isFailoverError } from '../../src/db/failover-errors.ts'
import { loadConfig } from '../../src/config.ts'
import { DomainError } from '../../src/domain/errors.ts'
import { toAppError } from '../../src/errors.ts'
import { createTestSchema, schemaQuery, testDatabaseUrl, testDatabaseUrlVia, testOwnerDatabaseUrl, TEST_JWT_SECRET } from '../helper.ts'

async function setup(t: Parameters<typeof createTestSchema>[0], overrides: Record<string, unknown> = {}) {
  const schema = await createTestSchema(t)
  const config = loadConfig({}, { jwtSecret: TEST_JWT_SECRET, databaseUrl: testDatabaseUrl(), databaseSchema: schema, nodeName: `dbtest-${schema}`, ...overrides })
  const retries: string[] = []
  const db = new Database(createPool(config, config.databaseUrl, 'primary'), null, 4000, {
    onRetry: (_kind, err) => retries.push((err as Error).message),
  })
  t.teardown(() => db.close())
  await schemaQuery(testOwnerDatabaseUrl(), schema, 'CREATE TABLE ride (id serial PRIMARY KEY, note text); GRANT SELECT, INSERT ON ride TO tqdt_app; GRANT USAGE ON SEQUENCE ride_id_seq TO tqdt_app')
  return { db, retries, appName: `${config.nodeName}-primary` }
}

t.test('a connection killed mid-transaction is retried on a fresh one, once in effect', async (t) => {
  const { db, retries, appName } = await setup(t)
  const admin = new pg.Client({ connectionString: testDatabaseUrl() })
  await admin.connect()
  t.teardown(() => admin.end())
  let attempts = 0
  const result = await db.write(async (tx) => {
    attempts++
    await tx.query(`INSERT INTO ride (note) VALUES ('x')`)
    if (attempts === 1) {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName])
      await tx.query('SELECT 1') // the killed connection fails here, before COMMIT
    }
    return 'done'
  }, { idempotent: false })
  t.equal(result, 'done')
  t.equal(attempts, 2, 'the work ran again on a new connection')
  t.ok(retries.length >= 1, 'the retry was reported')
  const { rows } = await db.primary.query('SELECT count(*)::int AS n FROM ride')
  t.equal(rows[0].n, 1, 'the rolled-back first attempt left nothing; the retry committed once')
})

t.test('ordinary SQL errors are not retried', async (t) => {
  const { db } = await setup(t)
  let attempts = 0
  await t.rejects(
    db.write(async (tx) => {
      attempts++
      await tx.query('SELECT no_such_column FROM ride')
    }, { idempotent: true }),
    { code: '42703' },
  )
  t.equal(attempts, 1)
})

t.test('a database that stays unreachable ends in DATABASE_UNAVAILABLE at the deadline', async (t) => {
  const config = loadConfig({}, { jwtSecret: TEST_JWT_SECRET, connectTimeoutMs: 300 })
  // 127.0.0.99:1 refuses at once (nothing listens there): the executor keeps retrying until its deadline.
  const db = new Database(createPool(config, 'postgres://tqdt:tqdt@127.0.0.99:1/tqdt', 'primary'), null, 1500)
  t.teardown(() => db.close())
  const started = Date.now()
  const err = await db.write(async () => 1, { idempotent: true }).catch((e: unknown) => e)
  const waited = Date.now() - started
  t.ok(err instanceof DomainError, 'a refusal of the domain')
  t.equal((err as DomainError).code, 'DATABASE_UNAVAILABLE')
  const http = toAppError(err as DomainError)
  t.equal(http.status, 503, 'answered as 503')
  t.same(http.headers, { 'retry-after': '5' }, 'with Retry-After')
  // 999, as below: the app's timer runs on the monotonic clock in whole milliseconds, Date.now() on the wall clock.
  t.ok(waited >= 999, `waited for the failover window (${waited} ms) instead of failing at once`)
})

t.test('a read with no database to answer is 503 DATABASE_UNAVAILABLE with Retry-After, never 500', async (t) => {
  const { buildApp } = await import('../../src/app.ts')
  const { signToken } = await import('../../src/services/jwt-service.ts')
  // Primary and replica both refuse (nothing listens on 127.0.0.99:1): a failover with no node left.
  const config = loadConfig({}, {
    jwtSecret: TEST_JWT_SECRET,
    databaseUrl: 'postgres://tqdt:tqdt@127.0.0.99:1/tqdt',
    databaseReplicaUrl: 'postgres://tqdt:tqdt@127.0.0.99:2/tqdt',
    connectTimeoutMs: 300,
    queueEnabled: false,
    logLevel: 'silent',
  })
  const app = await buildApp(config, { logger: false })
  await app.ready()
  t.teardown(() => app.close())
  const token = signToken({ officerId: '02CI-r', name: 'r', office: '02CI', role: 'officer' }, TEST_JWT_SECRET, { issuer: config.jwtIssuer, audience: config.jwtAudience, ttlSeconds: 600 })
  for (const url of ['/api/v1/handovers/00000000-0000-4000-8000-000000000000', '/api/v1/handovers?limit=5', '/api/v1/notices']) {
    const res = await app.inject({ url, headers: { authorization: `Bearer ${token}` } })
    t.equal(res.statusCode, 503, url)
    t.equal(res.json().code, 'DATABASE_UNAVAILABLE')
    t.equal(res.headers['retry-after'], '5')
  }
})

t.test('a write still running at its deadline is answered DATABASE_UNAVAILABLE then, not when it ends', async (t) => {
  const { db } = await setup(t)
  const started = Date.now()
  // A COMMIT waiting for a standby that cannot answer looks like this: the statement does not return.
  const err = await db.write(async (tx) => tx.query('SELECT pg_sleep(3)'), { idempotent: true, deadlineMs: 1000 }).catch((e: unknown) => e)
  const waited = Date.now() - started
  t.equal((err as DomainError).code, 'DATABASE_UNAVAILABLE')
  // 999: the same 1 ms timer rounding (CI at 0c77de6 saw 999 ms here). Answering after the 3 s statement still fails.
  t.ok(waited >= 999 && waited < 1500, `answered at the deadline (${waited} ms), not after the 3 s statement`)
})

t.test("a request's statements share one hold from its arrival: the second gets what the first left", async (t) => {
  const { db } = await setup(t)
  const started = Date.now()
  // The read of a two-statement write took 600 ms of a 1 s hold; the guarded write (its COMMIT
  // waiting for a standby that cannot answer) gets the remaining 400 ms, not a hold of its own.
  const err = await new Promise<unknown>((resolve) => {
    withinRequestHold(started + 1000, () => {
      void (async () => {
        await db.query('SELECT pg_sleep(0.6)')
        await db.query('SELECT pg_sleep(3)')
      })().then(resolve, resolve)
    })
  })
  const waited = Date.now() - started
  t.equal((err as DomainError).code, 'DATABASE_UNAVAILABLE')
  // 999: Node's timers run on a monotonic clock in whole milliseconds, Date.now() on the wall clock;
  // a timer due at the deadline was seen 1 ms early in CI (c651289). Early by a whole statement
  // (≈ 600 ms) or late by a whole hold (≥ 1,600 ms) still fails.
  t.ok(waited >= 999 && waited < 1500, `answered at the request's deadline (${waited} ms), not 600 ms + a whole hold`)
})

/**
 * A loopback TCP proxy to the test database. silence() makes every session open now go quiet (nothing
 * forwarded either way, as from a host that lost power) and cuts them `cutAfterMs` later, as HAProxy
 * does once its checks mark the node down; sessions opened afterwards pass, as through the route to
 * the node that is still up.
 */
async function silencingProxy(t: Parameters<typeof createTestSchema>[0]) {
  const target = new URL(testDatabaseUrl())
  const sessions = new Set<{ client: net.Socket; upstream: net.Socket; quiet: boolean }>()
  let opened = 0
  const server = net.createServer((client) => {
    opened++
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    const session = { client, upstream, quiet: false }
    sessions.add(session)
    const end = () => {
      client.destroy()
      upstream.destroy()
      sessions.delete(session)
    }
    for (const s of [client, upstream]) s.on('error', end).on('close', end)
    client.on('data', (d) => { if (!session.quiet) upstream.write(d) })
    upstream.on('data', (d) => { if (!session.quiet) client.write(d) })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  t.teardown(async () => {
    for (const s of sessions) { s.client.destroy(); s.upstream.destroy() }
    await new Promise<void>((r) => server.close(() => r()))
  })
  return {
    url: testDatabaseUrlVia((server.address() as net.AddressInfo).port),
    /** Sessions opened through the proxy so far. */
    opened: () => opened,
    silence(cutAfterMs: number) {
      const quiet = [...sessions]
      for (const s of quiet) s.quiet = true
      setTimeout(() => { for (const s of quiet) { s.client.destroy(); s.upstream.destroy() } }, cutAfterMs).unref()
      return quiet.length
    },
  }
}

/**
 * A Database whose `route` pool (the primary's, or the replica route's beside a direct primary)
 * reaches the test database through a silencingProxy; its read retries, as reported.
 */
async function behindSilencingProxy(t: Parameters<typeof createTestSchema>[0], poolMax: number, route: 'primary' | 'replica' = 'primary') {
  const schema = await createTestSchema(t)
  const proxy = await silencingProxy(t)
  const config = loadConfig({}, { jwtSecret: TEST_JWT_SECRET, databaseUrl: testDatabaseUrl(), databaseSchema: schema, nodeName: `dbtest-${schema}`, databasePoolMax: poolMax })
  const retries: string[] = []
  const primary = createPool(config, route === 'primary' ? proxy.url : config.databaseUrl, 'primary')
  const replica = route === 'replica' ? createPool(config, proxy.url, 'replica') : null
  const db = new Database(primary, replica, 4000, {
    onRetry: (kind, err, _attempt, late) => retries.push(`${kind}${late ? ' late' : ''}: ${(err as Error).message}`),
  })
  t.teardown(() => db.close())
  return { db, proxy, retries }
}

const selectOne = async (q: { query: (sql: string) => Promise<{ rows: Array<{ one: number }> }> }) => (await q.query('SELECT 1 AS one')).rows[0]?.one

t.test('a read that hung on a silent node until its session was cut is asked again, past its 2 s window', async (t) => {
  const { db, proxy, retries } = await behindSilencingProxy(t, 1)
  t.equal(await db.read(selectOne), 1, 'a pooled session, as the app has')
  // 2.3 s: the slower of the two reads the second-failure drill lost (run 20261206T174949Z) hung 2.3 and 2.7 s.
  t.equal(proxy.silence(2300), 1, 'the pooled session goes silent')
  const started = Date.now()
  const one = await db.read(selectOne)
  const tookMs = Date.now() - started
  t.equal(one, 1, 'answered by the attempt made after the cut, not 503')
  t.ok(tookMs >= 2300 && tookMs < READ_LATE_ATTEMPT_BEFORE_MS + 500, `answered in ${tookMs} ms: after the cut, within HAProxy's wait`)
  t.same(retries, ['read late: Connection terminated unexpectedly'], 'one attempt more, reported as late')
})

t.test("after a hung read, the pool's other sessions to the silent node do not end it in 503", async (t) => {
  const { db, proxy, retries } = await behindSilencingProxy(t, 3)
  // Three pooled sessions, idle, as the app's pool holds them; HAProxy cuts all of them at once.
  await Promise.all([1, 2, 3].map(() => db.read(async (q) => q.query('SELECT pg_sleep(0.1)'))))
  t.equal(proxy.silence(2300), 3, 'three pooled sessions go silent')
  const started = Date.now()
  const one = await db.read(selectOne)
  const tookMs = Date.now() - started
  t.equal(one, 1, 'answered on a fresh session, not 503 from a sibling the cut closed')
  t.ok(tookMs < READ_LATE_ATTEMPT_BEFORE_MS + 500, `answered in ${tookMs} ms`)
  t.equal(retries[0], 'read late: Connection terminated unexpectedly', `the hung attempt stretched the window (${retries.join('; ')})`)
})

t.test('a read that hangs again after a hung attempt fails when that ends, without a third attempt', async (t) => {
  const { db, proxy } = await behindSilencingProxy(t, 1)
  await db.read(selectOne)
  proxy.silence(2100)
  const started = Date.now()
  let attempts = 0
  // The next attempt's own session goes silent too, and is cut after 1.2 s (a second node lost).
  const failure = await db
    .read(async (q) => {
      attempts++
      if (attempts === 2) proxy.silence(1200)
      return q.query('SELECT 1')
    })
    .then(() => null, (err: unknown) => err)
  t.ok(isFailoverError(failure), `failed with a failover-class error (${(failure as Error | null)?.message}), which errors.ts answers 503`)
  t.equal(attempts, 2, 'the hung attempt and one more, no third: the second ended past 2.8 s')
  t.ok(Date.now() - started < 4000, `gave up in ${Date.now() - started} ms`)
})

/** A replica route through a silencingProxy with one pooled session, beside a primary with a pool of one. */
async function replicaBehindSilencingProxy(t: Parameters<typeof createTestSchema>[0]) {
  const behind = await behindSilencingProxy(t, 1, 'replica')
  t.equal(await behind.db.read(selectOne), 1, 'a pooled replica session')
  return behind
}

t.test("a read whose replica route failed does not queue behind writes that fill the primary's pool", async (t) => {
  const { db, proxy, retries } = await replicaBehindSilencingProxy(t)
  // The primary's one slot is taken for 3 s, as by a write held for a synchronous standby.
  const held = db.primary.query('SELECT pg_sleep(3)')
  // The replica route's session is cut 0.3 s into the read, as when HAProxy takes a node out of it.
  proxy.silence(300)
  const before = proxy.opened()
  const started = Date.now()
  const one = await db.read(selectOne)
  const tookMs = Date.now() - started
  await held
  t.equal(one, 1, 'answered')
  t.ok(tookMs < 1000, `by the replica route again, in ${tookMs} ms, not after a wait for the primary's slot (2 s)`)
  t.equal(proxy.opened() - before, 1, 'on a new session of the replica route')
  t.same(retries, ['read: Connection terminated unexpectedly'], 'the failure reported once')
})

t.test('a read whose replica route failed goes to the primary when its pool has a slot', async (t) => {
  const { db, proxy, retries } = await replicaBehindSilencingProxy(t)
  proxy.silence(300)
  const before = proxy.opened()
  const started = Date.now()
  const one = await db.read(selectOne)
  const tookMs = Date.now() - started
  t.equal(one, 1, 'answered')
  t.ok(tookMs < 1000, `in ${tookMs} ms`)
  t.equal(proxy.opened() - before, 0, 'by the primary: the replica route was not asked again')
  t.same(retries, ['read: Connection terminated unexpectedly'], 'the failure reported once')
})
