// RPO 0 through a second failure: the node that took over is lost too, 10 s after the first
// failover completed. With strict synchronous replication no write was acknowledged while only one
// node held it, so the last node standing has every acknowledged write; being alone, it refuses to
// acknowledge more until a second copy is possible again.
import { PRIMARY_FAILOVER_WRITE_STALL_S, FAILOVER_ALLOWED_ALERTS, criteria, defineDrill } from '../drill-definition.ts'
import { haproxyUpServers } from '../cluster/cluster-sampler.ts'
import { powerLoss } from '../faults/fault-primitives.ts'
import type { AlertExpectation } from '../verify/alert-check.ts'

/** How long after the first failover completed the new primary loses power. */
const SECOND_FAULT_AFTER_S = 10

let firstFailoverAt: number | null = null
let newPrimary: string | null = null

export default defineDrill({
  name: 'second-failure',
  title: 'The primary loses power, then the new primary 10 s after the failover',
  why: 'RPO 0 must hold through a second failure: a write acknowledged on the new primary alone would be lost with it.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: [
    'the primary’s host loses power',
    `${SECOND_FAULT_AFTER_S} s after HAProxy routes writes to the new primary, its host loses power too`,
    'both stay off until the hold ends, then come back',
  ],
  then: [
    `writes are acknowledged again within ${PRIMARY_FAILOVER_WRITE_STALL_S} s of the first fault, each on two nodes`,
    'while one database node is left, writes are refused cleanly (503 DATABASE_UNAVAILABLE, "retry with the same Idempotency-Key"), never acknowledged on one copy; reads go on',
    'every acknowledged write is on the last node standing and, once they rejoin, on the other two; none is duplicated',
    'full redundancy within 180 s of power returning',
  ],
  holdSeconds: 80,
  faults: (ctx) => {
    firstFailoverAt = null
    newPrimary = null
    return [powerLoss(ctx.inv, ctx.leader)]
  },
  followUp: {
    description: `the new primary, ${SECOND_FAULT_AFTER_S} s after HAProxy first routed writes to it`,
    timeoutS: 60,
    async due(ctx) {
      const routed = (await haproxyUpServers(ctx.inv))?.be_pg_primary ?? []
      if (firstFailoverAt === null && routed.length === 1 && routed[0] !== ctx.leader) {
        firstFailoverAt = Date.now()
        newPrimary = routed[0]!
        ctx.log(`first failover completed: HAProxy routes writes to ${newPrimary}`)
      }
      return firstFailoverAt !== null && Date.now() - firstFailoverAt >= SECOND_FAULT_AFTER_S * 1000
    },
    faults: (ctx) => [powerLoss(ctx.inv, newPrimary!)],
  },
  expectedAlerts: (ctx): AlertExpectation[] => [
    { alert: 'PostgresMemberDown', labels: { host: ctx.leader }, minHoldS: 75, why: `the first primary ${ctx.leader} gone (for: 1m)` },
  ],
  // Two of three database nodes gone for most of the hold: these are the outage as Prometheus sees it.
  allowedAlerts: () => [
    ...FAILOVER_ALLOWED_ALERTS,
    { alert: 'PostgresMemberDown' },
    { alert: 'MonitoredComponentDown', labels: { reason: 'scrape_failed' } },
    { alert: 'MonitoredComponentDown', labels: { reason: 'backend_down' } },
    { alert: 'NoPostgresPrimary' },
    { alert: 'SynchronousStandbyMissing' },
    { alert: 'ReplicationLagHigh' },
    { alert: 'AvailabilityErrorBudgetBurn' },
  ],
  unexpectedAlerts: [{ alert: 'PostgresMultiplePrimaries' }],
  criteria: criteria({
    // From the second fault until a node that lost power streams from the last one again: the hold
    // (80 s) less the first failover (~25 s) and the 10 s, plus up to 60 s for a restarted node to
    // be rewound (pg_rewind), start and stream, since only then can a write have two copies.
    maxWriteStallS: 110,
    cleanRefusal: {
      description: 'a write answered 503 DATABASE_UNAVAILABLE while one database node was left',
      matches: (r) => r.op === 'write' && r.status === 503 && r.code === 'DATABASE_UNAVAILABLE',
    },
  }),
})
