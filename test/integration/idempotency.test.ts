// Idempotency-Key semantics of the one write door, on a real PostgreSQL: replay, mismatch (422),
// concurrent duplicate (409), scoping to the caller, errors not stored.
import t from 'tap'
import { Database } from '../../src/db/database.ts'
import { createPool } from '../../src/db/pool-factory.ts'
import { loadConfig } from '../../src/config.ts'
import { AppError } from '../../src/errors.ts'
import { runIdempotentWrite, type WriteRequest } from '../../src/services/idempotency-service.ts'
import type { WriteContext } from '../../src/services/write-context.ts'
import { actorOf, createTestSchema, testDatabaseUrl, TEST_JWT_SECRET } from '../helper.ts'

async function setup(t: Parameters<typeof createTestSchema>[0]) {
  const schema = await createTestSchema(t)
  const config = loadConfig({}, { jwtSecret: TEST_JWT_SECRET, databaseUrl: testDatabaseUrl(), databaseSchema: schema })
  const db = new Database(createPool(config, config.databaseUrl, 'primary'), null, 4000)
  t.teardown(() => db.close())
  await db.primary.query('CREATE TABLE effects (id serial PRIMARY KEY, body text)')
  let n = 0
  const request = (over: Partial<WriteRequest> = {}): WriteRequest => ({
    actor: actorOf(), requestId: `req-${++n}`, key: 'k-1', method: 'POST', path: '/api/v1/x', body: { a: 1 }, ...over,
  })
  const effect = (body: string) => async (ctx: WriteContext) => {
    const { rows } = await ctx.tx.query<{ id: number }>('INSERT INTO effects (body) VALUES ($1) RETURNING id', [body])
    return { status: 201, body: { id: rows[0]?.id } }
  }
  const count = async () => (await db.primary.query('SELECT count(*)::int AS n FROM effects')).rows[0].n as number
  return { db, request, effect, count }
}

t.test('same key and same body: the stored response, no second effect', async (t) => {
  const { db, request, effect, count } = await setup(t)
  const first = await runIdempotentWrite(db, request(), 24, effect('a'))
  const second = await runIdempotentWrite(db, request({ body: { a: 1 } }), 24, effect('a'))
  t.equal(first.replayed, false)
  t.equal(second.replayed, true)
  t.same(second.body, first.body)
  t.equal(second.status, 201)
  t.equal(await count(), 1)
})

t.test('same key, different body: 422 IDEMPOTENCY_KEY_REUSED', async (t) => {
  const { db, request, effect, count } = await setup(t)
  await runIdempotentWrite(db, request(), 24, effect('a'))
  const err = await runIdempotentWrite(db, request({ body: { a: 2 } }), 24, effect('b')).catch((e: unknown) => e)
  t.equal((err as AppError).status, 422)
  t.equal((err as AppError).code, 'IDEMPOTENCY_KEY_REUSED')
  t.equal(await count(), 1)
})

t.test('a concurrent duplicate: 409 IDEMPOTENCY_KEY_IN_USE while the first is in flight', async (t) => {
  const { db, request, count } = await setup(t)
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  let entered!: () => void
  const inside = new Promise<void>((r) => (entered = r))
  const first = runIdempotentWrite(db, request(), 24, async (ctx) => {
    await ctx.tx.query(`INSERT INTO effects (body) VALUES ('slow')`)
    entered()
    await gate
    return { status: 201, body: { ok: true } }
  })
  await inside
  const err = await runIdempotentWrite(db, request(), 24, async () => ({ status: 201, body: {} })).catch((e: unknown) => e)
  release()
  await first
  t.equal((err as AppError).status, 409)
  t.equal((err as AppError).code, 'IDEMPOTENCY_KEY_IN_USE')
  t.equal(await count(), 1)
})

t.test('keys are scoped to the caller', async (t) => {
  const { db, request, effect, count } = await setup(t)
  await runIdempotentWrite(db, request(), 24, effect('a'))
  const other = await runIdempotentWrite(db, request({ actor: actorOf({ office: '06DS' }) }), 24, effect('a'))
  t.equal(other.replayed, false, 'another officer with the same key is a new request')
  t.equal(await count(), 2)
})

t.test('an error is not stored: a retry with the same key can succeed', async (t) => {
  const { db, request, effect, count } = await setup(t)
  const err = await runIdempotentWrite(db, request(), 24, async () => {
    throw new AppError(409, 'SOMETHING', 'not now')
  }).catch((e: unknown) => e)
  t.equal((err as AppError).code, 'SOMETHING')
  const retry = await runIdempotentWrite(db, request(), 24, effect('a'))
  t.equal(retry.replayed, false)
  t.equal(await count(), 1)
})

t.test('a malformed key is a 400 naming the header', async (t) => {
  const { db, request, effect } = await setup(t)
  const err = await runIdempotentWrite(db, request({ key: 'has space' }), 24, effect('a')).catch((e: unknown) => e)
  t.equal((err as AppError).status, 400)
  t.equal((err as AppError).code, 'IDEMPOTENCY_KEY_INVALID')
})

t.test("a retry waits for its own earlier attempt that still holds the key, then replays its response", async (t) => {
  // What a failover does: attempt 1 loses its connection while its COMMIT still waits on the server
  // (for a synchronous standby), holding the key's lock. Here a second connection plays that
  // lingering transaction: it takes the lock as attempt 1's connection goes, stores the response
  // and commits 800 ms later. The retries must wait for it and replay — never answer 409.
  const { db, request } = await setup(t)
  const zombie = await db.primary.connect()
  t.teardown(() => zombie.release())
  const { storeResponse } = await import('../../src/db/idempotency-repository.ts')
  let zombieDone: Promise<void> | null = null
  let calls = 0
  const result = await runIdempotentWrite(db, request(), 24, async () => {
    calls++
    if (calls === 1) {
      zombieDone = (async () => {
        await zombie.query('BEGIN')
        await zombie.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${actorOf().officerId}\nk-1`])
        await storeResponse(zombie, { caller: actorOf().officerId, key: 'k-1', fingerprint: (await import('../../src/services/idempotency-service.ts')).fingerprintOf('POST', '/api/v1/x', { a: 1 }), statusCode: 201, body: { id: 'from-attempt-1' }, ttlHours: 24 })
        await new Promise((r) => setTimeout(r, 800))
        await zombie.query('COMMIT')
      })()
      throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })
    }
    return { status: 201, body: { id: 'from-a-later-attempt' } }
  })
  await zombieDone
  t.equal(calls, 1, 'the work did not run again')
  t.equal(result.replayed, true)
  t.same(result.body, { id: 'from-attempt-1' })
})
