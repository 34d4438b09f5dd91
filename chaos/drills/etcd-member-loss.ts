import { hostsWithRole } from '../../infra/launcher/cluster-api.ts'
import { NO_STALL_S, criteria, defineDrill } from '../drill-definition.ts'
import { serviceLoss } from '../faults/fault-primitives.ts'

export default defineDrill({
  name: 'etcd-member-loss',
  title: 'The etcd raft leader fails (its host loses power, or its etcd crashes where the host has other roles)',
  why: 'Two of three etcd members keep quorum: losing one, even the raft leader, must not cause a database failover.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['the etcd member that leads raft fails: its host loses power, or, where etcd shares its host with other roles, its etcd crashes alone', 'it stays off for the hold time, then is started again'],
  then: [
    'no request fails and HAProxy keeps routing writes to the same primary',
    `writes never stop for more than ${NO_STALL_S} s, reads for more than 2 s`,
    'every acknowledged write is on every node afterwards',
    'the member rejoins and full redundancy is back within 180 s',
  ],
  holdSeconds: 60,
  expectedAlerts: (ctx) => [{ alert: 'EtcdQuorumAtRisk', labels: { host: ctx.etcdLeader ?? hostsWithRole(ctx.inv, 'etcd')[0]!.name, reason: 'member_down' }, minHoldS: 45, why: 'one etcd member unscrapable (for: 30s)' }],
  unexpectedAlerts: [{ alert: 'NoPostgresPrimary' }, { alert: 'PostgresMultiplePrimaries' }],
  faults: (ctx) => [serviceLoss(ctx.inv, ctx.etcdLeader ?? hostsWithRole(ctx.inv, 'etcd')[0]!.name, 'etcd')],
  criteria: criteria({ maxWriteStallS: NO_STALL_S, primaryMustStay: true }),
})
