// The benchmark seeder: COPY-loaded handovers with containers, receipts, gate lists and
// confirmations, and audit rows that the sealer seals like any others; a re-run adds only what is
// missing, and records the app writes afterwards number on without a clash.
import t from 'tap'
import pg from 'pg'
import { seededCount, seededHandoverId, seedHandovers } from '../../src/commands/seed-command.ts'
import { seededTableCounts } from '../../src/db/seed-repository.ts'
import { verifyAuditTrail } from '../../src/services/audit-verify-service.ts'
import { buildTestApp } from '../helper.ts'

async function seedClient(t: Parameters<typeof buildTestApp>[0], schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL, options: `-c search_path=${schema}` })
  await client.connect()
  t.teardown(() => client.end())
  return client
}

t.test('seeds a realistic dataset whose audit trail seals and verifies, and tops it up idempotently', async (t) => {
  const { app, schema, sql, as } = await buildTestApp(t)
  const verify = async () => {
    await app.audit.sealNow()
    const { logName, trustedKeys, store } = app.audit
    return verifyAuditTrail(client, { logName, keys: trustedKeys, stores: store ? [store] : [] })
  }
  const client = await seedClient(t, schema)
  // An audited change made by the app before seeding: the seeded rows are sealed after it.
  const early = await as('02CI', {
    method: 'POST',
    url: '/api/v1/handovers',
    payload: {
      destinationOffice: '43IH', destinationPlace: 'ICD Sóng Thần', declarationNumbers: ['102345678901'],
      containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'CS1', customsSeal: 'HQ1' }],
      vehicle: '51C-12345', route: 'Cát Lái → Sóng Thần', dueAt: new Date(Date.now() + 8 * 3600_000).toISOString(),
    },
  })
  t.equal(early.statusCode, 201)

  // An hour apart (instead of ~16 s), so 250 handovers span ten days and most have reached their end.
  const spacingMs = 3_600_000
  const progress: number[] = []
  const first = await seedHandovers(client, { target: 250, batchSize: 100, spacingMs, onProgress: (p) => progress.push(p.seeded) })
  t.same(progress, [100, 200, 250], 'one progress report per batch')
  t.match(first, { before: 0, after: 250, added: 250 })
  t.equal(await seededCount(client), 250)

  const counts = await seededTableCounts(client)
  t.equal(counts.handovers, 251, 'the app’s handover and 250 seeded ones')
  t.ok(counts.handover_containers! >= 251 && counts.handover_containers! <= 1 + 250 * 3, 'one to three containers each')
  t.equal(counts.gate_declarations, 250, 'an eligible list per seeded handover')
  t.equal(counts.gate_containers, counts.handover_containers! - 1, 'the list holds the handover’s containers')
  t.ok(counts.handover_receipts! > 150, 'most seeded handovers have arrived')
  t.ok(counts.gate_confirmations! >= counts.handover_receipts!, 'arrived containers passed the gate')
  t.equal(counts.audit_log, 1 + first.auditRows, 'every seeded change left an audit row')
  t.ok(first.auditRows >= 250 * 3, 'create, list registration and at least one more change each')

  const report = await verify()
  t.same(report.problems, [], 'the trail verifies after seeding and sealing')
  t.equal(report.leaves, counts.audit_log, 'every row sealed')

  const statuses = await sql<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM handovers GROUP BY status')
  t.ok(statuses.rows.some((r) => r.status === 'CLOSED'), 'history is mostly closed')
  t.ok(statuses.rows.some((r) => r.status === 'HANDED_OVER'), 'the newest are still in transit')

  // Reads through the API see seeded records like any other.
  const id = seededHandoverId(7)
  const { rows } = await sql<{ departure_office: string; container_number: string }>(
    `SELECT h.departure_office, c.container_number FROM handovers h JOIN handover_containers c ON c.handover_id = h.id WHERE h.id = $1 LIMIT 1`,
    [id],
  )
  const office = rows[0]!.departure_office
  const got = await as(office, { method: 'GET', url: `/api/v1/handovers/${id}` })
  t.equal(got.statusCode, 200)
  t.match(got.json(), { id, handoverNumber: new RegExp(`^BBBG-${office}-\\d{4}-\\d{6}$`) })
  const found = await as(office, { method: 'GET', url: `/api/v1/handovers?containerNumber=${rows[0]!.container_number}` })
  t.equal(found.statusCode, 200)
  t.ok(found.json().items.some((h: { id: string }) => h.id === id), 'search by container finds the seeded handover')

  const again = await seedHandovers(client, { target: 250, batchSize: 100, spacingMs })
  t.match(again, { before: 250, after: 250, added: 0 }, 'the same target adds nothing')
  const more = await seedHandovers(client, { target: 320, batchSize: 100, spacingMs })
  t.match(more, { before: 250, after: 320, added: 70 }, 'a larger target adds the difference')
  const olderHistory = await sql<{ older: boolean }>(
    'SELECT (SELECT handed_over_at FROM handovers WHERE id = $1) < (SELECT handed_over_at FROM handovers WHERE id = $2) AS older',
    [seededHandoverId(300), seededHandoverId(200)],
  )
  t.equal(olderHistory.rows[0]!.older, true, 'a top-up extends history backwards')

  // The app numbers and chains on after the seeded rows.
  const late = await as(office, {
    method: 'POST',
    url: '/api/v1/handovers',
    payload: {
      destinationOffice: office === '43IH' ? '02CI' : '43IH', destinationPlace: 'ICD', declarationNumbers: ['102345678902'],
      containers: [{ containerNumber: 'MSKU9070323', carrierSeal: 'CS2', customsSeal: 'HQ2' }],
      vehicle: '51C-54321', route: 'A → B', dueAt: new Date(Date.now() + 8 * 3600_000).toISOString(),
    },
  })
  t.equal(late.statusCode, 201, 'no handover-number clash with the seeded ones')
  const final = await verify()
  t.same(final.problems, [], 'the trail still verifies after seeding twice and writing through the app')
  t.equal(final.unsealed, 0)
})
