// The faults a drill can inject into a host, each with its heal. In a namespace lab (inventory
// section `lab`) a host is a network namespace cabled to the lab's switch, and the faults are what
// happens to a machine:
//
//   crash       SIGKILL every process of the host; its kernel lives on, so peers get resets at once
//               (crashed software, not a dead machine).
//   process-crash  SIGKILL one program of a host (its etcd, its Redis…), the host's others live on:
//               where roles share hosts, a service fails without taking its neighbours along.
//   freeze      SIGSTOP every process; heal sends SIGCONT. A hung host: its TCP connections stay
//               open and its kernel still accepts new ones, but nothing answers.
//   power-loss  the host's cable goes dead at the switch, every process is killed and the namespace
//               (its sockets, ARP cache, a floating address it held) is removed: peers hear nothing
//               at all, as from a machine without power. Heal powers the machine on (namespace and
//               cable back, no process running); the runner then starts its processes.
//   partition   every frame between two named hosts dropped at the switch, both ways; each still
//               reaches every other host.
//   (no added latency: this kernel has no sch_netem, and nftables can drop packets but not delay them)
//
// On a loopback inventory (every host an address of one namespace) the same faults need
// workarounds: power loss blackholes the address and the host's own connections with nft before the
// kill, and a partition matches senders by cgroup (see host-cgroup.ts, host-sockets.ts).
//
// Crash and power loss leave the host's processes dead: the runner starts them again with the
// launcher (`npm run up` starts what is missing).
import type { Component, Inventory, Role } from '../../infra/launcher/cluster-api.ts'
import { ensureHostNetwork, hostByName, hostComponentSpecs, hostNamespace, hostPids, hostProcesses, killNamespaceProcesses, powerOffHost, ROLE_COMPONENT, setHostLink, signalHost, signalProcesses } from '../../infra/launcher/cluster-api.ts'
import { deleteSwitchChain, dropBetween } from './switch-rules.ts'
import { confine, nftMatch, release } from './host-cgroup.ts'
import { connectionsOf, dropConnectionRules } from './host-sockets.ts'
import { addDropChain, deleteChain } from './nft-chaos-table.ts'
import { clearFault, recordFault } from './fault-ledger.ts'

export type FaultKind = 'crash' | 'process-crash' | 'freeze' | 'power-loss' | 'partition'

export interface Fault {
  id: string
  kind: FaultKind
  targets: string[]
  /** One line for the progress output and the report. */
  description: string
  /** The host's processes are gone after inject and must be started again after heal. */
  needsRestart: boolean
  /**
   * Optional first phase, run for every fault of a drill before any inject: a power loss puts its
   * blackhole in place here, so two hosts that lose power "at the same instant" are both silent
   * before either is killed.
   */
  prepare?(): Promise<void>
  inject(): Promise<void>
  /** Idempotent: safe to call twice, and after a failed inject. */
  heal(): Promise<void>
}

const chainName = (kind: string, hosts: string[]) => `${kind.replace(/-/g, '_')}_${hosts.join('_').replace(/-/g, '_')}`

class FaultError extends Error {}

function requirePids(host: string, inv: Inventory): number[] {
  const pids = hostPids(host, inv)
  if (pids.length === 0) throw new FaultError(`${host} has no running process to act on`)
  return pids
}

export function crash(inv: Inventory, host: string): Fault {
  hostByName(inv, host)
  const id = `crash:${host}`
  return {
    id,
    kind: 'crash',
    targets: [host],
    description: `crash ${host} (SIGKILL every process)`,
    needsRestart: true,
    async inject() {
      requirePids(host, inv)
      recordFault({ id, kind: 'crash', targets: [host], injectedAt: new Date().toISOString() })
      if (inv.lab) killNamespaceProcesses(hostNamespace(inv, host))
      else signalHost(host, 'SIGKILL', inv)
    },
    async heal() {
      clearFault(id)
    },
  }
}

/** One program of a host dies (SIGKILL of its processes); the rest of the host carries on. */
function processCrash(inv: Inventory, host: string, component: Component): Fault {
  const h = hostByName(inv, host)
  if (!hostComponentSpecs(inv, h).some((s) => s.component === component)) throw new FaultError(`${host} runs no ${component}`)
  const id = `process-crash:${host}:${component}`
  const pidsOf = () => hostProcesses(host, inv).filter((p) => p.component === component).map((p) => p.pid)
  return {
    id,
    kind: 'process-crash',
    targets: [host],
    description: `${component} on ${host} crashes (SIGKILL of its processes; the host's other programs run on)`,
    needsRestart: true,
    async inject() {
      const pids = pidsOf()
      if (pids.length === 0) throw new FaultError(`${component} on ${host} is not running`)
      recordFault({ id, kind: 'process-crash', targets: [host], injectedAt: new Date().toISOString() })
      signalProcesses(pids, 'SIGKILL')
    },
    async heal() {
      clearFault(id)
    },
  }
}

/** Roles that only watch: a host with the service and its exporter is still the service's own host. */
const WATCHERS: readonly Role[] = ['postgres-exporter', 'redis-exporter']

/**
 * One service fails on one host, whatever the layout: where the service is all the host runs
 * (etcd1 of the three-site layout), the host loses power; where the host carries other roles
 * too (etcd beside PostgreSQL on db1, Redis beside an app node), the service's processes crash and
 * the host's other programs run on — losing the whole host would be another drill.
 */
export function serviceLoss(inv: Inventory, host: string, role: Role): Fault {
  const h = hostByName(inv, host)
  const others = h.roles.filter((r) => r !== role && !WATCHERS.includes(r))
  const component = ROLE_COMPONENT[role]
  if (others.length === 0 || component === null) return powerLoss(inv, host)
  return processCrash(inv, host, component)
}

/**
 * SIGSTOP of chosen processes (e.g. one standby's startup process, so that it stops replaying),
 * recorded in the fault ledger before the signal so that `npm run drill -- --heal` thaws them
 * should the caller die; heal sends SIGCONT to each that is still there.
 */
export function processFreeze(id: string, targets: string[], pids: number[], description: string): Fault {
  let stopped: number[] = []
  return {
    id,
    kind: 'freeze',
    targets,
    description,
    needsRestart: false,
    async inject() {
      recordFault({ id, kind: 'freeze', targets, injectedAt: new Date().toISOString(), stoppedPids: pids })
      stopped = signalProcesses(pids, 'SIGSTOP')
    },
    async heal() {
      signalProcesses(stopped.splice(0), 'SIGCONT')
      clearFault(id)
    },
  }
}

export function freeze(inv: Inventory, host: string): Fault {
  hostByName(inv, host)
  const id = `freeze:${host}`
  let stopped: number[] = []
  return {
    id,
    kind: 'freeze',
    targets: [host],
    description: `freeze ${host} (SIGSTOP every process)`,
    needsRestart: false,
    async inject() {
      const pids = requirePids(host, inv)
      // Recorded before the signal: a runner killed right after still knows what to thaw.
      recordFault({ id, kind: 'freeze', targets: [host], injectedAt: new Date().toISOString(), stoppedPids: pids })
      stopped = signalProcesses(pids, 'SIGSTOP')
    },
    async heal() {
      signalProcesses(stopped, 'SIGCONT')
      // Anything of the host that is still stopped (a child forked just before the freeze).
      signalHost(host, 'SIGCONT', inv)
      clearFault(id)
    },
  }
}

export function powerLoss(inv: Inventory, host: string): Fault {
  return inv.lab ? labPowerLoss(inv, host) : loopbackPowerLoss(inv, host)
}

function labPowerLoss(inv: Inventory, host: string): Fault {
  hostByName(inv, host)
  const id = `power-loss:${host}`
  let prepared = false
  return {
    id,
    kind: 'power-loss',
    targets: [host],
    description: `power loss of ${host} (cable dead at the switch, every process killed, its kernel state gone)`,
    needsRestart: true,
    async prepare() {
      if (prepared) return
      requirePids(host, inv)
      recordFault({ id, kind: 'power-loss', targets: [host], injectedAt: new Date().toISOString() })
      // Silent first: two hosts that lose power "at the same instant" are both cut before either dies.
      setHostLink(inv, host, 'down')
      prepared = true
    },
    async inject() {
      await this.prepare!()
      powerOffHost(inv, host)
    },
    async heal() {
      // Power back on: the machine and its cable; its processes are the runner's to start.
      ensureHostNetwork(inv, host)
      clearFault(id)
    },
  }
}

function loopbackPowerLoss(inv: Inventory, host: string): Fault {
  const h = hostByName(inv, host)
  const id = `power-loss:${host}`
  const chain = chainName('power_loss', [host])
  let prepared = false
  return {
    id,
    kind: 'power-loss',
    targets: [host],
    description: `power loss of ${host} (${h.address} blackholed, then SIGKILL)`,
    needsRestart: true,
    async prepare() {
      if (prepared) return
      const pids = requirePids(host, inv)
      recordFault({ id, kind: 'power-loss', targets: [host], injectedAt: new Date().toISOString(), chains: [chain], cgroups: [host] })
      const cg = confine(host, pids)
      const own = connectionsOf(pids).filter((c) => c.localAddress !== h.address)
      addDropChain(chain, [
        `ip daddr ${h.address} drop`,
        `ip saddr ${h.address} drop`,
        // The FIN of every socket the dying processes close, and anything else they send.
        `${nftMatch(cg)} drop`,
        // Connections the host opened from 127.0.0.1: after the kill the kernel would answer the
        // peer's next packet with a RST; a dead server answers nothing.
        ...own.flatMap(dropConnectionRules),
      ])
      prepared = true
    },
    async inject() {
      // Kill only once the blackhole is in place, so not one packet tells the peers.
      await this.prepare!()
      signalHost(host, 'SIGKILL', inv)
    },
    async heal() {
      deleteChain(chain)
      release(host)
      clearFault(id)
    },
  }
}

/** Cuts `a` off from each of `others` (both directions); every other path stays up. */
export function partition(inv: Inventory, a: string, others: string[]): Fault {
  return inv.lab ? labPartition(inv, a, others) : loopbackPartition(inv, a, others)
}

function labPartition(inv: Inventory, a: string, others: string[]): Fault {
  for (const h of [a, ...others]) hostByName(inv, h)
  const id = `partition:${a}|${others.join(',')}`
  const chain = chainName('partition', [a, ...others])
  const hosts = [a, ...others]
  return {
    id,
    kind: 'partition',
    targets: hosts,
    description: `partition ${a} ↮ ${others.join(', ')} (dropped at the switch)`,
    needsRestart: false,
    async inject() {
      recordFault({ id, kind: 'partition', targets: hosts, injectedAt: new Date().toISOString(), chains: [chain] })
      dropBetween(inv, chain, others.map((o) => [a, o] as [string, string]))
    },
    async heal() {
      deleteSwitchChain(inv, chain)
      clearFault(id)
    },
  }
}

function loopbackPartition(inv: Inventory, a: string, others: string[]): Fault {
  const ha = hostByName(inv, a)
  const hb = others.map((o) => hostByName(inv, o))
  const id = `partition:${a}|${others.join(',')}`
  const chain = chainName('partition', [a, ...others])
  const hosts = [a, ...others]
  return {
    id,
    kind: 'partition',
    targets: hosts,
    description: `partition ${a} ↮ ${others.join(', ')}`,
    needsRestart: false,
    async inject() {
      recordFault({ id, kind: 'partition', targets: hosts, injectedAt: new Date().toISOString(), chains: [chain], cgroups: hosts })
      const pidsOf = new Map(hosts.map((h) => [h, requirePids(h, inv)]))
      const cgs = new Map(hosts.map((h) => [h, confine(h, pidsOf.get(h)!)]))
      const rules: string[] = []
      for (const b of hb) {
        const cga = cgs.get(a)!
        const cgb = cgs.get(b.name)!
        rules.push(
          // By address: programs that bind their source (HAProxy's `source`) or answer on it.
          `ip saddr ${ha.address} ip daddr ${b.address} drop`,
          `ip saddr ${b.address} ip daddr ${ha.address} drop`,
          // By sender: connections that leave from 127.0.0.1.
          `${nftMatch(cga)} ip daddr ${b.address} drop`,
          `${nftMatch(cgb)} ip daddr ${ha.address} drop`,
        )
        // Replies on connections already open between them travel to 127.0.0.1: drop those too.
        const aPids = pidsOf.get(a)!
        const bPids = pidsOf.get(b.name)!
        for (const c of connectionsOf(aPids)) if (c.remoteAddress === b.address) rules.push(...dropConnectionRules(c))
        for (const c of connectionsOf(bPids)) if (c.remoteAddress === ha.address) rules.push(...dropConnectionRules(c))
      }
      addDropChain(chain, rules)
    },
    async heal() {
      deleteChain(chain)
      for (const h of hosts) release(h)
      clearFault(id)
    },
  }
}
