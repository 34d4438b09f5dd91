// Starting and stopping component processes: detached (own session, so a Ctrl-C of the launcher
// or the end of `npm run up` leaves them running), pid file and log file per component.
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync, writeSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { ComponentSpec } from './components.ts'
import { readEnvFile } from './components.ts'
import { componentPid, hostProcesses, readProcess, signalProcesses } from './host-processes.ts'
import type { HostProcess } from './host-processes.ts'
import type { Inventory } from './inventory.ts'
import { hostsWithRole } from './inventory.ts'
import { namespacePrefix } from './lab/run-in-lab.ts'
import { redisCommand } from './redis-probe.ts'
import { redisMonitorAuth } from './render/redis-config.ts'

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export function startComponent(spec: ComponentSpec): number {
  mkdirSync(dirname(spec.logFile), { recursive: true })
  mkdirSync(dirname(spec.pidFile), { recursive: true })
  const fd = openSync(spec.logFile, 'a')
  writeSync(fd, `\n==> ${new Date().toISOString()} launcher starts: ${spec.command} ${spec.args.join(' ')}\n`)
  const env = { ...spec.env, ...(spec.envFile ? readEnvFile(spec.envFile) : {}) }
  // In a namespace lab the program starts on its host's network: nsenter joins the namespace and
  // execs it in place, so the recorded pid is the program's own.
  const argv = [...namespacePrefix(spec.netns), spec.command, ...spec.args]
  const child = spawn(argv[0], argv.slice(1), { cwd: spec.cwd, env, detached: true, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  // A failed exec is reported by the health wait, which names this log.
  child.on('error', (err) => {
    const efd = openSync(spec.logFile, 'a')
    writeSync(efd, `launcher: cannot start ${spec.command}: ${err.message}\n`)
    closeSync(efd)
  })
  child.unref()
  if (child.pid === undefined) throw new Error(`cannot start ${spec.id}: ${spec.command} (see ${spec.logFile})`)
  writeFileSync(spec.pidFile, `${child.pid}\n`)
  return child.pid
}

/** A zombie counts as gone: its parent (init, after the launcher exited) may reap it late. */
function alive(pid: number): boolean {
  return readProcess(pid) !== null
}

function componentProcesses(inv: Inventory, spec: ComponentSpec): HostProcess[] {
  return hostProcesses(spec.host.name, inv).filter((p) => p.component === spec.component)
}

/**
 * SIGTERM to the component's main process (Patroni then stops PostgreSQL itself), wait, then
 * SIGKILL whatever of it is left, postmaster and backends included. Resolves when nothing remains.
 */
export async function stopComponent(inv: Inventory, spec: ComponentSpec): Promise<'stopped' | 'killed' | 'not running'> {
  const procs = componentProcesses(inv, spec)
  // A drill may have left the host frozen: a stopped process would not act on SIGTERM.
  signalProcesses(procs.filter((p) => p.state === 'T').map((p) => p.pid), 'SIGCONT')
  const main = componentPid(spec)
  if (procs.length === 0 && main === null) {
    rmSync(spec.pidFile, { force: true })
    return 'not running'
  }
  const targets = main !== null ? [main] : procs.filter((p) => p.foundBy !== 'descendant').map((p) => p.pid)
  signalProcesses(targets, 'SIGTERM')
  const deadline = Date.now() + spec.stopTimeoutMs
  let outcome: 'stopped' | 'killed' = 'stopped'
  while (componentProcesses(inv, spec).length > 0) {
    if (Date.now() > deadline) {
      outcome = 'killed'
      signalProcesses(componentProcesses(inv, spec).map((p) => p.pid), 'SIGKILL')
      await sleep(200)
      if (Date.now() > deadline + 5000) break
      continue
    }
    await sleep(100)
  }
  const hardStop = Date.now() + 5000
  for (const t of targets) while (alive(t) && Date.now() < hardStop) await sleep(50)
  rmSync(spec.pidFile, { force: true })
  return outcome
}

/**
 * A Redis host restarted after a failover must come back as a replica of the master the Sentinels
 * now name, not as the master its config remembers (Redis could not rewrite the file while it was
 * down): otherwise two masters exist until Sentinel notices and demotes it. Adds `--replicaof` to
 * the spec and returns the master's address, or null when this host is (or may be) the master.
 */
export async function sentinelsMasterFor(inv: Inventory, spec: ComponentSpec): Promise<string | null> {
  const votes = new Map<string, number>()
  const auth = redisMonitorAuth(inv)
  await Promise.allSettled(
    hostsWithRole(inv, 'sentinel').map(async (h) => {
      const addr = (await redisCommand(h.address, h.ports.sentinel, ['SENTINEL', 'get-master-addr-by-name', inv.cluster.redisMasterName], 500, auth)) as string[] | null
      if (addr) votes.set(`${addr[0]}:${addr[1]}`, (votes.get(`${addr[0]}:${addr[1]}`) ?? 0) + 1)
    }),
  )
  const [master, count] = [...votes.entries()].sort((a, b) => b[1] - a[1])[0] ?? [null, 0]
  const quorum = Math.floor(hostsWithRole(inv, 'sentinel').length / 2) + 1
  if (!master || count < quorum || master === `${spec.host.address}:${spec.host.ports.redis}`) return null
  const [address, port] = master.split(':')
  spec.args = [...spec.args, '--replicaof', address, port]
  return master
}
