import { STRICT_CRITERIA, defineDrill } from '../drill-definition.ts'
import { powerLoss } from '../faults/fault-primitives.ts'
import { hostsWithRole } from '../../infra/launcher/inventory.ts'

export default defineDrill({
  name: 'redis-all-down',
  title: 'All of Redis down: both data nodes and every Sentinel lose power',
  why: 'The service must work without Redis at all: no request may fail because the cache and the rate-limit counters are gone.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['both Redis hosts and the three Sentinel hosts lose power at once', 'they stay off for the hold time, then are started again'],
  then: [
    'no request fails; reads and writes never stop for more than 5 s',
    'every acknowledged write is in the database',
    'Redis and Sentinel are whole again within 180 s of power returning',
  ],
  holdSeconds: 45,
  faults: (ctx) => [...hostsWithRole(ctx.inv, 'redis'), ...hostsWithRole(ctx.inv, 'sentinel')].map((h) => powerLoss(ctx.inv, h.name)),
  criteria: { ...STRICT_CRITERIA, maxWriteUnavailableS: 5, maxReadUnavailableS: 5, primaryMustStay: true },
})
