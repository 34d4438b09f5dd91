import { STRICT_CRITERIA, WRITE_RIDE_THROUGH_S, defineDrill } from '../drill-definition.ts'
import { partition } from '../faults/fault-primitives.ts'

export default defineDrill({
  name: 'primary-replica-partition',
  title: 'The primary is cut off from both replicas (each still reaches etcd, HAProxy and the apps)',
  why: 'Replication stops while the primary still holds its lease: commits wait for a synchronous standby that cannot answer, and no replica may promote while the leader is alive.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['every packet between the primary host and each replica host is dropped, both ways', 'the partition lasts the hold time, then heals'],
  then: [
    'no request fails and no replica is promoted: HAProxy keeps routing writes to the same primary',
    `writes stall no longer than the app’s ride-through (${WRITE_RIDE_THROUGH_S} s)`,
    'after the heal both replicas catch up and one is the synchronous standby again',
    'every acknowledged write is on every node afterwards',
  ],
  holdSeconds: 60,
  faults: (ctx) => [partition(ctx.inv, ctx.leader, [ctx.syncStandby, ...ctx.asyncReplicas])],
  criteria: { ...STRICT_CRITERIA, maxWriteUnavailableS: WRITE_RIDE_THROUGH_S, maxReadUnavailableS: 5, primaryMustStay: true },
})
