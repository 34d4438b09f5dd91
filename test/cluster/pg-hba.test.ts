// The cluster's pg_hba as PostgreSQL applies it (issue 13.1): the superuser only over a host's local
// socket, replication only for the replication role, the app's roles only into the app's database,
// the exporters' role only into `postgres`. Which source address each role may come from is exact on
// real hosts and in the namespace lab (test/unit/pg-hba.test.ts); on the loopback lab every local
// client leaves from 127.0.0.1, so that part is not provable here.
import t from 'tap'
import pg from 'pg'
import { spawnSync } from 'node:child_process'
import { caCertificateFile, endpoints, hostsWithRole, loadInventory, postgresSsl, secrets } from '../../infra/launcher/cluster-api.ts'

const inv = loadInventory()
const db = hostsWithRole(inv, 'postgres')[0]!
const s = secrets(inv)

async function refusal(config: pg.ClientConfig): Promise<string | null> {
  const client = new pg.Client({ connectionTimeoutMillis: 3000, ...config })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return null
  } catch (err) {
    return (err as Error).message
  } finally {
    await client.end().catch(() => undefined)
  }
}

// With TLS verified, as every client connects: what is refused here is refused by the role's line.
const tcp = { host: db.address, port: db.ports.postgres, ssl: postgresSsl(inv) }

t.test('the superuser: refused over TCP even with its password, admitted over the local socket', async (t) => {
  t.match(await refusal({ ...tcp, user: 'postgres', password: s.superuserPassword, database: 'postgres' }), /no pg_hba\.conf entry/)
  const su = new pg.Client({ connectionString: endpoints(inv).superuserDatabaseUrlOf(db.name) })
  await su.connect()
  t.teardown(() => su.end())
  t.same((await su.query('SELECT current_user AS u')).rows, [{ u: 'postgres' }])
})

t.test('the app and owner roles: into the app database only, never as a replication connection', async (t) => {
  t.match(await refusal({ ...tcp, user: inv.cluster.databaseUser, password: s.dbPassword, database: 'postgres' }), /no pg_hba\.conf entry/)
  t.equal(await refusal({ ...tcp, user: inv.cluster.databaseUser, password: s.dbPassword, database: inv.cluster.database }), null)
  t.equal(await refusal({ connectionString: endpoints(inv).ownerDatabaseUrl }), null, 'the owner through HAProxy (the migrations)')
  const replication = spawnSync(`${inv.cluster.postgresBinDir}/psql`, ['-X', '-c', 'IDENTIFY_SYSTEM',
    `host=${db.address} port=${db.ports.postgres} user=${inv.cluster.databaseUser} dbname=${inv.cluster.database} replication=true connect_timeout=3 sslmode=verify-full sslrootcert=${caCertificateFile(inv)}`], {
    encoding: 'utf8', env: { ...process.env, PGPASSWORD: s.dbPassword },
  })
  t.not(replication.status, 0)
  t.match(replication.stderr, /no pg_hba\.conf entry for replication connection/)
})

t.test('the exporters\' role: into `postgres` only', async (t) => {
  t.match(await refusal({ ...tcp, user: 'tqdt_monitor', password: s.monitorPassword, database: inv.cluster.database }), /no pg_hba\.conf entry/)
  t.equal(await refusal({ ...tcp, user: 'tqdt_monitor', password: s.monitorPassword, database: 'postgres' }), null)
})

t.test('a password is checked with SCRAM: a wrong one is refused', async (t) => {
  t.match(await refusal({ ...tcp, user: inv.cluster.databaseUser, password: 'wrong', database: inv.cluster.database }), /password authentication failed/)
})
