// With the cluster up, Prometheus scrapes every component and every target is up.
import t from 'tap'
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { clusterJson, endpoints, hostsWithRole, loadInventory } from '../../infra/launcher/cluster-api.ts'

interface Target {
  labels: Record<string, string>
  health: 'up' | 'down' | 'unknown'
  lastError: string
}

async function activeTargets(inv: Inventory, url: string): Promise<Target[]> {
  const { json } = await clusterJson<{ data: { activeTargets: Target[] } }>(inv, `${url}/api/v1/targets?state=active`, { timeoutMs: 5000 })
  return json.data.activeTargets
}

t.test('every Prometheus target is up', async (t) => {
  const inv = loadInventory()
  const url = endpoints(inv).prometheusUrl
  // A target is "unknown" until its first scrape (5 s interval) and a restarted host needs a scrape
  // to turn up again: wait up to 60 s for all of them, then report the ones that are not.
  let targets: Target[] = []
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    targets = await activeTargets(inv, url).catch(() => [])
    if (targets.length > 0 && targets.every((x) => x.health === 'up')) break
    await new Promise((r) => setTimeout(r, 2000))
  }
  const jobs = new Set(targets.map((x) => x.labels.job))
  for (const job of ['prometheus', 'app', 'haproxy', 'patroni', 'etcd', 'postgres', 'redis', 'sentinel']) {
    t.ok(jobs.has(job), `job ${job} is scraped`)
  }
  t.equal(targets.filter((x) => x.labels.job === 'app').length, hostsWithRole(inv, 'app').length, 'every app node is a target')
  t.equal(targets.filter((x) => x.labels.job === 'patroni').length, hostsWithRole(inv, 'postgres').length, 'every Patroni is a target')
  for (const target of targets) {
    t.equal(target.health, 'up', `${target.labels.job}/${target.labels.host} is up${target.lastError ? `: ${target.lastError}` : ''}`)
  }
})
