// A primary that hangs (a stuck disk, a VM paused by its hypervisor) and later resumes: the case
// that lost 110–137 acknowledged writes with Debian's Patroni 3.0.2 (issue 3).
import { FAILOVER_ALLOWED_ALERTS, FAILOVER_UNEXPECTED_ALERTS, PRIMARY_FAILOVER_WRITE_STALL_S, criteria, defineDrill, lostDatabaseHostAlerts } from '../drill-definition.ts'
import { freeze } from '../faults/fault-primitives.ts'
import type { AlertExpectation } from '../verify/alert-check.ts'

export default defineDrill({
  name: 'primary-freeze',
  title: 'The database primary freezes, then resumes',
  why: 'A frozen primary that resumes must never take a write that is later thrown away (the Patroni 3.0.2 lock steal, patroni/patroni#2689).',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: [
    'every process of the primary host (Patroni, the postmaster, every backend) is stopped with SIGSTOP',
    'it stays frozen for the hold time, far beyond the 20 s leader lease',
    'it resumes with SIGCONT',
  ],
  then: [
    'no request fails; writes wait for the new primary',
    `writes are acknowledged again within ${PRIMARY_FAILOVER_WRITE_STALL_S} s of the freeze, and none while only one node holds it`,
    'HAProxy never routes writes to two primaries, and the resumed node demotes itself',
    'every acknowledged write is on the new primary and on the old one after it rejoins; none is duplicated',
    'full redundancy is back within 180 s of the resume',
    'Prometheus sees the member go (PostgresMemberDown, its exporter) and clears it; PostgresMultiplePrimaries never fires',
  ],
  // A frozen Patroni accepts the scrape's connection and never answers: up = 0 after the 4 s scrape
  // timeout. Seen down for hold − (4…9) s, so for: 1m fires only from a hold of ~75 s.
  holdSeconds: 80,
  faults: (ctx) => [freeze(ctx.inv, ctx.leader)],
  expectedAlerts: (ctx): AlertExpectation[] => [
    { alert: 'PostgresMemberDown', labels: { host: ctx.leader }, minHoldS: 75, why: `the frozen primary ${ctx.leader} unscrapable (for: 1m)` },
  ],
  allowedAlerts: (ctx) => [...FAILOVER_ALLOWED_ALERTS, ...lostDatabaseHostAlerts(ctx.leader)],
  unexpectedAlerts: [
    ...FAILOVER_UNEXPECTED_ALERTS.map((m) =>
      m.alert === 'PostgresMultiplePrimaries'
        ? {
            ...m,
            reportOnly:
              'on resume the old leader still reports patroni_primary = 1 while it demotes; seen pending for 10 s of its for: 10s (CI run 2026-11-23 07:18), one evaluation short of firing',
          }
        : m,
    ),
    { alert: 'SynchronousStandbyMissing' },
  ],
  criteria: criteria({ maxWriteStallS: PRIMARY_FAILOVER_WRITE_STALL_S }),
})
