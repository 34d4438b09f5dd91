// Reads that fall back to the primary (no standby passes its check) go through a backend of their
// own: the primary-replica-partition drill of 2026-12-06 failed on a 2.6 s read stall because reads
// queued behind the write sessions that filled be_pg_primary while the primary had no synchronous
// standby. Rendered for every layout; the two backends together stay under max_connections.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { hostsWithRole, loadInventory } from '../../infra/launcher/inventory.ts'
import { renderHaproxy } from '../../infra/launcher/render/haproxy-config.ts'
import type { RenderContext } from '../../infra/launcher/render/render-context.ts'
import type { Secrets } from '../../infra/launcher/secrets.ts'

const section = (cfg: string, name: string) => cfg.split(/\n(?=\S)/).find((s) => s.startsWith(`${name}\n`)) ?? ''
const maxconns = (backend: string) => [...backend.matchAll(/ maxconn (\d+)/g)].map((m) => Number(m[1]))

// PostgreSQL's connection budget for everything but superusers (infra/launcher/render/patroni-config.ts).
const { max_connections: maxConnections, superuser_reserved_connections: reserved } = postgresParameters()

function postgresParameters(): { max_connections: number; superuser_reserved_connections: number } {
  const text = readFileSync('infra/launcher/render/patroni-config.ts', 'utf8')
  const number = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(text)?.[1])
  return { max_connections: number('max_connections'), superuser_reserved_connections: number('superuser_reserved_connections') }
}

for (const file of ['infra/inventory/local.json', 'infra/inventory/production.json', 'infra/inventory/compact.json', 'infra/inventory/three-site.example.json']) {
  t.test(file, async (t) => {
    const inv = loadInventory(file)
    const context: RenderContext = { inv, secrets: new Proxy({}, { get: () => 'secret' }) as Secrets, configRoot: '/nonexistent' }
    for (const host of hostsWithRole(inv, 'haproxy')) {
      const cfg = renderHaproxy(context, host)[0]?.content ?? ''
      const reads = section(cfg, 'frontend fe_pg_replica')
      t.match(reads, /default_backend be_pg_primary_reads\n/, `${host.name}: reads' last resort is their own backend`)
      t.notMatch(reads, /be_pg_primary\b(?!_reads)/, `${host.name}: never the writes' backend`)
      const fallback = section(cfg, 'backend be_pg_primary_reads')
      t.match(fallback, /uri \/primary\n/, 'it admits the primary only')
      const writes = maxconns(section(cfg, 'backend be_pg_primary'))
      const readsOnPrimary = maxconns(fallback)
      t.ok(writes.length > 0 && readsOnPrimary.length > 0, 'both backends name their servers\' maxconn')
      // One HAProxy carries the traffic at a time where clients reach a floating address (or the one
      // load balancer): there its two caps must fit the primary. Where every app host has its own
      // HAProxy (compact, a site), each serves one app node, whose pools bound its sessions, not these caps.
      if (hostsWithRole(inv, 'app').every((app) => !app.roles.includes('haproxy'))) {
        const sum = Math.max(...writes) + Math.max(...readsOnPrimary)
        t.ok(sum <= maxConnections - reserved, `${host.name}: ${sum} sessions fit the primary's ${maxConnections - reserved}`)
      }
    }
  })
}
