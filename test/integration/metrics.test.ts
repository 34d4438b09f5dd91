// /metrics: the app exposes every metric the alert rules and dashboards read, the scrape-time
// database gauges count what they should, and a failing or hanging query never breaks a scrape.
import t from 'tap'
import pg from 'pg'
import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildTestApp, testDatabaseUrl } from '../helper.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Every tqdt_* metric named in the rules and dashboards (histogram suffixes stripped). */
function referencedAppMetrics(): string[] {
  const texts = [
    ...readdirSync(join(ROOT, 'infra/prometheus/rules')).map((f) => join(ROOT, 'infra/prometheus/rules', f)),
    ...readdirSync(join(ROOT, 'infra/grafana/dashboards')).map((f) => join(ROOT, 'infra/grafana/dashboards', f)),
  ].map((f) => readFileSync(f, 'utf8'))
  const names = new Set<string>()
  for (const text of texts) {
    for (const [name] of text.matchAll(/\btqdt_[a-z0-9_]+/g)) names.add(name.replace(/_(bucket|count|sum)$/, ''))
  }
  return [...names].sort()
}

/** Series of one metric as `{labels} value` lines. */
function series(body: string, name: string): string[] {
  return body.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
}

async function insertHandover(sql: (text: string, values?: unknown[]) => Promise<unknown>, status: string, dueInHours: number) {
  await sql(
    `INSERT INTO handovers (id, handover_number, status, departure_office, destination_office, destination_place,
                            declaration_numbers, vehicle, route, handed_over_at, due_at, handed_over_by, origin, entered_by)
     VALUES ($1, $2, $3, '02CI', '02DS', 'ICD Phước Long', ARRAY['108557295010'], '51C-12345', 'Cát Lái → Phước Long',
             now() - interval '3 days', now() + make_interval(hours => $4), '02CI-officer', 'online', '02CI-officer')`,
    [randomUUID(), `BBBG-02CI-2026-${randomUUID().slice(0, 8)}`, status, dueInHours],
  )
}

t.test('the app exposes every tqdt_ metric the rules and dashboards read', async (t) => {
  const { app } = await buildTestApp(t, { queueEnabled: true })
  const res = await app.internalListener.inject({ url: '/metrics' })
  t.equal(res.statusCode, 200)
  const referenced = referencedAppMetrics()
  t.ok(referenced.length > 20, `${referenced.length} metrics referenced`)
  for (const name of referenced) t.match(res.body, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exposed`)
})

t.test('pool, role and overdue gauges', async (t) => {
  // Reads on the primary: a replica could still be replaying the rows just inserted.
  const { app, sql } = await buildTestApp(t, { databaseReplicaUrl: null })
  await insertHandover(sql, 'OVERDUE', -24)
  await insertHandover(sql, 'OVERDUE', -30)
  await insertHandover(sql, 'UNDER_VERIFICATION', -48)
  await insertHandover(sql, 'HANDED_OVER', -1) // past due, not yet flagged by the scan
  await insertHandover(sql, 'HANDED_OVER', 5) // still within its time limit
  await insertHandover(sql, 'ARRIVED', -1)

  const body = (await app.internalListener.inject({ url: '/metrics' })).body
  t.same(series(body, 'tqdt_handovers_overdue_open').sort(), [
    'tqdt_handovers_overdue_open{status="HANDED_OVER",node="app"} 1',
    'tqdt_handovers_overdue_open{status="OVERDUE",node="app"} 2',
    'tqdt_handovers_overdue_open{status="UNDER_VERIFICATION",node="app"} 1',
  ])
  t.ok(series(body, 'tqdt_db_role_seen').includes('tqdt_db_role_seen{pool="primary",role="primary",node="app"} 1'), 'primary pool reaches a primary')
  t.match(series(body, 'tqdt_db_pool_max_connections').join('\n'), /pool="primary".* 10$/m)
  t.equal(series(body, 'tqdt_db_pool_waiting_requests').length > 0, true)
  t.ok(series(body, 'tqdt_db_failover_retries_total').includes('tqdt_db_failover_retries_total{kind="write",node="app"} 0'), 'retries start at 0')
})

t.test('a failing overdue query drops the series and counts a probe failure; /metrics still answers', async (t) => {
  const { app, ownerSql } = await buildTestApp(t, { databaseReplicaUrl: null })
  await ownerSql('ALTER TABLE handovers RENAME TO handovers_moved_away')
  t.teardown(() => ownerSql('ALTER TABLE handovers_moved_away RENAME TO handovers'))
  const res = await app.internalListener.inject({ url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.same(series(res.body, 'tqdt_handovers_overdue_open'), [], 'no series rather than a wrong 0')
  // Metrics are collected concurrently: the failure counter shows on the next scrape.
  const next = await app.internalListener.inject({ url: '/metrics' })
  t.ok(series(next.body, 'tqdt_metrics_probe_failures_total').some((l) => /probe="handovers_overdue".* [1-9]/.test(l)), 'probe failure counted')
  t.match(res.body, /^process_cpu_seconds_total/m, 'the other metrics are there')
})

t.test('a hanging overdue query is cut at the probe timeout', async (t) => {
  const { app, schema } = await buildTestApp(t, { databaseReplicaUrl: null })
  // Another session holds an exclusive lock: the count waits for it, as it would behind a stuck
  // migration or a failing-over primary.
  const locker = new pg.Client({ connectionString: testDatabaseUrl() })
  await locker.connect()
  t.teardown(() => locker.end())
  await locker.query(`SET search_path TO ${schema}`)
  await locker.query('BEGIN')
  await locker.query('LOCK TABLE handovers IN ACCESS EXCLUSIVE MODE')
  const started = Date.now()
  const res = await app.internalListener.inject({ url: '/metrics' })
  const elapsed = Date.now() - started
  await locker.query('ROLLBACK')
  t.equal(res.statusCode, 200)
  t.ok(elapsed < 2500, `answered in ${elapsed} ms (probe timeout 1 s, scrape timeout 4 s)`)
  t.same(series(res.body, 'tqdt_handovers_overdue_open'), [])
  // The hung query finishes once the lock goes; the next scrape counts again.
  await new Promise((r) => setTimeout(r, 200))
  const again = await app.internalListener.inject({ url: '/metrics' })
  t.equal(series(again.body, 'tqdt_handovers_overdue_open').length, 3, 'back on the next scrape')
})

t.test('an unreachable replica shows as unreachable, and the scrape still answers', async (t) => {
  const { app } = await buildTestApp(t, { databaseReplicaUrl: 'postgres://tqdt:tqdt@127.0.0.99:1/tqdt', connectTimeoutMs: 500 })
  const res = await app.internalListener.inject({ url: '/metrics' })
  t.equal(res.statusCode, 200)
  const roles = series(res.body, 'tqdt_db_role_seen')
  t.ok(roles.includes('tqdt_db_role_seen{pool="replica",role="unreachable",node="app"} 1'), roles.join('\n'))
  t.ok(roles.includes('tqdt_db_role_seen{pool="primary",role="primary",node="app"} 1'), 'the primary pool is unaffected')
})
