// The last resort after a runner that could not heal (killed with SIGKILL, a crashed machine
// session): thaw what the ledger says is frozen, and whatever of the cluster is stopped; drop every
// fault rule (the switch's table in a namespace lab, the root namespace's chaos table on loopback);
// move processes out of the chaos cgroups. Hosts left powered off are powered on by the `up` that
// `npm run drill -- --heal` runs next.
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { hostProcesses, namespaceExists, signalProcesses, switchNamespace } from '../../infra/launcher/cluster-api.ts'
import { confinedHosts, release } from './host-cgroup.ts'
import { readLedger, clearFault } from './fault-ledger.ts'
import { CHAOS_TABLE, deleteChaosTable } from './nft-chaos-table.ts'
import { deleteSwitchTable } from './switch-rules.ts'

export function healLeftovers(inv: Inventory, say: (line: string) => void): void {
  for (const entry of readLedger()) {
    signalProcesses(entry.stoppedPids ?? [], 'SIGCONT')
    say(`undid ${entry.id} (injected ${entry.injectedAt})`)
    clearFault(entry.id)
  }
  // A host stopped by hand or by a runner that lost its ledger.
  for (const host of inv.hosts) {
    const stopped = hostProcesses(host.name, inv).filter((p) => p.state === 'T')
    signalProcesses(stopped.map((p) => p.pid), 'SIGCONT')
    if (stopped.length) say(`thawed ${stopped.length} stopped process(es) of ${host.name}`)
  }
  if (inv.lab) {
    if (namespaceExists(switchNamespace(inv)) && deleteSwitchTable(inv)) say(`removed the fault rules on ${switchNamespace(inv)}`)
  } else if (deleteChaosTable()) say(`removed nft table inet ${CHAOS_TABLE}`)
  for (const host of confinedHosts()) {
    release(host)
    say(`released ${host} from its chaos cgroup`)
  }
}
