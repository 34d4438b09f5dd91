// Full redundancy: the state a drill must start from and return to. The launcher's status
// (every component healthy, a leader, a streaming synchronous standby, Sentinels agreeing) plus
// what makes the next fault survivable too: every replica streaming on the leader's timeline,
// HAProxy routing writes to exactly the leader, reads to every replica and requests to every app
// node, and the Redis master with its replica attached.
import { spawn } from 'node:child_process'
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { cliArgv, clusterStatus, hostsWithRole, redisInfo, redisMonitorAuth, REPO_ROOT } from '../../infra/launcher/cluster-api.ts'
import { haproxyUpServers } from './cluster-sampler.ts'

export interface RedundancyCheck {
  ok: boolean
  problems: string[]
  leader: string | null
  syncStandby: string | null
  redisMaster: string | null
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

async function checkRedundancy(inv: Inventory): Promise<RedundancyCheck> {
  const status = await clusterStatus(inv)
  const problems = status.problems.map((p) => p.replace(/ \(log: .*\)$/, ''))
  const dbs = hostsWithRole(inv, 'postgres')
  const apps = hostsWithRole(inv, 'app')
  const { leader, members } = status.postgres
  const leaderMember = members.find((m) => m.name === leader)
  for (const d of dbs) {
    const m = members.find((x) => x.name === d.name)
    if (!m) problems.push(`${d.name} is not in the Patroni cluster view`)
    else if (m.name !== leader && m.state !== 'streaming') problems.push(`${d.name} is ${m.state}, not streaming`)
    else if (m.name !== leader && leaderMember?.timeline !== undefined && m.timeline !== leaderMember.timeline) {
      problems.push(`${d.name} is on timeline ${m.timeline}, the leader on ${leaderMember.timeline}`)
    }
  }
  // Every commit needs a standby's acknowledgement (strict synchronous replication): without one
  // streaming, the cluster could take no write at all. Fewer synchronous standbys than chosen is one
  // of status.problems above (cluster-status.ts, wantedSyncStandbys).
  if (status.postgres.syncStandbys.length === 0) problems.push('no streaming standby acknowledges commits (synchronous or quorum)')
  const lb = await haproxyUpServers(inv)
  if (!lb) problems.push('HAProxy stats do not answer')
  else {
    const primary = lb.be_pg_primary ?? []
    if (primary.length !== 1 || primary[0] !== leader) problems.push(`HAProxy routes writes to [${primary.join(', ')}], the leader is ${leader}`)
    const replicas = lb.be_pg_replica ?? []
    if (replicas.length !== dbs.length - 1) problems.push(`HAProxy reads from ${replicas.length} of ${dbs.length - 1} replicas`)
    const up = lb.be_app ?? []
    if (up.length !== apps.length) problems.push(`HAProxy sends to ${up.length} of ${apps.length} app nodes`)
  }
  const redisHosts = hostsWithRole(inv, 'redis')
  const master = redisHosts.find((h) => h.name === status.redis.masterHost)
  if (redisHosts.length > 0) {
    if (!master) problems.push('no Redis master agreed by the Sentinels')
    else {
      try {
        const info = await redisInfo(master.address, master.ports.redis, 'replication', redisMonitorAuth(inv))
        if (info.role !== 'master') problems.push(`Sentinels name ${master.name}, which is ${info.role}`)
        const online = Object.entries(info).filter(([k, v]) => /^slave\d+$/.test(k) && v.includes('state=online')).length
        if (online !== redisHosts.length - 1) problems.push(`Redis master ${master.name} has ${online} of ${redisHosts.length - 1} replicas online`)
      } catch (err) {
        problems.push(`Redis master ${master.name} does not answer: ${(err as Error).message}`)
      }
    }
  }
  return {
    ok: problems.length === 0,
    problems,
    leader,
    syncStandby: status.postgres.syncStandbys[0] ?? null,
    redisMaster: status.redis.masterHost,
  }
}

/** Polls until full redundancy or the timeout; `onWait` hears the current problems now and then. */
export async function waitForRedundancy(
  inv: Inventory,
  timeoutMs: number,
  onWait: (problems: string[], waitedMs: number) => void = () => {},
): Promise<{ ok: boolean; at: number; last: RedundancyCheck }> {
  const start = Date.now()
  let lastReport = 0
  for (;;) {
    const check = await checkRedundancy(inv)
    if (check.ok) return { ok: true, at: Date.now(), last: check }
    const waited = Date.now() - start
    if (waited > timeoutMs) return { ok: false, at: Date.now(), last: check }
    if (waited - lastReport >= 10_000) {
      lastReport = waited
      onWait(check.problems, waited)
    }
    await sleep(1000)
  }
}

/**
 * Runs the launcher (`up` is idempotent; `down` stops what runs) for the inventory `env`
 * names. Its output goes to `onLine`; resolves with its exit code (non-zero when `up` gave up
 * waiting for health).
 */
export function launcher(cmd: 'up' | 'down', onLine: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const [node, ...args] = cliArgv(cmd)
    const child = spawn(node, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let buffer = ''
    const feed = (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      const lines = buffer.split(/\r?\n|\r/)
      buffer = lines.pop() ?? ''
      for (const line of lines) if (line.trim()) onLine(line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''))
    }
    child.stdout.on('data', feed)
    child.stderr.on('data', feed)
    child.on('close', (code) => resolve(code ?? 1))
    child.on('error', () => resolve(1))
  })
}

/** Starts what is missing with the launcher: `launcher('up', …)`. */
export const launcherUp = (onLine: (line: string) => void): Promise<number> => launcher('up', onLine)
