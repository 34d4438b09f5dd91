// `npm run deploy`: every app node replaced by the checkout's code, one at a time, under load.
import { appSpecs, replaceAppNode, runningBuild } from '../app-rollout.ts'
import { clusterStatus } from '../cluster-status.ts'
import { codeFingerprint } from '../code-fingerprint.ts'
import { bootstrapRoles, migrate } from '../database-setup.ts'
import { generateConfigs } from '../generate-configs.ts'
import { loadInventory } from '../inventory.ts'
import { LaunchError, say } from '../launch-progress.ts'
import { patroniLeaderHost } from '../patroni-client.ts'
import { ensureSecrets } from '../secrets.ts'

export async function deploy(): Promise<number> {
  const inv = loadInventory()
  const want = codeFingerprint(inv)
  say(`deploying build ${want} to ${appSpecs(inv).map((s) => s.host.name).join(', ')}, one node at a time`)
  const status = await clusterStatus(inv, (spec) => spec.component === 'haproxy' || spec.component === 'app')
  const down = status.rows.filter((r) => r.state !== 'healthy')
  if (down.length > 0) {
    throw new LaunchError(`not deploying while ${down.map((r) => `${r.host} ${r.component} is ${r.state} (${r.detail})`).join('; ')}: a node taken out now would leave too few. Run npm run up first`)
  }
  // Generated env files first, so the new processes start with the current config.
  const secrets = ensureSecrets(inv)
  generateConfigs(inv, secrets, { fresh: false })
  // The new code's migrations before any node runs it (they add, so the old nodes keep working), as
  // the schema owner, whose role a cluster made before the roles were split does not have yet.
  const leader = await patroniLeaderHost(inv)
  if (!leader) throw new LaunchError('not deploying without a running Patroni leader: the migrations need the primary')
  bootstrapRoles(inv, secrets, leader)
  migrate(inv)
  for (const spec of appSpecs(inv)) await replaceAppNode(inv, spec, say)
  const builds = await Promise.all(appSpecs(inv).map(async (s) => `${s.host.name} ${await runningBuild(inv, s)}`))
  say(`deployed: ${builds.join(', ')}`)
  return 0
}

