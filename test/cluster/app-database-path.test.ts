// Each app node's sessions reach PostgreSQL through the HAProxy the generator chose for it, as
// PostgreSQL sees them (HAProxy connects from its own host's address): on a host that carries HAProxy
// (compact) its own, so that another host's loss never takes the app's database path; elsewhere a
// load balancer. What is rendered for each layout: test/unit/app-database-endpoint.test.ts.
import t from 'tap'
import pg from 'pg'
import { DATABASE_ROLES, hostsWithRole, loadInventory, postgresSsl, secrets } from '../../infra/launcher/cluster-api.ts'
import { waitUntil } from '../cluster-test-kit.ts'

const inv = loadInventory()
const s = secrets(inv)

interface Session {
  app: string
  addr: string
}

/** The app nodes' sessions on every database host (pools and pg-boss are named `<node>-primary|replica|queue`). */
async function appSessions(): Promise<Session[]> {
  const all: Session[] = []
  for (const db of hostsWithRole(inv, 'postgres')) {
    const client = new pg.Client({
      host: db.address, port: db.ports.postgres, ssl: postgresSsl(inv), connectionTimeoutMillis: 3000,
      user: DATABASE_ROLES.monitor, password: s.monitorPassword, database: 'postgres',
    })
    client.on('error', () => undefined)
    try {
      await client.connect()
      const { rows } = await client.query<Session>(
        `SELECT application_name AS app, host(client_addr) AS addr FROM pg_stat_activity
          WHERE usename = $1 AND application_name ~ '-(primary|replica|queue)$'`,
        [inv.cluster.databaseUser],
      )
      all.push(...rows)
    } catch {
      // a member that is down has no sessions to show
    } finally {
      await client.end().catch(() => undefined)
    }
  }
  return all
}

t.test("every app node's database sessions come through the HAProxy chosen for it", async (t) => {
  const apps = hostsWithRole(inv, 'app')
  const ofNode = (sessions: Session[], node: string) => sessions.filter((x) => x.app.replace(/-(primary|replica|queue)$/, '') === node)
  // pg-boss polls on every node, so each has sessions on the primary within seconds.
  const sessions = await waitUntil(30_000, async () => {
    const found = await appSessions()
    return apps.every((a) => ofNode(found, a.name).length > 0) ? found : null
  })
  if (!t.ok(sessions, `each of ${apps.map((a) => a.name).join(', ')} has database sessions`) || !sessions) return
  for (const app of apps) {
    const expected = app.roles.includes('haproxy') ? [app.address] : hostsWithRole(inv, 'haproxy').map((h) => h.address)
    const from = [...new Set(ofNode(sessions, app.name).map((x) => x.addr))].sort()
    t.ok(
      from.every((a) => expected.includes(a)),
      `${app.name}: sessions from ${from.join(', ')}; expected only ${app.roles.includes('haproxy') ? 'its own host\'s HAProxy' : 'a load balancer'} (${expected.join(', ')})`,
    )
  }
})
