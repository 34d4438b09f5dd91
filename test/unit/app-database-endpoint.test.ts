// Where each app node reaches PostgreSQL, as the generator renders it per layout: on a host that
// carries HAProxy (compact) through that HAProxy on the host's loopback, so losing another host —
// the floating address's holder included — never takes the app's database path (the whole-host-loss
// run 20261204T225041Z failed on exactly that); everywhere else through the load balancers' address.
// And the names PostgreSQL's certificate must carry for verify-full on those paths.
import t from 'tap'
import type { Host, Inventory } from '../../infra/launcher/inventory.ts'
import { hostByName, hostsWithRole, loadInventory } from '../../infra/launcher/inventory.ts'
import { renderAppEnv } from '../../infra/launcher/render/app-env.ts'
import { renderHaproxy } from '../../infra/launcher/render/haproxy-config.ts'
import type { RenderContext } from '../../infra/launcher/render/render-context.ts'
import type { Secrets } from '../../infra/launcher/secrets.ts'
import { hostSubjectAltNames } from '../../infra/launcher/tls/certificates.ts'

const context = (inv: Inventory): RenderContext => ({ inv, secrets: new Proxy({}, { get: () => 'secret' }) as Secrets, configRoot: '/nonexistent' })

function appEnv(inv: Inventory, host: Host): Record<string, string> {
  const [file] = renderAppEnv(context(inv), host)
  return Object.fromEntries((file?.content ?? '').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
}

/** host:port of a postgres:// URL. */
const dialled = (url: string | undefined) => new URL(url ?? 'postgres://none').host

function frontendBinds(inv: Inventory, host: Host, frontend: string): string[] {
  const [file] = renderHaproxy(context(inv), host)
  const section = (file?.content ?? '').split(/\n(?=\S)/).find((s) => s.startsWith(`frontend ${frontend}\n`)) ?? ''
  return [...section.matchAll(/^\s+bind (\S+)/gm)].map((m) => m[1]!)
}

t.test('compact: each app reaches PostgreSQL through its own host\'s HAProxy on 127.0.0.1', async (t) => {
  const inv = loadInventory('infra/inventory/compact.json')
  const apps = hostsWithRole(inv, 'app')
  t.equal(apps.length, 3)
  for (const host of apps) {
    const env = appEnv(inv, host)
    t.equal(dialled(env.DATABASE_URL), `127.0.0.1:${host.ports.pgPrimary}`, `${host.name}: writes through its own HAProxy`)
    t.equal(dialled(env.DATABASE_REPLICA_URL), `127.0.0.1:${host.ports.pgReplica}`, `${host.name}: reads through its own HAProxy`)
    t.match(env.DATABASE_URL, /sslmode=verify-full/, `${host.name}: still verify-full`)
    t.same(frontendBinds(inv, host, 'fe_pg_primary'), [`10.213.1.10:${host.ports.pgPrimary}`, `127.0.0.1:${host.ports.pgPrimary}`], `${host.name}: HAProxy serves writes on the floating address and the loopback`)
    t.same(frontendBinds(inv, host, 'fe_pg_replica'), [`10.213.1.10:${host.ports.pgReplica}`, `127.0.0.1:${host.ports.pgReplica}`], `${host.name}: and reads`)
    t.same(frontendBinds(inv, host, 'fe_http'), [`10.213.1.10:${host.ports.http}`], `${host.name}: clients still only at the floating address`)
  }
  for (const db of hostsWithRole(inv, 'postgres')) {
    t.ok(hostSubjectAltNames(inv, db).includes('IP:127.0.0.1'), `${db.name}: PostgreSQL's certificate names 127.0.0.1, the address the apps dial`)
  }
})

t.test('production: app hosts carry no HAProxy and use the floating address; nothing binds a loopback', async (t) => {
  const inv = loadInventory('infra/inventory/production.json')
  for (const host of hostsWithRole(inv, 'app')) {
    const env = appEnv(inv, host)
    t.equal(dialled(env.DATABASE_URL), '10.213.0.10:5000', `${host.name}: writes through the floating address`)
    t.equal(dialled(env.DATABASE_REPLICA_URL), '10.213.0.10:5001', `${host.name}: reads too`)
  }
  for (const lb of hostsWithRole(inv, 'haproxy')) {
    t.same(frontendBinds(inv, lb, 'fe_pg_primary'), ['10.213.0.10:5000'], `${lb.name}: only the floating address`)
    t.same(frontendBinds(inv, lb, 'fe_pg_replica'), ['10.213.0.10:5001'], `${lb.name}: only the floating address`)
  }
  for (const db of hostsWithRole(inv, 'postgres')) {
    t.notOk(hostSubjectAltNames(inv, db).includes('IP:127.0.0.1'), `${db.name}: no loopback name where no app dials one`)
  }
})

t.test('loopback lab and three sites: the load balancer, or the own site\'s', async (t) => {
  const local = loadInventory('infra/inventory/local.json')
  t.equal(dialled(appEnv(local, hostByName(local, 'app1')).DATABASE_URL), '127.0.0.10:5000')
  t.same(frontendBinds(local, hostByName(local, 'lb1'), 'fe_pg_primary'), ['127.0.0.10:5000'])
  const sites = loadInventory('infra/inventory/three-site.example.json')
  t.equal(dialled(appEnv(sites, hostByName(sites, 'app-b')).DATABASE_REPLICA_URL), '10.2.0.10:5001', 'app-b: its site\'s HAProxy')
})

t.test('a loopback inventory whose app host carries HAProxy: the host\'s own address is its loopback', async (t) => {
  const local = loadInventory('infra/inventory/local.json')
  const lb1 = hostByName(local, 'lb1')
  const combined: Inventory = { ...local, hosts: local.hosts.map((h): Host => (h === lb1 ? { ...h, roles: [...h.roles, 'app'], ports: { ...h.ports, app: 3000, appInternal: 9464 } } : h)) }
  const host = hostByName(combined, 'lb1')
  t.equal(dialled(appEnv(combined, host).DATABASE_URL), '127.0.0.10:5000', 'not 127.0.0.1, which every host of the machine shares')
  t.same(frontendBinds(combined, host, 'fe_pg_primary'), ['127.0.0.10:5000'], 'no second bind')
})
