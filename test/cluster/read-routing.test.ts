// Through the cluster's HAProxy: reads that may trail go to a replica, fresh reads and writes to the
// primary — what keeps reads going while there is no primary.
import t from 'tap'
import { Database } from '../../src/db/database.ts'
import { createPool } from '../../src/db/pool-factory.ts'
import { loadConfig } from '../../src/config.ts'
import { endpoints } from '../../infra/launcher/cluster-api.ts'
import { TEST_JWT_SECRET } from '../helper.ts'

t.test('read() lands on a replica, readFresh() and write() on the primary', async (t) => {
  const { databaseUrl, databaseReplicaUrl } = endpoints()
  const config = loadConfig({}, { jwtSecret: TEST_JWT_SECRET, nodeName: 'read-routing-test' })
  const db = new Database(createPool(config, databaseUrl, 'primary'), createPool(config, databaseReplicaUrl, 'replica'), 5000)
  t.teardown(() => db.close())
  const inRecovery = (q: Parameters<Parameters<Database['read']>[0]>[0]) =>
    q.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r').then((res) => res.rows[0]?.r)
  t.equal(await db.read(inRecovery), true, 'a list or search is served by a replica')
  t.equal(await db.readFresh(inRecovery), false, 'a read by id is served by the primary')
  t.equal(await db.write(inRecovery, { idempotent: true }), false, 'a write runs on the primary')
})
