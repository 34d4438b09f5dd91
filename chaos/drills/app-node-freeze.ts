import { STRICT_CRITERIA, defineDrill } from '../drill-definition.ts'
import { freeze } from '../faults/fault-primitives.ts'

export default defineDrill({
  name: 'app-node-freeze',
  title: 'One app node freezes (SIGSTOP), then resumes',
  why: 'A hung app process accepts connections but answers nothing; requests already sent to it must not fail, new ones must go elsewhere.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['every process of app2 is stopped with SIGSTOP', 'it stays frozen for the hold time, then resumes'],
  then: [
    'no request fails (a request caught on the frozen node is retried elsewhere after HAProxy’s server timeout)',
    'HAProxy stops sending to app2 within seconds, so writes never stop for more than 5 s',
    'every acknowledged write is in the database, none duplicated',
    'app2 is back in HAProxy within 180 s of resuming',
  ],
  holdSeconds: 30,
  expectedAlerts: () => [{ alert: 'AppNodeDown', labels: { host: 'app2', reason: 'not_answering' }, minHoldS: 45, why: 'app2 unscrapable (for: 30s)' }],
  unexpectedAlerts: [{ alert: 'AvailabilityErrorBudgetBurn' }, { alert: 'NoPostgresPrimary' }],
  faults: (ctx) => [freeze(ctx.inv, 'app2')],
  criteria: { ...STRICT_CRITERIA, maxWriteUnavailableS: 5, maxReadUnavailableS: 5, primaryMustStay: true },
})
