// Issue 3, "Done when": the primary's host killed → a replica is promoted and writes go on; every
// acknowledged write is present afterwards, on every node once the old primary has rejoined.
import t from 'tap'
import { patroniLeader } from '../../infra/launcher/cluster-api.ts'
import { crash } from '../../chaos/faults/fault-primitives.ts'
import { inventory, repair, requireFullRedundancy, sleep, startProbe, verifyWrites, waitUntil } from '../../chaos/cluster/failover-test-kit.ts'

t.test('killing the primary host promotes a replica and writes go on without a failed request', async (t) => {
  const inv = inventory()
  const before = await requireFullRedundancy(inv)
  const oldLeader = before.leader!
  const probe = startProbe(inv)
  const fault = crash(inv, oldLeader)
  t.teardown(async () => {
    await probe.stop()
    await repair(inv, [fault], (l) => t.comment(l))
  })
  await sleep(5000)
  const killedAt = Date.now()
  await fault.inject()
  t.comment(`killed every process of ${oldLeader}`)

  const promoted = await waitUntil(60_000, async () => {
    const l = await patroniLeader(inv)
    return l && l.name !== oldLeader && l.source === 'patroni' ? l.name : null
  })
  t.ok(promoted, `a replica is promoted (${promoted}) within 60 s`)
  const promotedAt = Date.now()
  t.comment(`leader ${promoted} after ${((promotedAt - killedAt) / 1000).toFixed(1)} s`)
  const acked = await waitUntil(30_000, async () => (probe.acksSince(promotedAt) >= 20 ? true : null))
  t.ok(acked, 'writes are acknowledged again after the promotion')
  await probe.stop()
  t.same(probe.failed().map((r) => `${r.kind} ${r.status} ${r.code ?? r.error}`), [], 'no request failed (writes waited for the new primary)')

  t.ok(await repair(inv, [fault], (l) => t.comment(l)), 'the old primary rejoins and full redundancy returns')
  const check = await verifyWrites(inv, probe)
  t.equal(check.problems.length, 0, `every node was read: ${check.problems.join('; ')}`)
  t.equal(check.lost.length, 0, `no acknowledged write lost (${check.acknowledged} checked)`)
  t.equal(check.missingOnAnyNode, 0, 'every acknowledged write is on every node, the old primary included')
})
