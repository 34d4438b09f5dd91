// The compact layout's worst single fault: the one machine that holds the floating address, the
// database primary and the Redis master (and an app node and an etcd member) loses power.
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { componentSpec, floatingAddressHolder, hostsWithRole, patroniLeaderHost, patroniMembers, patroniSwitchover, redisCommand, redisUserAuth, sleep, startComponent, stopComponent } from '../../infra/launcher/cluster-api.ts'
import { waitForRedundancy } from '../cluster/redundancy.ts'
import {
  FAILOVER_ALLOWED_ALERTS,
  FAILOVER_UNEXPECTED_ALERTS,
  LOAD_BALANCER_TAKEOVER_S,
  PRIMARY_FAILOVER_WRITE_STALL_S,
  criteria,
  defineDrill,
  lostDatabaseHostAlerts,
  lostHostExporterAlerts,
} from '../drill-definition.ts'
import { powerLoss } from '../faults/fault-primitives.ts'
import type { AlertExpectation } from '../verify/alert-check.ts'

/** Hosts that carry everything the drill takes down at once. */
function fullHosts(inv: Inventory): string[] {
  return inv.hosts.filter((h) => ['haproxy', 'postgres', 'redis', 'app', 'etcd'].every((r) => h.roles.includes(r as never))).map((h) => h.name)
}

async function redisMaster(inv: Inventory): Promise<string | null> {
  for (const s of hostsWithRole(inv, 'sentinel')) {
    const addr = (await redisCommand(s.address, s.ports.sentinel, ['SENTINEL', 'get-master-addr-by-name', inv.cluster.redisMasterName], 1000, redisUserAuth(inv, 'monitor')).catch(() => null)) as string[] | null
    if (addr) return hostsWithRole(inv, 'redis').find((h) => h.address === addr[0])?.name ?? null
  }
  return null
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`)
    await sleep(500)
  }
}

/**
 * The machine to arrange everything on. Patroni in synchronous mode switches over only to the
 * synchronous standby ("candidate name does not match with sync_standby"), so: the leader if it
 * carries every role, else the synchronous standby if that one does.
 */
async function chooseTarget(inv: Inventory): Promise<string> {
  const full = fullHosts(inv)
  const members = await patroniMembers(inv)
  const leader = members.find((m) => m.role === 'leader' && m.state === 'running')?.name
  if (!leader) throw new Error('no Patroni leader')
  if (full.includes(leader)) return leader
  const standby = members.find((m) => m.role === 'sync_standby' && m.state === 'streaming' && full.includes(m.name))?.name
  if (!standby) throw new Error(`the leader ${leader} does not carry every role, and no synchronous standby that does can take over`)
  return standby
}

/** The Patroni leader, the floating address and the Redis master on one full host. */
async function arrange(inv: Inventory, log: (line: string) => void): Promise<string[]> {
  const done: string[] = []
  const target = await chooseTarget(inv)
  const leader = (await patroniLeaderHost(inv))?.name ?? null
  if (leader !== target) {
    log(`Patroni leader is ${leader}: switchover to ${target}, its synchronous standby`)
    await patroniSwitchover(inv, leader!, target)
    await until(`${target} leads`, 60_000, async () => (await patroniLeaderHost(inv))?.name === target)
    done.push(`Patroni leader switched over to ${target}`)
  }
  const holder = floatingAddressHolder(inv)
  if (!holder) throw new Error(`no load balancer holds ${inv.cluster.floatingAddress}`)
  if (holder !== target) {
    // Every other keepalived stops at once, so the address can only go to the target; started again,
    // they stand by (nopreempt). One at a time could hand it back and forth between the others.
    const others = hostsWithRole(inv, 'haproxy').filter((h) => h.name !== target)
    log(`${holder} holds the floating address: stopping keepalived on ${others.map((h) => h.name).join(', ')} until ${target} holds it`)
    const specs = others.map((h) => componentSpec(inv, h, 'haproxy', 'keepalived'))
    for (const spec of specs) await stopComponent(inv, spec)
    try {
      await until(`the floating address moves to ${target}`, 20_000, async () => floatingAddressHolder(inv) === target)
    } finally {
      for (const spec of specs) startComponent(spec)
    }
    done.push(`floating address moved to ${target}`)
  }
  const master = await redisMaster(inv)
  if (master !== target) {
    log(`Redis master is ${master}: asking the Sentinels to fail over to ${target}`)
    if (hostsWithRole(inv, 'redis').length !== 2) throw new Error('a Sentinel failover chooses among the replicas: only with two Redis hosts is the target certain')
    const s = hostsWithRole(inv, 'sentinel')[0]!
    await redisCommand(s.address, s.ports.sentinel, ['SENTINEL', 'FAILOVER', inv.cluster.redisMasterName], 5000, redisUserAuth(inv, 'sentinel'))
    await until(`the Redis master moves to ${target}`, 30_000, async () => (await redisMaster(inv)) === target)
    done.push(`Redis master moved to ${target}`)
  }
  const whole = await waitForRedundancy(inv, 120_000)
  if (!whole.ok) throw new Error(`after arranging, the cluster is not at full redundancy: ${whole.last.problems.join('; ')}`)
  return done.length > 0 ? done : [`${target} already held the floating address, the primary and the Redis master`]
}

export default defineDrill({
  name: 'whole-host-loss',
  title: 'The machine holding the floating address, the primary and the Redis master loses power (compact layout)',
  why: 'On three machines that each carry every role, one machine is a failure domain of everything at once — the 25-1-2019 double fault and more. No drill may leave that untested.',
  given: [
    'the compact layout: three machines, each with HAProxy + keepalived, an app node, Patroni + PostgreSQL, an etcd member and a Sentinel; Redis on two',
    'one machine arranged to hold the database primary, the floating address and the Redis master (the leader if it carries every role, else a switchover to its synchronous standby)',
    'officers working at the drill rate, through the floating address over HTTPS',
  ],
  when: ['that machine loses power: every role it carries at the same instant', 'power returns after the hold time'],
  then: [
    'the floating address moves to another machine, a synchronous standby is promoted, a Redis replica becomes master, etcd keeps its quorum of two',
    'no request fails; writes are acknowledged again within the database failover budget',
    'no acknowledged write is lost or duplicated; full redundancy returns after power does',
  ],
  // PostgresMemberDown's for: 1m fires only from a hold of ~75 s (expectedAlerts' minHoldS).
  holdSeconds: 80,
  layout: 'infra/inventory/compact.json',
  requires: (inv) => (fullHosts(inv).length >= 2 && inv.cluster.vrrp && inv.lab ? null : 'needs the compact layout (machines that carry every role) in a namespace lab'),
  arrange,
  faults: (ctx) => {
    const holder = floatingAddressHolder(ctx.inv)
    if (holder !== ctx.leader || ctx.redisMaster !== ctx.leader) {
      throw new Error(`the arrangement did not hold: floating address on ${holder}, leader ${ctx.leader}, Redis master ${ctx.redisMaster}`)
    }
    return [powerLoss(ctx.inv, ctx.leader)]
  },
  // The same rules the incident drill proves for a lost app host and a lost primary host.
  expectedAlerts: (ctx): AlertExpectation[] => [
    { alert: 'AppNodeDown', labels: { host: ctx.leader, reason: 'not_answering' }, minHoldS: 45, why: `${ctx.leader}'s app node unscrapable (for: 30s)` },
    { alert: 'PostgresMemberDown', labels: { host: ctx.leader }, minHoldS: 75, why: `the old primary ${ctx.leader} gone (for: 1m)` },
    { alert: 'MonitoredComponentDown', labels: { job: 'haproxy', host: ctx.leader }, minHoldS: 75, why: `${ctx.leader}'s load balancer unscrapable (for: 1m), as in load-balancer-loss` },
  ],
  // What else the host carried: its Redis (the exporter sees no backend), its etcd member (the
  // survivors lose a peer), its exporters (scrapes fail until power returns).
  allowedAlerts: (ctx) => [
    ...FAILOVER_ALLOWED_ALERTS,
    ...lostDatabaseHostAlerts(ctx.leader),
    ...lostHostExporterAlerts(ctx.leader),
    { alert: 'MonitoredComponentDown', labels: { monitors: ctx.leader } },
    { alert: 'EtcdQuorumAtRisk' },
  ],
  unexpectedAlerts: [...FAILOVER_UNEXPECTED_ALERTS, { alert: 'NoRedisMaster' }],
  // The floating address moves with the host: reads stall for the takeover as well.
  criteria: criteria({
    maxWriteStallS: PRIMARY_FAILOVER_WRITE_STALL_S,
    maxReadStallS: LOAD_BALANCER_TAKEOVER_S,
    maxReadLatencyS: LOAD_BALANCER_TAKEOVER_S,
  }),
})
