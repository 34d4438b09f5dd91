// Through the cluster's HAProxy: reads that may trail go to a replica, fresh reads and writes to the
// primary — what keeps reads going while there is no primary.
import t from 'tap'
import { Database } from '../../src/db/database.ts'
import { createPool } from '../../src/db/pool-factory.ts'
import { loadConfig } from '../../src/config.ts'
import { endpoints } from '../../infra/launcher/cluster-api.ts'
import { TEST_JWT_SECRET } from '../helper.ts'
import { DomainError, notFound } from '../../src/domain/errors.ts'
import { isFailoverError } from '../../src/db/failover-errors.ts'

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

// While the primary is suspect, a fresh read is served by a replica; the asynchronous one may lack a
// record the primary just acknowledged (primary-replica-partition: five false 404s). Its "not found"
// is confirmed on the primary, and when the primary cannot answer either it is the primary's
// failover error (a read's 503), never a 404.
t.test('a replica\'s "not found" during a primary outage is confirmed on the primary, or 503', async (t) => {
  const { databaseUrl, databaseReplicaUrl } = endpoints()
  const config = loadConfig({}, { jwtSecret: TEST_JWT_SECRET, nodeName: 'read-routing-test' })
  const missingOnReplicas = async (q: Parameters<Parameters<Database['read']>[0]>[0]) => {
    const recovering = (await q.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r
    if (recovering) throw notFound('HANDOVER_NOT_FOUND', 'not on this replica')
    return 'found on the primary'
  }

  // The primary refuses the first connection (a failover-class error): fresh reads turn to a replica.
  const primary = createPool(config, databaseUrl, 'primary')
  const realConnect = primary.connect.bind(primary)
  let refusals = 1
  ;(primary as { connect: () => Promise<unknown> }).connect = () => {
    if (refusals-- > 0) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED (injected)'), { code: 'ECONNREFUSED' }))
    return realConnect()
  }
  const db = new Database(primary, createPool(config, databaseReplicaUrl, 'replica'), 5000)
  t.teardown(() => db.close())
  t.equal(await db.readFresh(missingOnReplicas), 'found on the primary', "the replica's not-found was asked of the primary again")

  // The primary gone for good: no false 404, the primary's failover error (answered as a read's 503).
  const gone = createPool(config, 'postgres://nobody@127.0.0.1:1/none', 'primary')
  const dbGone = new Database(gone, createPool(config, databaseReplicaUrl, 'replica'), 5000)
  t.teardown(() => dbGone.close())
  const err = await dbGone.readFresh(missingOnReplicas).then(() => null, (e: unknown) => e)
  t.ok(err !== null && !(err instanceof DomainError && err.kind === 'not_found'), `not a 404: ${String(err)}`)
  t.ok(isFailoverError(err), 'a failover error: retried, then answered 503 DATABASE_UNAVAILABLE')
})
