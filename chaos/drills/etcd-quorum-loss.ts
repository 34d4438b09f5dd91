import { STRICT_CRITERIA, WRITE_RIDE_THROUGH_S, defineDrill } from '../drill-definition.ts'
import { powerLoss } from '../faults/fault-primitives.ts'
import { hostsWithRole } from '../../infra/launcher/inventory.ts'

export default defineDrill({
  name: 'etcd-quorum-loss',
  title: 'Two of three etcd members lose power: no quorum',
  why: 'Without a DCS quorum Patroni cannot renew the leader lease. Writes may go on (Patroni failsafe mode) or be refused, but only cleanly; reads must go on; nothing acknowledged may be lost.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['two etcd members lose power at once (the raft leader among them)', 'they stay off for the hold time, then are started again'],
  then: [
    `a write either succeeds or is refused cleanly (503 DATABASE_UNAVAILABLE after the ${WRITE_RIDE_THROUGH_S} s ride-through, "retry with the same Idempotency-Key"); no other error`,
    'reads never stop for more than 5 s',
    'no two primaries are ever routed, and writes are acknowledged again after quorum returns',
    'every acknowledged write is on every node afterwards; full redundancy within 180 s',
  ],
  holdSeconds: 60,
  faults: (ctx) => {
    const members = hostsWithRole(ctx.inv, 'etcd').map((h) => h.name)
    const first = ctx.etcdLeader && members.includes(ctx.etcdLeader) ? ctx.etcdLeader : members[0]!
    const second = members.find((m) => m !== first)!
    return [powerLoss(ctx.inv, first), powerLoss(ctx.inv, second)]
  },
  criteria: {
    ...STRICT_CRITERIA,
    maxReadUnavailableS: 5,
    cleanRefusal: {
      description: 'a write answered 503 DATABASE_UNAVAILABLE',
      matches: (r) => r.op === 'write' && r.status === 503 && r.code === 'DATABASE_UNAVAILABLE',
    },
  },
})
