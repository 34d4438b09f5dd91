import { NO_STALL_S, criteria, defineDrill } from '../drill-definition.ts'
import { powerLoss } from '../faults/fault-primitives.ts'

export default defineDrill({
  name: 'redis-master-power-loss',
  title: 'The Redis master’s host loses power',
  why: 'Redis holds only what may be lost (cache, rate-limit counters): its master vanishing silently must not fail or stall a request.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['the Redis master’s host loses power (cut off from the network, then every process killed)', 'it stays off for the hold time, then comes back as a replica'],
  then: [
    `no request fails; writes never stop for more than ${NO_STALL_S} s, reads for more than 2 s`,
    'Sentinel promotes the replica; the old master rejoins as its replica',
    'every acknowledged write is in the database; full redundancy within 180 s',
    'Prometheus sees the old master gone behind its exporter (MonitoredComponentDown) and clears it',
  ],
  // MonitoredComponentDown's for: 1m fires from a hold of ~75 s.
  holdSeconds: 80,
  expectedAlerts: (ctx) => [{ alert: 'MonitoredComponentDown', labels: { monitors: ctx.redisMaster, reason: 'backend_down' }, minHoldS: 75, why: 'its exporter cannot reach the old master (for: 1m)' }],
  unexpectedAlerts: [{ alert: 'NoRedisMaster' }, { alert: 'AvailabilityErrorBudgetBurn' }],
  faults: (ctx) => [powerLoss(ctx.inv, ctx.redisMaster)],
  criteria: criteria({ maxWriteStallS: NO_STALL_S, primaryMustStay: true }),
})
