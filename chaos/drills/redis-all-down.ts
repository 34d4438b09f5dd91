import { NO_STALL_S, criteria, defineDrill } from '../drill-definition.ts'
import { serviceLoss } from '../faults/fault-primitives.ts'
import { hostsWithRole } from '../../infra/launcher/cluster-api.ts'

export default defineDrill({
  name: 'redis-all-down',
  title: 'All of Redis down: both data nodes and every Sentinel fail',
  why: 'The service must work without Redis at all: no request may fail because the cache and the rate-limit counters are gone.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['both Redis nodes and the three Sentinels fail at once (their hosts lose power, or, where they share hosts with app nodes, Redis and Sentinel crash alone)', 'they stay off for the hold time, then are started again'],
  then: [
    `no request fails; writes never stop for more than ${NO_STALL_S} s, reads for more than 2 s`,
    'every acknowledged write is in the database',
    'Redis and Sentinel are whole again within 180 s of power returning',
    'Prometheus raises NoRedisMaster and sees each Redis and each Sentinel gone behind the exporters, and clears them',
  ],
  holdSeconds: 80,
  faults: (ctx) => [
    ...hostsWithRole(ctx.inv, 'redis').map((h) => serviceLoss(ctx.inv, h.name, 'redis')),
    ...hostsWithRole(ctx.inv, 'sentinel').map((h) => serviceLoss(ctx.inv, h.name, 'sentinel')),
  ],
  expectedAlerts: (ctx) => [
    { alert: 'NoRedisMaster', labels: { reason: 'no_master' }, minHoldS: 45, why: 'no exporter reports a master (for: 30s)' },
    ...hostsWithRole(ctx.inv, 'redis').map((h) => ({ alert: 'MonitoredComponentDown', labels: { monitors: h.name, reason: 'backend_down' }, minHoldS: 75, why: `${h.name} gone behind its exporter (for: 1m)` })),
    ...hostsWithRole(ctx.inv, 'sentinel').map((h) => ({ alert: 'MonitoredComponentDown', labels: { host: h.name, reason: 'backend_down' }, minHoldS: 75, why: `${h.name} gone, seen through the exporter's /scrape (for: 1m)` })),
  ],
  // The Sentinels are scraped through the first exporter's /scrape: with them all gone those
  // targets fail as a whole (scrape_failed), which is the same outage seen from Prometheus.
  allowedAlerts: () => [{ alert: 'MonitoredComponentDown', labels: { reason: 'scrape_failed' } }],
  unexpectedAlerts: [{ alert: 'AvailabilityErrorBudgetBurn' }],
  criteria: criteria({ maxWriteStallS: NO_STALL_S, primaryMustStay: true }),
})
