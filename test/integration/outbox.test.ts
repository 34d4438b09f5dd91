// The transactional outbox: every audited change writes exactly one event in its own transaction
// (a rolled-back change writes none); delivery to the receiver retries with backoff after a failure;
// an event whose delivery was interrupted is delivered again and the receiver applies it once.
import t from 'tap'
import { buildTestApp, actorOf, type TestApp, paperDeclarationBody, writeContextFor } from '../helper.ts'
import { auditAppendOf, type Change } from '../../src/services/audit-service.ts'
import { appendAuditRows } from '../../src/db/audit-repository.ts'
import { deliverDueEvents, requestOf, retryDelayMs } from '../../src/services/outbox-delivery-service.ts'
import { claimDueEvents } from '../../src/db/outbox-repository.ts'
import type { WriteContext } from '../../src/services/write-context.ts'
import type { Queryable } from '../../src/db/database.ts'
import { startOutboxReceiver, type OutboxReceiver } from '../../src/commands/outbox-receiver-command.ts'

const URL = '/api/v1/paper-declarations'

const declaration = paperDeclarationBody

function ctxOf(): WriteContext {
  return writeContextFor(actorOf({ office: '02CI' }))
}

/** A change's audit row and outbox event, in the caller's transaction (as every write appends them). */
const recordChange = (tx: Queryable, c: Change) => appendAuditRows(tx, [auditAppendOf(ctxOf(), c)])

const change = (entityId: string, action = 'create') => ({
  entityType: 'test_entity',
  entityId,
  action,
  before: null,
  after: { entityId, action },
  backEntry: { origin: 'online' as const, occurredAt: new Date().toISOString(), originalOfficer: '02CI-officer' },
})

const count = async (api: TestApp, sql: string, values: unknown[] = []) => (await api.sql<{ n: number }>(sql, values)).rows[0]?.n as number

async function receiver(t: Parameters<typeof buildTestApp>[0], failFirst = 0): Promise<OutboxReceiver> {
  const r = await startOutboxReceiver({ failFirst })
  t.teardown(() => r.close())
  return r
}

t.test('every audited change writes exactly one outbox event in the same transaction', async (t) => {
  const api = await buildTestApp(t)
  await api.app.db.write((tx) => recordChange(tx, change('E1')), { idempotent: false })
  t.equal(await count(api, "SELECT count(*)::int AS n FROM outbox WHERE entity_id = 'E1'"), 1, 'one event for one change')
  const [event] = (await api.sql("SELECT event_type, payload, dedupe_key, delivered_at FROM outbox WHERE entity_id = 'E1'")).rows
  t.equal(event.event_type, 'test_entity.create')
  t.match(event.payload, { entityType: 'test_entity', entityId: 'E1', action: 'create', origin: 'online', office: '02CI', after: { entityId: 'E1' } })
  t.ok(event.dedupe_key, 'a dedupe key is assigned')
  t.equal(event.delivered_at, null)

  await t.rejects(
    api.app.db.write(async (tx) => {
      await recordChange(tx, change('E2'))
      throw new Error('the business rule failed after the change was recorded')
    }, { idempotent: false }),
  )
  t.equal(await count(api, "SELECT count(*)::int AS n FROM outbox WHERE entity_id = 'E2'"), 0, 'a rolled-back change leaves no event')
  t.equal(await count(api, "SELECT count(*)::int AS n FROM audit_log WHERE entity_id = 'E2'"), 0, '… and no audit row')

  // A real route: the outbox follows the audit trail one for one.
  const created = await api.as('02CI', { method: 'POST', url: URL, payload: declaration(7) })
  t.equal(created.statusCode, 201, created.body)
  const again = await api.as('02CI', { method: 'POST', url: URL, payload: declaration(7) })
  t.equal(again.json().duplicate, true, 'the same paper record again changes nothing …')
  t.equal(await count(api, 'SELECT count(*)::int AS n FROM outbox'), await count(api, 'SELECT count(*)::int AS n FROM audit_log'))
  t.equal(await count(api, "SELECT count(*)::int AS n FROM outbox WHERE event_type = 'paper_declaration.create'"), 1, '… and writes no second event')
})

t.test('delivery: a failed POST is retried with backoff; each event reaches the receiver once', async (t) => {
  const api = await buildTestApp(t)
  const r = await receiver(t, 1)
  for (const id of ['A', 'B', 'C']) await api.app.db.write((tx) => recordChange(tx, change(id)), { idempotent: false })

  const first = await deliverDueEvents(api.app.db, { endpoint: r.url, timeoutMs: 2000 })
  t.same(first, { delivered: 2, failed: 1 }, 'the forced 503 fails one event, the others go out')
  const failed = (await api.sql('SELECT entity_id, attempts, last_error, next_attempt_at > now() AS waiting FROM outbox WHERE delivered_at IS NULL')).rows
  t.equal(failed.length, 1)
  t.match(failed[0], { attempts: 1, last_error: 'HTTP 503', waiting: true }, 'it waits for its retry')

  t.same(await deliverDueEvents(api.app.db, { endpoint: r.url, timeoutMs: 2000 }), { delivered: 0, failed: 0 }, 'not due before its backoff')
  await api.sql('UPDATE outbox SET next_attempt_at = now() WHERE delivered_at IS NULL')
  t.same(await deliverDueEvents(api.app.db, { endpoint: r.url, timeoutMs: 2000 }), { delivered: 1, failed: 0 }, 'retried when due')
  t.equal(await count(api, 'SELECT count(*)::int AS n FROM outbox WHERE delivered_at IS NULL'), 0)
  t.same(r.stats(), { received: 4, duplicates: 0, unique: 3, failed: 1 })
  const keys = (await api.sql('SELECT dedupe_key FROM outbox ORDER BY id')).rows.map((row) => row.dedupe_key)
  t.same(r.events().map((e) => e.key).sort(), [...keys].sort(), 'the receiver saw each dedupe key as its Idempotency-Key')
  t.match(r.events()[0]?.body, { eventId: String, type: 'test_entity.create', data: { entityType: 'test_entity' } })
})

t.test('events of one record go out in order: a later one waits while an earlier one fails', async (t) => {
  const api = await buildTestApp(t)
  const r = await receiver(t, 1)
  await api.app.db.write((tx) => recordChange(tx, change('X', 'create')), { idempotent: false })
  await api.app.db.write((tx) => recordChange(tx, change('X', 'update')), { idempotent: false })
  t.same(await deliverDueEvents(api.app.db, { endpoint: r.url, timeoutMs: 2000 }), { delivered: 0, failed: 1 })
  t.equal(await count(api, "SELECT count(*)::int AS n FROM outbox WHERE entity_id = 'X' AND attempts = 0"), 1, 'the update was not even tried')
  await api.sql('UPDATE outbox SET next_attempt_at = now() WHERE delivered_at IS NULL')
  t.same(await deliverDueEvents(api.app.db, { endpoint: r.url, timeoutMs: 2000 }), { delivered: 2, failed: 0 })
  t.same(r.events().map((e) => (e.body as { data: { action: string } }).data.action), ['create', 'update'])
})

t.test('a delivery interrupted after the POST is delivered again; the receiver applies it once', async (t) => {
  const api = await buildTestApp(t)
  const r = await receiver(t)
  await api.app.db.write((tx) => recordChange(tx, change('K')), { idempotent: false })

  // The node dies between the receiver's answer and marking the event delivered.
  const dying = async (url: string, init: RequestInit) => {
    await fetch(url, init)
    throw new Error('node died before marking the event delivered')
  }
  t.same(await deliverDueEvents(api.app.db, { endpoint: r.url, timeoutMs: 2000, post: dying }), { delivered: 0, failed: 1 })
  t.same(r.stats(), { received: 1, duplicates: 0, unique: 1, failed: 0 }, 'the receiver applied it')

  await api.sql('UPDATE outbox SET next_attempt_at = now()')
  t.same(await deliverDueEvents(api.app.db, { endpoint: r.url, timeoutMs: 2000 }), { delivered: 1, failed: 0 }, 'delivered again')
  t.same(r.stats(), { received: 2, duplicates: 1, unique: 1, failed: 0 }, 'at least once on the wire, once in effect')

  // A claim whose deliverer died holds the event only for its lease.
  await api.app.db.write((tx) => recordChange(tx, change('L')), { idempotent: false })
  const claimed = await api.app.db.write((tx) => claimDueEvents(tx, 10, 60), { idempotent: true })
  t.equal(claimed.length, 1, 'claimed by a node that then dies')
  t.same(await deliverDueEvents(api.app.db, { endpoint: r.url, timeoutMs: 2000 }), { delivered: 0, failed: 0 }, 'leased: nobody else takes it')
  await api.sql("UPDATE outbox SET next_attempt_at = now() WHERE entity_id = 'L'")
  t.same(await deliverDueEvents(api.app.db, { endpoint: r.url, timeoutMs: 2000 }), { delivered: 1, failed: 0 }, 'taken up when the lease ran out')
  t.equal(r.stats().unique, 2)
})

t.test('two deliverers at once never send the same event twice in one round (SKIP LOCKED claims)', async (t) => {
  const api = await buildTestApp(t)
  const r = await receiver(t)
  for (let i = 0; i < 40; i++) await api.app.db.write((tx) => recordChange(tx, change(`P${i}`)), { idempotent: false })
  const [a, b] = await Promise.all([
    deliverDueEvents(api.app.db, { endpoint: r.url, timeoutMs: 2000, batchSize: 5 }),
    deliverDueEvents(api.app.db, { endpoint: r.url, timeoutMs: 2000, batchSize: 5 }),
  ])
  t.equal((a?.delivered ?? 0) + (b?.delivered ?? 0), 40)
  t.same(r.stats(), { received: 40, duplicates: 0, unique: 40, failed: 0 })
})

t.test('backoff grows exponentially, with jitter, up to its cap; the request carries the dedupe key', async (t) => {
  t.equal(retryDelayMs(1, 5000, 900_000, () => 0.5), 5000)
  t.equal(retryDelayMs(2, 5000, 900_000, () => 0.5), 10_000)
  t.equal(retryDelayMs(5, 5000, 900_000, () => 0.5), 80_000)
  t.equal(retryDelayMs(40, 5000, 900_000, () => 0.5), 900_000, 'capped')
  t.equal(retryDelayMs(1, 5000, 900_000, () => 0), 4000, '-20 %')
  t.equal(retryDelayMs(1, 5000, 900_000, () => 1), 6000, '+20 %')
  const init = requestOf({
    id: '7', event_type: 'handover.create', entity_type: 'handover', entity_id: 'h', payload: { a: 1 }, dedupe_key: 'k-1', attempts: 1, created_at: new Date(0),
  })
  t.match(init.headers, { 'idempotency-key': 'k-1', 'content-type': 'application/json' })
  t.same(JSON.parse(String(init.body)), { eventId: 'k-1', sequence: 7, type: 'handover.create', createdAt: '1970-01-01T00:00:00.000Z', data: { a: 1 } })
})

t.test('the backlog is exported as a metric', async (t) => {
  const api = await buildTestApp(t)
  await api.app.db.write((tx) => recordChange(tx, change('M')), { idempotent: false })
  await api.sql("UPDATE outbox SET created_at = now() - interval '5 minutes'")
  const metrics = (await api.app.internalListener.inject({ url: '/metrics' })).body
  t.match(metrics, /tqdt_outbox_backlog\{[^}]*\} 1\b/)
  t.match(metrics, /tqdt_outbox_oldest_undelivered_seconds\{[^}]*\} (?!0\b)\d/, 'the age of the oldest event, read in the same scrape')
})
