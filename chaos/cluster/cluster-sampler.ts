// Once a second during a drill: who is primary by Patroni's own account and by HAProxy's routing,
// which app nodes and replicas HAProxy sends to, and which Redis master the Sentinels name. Every
// probe is bounded (a blackholed address never answers), and one slow probe never delays the next
// sample. The samples draw the report's "who is primary" band and catch two routed primaries.
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { acknowledgesCommits, activeLoadBalancer, haproxyServerStates, hostsWithRole, patroniMembers, patroniSelf, redisCommand, redisMonitorAuth, upServers } from '../../infra/launcher/cluster-api.ts'

export interface ClusterSample {
  at: number
  /** Nodes whose own Patroni says they are the running primary (two means split brain). */
  selfPrimaries: string[]
  /** The leader in the Patroni cluster view (from etcd), if any node answered. */
  leader: string | null
  syncStandbys: string[]
  streaming: string[]
  /** HAProxy's be_pg_primary servers that are UP: where writes go. */
  routedPrimaries: string[]
  routedReplicas: string[]
  appsUp: string[]
  /** False when HAProxy's stats did not answer: the routed lists are then unknown, not empty. */
  lbAnswered: boolean
  redisMaster: string | null
}

const TIMEOUT_MS = 700

export interface HaproxyServers {
  [backend: string]: string[]
}

/** UP servers per backend from HAProxy's CSV stats. */
export async function haproxyUpServers(inv: Inventory): Promise<HaproxyServers | null> {
  if (hostsWithRole(inv, 'haproxy').length === 0) return null
  try {
    // The load balancer the clients' traffic goes to: the floating address's holder.
    return upServers(await haproxyServerStates(inv, TIMEOUT_MS, activeLoadBalancer(inv)))
  } catch {
    return null
  }
}

async function takeSample(inv: Inventory): Promise<ClusterSample> {
  const dbs = hostsWithRole(inv, 'postgres')
  const sentinels = hostsWithRole(inv, 'sentinel')
  const redis = hostsWithRole(inv, 'redis')
  const auth = redisMonitorAuth(inv)
  const [selves, members, lb, masters] = await Promise.all([
    Promise.all(dbs.map((d) => patroniSelf(inv, d, TIMEOUT_MS))),
    patroniMembers(inv, TIMEOUT_MS).catch(() => []),
    haproxyUpServers(inv),
    Promise.all(
      sentinels.map((s) =>
        redisCommand(s.address, s.ports.sentinel, ['SENTINEL', 'get-master-addr-by-name', inv.cluster.redisMasterName], TIMEOUT_MS, auth).catch(() => null),
      ),
    ),
  ])
  const selfPrimaries = dbs
    .filter((_, i) => ['primary', 'master'].includes(selves[i]?.role ?? '') && selves[i]?.state === 'running')
    .map((d) => d.name)
  const votes = new Map<string, number>()
  for (const m of masters) {
    if (!Array.isArray(m)) continue
    const host = redis.find((r) => r.address === m[0] && String(r.ports.redis) === String(m[1]))?.name ?? `${m[0]}:${m[1]}`
    votes.set(host, (votes.get(host) ?? 0) + 1)
  }
  const redisMaster = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null
  return {
    at: Date.now(),
    selfPrimaries,
    leader: members.find((m) => m.role === 'leader')?.name ?? null,
    syncStandbys: members.filter(acknowledgesCommits).map((m) => m.name),
    streaming: members.filter((m) => m.state === 'streaming').map((m) => m.name),
    routedPrimaries: lb?.be_pg_primary ?? [],
    routedReplicas: lb?.be_pg_replica ?? [],
    appsUp: lb?.be_app ?? [],
    lbAnswered: lb !== null,
    redisMaster,
  }
}

/** Samples every `intervalMs` until stopped; overlapping probes are skipped, not queued. */
export class ClusterSampler {
  readonly samples: ClusterSample[] = []
  private timer: NodeJS.Timeout | null = null
  private busy = false
  private readonly inv: Inventory
  private readonly intervalMs: number

  constructor(inv: Inventory, intervalMs = 1000) {
    this.inv = inv
    this.intervalMs = intervalMs
  }

  start(): void {
    const tick = async () => {
      if (this.busy) return
      this.busy = true
      try {
        this.samples.push(await takeSample(this.inv))
      } catch {
        // a sample lost is a gap in the band, nothing more
      } finally {
        this.busy = false
      }
    }
    void tick()
    this.timer = setInterval(() => void tick(), this.intervalMs)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  latest(): ClusterSample | null {
    return this.samples.at(-1) ?? null
  }
}
