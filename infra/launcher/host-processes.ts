// Every process that belongs to one host: what `down` stops and what a chaos drill kills, freezes
// or thaws. In a namespace lab that is every process in the host's network namespace. On loopback
// (every host an address of one namespace) it takes detective work: Patroni starts the postmaster
// in a new session and its children call setsid too, so neither a process group nor Patroni's pid
// reaches them; the postmaster is found from its data folder's postmaster.pid, its children by ppid.
//
//   npm run processes -- HOST
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { Component, ComponentSpec } from './components.ts'
import { hostComponentSpecs } from './components.ts'
import type { Host, Inventory } from './inventory.ts'
import { hostByName, loadInventory } from './inventory.ts'
import { hostNamespace, namespaceInode } from './lab/lab-namespaces.ts'
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

/** One process as /proc shows it. */
export interface ProcessInfo {
  pid: number
  ppid: number
  /** Process state letter (R, S, T = stopped, Z = zombie...). */
  state: string
  /** The kernel's name of the process (stat's comm): Node 24's is MainThread. */
  comm: string
  argv: string[]
  /** User plus system CPU time, in clock ticks (USER_HZ). */
  cpuTicks: number
}

/**
 * One process from /proc; null when it exited, or is a zombie (already dead: nothing to signal, and
 * waiting for it would hang `down`) unless zombies are asked for (CPU accounting still counts them).
 */
export function readProcess(pid: number, opts: { zombies?: boolean } = {}): ProcessInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name in (…) may contain spaces and parentheses: parse after the last ')'.
    const close = stat.lastIndexOf(')')
    const after = stat.slice(close + 2).split(' ')
    if (after[0] === 'Z' && !opts.zombies) return null
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    // Programs that rewrite their title (Redis, PostgreSQL's backends) leave one string with spaces
    // instead of NULs; a real argv keeps its words, so a path with a space stays one word.
    const words = raw.split('\0').filter(Boolean)
    const argv = words.length === 1 ? words[0].split(' ') : words
    // utime and stime: fields 14 and 15 of proc_pid_stat(5), i.e. 11 and 12 after the command name.
    const cpuTicks = Number(after[11]) + Number(after[12])
    return { pid, state: after[0], ppid: Number(after[1]), comm: stat.slice(stat.indexOf('(') + 1, close), argv, cpuTicks }
  } catch {
    return null
  }
}

/** Every process of the machine (zombies only when asked for). */
export function listProcesses(opts: { zombies?: boolean } = {}): ProcessInfo[] {
  const found: ProcessInfo[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const p = readProcess(Number(entry), opts)
    if (p) found.push(p)
  }
  return found
}

function readProcs(): Map<number, ProcessInfo> {
  return new Map(listProcesses().map((p) => [p.pid, p]))
}

/** Resident set size (VmRSS) in KiB, or null when the process is gone. */
export function processRssKiB(pid: number): number | null {
  try {
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
    return Number.isFinite(kb) ? kb : null
  } catch {
    return null
  }
}

/** The network namespace inode of a process (null when it exited). */
export function processNamespaceInode(pid: number): number | null {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/** Live (not zombie) processes in the namespace, like `ip netns pids`. */
export function namespacePids(name: string): number[] {
  const inode = namespaceInode(name)
  if (inode === null) return []
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (processNamespaceInode(pid) === inode && readProcess(pid) !== null) pids.push(pid)
  }
  return pids
}

/** This process and its ancestors: never killed by a teardown that runs inside the lab. */
export function selfAndAncestors(): Set<number> {
  const out = new Set<number>()
  let pid = process.pid
  while (pid > 1 && !out.has(pid)) {
    out.add(pid)
    const p = readProcess(pid)
    if (!p) break
    pid = p.ppid
  }
  return out
}

function commandLine(p: ProcessInfo): string {
  return p.argv.join(' ')
}

/** `marker` appears as a whole argument or as the value of `--flag=marker`. */
function hasMarker(p: ProcessInfo, marker: string): boolean {
  return p.argv.some((a) => a === marker || a.endsWith(`=${marker}`))
}

function runsProgram(p: ProcessInfo, component: Component): boolean {
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
export function componentPid(spec: ComponentSpec, procs?: Map<number, ProcessInfo>): number | null {
  const pid = readPid(spec.pidFile)
  const p = pid === null ? null : procs ? procs.get(pid) : readProcess(pid)
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
  const add = (p: ProcessInfo, component: Component, foundBy: HostProcess['foundBy']) => {
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

function addPostmaster(inv: Inventory, host: Host, procs: Map<number, ProcessInfo>, add: (p: ProcessInfo, c: Component, by: HostProcess['foundBy']) => void): void {
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

/** One signal to each pid, in order; the pids it reached (a process that is gone is skipped). */
export function signalProcesses(pids: number[], signal: NodeJS.Signals): number[] {
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

/**
 * Sends one signal to every process of the host in one pass, supervisors first, so Patroni cannot
 * react to its postmaster's stop (or death) before it is itself stopped. Returns the pids signalled.
 * Drills freeze and kill hosts through chaos/faults/fault-primitives.ts, which records what it did.
 */
export function signalHost(hostName: string, signal: NodeJS.Signals, inv?: Inventory): number[] {
  return signalProcesses(hostPids(hostName, inv), signal)
}

/** `npm run processes -- HOST`: the host's processes, with how each was found. */
export function printHostProcesses(hostName: string | undefined, inv: Inventory = loadInventory()): number {
  if (!hostName || !inv.hosts.some((h) => h.name === hostName)) {
    console.error(`usage: npm run processes -- HOST   (hosts: ${inv.hosts.map((h) => h.name).join(', ')})`)
    return 2
  }
  console.log(`${'pid'.padStart(7)} ${'ppid'.padStart(7)} S ${'component'.padEnd(17)} ${'found by'.padEnd(10)} command`)
  for (const p of hostProcesses(hostName, inv)) {
    console.log(`${String(p.pid).padStart(7)} ${String(p.ppid).padStart(7)} ${p.state} ${p.component.padEnd(17)} ${p.foundBy.padEnd(10)} ${p.command.slice(0, 120)}`)
  }
  return 0
}
