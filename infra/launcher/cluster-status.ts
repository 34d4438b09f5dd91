// One probe per component, all in parallel, each bounded to about a second: the status table of
// `npm run status`, its --json form and cluster-api's clusterStatus()/waitHealthy().
import type { Component, ComponentSpec } from './components.ts'
import { componentSpecs } from './components.ts'
import { componentPid } from './host-processes.ts'
import type { Inventory } from './inventory.ts'
import { hostsWithRole, httpsUrl } from './inventory.ts'
import { clusterRequest } from './tls/cluster-http.ts'
import type { PatroniMember } from './patroni-client.ts'
import { patroniMembers, patroniSelf } from './patroni-client.ts'
import { hostHasAddress } from './lab/lab-network.ts'
import { redisCommand, redisInfo } from './redis-probe.ts'
import type { RedisAuth } from './redis-probe.ts'
import { redisMonitorAuth } from './render/redis-config.ts'
import { wantedSyncStandbys } from './render/patroni-config.ts'
import { haproxyServerStates, upServers } from './haproxy-client.ts'

export type State = 'healthy' | 'unhealthy' | 'down'

export interface StatusRow {
  host: string
  component: Component
  /** What the component is doing now: leader / sync_standby / replica, master / replica, etcd leader... */
  role: string
  address: string
  state: State
  pid: number | null
  /** Replication lag in bytes (PostgreSQL replicas, Redis replicas); null where it does not apply. */
  lagBytes: number | null
  /** The Redis master this node follows or (Sentinel) believes in. */
  master: string | null
  detail: string
  log: string
}

export type { PatroniMember } from './patroni-client.ts'

export interface ClusterStatus {
  inventory: string
  checkedAt: string
  healthy: boolean
  postgres: { leader: string | null; syncStandbys: string[]; members: PatroniMember[] }
  redis: { master: string | null; masterHost: string | null; sentinelsAgreeing: number; sentinels: number }
  rows: StatusRow[]
  /** One line per unhealthy thing, naming the log to read. */
  problems: string[]
}

const PROBE_TIMEOUT_MS = 1200

/**
 * A standby whose acknowledgement a commit waits for: the synchronous standby, or with quorum
 * commit (Patroni's synchronous_mode: quorum) each member of the quorum.
 */
export function acknowledgesCommits(m: { role: string; state: string }): boolean {
  return (m.role === 'sync_standby' || m.role === 'quorum_standby') && m.state === 'streaming'
}

async function getText(inv: Inventory, url: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  const answer = await clusterRequest(inv, url, { ...init, timeoutMs: PROBE_TIMEOUT_MS })
  return { status: answer.status, body: answer.text }
}

async function getJson<T>(inv: Inventory, url: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; json: T }> {
  const { status, body } = await getText(inv, url, init)
  return { status, json: JSON.parse(body) as T }
}

function reason(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string }; name?: string; message?: string }
  if (e?.name === 'TimeoutError') return 'no answer in time'
  return e?.code ?? e?.cause?.code ?? e?.message ?? String(err)
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)B?$/.exec(text.trim())
  if (!m) return Number.POSITIVE_INFINITY
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g']
  return Number(m[1]) * unit
}

function formatBytes(n: number | null): string {
  if (n === null) return ''
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`
  return `${(n / 1024 ** 2).toFixed(1)} MB`
}

type Probe = Pick<StatusRow, 'role' | 'state' | 'detail'> & Partial<Pick<StatusRow, 'lagBytes' | 'master'>>

async function probeEtcd(spec: ComponentSpec, inv: Inventory): Promise<Probe> {
  const base = httpsUrl(spec.host, 'etcdClient')
  const health = await getJson<{ health: string }>(inv, `${base}/health`)
  const status = await getJson<{ header: { member_id: string }; leader: string }>(inv, `${base}/v3/maintenance/status`, {
    method: 'POST',
    body: '{}',
  })
  const leader = status.json.leader === status.json.header.member_id
  const ok = health.json.health === 'true'
  return { role: leader ? 'etcd leader' : 'etcd member', state: ok ? 'healthy' : 'unhealthy', detail: ok ? '' : 'etcd reports unhealthy (no quorum?)' }
}

async function probePatroni(spec: ComponentSpec, inv: Inventory, members: PatroniMember[], maxLag: number): Promise<Probe> {
  const self = await patroniSelf(inv, spec.host, PROBE_TIMEOUT_MS)
  if (self === null) return { role: 'patroni', state: 'unhealthy', detail: 'running, but its REST API does not answer' }
  const member = members.find((m) => m.name === spec.host.name)
  const role = member?.role ?? self.role ?? 'unknown'
  const lag = typeof member?.lag === 'number' ? member.lag : null
  if (role === 'leader' || role === 'primary') {
    const ok = self.state === 'running'
    return { role: 'leader', state: ok ? 'healthy' : 'unhealthy', lagBytes: null, detail: `${self.state}, timeline ${member?.timeline ?? '?'}` }
  }
  const streaming = self.state === 'streaming' || member?.state === 'streaming'
  const lagOk = lag !== null && lag <= maxLag
  const ok = streaming && lagOk
  const detail = !streaming ? `${self.state} (not streaming)` : !lagOk ? `lag ${member?.lag ?? 'unknown'} above the bound` : 'streaming'
  return { role, state: ok ? 'healthy' : 'unhealthy', lagBytes: lag, detail }
}

async function probeHaproxy(spec: ComponentSpec, inv: Inventory): Promise<Probe> {
  const states = await haproxyServerStates(inv, PROBE_TIMEOUT_MS, spec.host)
  const up = upServers(states)
  const total: Record<string, number> = {}
  for (const s of states) total[s.backend] = (total[s.backend] ?? 0) + 1
  const primary = up.be_pg_primary ?? []
  const replicas = up.be_pg_replica ?? []
  const apps = up.be_app ?? []
  // Healthy means HAProxy routes to everything that is there: one primary, every app node and,
  // where the inventory has replicas, at least one replica for reads.
  const ok = primary.length === 1 && apps.length === (total.be_app ?? 0) && (replicas.length > 0 || (total.be_pg_replica ?? 0) < 2)
  const detail = `primary→${primary.join(',') || 'NONE'} replicas→${replicas.join(',') || 'none'} app ${apps.length}/${total.be_app ?? 0} up`
  return { role: 'load balancer', state: ok ? 'healthy' : 'unhealthy', detail }
}

async function probeRedis(spec: ComponentSpec, masterOffsets: Map<string, number>, auth: RedisAuth): Promise<Probe> {
  const { address } = spec.host
  const info = await redisInfo(address, spec.host.ports.redis, 'replication', auth)
  if (info.role === 'master') {
    return { role: 'master', state: 'healthy', lagBytes: null, master: null, detail: `${info.connected_slaves ?? 0} replica(s)` }
  }
  const master = `${info.master_host}:${info.master_port}`
  const linkUp = info.master_link_status === 'up'
  const masterOffset = masterOffsets.get(master)
  const offset = Number(info.slave_repl_offset)
  const lag = masterOffset !== undefined && Number.isFinite(offset) ? Math.max(0, masterOffset - offset) : null
  return {
    role: 'replica',
    state: linkUp ? 'healthy' : 'unhealthy',
    lagBytes: lag,
    master,
    detail: linkUp ? 'link up' : `link ${info.master_link_status}`,
  }
}

async function probeSentinel(spec: ComponentSpec, inv: Inventory, auth: RedisAuth): Promise<Probe> {
  const name = inv.cluster.redisMasterName
  const { address } = spec.host
  const port = spec.host.ports.sentinel
  const addr = (await redisCommand(address, port, ['SENTINEL', 'get-master-addr-by-name', name], 1000, auth)) as string[] | null
  const fields = (await redisCommand(address, port, ['SENTINEL', 'master', name], 1000, auth)) as string[]
  const m: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) m[fields[i]] = fields[i + 1]
  const peers = Number(m['num-other-sentinels'])
  const expectedPeers = hostsWithRole(inv, 'sentinel').length - 1
  const flagsOk = m.flags === 'master'
  const ok = addr !== null && flagsOk && peers === expectedPeers
  const detail = ok ? `${peers} peers, ${m['num-slaves']} replica(s)` : `flags ${m.flags}, ${peers}/${expectedPeers} peers known`
  return { role: 'sentinel', state: ok ? 'healthy' : 'unhealthy', master: addr ? `${addr[0]}:${addr[1]}` : null, detail }
}

async function probeMetrics(inv: Inventory, url: string, upMetric: string | null): Promise<Probe> {
  const { status, body } = await getText(inv, url)
  if (status !== 200) return { role: 'exporter', state: 'unhealthy', detail: `HTTP ${status}` }
  if (upMetric && !new RegExp(`^${upMetric}(\\{[^}]*\\})? 1$`, 'm').test(body)) {
    return { role: 'exporter', state: 'unhealthy', detail: `${upMetric} is not 1 (target unreachable)` }
  }
  return { role: 'exporter', state: 'healthy', detail: '' }
}

async function probeApp(spec: ComponentSpec, inv: Inventory): Promise<Probe> {
  // The internal listener: the client port takes connections from the load balancers only.
  const { status, body } = await getText(inv, httpsUrl(spec.host, 'appInternal', '/health/ready'))
  return { role: 'app', state: status === 200 ? 'healthy' : 'unhealthy', detail: status === 200 ? 'ready' : `ready → HTTP ${status} ${body.slice(0, 60)}` }
}

async function probe(spec: ComponentSpec, inv: Inventory, ctx: ProbeContext): Promise<Probe> {
  const h = spec.host
  switch (spec.component) {
    case 'etcd': return probeEtcd(spec, inv)
    case 'patroni': return probePatroni(spec, inv, ctx.members, parseSize(inv.cluster.replicaMaxLag))
    case 'haproxy': return probeHaproxy(spec, inv)
    case 'redis': return probeRedis(spec, ctx.redisOffsets, ctx.redisAuth)
    case 'sentinel': return probeSentinel(spec, inv, ctx.redisAuth)
    case 'postgres-exporter': return probeMetrics(inv, httpsUrl(h, 'postgresExporter', '/metrics'), 'pg_up')
    case 'redis-exporter': return probeMetrics(inv, httpsUrl(h, 'redisExporter', '/metrics'), 'redis_up')
    case 'prometheus': {
      const { status } = await getText(inv, httpsUrl(h, 'prometheus', '/-/ready'))
      return { role: 'monitoring', state: status === 200 ? 'healthy' : 'unhealthy', detail: status === 200 ? 'ready' : `HTTP ${status}` }
    }
    case 'app': return probeApp(spec, inv)
    case 'keepalived': {
      const vip = inv.cluster.floatingAddress!
      const holds = hostHasAddress(inv, h.name, vip)
      return { role: holds ? 'VRRP master' : 'VRRP backup', state: 'healthy', detail: holds ? `holds ${vip}` : `standing by for ${vip}` }
    }
  }
}

interface ProbeContext {
  members: PatroniMember[]
  redisOffsets: Map<string, number>
  redisAuth: RedisAuth
}

async function redisMasterOffsets(inv: Inventory, auth: RedisAuth): Promise<Map<string, number>> {
  const offsets = new Map<string, number>()
  await Promise.allSettled(
    hostsWithRole(inv, 'redis').map(async (h) => {
      const info = await redisInfo(h.address, h.ports.redis, 'replication', auth)
      if (info.role === 'master') offsets.set(`${h.address}:${h.ports.redis}`, Number(info.master_repl_offset))
    }),
  )
  return offsets
}

/** Probes the components; `only` limits it to some (used while the launcher is still starting others). */
export async function clusterStatus(inv: Inventory, only?: (spec: ComponentSpec) => boolean): Promise<ClusterStatus> {
  const specs = componentSpecs(inv).filter((s) => !only || only(s))
  const redisAuth = redisMonitorAuth(inv)
  // Before any probe starts its clock: reading /proc is synchronous work.
  const pids = new Map(specs.map((s) => [s.id, componentPid(s)]))
  const [members, redisOffsets] = await Promise.all([
    patroniMembers(inv, PROBE_TIMEOUT_MS).catch(() => [] as PatroniMember[]),
    redisMasterOffsets(inv, redisAuth),
  ])
  const ctx: ProbeContext = { members, redisOffsets, redisAuth }
  const rows = await Promise.all(
    specs.map(async (spec): Promise<StatusRow> => {
      const pid = pids.get(spec.id) ?? null
      const base = { host: spec.host.name, component: spec.component, address: spec.host.address, pid, log: spec.logFile, lagBytes: null, master: null }
      if (pid === null) return { ...base, role: spec.component, state: 'down', detail: 'not running' }
      try {
        return { ...base, ...(await probe(spec, inv, ctx)) }
      } catch (err) {
        return { ...base, role: spec.component, state: 'unhealthy', detail: `running, but ${reason(err)}` }
      }
    }),
  )
  const leader = members.find((m) => m.role === 'leader')?.name ?? null
  const syncStandbys = members.filter(acknowledgesCommits).map((m) => m.name)
  const sentinelRows = rows.filter((r) => r.component === 'sentinel')
  const votes = new Map<string, number>()
  for (const r of sentinelRows) if (r.master) votes.set(r.master, (votes.get(r.master) ?? 0) + 1)
  const [master, agreeing] = [...votes.entries()].sort((a, b) => b[1] - a[1])[0] ?? [null, 0]
  const masterHost = hostsWithRole(inv, 'redis').find((h) => `${h.address}:${h.ports.redis}` === master)?.name ?? null

  const problems = rows
    .filter((r) => r.state !== 'healthy')
    .map((r) => `${r.host} ${r.component} is ${r.state}: ${r.detail} (log: ${r.log})`)
  const checksPostgres = specs.some((s) => s.component === 'patroni')
  if (checksPostgres && !leader) problems.push('PostgreSQL has no Patroni leader')
  if (checksPostgres && hostsWithRole(inv, 'postgres').length > 1 && syncStandbys.length === 0) {
    problems.push('PostgreSQL has no streaming synchronous standby: a primary loss now would stop writes')
  } else if (checksPostgres && syncStandbys.length < wantedSyncStandbys(inv)) {
    // A standby back from a fault streams before Patroni's next loop makes it synchronous again.
    problems.push(`PostgreSQL has ${syncStandbys.length} of ${wantedSyncStandbys(inv)} synchronous standbys streaming (${syncStandbys.join(', ')})`)
  }
  const keepaliveds = rows.filter((r) => r.component === 'keepalived')
  if (keepaliveds.length > 0) {
    const holders = keepaliveds.filter((r) => r.role === 'VRRP master').map((r) => r.host)
    if (holders.length !== 1) problems.push(`the floating address ${inv.cluster.floatingAddress} is on ${holders.length === 0 ? 'no load balancer' : holders.join(' and ')}`)
  }
  const checksSentinels = sentinelRows.length > 0
  if (checksSentinels && agreeing < Math.floor(hostsWithRole(inv, 'sentinel').length / 2) + 1) {
    problems.push(`Sentinels do not agree on the Redis master (${[...votes.entries()].map(([k, v]) => `${k}×${v}`).join(', ') || 'no answer'})`)
  }
  return {
    inventory: inv.file,
    checkedAt: new Date().toISOString(),
    healthy: problems.length === 0,
    postgres: { leader, syncStandbys, members },
    redis: { master, masterHost, sentinelsAgreeing: agreeing, sentinels: sentinelRows.length },
    rows,
    problems,
  }
}

export function formatStatusTable(status: ClusterStatus): string {
  const header = ['HOST', 'COMPONENT', 'ROLE', 'ADDRESS', 'STATE', 'LAG', 'MASTER', 'DETAIL']
  const body = status.rows.map((r) => [r.host, r.component, r.role, r.address, r.state, formatBytes(r.lagBytes), r.master ?? '', r.detail])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)))
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()
  const pg = status.postgres
  const rd = status.redis
  const lines = [
    fmt(header),
    ...body.map(fmt),
    '',
    `PostgreSQL: leader ${pg.leader ?? 'NONE'}, synchronous standby ${pg.syncStandbys.join(', ') || 'NONE'}`,
    `Redis: Sentinel's master ${rd.master ?? 'unknown'}${rd.masterHost ? ` (${rd.masterHost})` : ''}, ${rd.sentinelsAgreeing}/${rd.sentinels} Sentinels agree`,
  ]
  if (status.problems.length > 0) lines.push('', 'NOT HEALTHY:', ...status.problems.map((p) => `  - ${p}`))
  else lines.push('', 'all components healthy')
  return lines.join('\n')
}
