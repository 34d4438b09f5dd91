import { NO_STALL_S, criteria, defineDrill } from '../drill-definition.ts'
import { powerLoss } from '../faults/fault-primitives.ts'
import type { AlertExpectation } from '../verify/alert-check.ts'

export default defineDrill({
  name: 'replica-loss',
  title: 'A synchronous standby’s host loses power',
  why: 'Every commit waits for a standby: when one vanishes silently, commits must go on with the other (quorum commit), not wait for the lost one to be noticed.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['the host of a standby that acknowledges commits loses power (blackholed, then SIGKILL)', 'it stays off for the hold time, then is started again'],
  then: [
    'no request fails and the primary stays the primary',
    `writes never stop for more than ${NO_STALL_S} s: the other standby acknowledges every commit; reads never for more than 2 s`,
    'no write is acknowledged while only one node holds it',
    'every acknowledged write is on every node afterwards, the returned replica included',
    'Prometheus sees the member go (PostgresMemberDown, its exporter) and clears it',
  ],
  holdSeconds: 80,
  faults: (ctx) => [powerLoss(ctx.inv, ctx.syncStandby)],
  expectedAlerts: (ctx): AlertExpectation[] => [
    { alert: 'PostgresMemberDown', labels: { host: ctx.syncStandby }, minHoldS: 75, why: `${ctx.syncStandby} gone (for: 1m)` },
    { alert: 'MonitoredComponentDown', labels: { monitors: ctx.syncStandby }, minHoldS: 75, why: `the exporter of ${ctx.syncStandby} cannot reach it (for: 1m)` },
  ],
  unexpectedAlerts: [{ alert: 'NoPostgresPrimary' }, { alert: 'SynchronousStandbyMissing' }, { alert: 'AvailabilityErrorBudgetBurn' }],
  criteria: criteria({ maxWriteStallS: NO_STALL_S, primaryMustStay: true }),
})
