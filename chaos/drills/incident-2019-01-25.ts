// The fault that took TQĐT-V5 down for eleven hours on 25 January 2019: one application server and
// the database server died by hardware at the same moment.
import { FAILOVER_ALLOWED_ALERTS, FAILOVER_UNEXPECTED_ALERTS, PRIMARY_FAILOVER_WRITE_STALL_S, criteria, defineDrill, lostDatabaseHostAlerts, lostHostExporterAlerts } from '../drill-definition.ts'
import { powerLoss } from '../faults/fault-primitives.ts'
import type { AlertExpectation } from '../verify/alert-check.ts'

export default defineDrill({
  name: 'incident-2019-01-25',
  title: 'Power loss of one app host and the database primary host at the same instant',
  why: 'On 25-1-2019 one application server and one database server failed together and the old system was down eleven hours. No acknowledged write may be lost and no officer may see an error.',
  given: [
    'a cluster with full redundancy: a Patroni leader, a streaming synchronous standby and a second replica, three app nodes behind HAProxy, a Redis master with its replica',
    'officers working at the drill rate (k6, every write with an Idempotency-Key, a 30 s client timeout)',
  ],
  when: [
    'app1 and the database primary host lose power at the same instant (both cut off from the network, then every process killed: no FIN or RST reaches a peer)',
    'power stays off for the hold time, then comes back and both hosts are started again',
  ],
  then: [
    'no request fails: writes wait for the new primary, reads go to a replica within 2 s, HAProxy routes around app1 (a read caught on it is answered by another node within 5 s)',
    `writes are acknowledged again within ${PRIMARY_FAILOVER_WRITE_STALL_S} s of the power loss, and none while only one node holds it`,
    'every acknowledged write is on the new primary and, once it rejoins, on the old one; none is duplicated',
    'full redundancy is back within 180 s of power returning, the old primary a streaming replica',
    'Prometheus sees both hosts go (AppNodeDown, PostgresMemberDown, the old primary’s exporter) and clears them after recovery; it never reports two primaries or none for 30 s',
  ],
  // PostgresMemberDown's for: 1m fires only from a hold of ~75 s (expectedAlerts' minHoldS).
  holdSeconds: 80,
  faults: (ctx) => [powerLoss(ctx.inv, 'app1'), powerLoss(ctx.inv, ctx.leader)],
  // minHoldS: the rule's for: plus Prometheus' detection (≤ 9 s to a failed scrape, 5 s evaluation),
  // less the seconds a host takes to answer again after power returns. Shorter holds (CI: 30 s)
  // require the alert pending, i.e. the rule saw the fault.
  expectedAlerts: (ctx): AlertExpectation[] => [
    { alert: 'AppNodeDown', labels: { host: 'app1', reason: 'not_answering' }, minHoldS: 45, why: 'app1 unscrapable (for: 30s)' },
    { alert: 'PostgresMemberDown', labels: { host: ctx.leader }, minHoldS: 75, why: `the old primary ${ctx.leader} gone (for: 1m)` },
  ],
  allowedAlerts: (ctx) => [...FAILOVER_ALLOWED_ALERTS, ...lostDatabaseHostAlerts(ctx.leader), ...lostHostExporterAlerts('app1')],
  unexpectedAlerts: [...FAILOVER_UNEXPECTED_ALERTS, { alert: 'SynchronousStandbyMissing' }],
  criteria: criteria({ maxWriteStallS: PRIMARY_FAILOVER_WRITE_STALL_S }),
})
