import { NO_STALL_S, criteria, defineDrill, lostHostExporterAlerts } from '../drill-definition.ts'
import { crash } from '../faults/fault-primitives.ts'

export default defineDrill({
  name: 'app-node-crash',
  title: 'One app node crashes (SIGKILL)',
  why: 'An app process dies in the middle of requests; HAProxy must route around it and retry what never reached a node.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['app2 is killed with SIGKILL', 'it stays down for the hold time, then is started again'],
  then: [
    'no request fails (HAProxy retries requests that found no node, and keyed writes cut mid-flight)',
    `writes never stop for more than ${NO_STALL_S} s, reads for more than 2 s`,
    'every acknowledged write is in the database, none duplicated',
    'app2 is back in HAProxy within 180 s of its restart',
  ],
  holdSeconds: 60,
  expectedAlerts: () => [{ alert: 'AppNodeDown', labels: { host: 'app2', reason: 'not_answering' }, minHoldS: 45, why: 'app2 unscrapable (for: 30s)' }],
  // Where app2 also carries a Redis node, a Sentinel and their exporter (production layout), they
  // stop with it: Prometheus cannot scrape them — the same host, not another fault.
  allowedAlerts: () => lostHostExporterAlerts('app2'),
  unexpectedAlerts: [{ alert: 'AvailabilityErrorBudgetBurn' }, { alert: 'NoPostgresPrimary' }],
  faults: (ctx) => [crash(ctx.inv, 'app2')],
  criteria: criteria({ maxWriteStallS: NO_STALL_S, primaryMustStay: true }),
})
