// Where Patroni's unsafe REST endpoints may be called from, as patroni.yml is rendered for every
// inventory: each database host by address (POST /failsafe is checked against the allowlist alone,
// patroni/patroni#3113: a member left off it refuses the leader that lost etcd, and failsafe_mode
// demotes it), plus the operators — the ops namespace in a lab, 127.0.0.1 on the loopback lab,
// nobody else on real hosts. The refusals on a running cluster: test/cluster/tls-everywhere.test.ts.
import t from 'tap'
import { parse } from 'yaml'
import type { Inventory } from '../../infra/launcher/inventory.ts'
import { hostsWithRole, loadInventory } from '../../infra/launcher/inventory.ts'
import { patroniRestAllowlist, renderPatroni } from '../../infra/launcher/render/patroni-config.ts'
import type { Secrets } from '../../infra/launcher/secrets.ts'

function restapiOf(inv: Inventory): Array<{ allowlist?: string[]; allowlist_include_members?: boolean }> {
  return hostsWithRole(inv, 'postgres').map((host) => {
    const [file] = renderPatroni({ inv, secrets: new Proxy({}, { get: () => 'secret' }) as Secrets, configRoot: '/nonexistent' }, host)
    return (parse(file?.content ?? '') as { restapi: { allowlist?: string[]; allowlist_include_members?: boolean } }).restapi
  })
}

/** The same inventory as copied for real hosts: the lab section left out. */
function realHosts(file: string): Inventory {
  const inv = { ...loadInventory(file) }
  delete inv.lab
  return inv
}

t.test('every inventory renders the allowlist, with each database host listed', async (t) => {
  const cases: Array<[string, Inventory, string[]]> = [
    ['local (loopback lab)', loadInventory('infra/inventory/local.json'), ['127.0.0.21/32', '127.0.0.22/32', '127.0.0.23/32', '127.0.0.1/32']],
    ['production (namespace lab)', loadInventory('infra/inventory/production.json'), ['10.213.0.31/32', '10.213.0.32/32', '10.213.0.33/32', '10.213.0.250/32']],
    ['compact (namespace lab)', loadInventory('infra/inventory/compact.json'), ['10.213.1.11/32', '10.213.1.12/32', '10.213.1.13/32', '10.213.1.250/32']],
    ['compact on real hosts', realHosts('infra/inventory/compact.json'), ['10.213.1.11/32', '10.213.1.12/32', '10.213.1.13/32']],
    ['three sites', loadInventory('infra/inventory/three-site.example.json'), ['10.1.0.21/32', '10.2.0.21/32', '10.3.0.21/32']],
  ]
  for (const [name, inv, expected] of cases) {
    t.same(patroniRestAllowlist(inv), expected, `${name}: members and operators, nothing wider than one address`)
    for (const restapi of restapiOf(inv)) {
      t.same(restapi.allowlist, expected, `${name}: in patroni.yml`)
      t.equal(restapi.allowlist_include_members, true, `${name}: members the cluster knows in etcd too`)
    }
  }
})
