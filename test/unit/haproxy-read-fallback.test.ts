// Reads that fall back to the primary (no standby passes its check) go through a backend of their
// own: the primary-replica-partition drill of 2026-12-06 failed on a 2.6 s read stall because reads
// queued behind the write sessions that filled be_pg_primary while the primary had no synchronous
// standby. Rendered for every layout; the two backends together stay under max_connections.
import t from 'tap'
import { hostsWithRole, loadInventory } from '../../infra/launcher/inventory.ts'
import { renderHaproxy } from '../../infra/launcher/render/haproxy-config.ts'
import type { RenderContext } from '../../infra/launcher/render/render-context.ts'
import type { Secrets } from '../../infra/launcher/secrets.ts'

const section = (cfg: string, name: string) => cfg.split(/\n(?=\S)/).find((s) => s.startsWith(`${name}\n`)) ?? ''
const maxconns = (backend: string) => [...backend.matchAll(/ maxconn (\d+)/g)].map((m) => Number(m[1]))

for (const file of ['infra/inventory/local.json', 'infra/inventory/production.json', 'infra/inventory/compact.json']) {
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
      const writes = Math.max(...maxconns(section(cfg, 'backend be_pg_primary')))
      const readsOnPrimary = Math.max(...maxconns(fallback))
      // PostgreSQL's max_connections (infra/launcher/render/patroni-config.ts) less the superuser reserve.
      t.ok(writes + readsOnPrimary <= 197, `${host.name}: ${writes} + ${readsOnPrimary} sessions fit the primary`)
    }
  })
}
