// The load balancer that holds the floating address loses power: keepalived on the other one takes
// the address, and every connection the dead one carried is gone with its kernel.
import { floatingAddressHolder, hostsWithRole } from '../../infra/launcher/cluster-api.ts'
import { LOAD_BALANCER_TAKEOVER_S, criteria, defineDrill } from '../drill-definition.ts'
import type { DrillContext } from '../drill-definition.ts'
import { powerLoss } from '../faults/fault-primitives.ts'
import type { AlertExpectation } from '../verify/alert-check.ts'

/** The balancer the drill takes down, per run; docs/chaos.md names it by its part. */
const holders = new WeakMap<DrillContext, string>()
const holderOf = (ctx: DrillContext) => holders.get(ctx) ?? '<holder of the floating address>'
/** The production layout keeps an etcd member on each load balancer; the page (no inventory) shows the case. */
const holderRunsEtcd = (ctx: DrillContext) => (ctx.inv ? (ctx.inv.hosts.find((h) => h.name === holders.get(ctx))?.roles.includes('etcd') ?? false) : true)

export default defineDrill({
  name: 'load-balancer-loss',
  title: 'The load balancer holding the floating address loses power',
  why: 'The single HAProxy was the last single point of failure: a pair with a floating address must carry the officers through the loss of either.',
  given: [
    'two load balancers (HAProxy + keepalived), one holding the floating address',
    'officers working at the drill rate, through the floating address over HTTPS',
  ],
  when: ['the holder loses power (its cable dead at the switch, every process killed, its connections gone with its kernel)', 'power returns after the hold time'],
  then: [
    `the other load balancer holds the floating address within a few seconds; writes are acknowledged again within ${LOAD_BALANCER_TAKEOVER_S} s`,
    'no request fails: a connection the dead balancer carried is reset by the new holder, and the client replays the request on a new connection (GET, or a write with its Idempotency-Key, which the app answers once) — Go’s client does so on a reused connection only, so a request that was the first on its connection and is reset counts as failed',
    'no database failover happens, no acknowledged write is lost or duplicated',
    'the returning load balancer stands by (nopreempt): the address does not move back',
  ],
  // MonitoredComponentDown's for: 1m fires only from a hold of ~75 s (expectedAlerts' minHoldS).
  holdSeconds: 80,
  layout: 'infra/inventory/production.json',
  requires: (inv) => (hostsWithRole(inv, 'haproxy').length >= 2 && inv.cluster.vrrp && inv.lab ? null : 'needs a load-balancer pair with a floating address in a namespace lab'),
  faults: (ctx) => {
    const holder = floatingAddressHolder(ctx.inv)
    if (!holder) throw new Error(`no load balancer holds ${ctx.inv.cluster.floatingAddress}`)
    holders.set(ctx, holder)
    return [powerLoss(ctx.inv, holder)]
  },
  // Prometheus scrapes each HAProxy: the dead one is a target down (for: 1m) until power returns.
  // Where it carries an etcd member, the survivors lose a peer (for: 30s), and if it led Raft they
  // elect another, briefly without a leader.
  expectedAlerts: (ctx): AlertExpectation[] => [
    { alert: 'MonitoredComponentDown', labels: { job: 'haproxy', host: holderOf(ctx) }, minHoldS: 75, why: 'the lost load balancer unscrapable (for: 1m)' },
    ...(holderRunsEtcd(ctx) ? [{ alert: 'EtcdQuorumAtRisk', labels: { host: holderOf(ctx), reason: 'member_down' }, minHoldS: 45, why: 'its etcd member unscrapable (for: 30s), where it carries one' }] : []),
  ],
  allowedAlerts: (ctx) => (holderRunsEtcd(ctx) ? [{ alert: 'EtcdQuorumAtRisk', labels: { reason: 'no_leader' } }] : []),
  unexpectedAlerts: [{ alert: 'NoPostgresPrimary' }, { alert: 'PostgresMultiplePrimaries' }, { alert: 'AvailabilityErrorBudgetBurn' }],
  criteria: criteria({
    maxWriteStallS: LOAD_BALANCER_TAKEOVER_S,
    maxReadStallS: LOAD_BALANCER_TAKEOVER_S,
    maxReadLatencyS: LOAD_BALANCER_TAKEOVER_S,
    primaryMustStay: true,
  }),
})
