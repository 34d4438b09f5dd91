// Idempotency-Key semantics of the write door, on a real PostgreSQL and through the real write path
// (the key is claimed in the write's own statement): replay, mismatch (422), concurrent duplicate
// (409), scoping to the caller, errors not stored, and a resend after a lost connection that replays
// its own first attempt instead of writing twice.
import t from 'tap'
import pg from 'pg'
import { Database } from '../../src/db/database.ts'
import { createPool } from '../../src/db/pool-factory.ts'
import { createHandover } from '../../src/services/handover-service.ts'
import { fingerprintOf } from '../../src/routes/write-door.ts'
import { actorOf, buildTestApp, handoverBody, schemaClient, testDatabaseUrl, writeContextFor, type TestApp } from '../helper.ts'

const create = (api: TestApp, body: object, headers: Record<string, string> = {}, office = '02CI') =>
  api.as(office, { method: 'POST', url: '/api/v1/handovers', payload: body, headers })

const handovers = async (api: TestApp) => (await api.sql<{ n: number }>('SELECT count(*)::int AS n FROM handovers')).rows[0]?.n

t.test('same key and same body: the stored response, no second effect', async (t) => {
  const api = await buildTestApp(t)
  const body = handoverBody()
  const first = await create(api, body, { 'idempotency-key': 'k-1' })
  const second = await create(api, body, { 'idempotency-key': 'k-1' })
  t.equal(first.statusCode, 201)
  t.notOk(first.headers['idempotent-replayed'])
  t.equal(second.statusCode, 201, 'the status of the first answer')
  t.equal(second.headers['idempotent-replayed'], 'true')
  t.same(second.json(), first.json())
  t.equal(await handovers(api), 1)
})

t.test('same key, different body: 422 IDEMPOTENCY_KEY_REUSED', async (t) => {
  const api = await buildTestApp(t)
  await create(api, handoverBody(), { 'idempotency-key': 'k-1' })
  const other = await create(api, handoverBody('another route'), { 'idempotency-key': 'k-1' })
  t.equal(other.statusCode, 422)
  t.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED')
  t.equal(await handovers(api), 1)
})

t.test('a concurrent duplicate: 409 IDEMPOTENCY_KEY_IN_USE while the first is in flight', async (t) => {
  const api = await buildTestApp(t)
  // An in-flight first request holds its key's lock from its write statement until its COMMIT (which
  // may wait for the synchronous standby): the same lock, held here by another session.
  const first = new pg.Client({ connectionString: testDatabaseUrl() })
  await first.connect()
  t.teardown(() => first.end())
  await first.query('BEGIN')
  await first.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${actorOf().officerId}\nk-1`])
  const duplicate = await create(api, handoverBody(), { 'idempotency-key': 'k-1' })
  t.equal(duplicate.statusCode, 409)
  t.equal(duplicate.json().code, 'IDEMPOTENCY_KEY_IN_USE')
  t.equal(await handovers(api), 0, 'the duplicate wrote nothing')
  await first.query('ROLLBACK')
  const retry = await create(api, handoverBody(), { 'idempotency-key': 'k-1' })
  t.equal(retry.statusCode, 201, 'once the first is done, the retry is answered')
})

t.test('keys are scoped to the caller', async (t) => {
  const api = await buildTestApp(t)
  await create(api, handoverBody(), { 'idempotency-key': 'k-1' })
  const other = await create(api, handoverBody(), { 'idempotency-key': 'k-1' }, '06DS')
  t.equal(other.statusCode, 201)
  t.notOk(other.headers['idempotent-replayed'], 'another officer with the same key is a new request')
  t.equal(await handovers(api), 2)
})

t.test('an error is not stored: a retry with the same key can succeed', async (t) => {
  const api = await buildTestApp(t)
  const h = (await create(api, handoverBody())).json()
  const close = () => api.as('43IH', { method: 'POST', url: `/api/v1/handovers/${h.id}/close`, payload: {}, headers: { 'idempotency-key': 'close-1' } })
  const early = await close()
  t.equal(early.statusCode, 409)
  t.equal(early.json().code, 'ILLEGAL_TRANSITION')
  const receipt = await api.as('43IH', {
    method: 'POST',
    url: `/api/v1/handovers/${h.id}/receipt`,
    payload: { containers: [{ containerNumber: 'CSQU3054383', sealState: 'intact' }] },
  })
  t.equal(receipt.statusCode, 200)
  const retry = await close()
  t.equal(retry.statusCode, 200, 'the same key and body, now answered')
  t.notOk(retry.headers['idempotent-replayed'])
  t.equal(retry.json().status, 'CLOSED')
})

t.test('a malformed key is a 400 naming the header', async (t) => {
  const api = await buildTestApp(t)
  const res = await create(api, handoverBody(), { 'idempotency-key': 'has space' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().code, 'IDEMPOTENCY_KEY_INVALID')
  t.match(res.json().details, [{ field: 'header.idempotency-key' }])
})

t.test('a resend waits for its own earlier attempt that still holds the key, then replays its outcome', async (t) => {
  // What a failover does: attempt 1's connection is lost while its COMMIT still waits on the server
  // (for a synchronous standby), holding the key's lock. Here a second session plays that lingering
  // transaction: it takes the lock as attempt 1's connection goes, stores its outcome and commits
  // 800 ms later. The resend must wait for it and replay — never answer 409, never write twice.
  const api = await buildTestApp(t)
  const pool = createPool(api.app.config, testDatabaseUrl(), 'primary')
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>
  const zombie = await schemaClient(t, api.schema)
  const body = handoverBody()
  const claim = { caller: actorOf().officerId, key: 'k-zombie', fingerprint: fingerprintOf('POST', '/api/v1/handovers', body), ttlHours: 24 }
  let zombieDone: Promise<void> | null = null
  let writes = 0
  Object.assign(pool, {
    connect: async () => {
      const client = await connect()
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>
      Object.assign(client, {
        query: (...args: unknown[]) => {
          const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text
          if (!text.startsWith('WITH lock AS') || writes++ > 0) return query(...args)
          zombieDone = (async () => {
            await zombie.query('BEGIN')
            await zombie.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${claim.caller}\n${claim.key}`])
            await zombie.query(
              `INSERT INTO idempotency_keys (caller, key, fingerprint, outcome, expires_at) VALUES ($1, $2, $3, $4, now() + interval '1 day')`,
              [claim.caller, claim.key, claim.fingerprint, JSON.stringify({ kind: 'created', view: { id: 'from-attempt-1' } })],
            )
            await new Promise((r) => setTimeout(r, 800))
            await zombie.query('COMMIT')
          })()
          return Promise.reject(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))
        },
      })
      return client
    },
  })
  const db = new Database(pool, null, 5000)
  t.teardown(() => db.close())
  const outcome = await createHandover(db, writeContextFor(actorOf(), { requestId: 'r-1', claim }), body)
  await zombieDone
  t.equal(outcome.kind, 'replayed')
  t.same(outcome.kind === 'replayed' && outcome.original, { kind: 'created', view: { id: 'from-attempt-1' } })
  t.ok(writes >= 3, 'the write was resent after the lost connection, and again until the earlier attempt had committed')
  t.equal(await handovers(api), 0, 'the resend did not write a second handover')
})
