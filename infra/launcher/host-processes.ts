// Every process that belongs to one host: what `down` stops and what a chaos drill kills, freezes
// or thaws. In a namespace lab that is every process in the host's network namespace. On loopback
// (every host an address of one namespace) it takes detective work: Patroni starts the postmaster
// in a new session and its children call setsid too, so neither a process group nor Patroni's pid
// reaches them; the postmaster is found from its data folder's postmaster.pid, its children by ppid.
//
//   node infra/launcher/host-processes.ts list|pids|freeze|thaw|kill HOST
//   node infra/launcher/host-processes.ts signal HOST SIGNAL
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Component, ComponentSpec } from './components.ts'
import { hostComponentSpecs } from './components.ts'
import type { Host, Inventory } from './inventory.ts'
import { hostByName, loadInventory } from './inventory.ts'
import { hostNamespace, namespacePids } from './lab/lab-namespaces.ts'
import { dataDir } from './render/render-context.ts'

export interface HostProcess {
  pid: number
  ppid: number
  component: Component
  /** How it was found: its pid file, the postmaster.pid of its data folder, as a descendant, by command line, or only by living in the host's namespace. */
  foundBy: 'pidfile' | 'postmaster' | 'descendant' | 'cmdline' | 'namespace'
  /** Process state letter from /proc (R, S, T = stopped, Z = zombie...). */
  state: string
  command: string
}

interface Proc {
  pid: number
  ppid: number
  state: string
  argv: string[]
}

/** argv[0] base names each component runs as: a marker match on any other program (an editor, `tail`) is ignored. */
const PROGRAMS: Record<Component, readonly string[]> = {
  etcd: ['etcd'],
  patroni: ['python3', 'python', 'patroni', 'python3.11', 'postgres'],
  haproxy: ['haproxy'],
  keepalived: ['keepalived'],
  redis: ['redis-server'],
  sentinel: ['redis-sentinel', 'redis-server'],
  'postgres-exporter': ['prometheus-postgres-exporter'],
  'redis-exporter': ['prometheus-redis-exporter'],
  prometheus: ['prometheus'],
  app: ['node'],
}

/** One process from /proc; null when it exited or is a zombie (already dead: nothing to signal, and waiting for it would hang `down`). */
function readProc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name in (…) may contain spaces and parentheses: parse after the last ')'.
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    // Programs that rewrite their title (Redis) leave one string with spaces instead of NULs.
    const argv = raw.split('\0').filter(Boolean).flatMap((a, i) => (i === 0 ? a.split(' ') : [a]))
    return after[0] === 'Z' ? null : { pid, state: after[0], ppid: Number(after[1]), argv }
  } catch {
    return null
  }
}

function readProcs(): Map<number, Proc> {
  const procs = new Map<number, Proc>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const p = readProc(Number(entry))
    if (p) procs.set(p.pid, p)
  }
  return procs
}

function commandLine(p: Proc): string {
  return p.argv.join(' ')
}

/** `marker` appears as a whole argument or as the value of `--flag=marker`. */
function hasMarker(p: Proc, marker: string): boolean {
  return p.argv.some((a) => a === marker || a.endsWith(`=${marker}`))
}

function runsProgram(p: Proc, component: Component): boolean {
  const base = (p.argv[0] ?? '').split('/').pop() ?? ''
  return PROGRAMS[component].includes(base)
}

function readPid(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').split('\n')[0].trim())
    return Number.isInteger(pid) && pid > 1 ? pid : null
  } catch {
    return null
  }
}

/**
 * The live process of a component, verified against its command line (pid files outlive their
 * process). Reads one /proc entry when the pid file is right; scans the machine only when it is not
 * (a scan per component would stall a status probe of a busy machine for seconds).
 */
export function componentPid(spec: ComponentSpec, procs?: Map<number, Proc>): number | null {
  const pid = readPid(spec.pidFile)
  const p = pid === null ? null : procs ? procs.get(pid) : readProc(pid)
  if (p && hasMarker(p, spec.marker)) return p.pid
  for (const q of (procs ?? readProcs()).values()) {
    if (runsProgram(q, spec.component) && hasMarker(q, spec.marker)) return q.pid
  }
  return null
}

/** Every process of the host, supervisors first (Patroni before its postmaster before its children). */
export function hostProcesses(hostName: string, inv: Inventory = loadInventory()): HostProcess[] {
  const host = hostByName(inv, hostName)
  const procs = readProcs()
  // In a namespace lab only the host's own processes are candidates; the rest of the machine is not looked at.
  const inNamespace = inv.lab ? new Set(namespacePids(hostNamespace(inv, host.name))) : null
  const candidates = inNamespace ? new Map([...procs].filter(([pid]) => inNamespace.has(pid))) : procs
  const found = new Map<number, HostProcess>()
  const add = (p: Proc, component: Component, foundBy: HostProcess['foundBy']) => {
    if (!found.has(p.pid)) {
      found.set(p.pid, { pid: p.pid, ppid: p.ppid, component, foundBy, state: p.state, command: commandLine(p) })
    }
  }
  const specs = hostComponentSpecs(inv, host)
  for (const spec of specs) {
    const pid = readPid(spec.pidFile)
    const recorded = pid === null ? undefined : candidates.get(pid)
    if (recorded && hasMarker(recorded, spec.marker)) add(recorded, spec.component, 'pidfile')
    for (const p of candidates.values()) {
      if (runsProgram(p, spec.component) && hasMarker(p, spec.marker)) add(p, spec.component, 'cmdline')
    }
    if (spec.component === 'patroni') addPostmaster(inv, host, candidates, add)
  }
  // Descendants of everything found so far: postgres backends, pg_basebackup/pg_rewind under Patroni.
  const queue = [...found.keys()]
  while (queue.length > 0) {
    const parent = queue.shift()!
    const owner = found.get(parent)!.component
    for (const p of candidates.values()) {
      if (p.ppid === parent && !found.has(p.pid)) {
        add(p, owner, 'descendant')
        queue.push(p.pid)
      }
    }
  }
  // Whatever else runs in the host's namespace is the host's too (an orphaned postmaster, a script).
  if (inNamespace) {
    for (const p of candidates.values()) {
      const byProgram = specs.find((s) => runsProgram(p, s.component))?.component
      add(p, byProgram ?? specs[0]?.component ?? 'app', 'namespace')
    }
  }
  const rank = (hp: HostProcess) => (hp.foundBy === 'descendant' || hp.foundBy === 'namespace' ? 2 : hp.foundBy === 'postmaster' || hp.command.includes('/postgres ') ? 1 : 0)
  return [...found.values()].sort((a, b) => rank(a) - rank(b))
}

function addPostmaster(inv: Inventory, host: Host, procs: Map<number, Proc>, add: (p: Proc, c: Component, by: HostProcess['foundBy']) => void): void {
  const data = dataDir(inv, host, 'postgres')
  const postmaster = procs.get(readPid(join(data, 'postmaster.pid')) ?? -1)
  if (postmaster && hasMarker(postmaster, data)) add(postmaster, 'patroni', 'postmaster')
  // A postmaster whose postmaster.pid is gone (data folder purged under it) is still ours.
  for (const p of procs.values()) {
    if ((p.argv[0] ?? '').endsWith('/postgres') && hasMarker(p, data)) add(p, 'patroni', 'cmdline')
  }
}

export function hostPids(hostName: string, inv?: Inventory): number[] {
  return hostProcesses(hostName, inv).map((p) => p.pid)
}

/**
 * Sends one signal to every process of the host in one pass, supervisors first, so Patroni cannot
 * react to its postmaster's stop (or death) before it is itself stopped. Returns the pids signalled.
 */
export function signalHost(hostName: string, signal: NodeJS.Signals, inv?: Inventory): number[] {
  const pids = hostPids(hostName, inv)
  const sent: number[] = []
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
      sent.push(pid)
    } catch {
      // already gone
    }
  }
  return sent
}

/** SIGSTOP every process of the host: a hung host whose TCP connections stay open. */
export function freezeHost(hostName: string, inv?: Inventory): number[] {
  return signalHost(hostName, 'SIGSTOP', inv)
}

export function thawHost(hostName: string, inv?: Inventory): number[] {
  return signalHost(hostName, 'SIGCONT', inv)
}

/** SIGKILL every process of the host. Peers on loopback still see a reset; see docs/architecture.md. */
export function killHost(hostName: string, inv?: Inventory): number[] {
  return signalHost(hostName, 'SIGKILL', inv)
}

function main(argv: string[]): number {
  const [command, hostName, signal] = argv
  const usage = 'usage: host-processes.ts list|pids|freeze|thaw|kill HOST | signal HOST SIGNAL'
  if (!command || !hostName) {
    console.error(usage)
    return 2
  }
  switch (command) {
    case 'list':
      for (const p of hostProcesses(hostName)) {
        console.log(`${String(p.pid).padStart(7)} ${String(p.ppid).padStart(7)} ${p.state} ${p.component.padEnd(17)} ${p.foundBy.padEnd(10)} ${p.command.slice(0, 120)}`)
      }
      return 0
    case 'pids':
      console.log(hostPids(hostName).join(' '))
      return 0
    case 'freeze':
      console.log(freezeHost(hostName).join(' '))
      return 0
    case 'thaw':
      console.log(thawHost(hostName).join(' '))
      return 0
    case 'kill':
      console.log(killHost(hostName).join(' '))
      return 0
    case 'signal': {
      const sig = (signal?.startsWith('SIG') ? signal : `SIG${signal}`) as NodeJS.Signals
      console.log(signalHost(hostName, sig).join(' '))
      return 0
    }
    default:
      console.error(usage)
      return 2
  }
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2))
