// The primary cut off from both replicas while it still reaches etcd: it keeps the leader lease, so
// no replica may promote, and it cannot make a second copy of anything. With strict synchronous
// replication it acknowledges nothing (RPO 0) and the app refuses writes cleanly once its hold runs
// out; reads go on from the standby, which holds every acknowledged write. The trade-off and why
// Patroni cannot hand over here: docs/architecture.md, "When the primary is cut off from its standbys".
import { WRITE_RIDE_THROUGH_S, FAILOVER_ALLOWED_ALERTS, criteria, defineDrill } from '../drill-definition.ts'
import { partition } from '../faults/fault-primitives.ts'
import type { AlertExpectation } from '../verify/alert-check.ts'

export default defineDrill({
  name: 'primary-replica-partition',
  title: 'The primary is cut off from both replicas (each still reaches etcd, HAProxy and the apps)',
  why: 'Replication stops while the primary still holds its lease: no write may be acknowledged on one copy, and no replica may promote while the leader is alive.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['every packet between the primary host and each replica host is dropped, both ways', 'the partition lasts the hold time, then heals'],
  then: [
    'no write is acknowledged while only the primary holds it: writes wait, and after the app’s hold are refused cleanly (503 DATABASE_UNAVAILABLE, "retry with the same Idempotency-Key"); no other failure',
    'reads never stop for more than 2 s (the standby has every acknowledged write)',
    'no replica is promoted: HAProxy keeps routing writes to the same primary',
    'after the heal both replicas catch up, writes are acknowledged again, and one standby acknowledges every commit',
    'every acknowledged write is on every node afterwards',
  ],
  holdSeconds: 60,
  faults: (ctx) => [partition(ctx.inv, ctx.leader, [ctx.syncStandby, ...ctx.asyncReplicas])],
  expectedAlerts: (ctx): AlertExpectation[] =>
    [ctx.syncStandby, ...ctx.asyncReplicas].map((host) => ({
      alert: 'ReplicationLagHigh',
      labels: { host, reason: 'not_streaming' },
      minHoldS: 75,
      why: `${host} cannot stream from the primary (for: 1m)`,
    })),
  // Refused writes count against the availability SLO, and held ones lift the 5-minute p99.
  allowedAlerts: () => [...FAILOVER_ALLOWED_ALERTS, { alert: 'AvailabilityErrorBudgetBurn' }, { alert: 'SynchronousStandbyMissing' }],
  unexpectedAlerts: [{ alert: 'NoPostgresPrimary' }, { alert: 'PostgresMultiplePrimaries' }],
  criteria: criteria({
    // The whole partition (60 s), plus up to 30 s after the heal for a replica to reconnect (its
    // walreceiver retries every 5 s), catch up and acknowledge the first commit.
    maxWriteStallS: 90,
    primaryMustStay: true,
    cleanRefusal: {
      description: `a write answered 503 DATABASE_UNAVAILABLE after the app’s ${WRITE_RIDE_THROUGH_S} s hold, while the primary could make no second copy`,
      matches: (r) => r.op === 'write' && r.status === 503 && r.code === 'DATABASE_UNAVAILABLE',
    },
  }),
})
