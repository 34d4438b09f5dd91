// The audit trail's hash chains detect an edited row, a deleted row and a truncated chain.
import t from 'tap'
import { Database } from '../../src/db/database.ts'
import { createPool } from '../../src/db/pool-factory.ts'
import { loadConfig } from '../../src/config.ts'
import { recordChange, stripeOf, verifyAuditChain } from '../../src/services/audit-service.ts'
import { actorOf, createTestSchema, testDatabaseUrl, TEST_JWT_SECRET } from '../helper.ts'

async function withChanges(t: Parameters<typeof createTestSchema>[0], entityIds: string[]) {
  const schema = await createTestSchema(t)
  const config = loadConfig({}, { jwtSecret: TEST_JWT_SECRET, databaseUrl: testDatabaseUrl(), databaseSchema: schema })
  const db = new Database(createPool(config, config.databaseUrl, 'primary'), null, 4000)
  t.teardown(() => db.close())
  for (const [i, entityId] of entityIds.entries()) {
    await db.write(async (tx) => {
      const ctx = { tx, actor: actorOf(), requestId: `r${i}`, now: new Date().toISOString(), changes: [] }
      await recordChange(ctx, {
        entityType: 'handover', entityId, action: 'created', before: null, after: { n: i },
        backEntry: { origin: 'online', occurredAt: ctx.now, originalOfficer: ctx.actor.officerId },
      })
    }, { idempotent: true })
  }
  return db
}

// Three changes of one entity share a stripe: a chain of three rows to tamper with.
const ids = ['H-1', 'H-1', 'H-1', 'H-2', 'H-3']

t.test('an untouched trail verifies', async (t) => {
  const db = await withChanges(t, ids)
  const report = await db.readFresh((q) => verifyAuditChain(q))
  t.equal(report.ok, true)
  t.equal(report.rowsChecked, ids.length)
  t.equal(report.stripes, 16)
})

t.test('an edited entry is detected', async (t) => {
  const db = await withChanges(t, ids)
  await db.primary.query(`UPDATE audit_log SET entry = replace(entry, '"n":1', '"n":9') WHERE entity_id = 'H-1' AND seq = 2`)
  const report = await db.readFresh((q) => verifyAuditChain(q))
  t.equal(report.ok, false)
  t.match(report.problems, [{ stripe: stripeOf('H-1'), seq: '2', problem: 'HASH_MISMATCH' }])
})

t.test('an edited column (officer) is detected even with the entry intact', async (t) => {
  const db = await withChanges(t, ids)
  await db.primary.query(`UPDATE audit_log SET officer_id = 'someone-else' WHERE entity_id = 'H-2'`)
  const report = await db.readFresh((q) => verifyAuditChain(q))
  t.match(report.problems, [{ stripe: stripeOf('H-2'), problem: 'COLUMNS_DIFFER_FROM_ENTRY' }])
})

t.test('a deleted row in the middle is detected', async (t) => {
  const db = await withChanges(t, ids)
  await db.primary.query(`DELETE FROM audit_log WHERE entity_id = 'H-1' AND seq = 2`)
  const report = await db.readFresh((q) => verifyAuditChain(q))
  t.match(report.problems, [{ stripe: stripeOf('H-1'), problem: 'SEQUENCE_GAP' }])
})

t.test('a deleted last row (truncation) is detected through the chain head', async (t) => {
  const db = await withChanges(t, ids)
  await db.primary.query(`DELETE FROM audit_log WHERE entity_id = 'H-1' AND seq = 3`)
  const report = await db.readFresh((q) => verifyAuditChain(q))
  t.match(report.problems, [{ stripe: stripeOf('H-1'), problem: 'HEAD_MISMATCH' }])
})

t.test('a chain of more than ten rows verifies (rows are walked in numeric, not text, order)', async (t) => {
  const db = await withChanges(t, Array.from({ length: 12 }, () => 'H-long'))
  const report = await db.readFresh((q) => verifyAuditChain(q))
  t.equal(report.ok, true)
  t.equal(report.rowsChecked, 12)
})
