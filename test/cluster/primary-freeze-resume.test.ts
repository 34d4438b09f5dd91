// Issue 3, "Done when": the primary frozen and resumed → no acknowledged write lost, and the old
// primary never takes writes (HAProxy never routes two primaries; the resumed node demotes itself).
import t from 'tap'
import { patroniLeader } from '../../infra/launcher/cluster-api.ts'
import { freeze } from '../../chaos/faults/fault-primitives.ts'
import { ClusterSampler } from '../../chaos/cluster/cluster-sampler.ts'
import { inventory, repair, requireFullRedundancy, sleep, startProbe, verifyWrites, waitUntil } from '../../chaos/cluster/failover-test-kit.ts'

t.test('a frozen primary that resumes never takes a write, and no acknowledged write is lost', async (t) => {
  const inv = inventory()
  const before = await requireFullRedundancy(inv)
  const oldLeader = before.leader!
  const sampler = new ClusterSampler(inv, 500)
  sampler.start()
  const probe = startProbe(inv)
  const fault = freeze(inv, oldLeader)
  t.teardown(async () => {
    sampler.stop()
    await probe.stop()
    await repair(inv, [fault], (l) => t.comment(l))
  })
  await sleep(5000)
  await fault.inject()
  t.comment(`froze every process of ${oldLeader}`)
  const promoted = await waitUntil(60_000, async () => {
    const l = await patroniLeader(inv)
    return l && l.name !== oldLeader && l.source === 'patroni' ? l.name : null
  })
  t.ok(promoted, `a replica is promoted (${promoted}) while ${oldLeader} is frozen`)
  // Well past the promotion, as a paused VM would be, then resume.
  await sleep(15_000)
  await fault.heal()
  const resumedAt = Date.now()
  t.comment(`resumed ${oldLeader}`)
  t.ok(await repair(inv, [fault], (l) => t.comment(l)), 'full redundancy returns with the old primary as a replica')
  await sleep(3000)
  await probe.stop()
  sampler.stop()

  const twoRouted = sampler.samples.filter((s) => s.lbAnswered && s.routedPrimaries.length > 1)
  t.equal(twoRouted.length, 0, 'HAProxy never routed writes to two primaries')
  const oldRoutedAfterResume = sampler.samples.filter((s) => s.at > resumedAt && s.routedPrimaries.includes(oldLeader))
  t.equal(oldRoutedAfterResume.length, 0, `HAProxy never sent writes to ${oldLeader} after it resumed`)
  const oldClaimsPrimary = sampler.samples.filter((s) => s.at > resumedAt + 5000 && s.selfPrimaries.includes(oldLeader))
  t.equal(oldClaimsPrimary.length, 0, `${oldLeader} does not run as primary after it resumed`)
  t.same(probe.failed().map((r) => `${r.kind} ${r.status} ${r.code ?? r.error}`), [], 'no request failed')

  const check = await verifyWrites(inv, probe)
  t.equal(check.problems.length, 0, `every node was read: ${check.problems.join('; ')}`)
  t.equal(check.nodes.find((n) => n.node === oldLeader)?.role, 'replica', `${oldLeader} answers as a replica`)
  t.equal(check.lost.length, 0, `no acknowledged write lost (${check.acknowledged} checked)`)
  t.equal(check.missingOnAnyNode, 0, 'every acknowledged write is on every node, the resumed one included')
})
