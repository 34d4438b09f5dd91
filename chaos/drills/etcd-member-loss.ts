import { NO_STALL_S, criteria, defineDrill } from '../drill-definition.ts'
import { powerLoss } from '../faults/fault-primitives.ts'

export default defineDrill({
  name: 'etcd-member-loss',
  title: 'The etcd raft leader’s host loses power',
  why: 'Two of three etcd members keep quorum: losing one, even the raft leader, must not cause a database failover.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['the etcd member that leads raft loses power', 'it stays off for the hold time, then is started again'],
  then: [
    'no request fails and HAProxy keeps routing writes to the same primary',
    `writes never stop for more than ${NO_STALL_S} s, reads for more than 2 s`,
    'every acknowledged write is on every node afterwards',
    'the member rejoins and full redundancy is back within 180 s',
  ],
  holdSeconds: 60,
  expectedAlerts: (ctx) => [{ alert: 'EtcdQuorumAtRisk', labels: { host: ctx.etcdLeader ?? 'etcd1', reason: 'member_down' }, minHoldS: 45, why: 'one etcd member unscrapable (for: 30s)' }],
  unexpectedAlerts: [{ alert: 'NoPostgresPrimary' }, { alert: 'PostgresMultiplePrimaries' }],
  faults: (ctx) => [powerLoss(ctx.inv, ctx.etcdLeader ?? 'etcd1')],
  criteria: criteria({ maxWriteStallS: NO_STALL_S, primaryMustStay: true }),
})
