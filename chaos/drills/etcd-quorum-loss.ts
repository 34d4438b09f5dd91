import { NO_STALL_S, criteria, defineDrill } from '../drill-definition.ts'
import { serviceLoss } from '../faults/fault-primitives.ts'
import { hostsWithRole } from '../../infra/launcher/cluster-api.ts'

export default defineDrill({
  name: 'etcd-quorum-loss',
  title: 'Two of three etcd members fail: no quorum',
  why: 'Without a DCS quorum Patroni cannot renew the leader lease. Patroni’s failsafe mode keeps a primary that still reaches every member running, so writes go on; reads must go on; nothing acknowledged may be lost.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['two etcd members fail at once, the raft leader among them (their hosts lose power, or their etcd crashes alone where the hosts carry other roles)', 'they stay off for the hold time, then are started again'],
  then: [
    `no request fails: the primary keeps its role in failsafe mode, writes never stop for more than ${NO_STALL_S} s, reads for more than 2 s`,
    'no two primaries are ever routed, and no failover happens',
    'every acknowledged write is on every node afterwards; full redundancy within 180 s',
    'Prometheus raises EtcdQuorumAtRisk for the lost quorum, the leaderless member and the two lost members, and clears it',
  ],
  holdSeconds: 60,
  faults: (ctx) => {
    const [first, second] = lostMembers(ctx)
    return [serviceLoss(ctx.inv, first, 'etcd'), serviceLoss(ctx.inv, second, 'etcd')]
  },
  expectedAlerts: (ctx) => [
    { alert: 'EtcdQuorumAtRisk', labels: { reason: 'quorum_lost' }, minHoldS: 30, why: 'one of three etcd members left (for: 15s)' },
    { alert: 'EtcdQuorumAtRisk', labels: { reason: 'no_leader' }, minHoldS: 30, why: 'the member left has no raft leader (for: 15s)' },
    ...lostMembers(ctx).map((host) => ({ alert: 'EtcdQuorumAtRisk', labels: { host, reason: 'member_down' }, minHoldS: 45, why: `${host} unscrapable (for: 30s)` })),
  ],
  unexpectedAlerts: [{ alert: 'NoPostgresPrimary' }, { alert: 'PostgresMultiplePrimaries' }],
  criteria: criteria({ maxWriteStallS: NO_STALL_S, primaryMustStay: true }),
})

/** The raft leader and one other member. */
function lostMembers(ctx: { inv: Parameters<typeof hostsWithRole>[0]; etcdLeader: string | null }): [string, string] {
  const members = hostsWithRole(ctx.inv, 'etcd').map((h) => h.name)
  const first = ctx.etcdLeader && members.includes(ctx.etcdLeader) ? ctx.etcdLeader : members[0]!
  return [first, members.find((m) => m !== first)!]
}
