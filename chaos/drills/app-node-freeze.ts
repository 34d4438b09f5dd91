import { NO_STALL_S, criteria, defineDrill, lostHostExporterAlerts } from '../drill-definition.ts'
import { freeze } from '../faults/fault-primitives.ts'
import { HAPROXY_TIMING } from '../../infra/launcher/cluster-api.ts'

export default defineDrill({
  name: 'app-node-freeze',
  title: 'One app node freezes (SIGSTOP), then resumes',
  why: 'A hung app process accepts connections but answers nothing, like a dead one; requests already sent to it must not fail, new ones must go elsewhere.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate (a 30 s client timeout)'],
  when: ['every process of app2 is stopped with SIGSTOP', 'it stays frozen for the hold time, then resumes'],
  then: [
    `no request fails: a read caught on the frozen node is asked of another after ${HAPROXY_TIMING.readServerTimeoutS} s and answered within 5 s, a keyed write after ${HAPROXY_TIMING.writeServerTimeoutS} s, within the client’s 30 s`,
    `HAProxy stops sending to app2 within seconds, so writes never stop for more than ${NO_STALL_S} s, reads for more than 2 s`,
    'every acknowledged write is in the database, none duplicated',
    'app2 is back in HAProxy within 180 s of resuming',
  ],
  holdSeconds: 60,
  expectedAlerts: () => [{ alert: 'AppNodeDown', labels: { host: 'app2', reason: 'not_answering' }, minHoldS: 45, why: 'app2 unscrapable (for: 30s)' }],
  // Where app2 also carries a Redis node, a Sentinel and their exporter (production layout), they
  // stop with it: Prometheus cannot scrape them — the same host, not another fault.
  allowedAlerts: () => lostHostExporterAlerts('app2'),
  unexpectedAlerts: [{ alert: 'AvailabilityErrorBudgetBurn' }, { alert: 'NoPostgresPrimary' }],
  faults: (ctx) => [freeze(ctx.inv, 'app2')],
  criteria: criteria({ maxWriteStallS: NO_STALL_S, primaryMustStay: true }),
})
