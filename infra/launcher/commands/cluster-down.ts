// `npm run down`: every component stopped (replicas before the leader), leftovers killed, and in a
// namespace lab every namespace, veth and rule of the lab removed, found by name.
import { spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { listScratch, stopScratch } from '../../backup/scratch-restore.ts'
import type { ComponentSpec } from '../components.ts'
import { START_ORDER, componentSpecs } from '../components.ts'
import { hostProcesses, listProcesses, signalProcesses } from '../host-processes.ts'
import type { Inventory } from '../inventory.ts'
import { chaosScope, clusterPath, loadInventory } from '../inventory.ts'
import { stopFrontDoor } from '../lab/front-door.ts'
import { namespaceExists, opsNamespace, runningInside } from '../lab/lab-namespaces.ts'
import { labLeftovers, teardownLab } from '../lab/lab-network.ts'
import { enterOpsNamespace } from '../lab/run-in-lab.ts'
import { LaunchError, say } from '../launch-progress.ts'
import { patroniMembers } from '../patroni-client.ts'
import { sleep, stopComponent } from '../process-control.ts'
import { backupLayout } from '../render/pgbackrest-config.ts'

/** The drills' nftables table of this instance (chaos/): `down` removes it so no drop rule outlives the cluster. */
function removeChaosRules(inv: Inventory): void {
  const nft = '/usr/sbin/nft'
  if (!existsSync(nft)) return
  const table = ['inet', chaosScope(inv)]
  const listed = spawnSync(nft, ['list', 'table', ...table], { stdio: 'ignore' })
  if (listed.status === 0) {
    const del = spawnSync(nft, ['delete', 'table', ...table], { encoding: 'utf8' })
    say(del.status === 0 ? `removed nft table ${table.join(' ')}` : `could not remove nft table: ${del.stderr}`)
  }
}

/**
 * `down` of a namespace lab, run in the root namespace: the processes are stopped gracefully from the
 * ops namespace (the only place that reaches the hosts), then the front door, every namespace of the
 * lab and the guard route are removed — found by name, so also after a launcher or a drill crashed.
 */
async function downLab(inv: Inventory, purge: boolean): Promise<number> {
  let code = 0
  if (namespaceExists(opsNamespace(inv))) code = (await enterOpsNamespace(inv, ['down', '--processes-only'])) ?? 0
  const doors = stopFrontDoor(inv)
  if (doors.length > 0) say(`stopped the front door (pid ${doors.join(', ')})`)
  teardownLab(inv, say)
  const left = labLeftovers(inv)
  if (left.namespaces.length > 0 || left.guardRoute) throw new LaunchError(`the lab is not fully removed: ${JSON.stringify(left)}`)
  say(`lab removed: no namespace of ${inv.lab!.namespacePrefix}*, no guard route for ${inv.lab!.subnet}`)
  if (purge) purgeFolders(inv)
  return code
}

function purgeFolders(inv: Inventory): void {
  for (const key of ['data', 'run', 'config', 'logs', 'pids'] as const) rmSync(clusterPath(inv, key), { recursive: true, force: true })
  say(`purged data, configs and logs (secrets and the CA kept in ${clusterPath(inv, 'secrets')})`)
}

export async function down(purge: boolean, processesOnly = false): Promise<number> {
  const inv = loadInventory()
  if (inv.lab && !processesOnly && !runningInside(opsNamespace(inv))) return downLab(inv, purge)
  const specs = componentSpecs(inv)
  // Each instance has its own table: this `down` lifts no fault of a drill on another instance.
  removeChaosRules(inv)
  const members = await patroniMembers(inv).catch(() => [])
  const leaderName = members.find((m) => m.role === 'leader')?.name
  for (const component of [...START_ORDER].reverse()) {
    let tier = specs.filter((s) => s.component === component)
    if (component === 'patroni' && leaderName) {
      // Replicas first: stopping the leader while replicas run would make one of them take over.
      const replicas = tier.filter((s) => s.host.name !== leaderName)
      await Promise.all(replicas.map((s) => stopOne(inv, s)))
      tier = tier.filter((s) => s.host.name === leaderName)
    }
    await Promise.all(tier.map((s) => stopOne(inv, s)))
  }
  // Anything left (a process whose pid file was lost and whose component was already stopped).
  const leftovers = inv.hosts.flatMap((h) => hostProcesses(h.name, inv))
  if (leftovers.length > 0) {
    say(`killing ${leftovers.length} leftover process(es): ${leftovers.map((p) => `${p.pid} ${p.command.slice(0, 40)}`).join('; ')}`)
    signalProcesses(leftovers.map((p) => p.pid), 'SIGKILL')
  }
  // Scratch restores (backup-command.ts restore) are not components, but `down` leaves nothing running.
  if (backupLayout(inv)) {
    for (const scratch of listScratch(inv).filter((x) => x.running !== null)) {
      stopScratch(scratch)
      say(`stopped scratch instance ${scratch.name}`)
    }
  }
  await waitForReaping()
  if (inv.lab && !processesOnly) {
    // Called from inside the lab (a test, a drill): remove the lab from here; this process's own
    // namespace goes when it exits.
    stopFrontDoor(inv)
    teardownLab(inv, say)
  }
  if (purge) purgeFolders(inv)
  say('cluster down')
  return 0
}

/**
 * Components outlive the launcher that started them, so init is their parent and reaps them a
 * moment after they exit; wait (bounded) so a `ps` right after `down` shows no <defunct> leftovers.
 */
async function waitForReaping(): Promise<void> {
  const ours = /^(etcd|patroni|postgres|haproxy|redis-server|redis-sentinel|prometheus.*|node|python3.*)$/
  const deadline = Date.now() + 5000
  while (Date.now() < deadline) {
    const zombies = listProcesses({ zombies: true }).filter((p) => p.state === 'Z' && p.ppid === 1 && ours.test(p.comm))
    if (zombies.length === 0) return
    await sleep(200)
  }
}

async function stopOne(inv: Inventory, spec: ComponentSpec): Promise<void> {
  const outcome = await stopComponent(inv, spec)
  if (outcome !== 'not running') say(`${outcome} ${spec.id}`)
}
