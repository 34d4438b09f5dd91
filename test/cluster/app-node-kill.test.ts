// Issue 3, "Done when": an app node killed → HAProxy routes around it, and no request fails.
import t from 'tap'
import { crash } from '../../chaos/faults/fault-primitives.ts'
import { haproxyUpServers } from '../../chaos/cluster/cluster-sampler.ts'
import { inventory, repair, requireFullRedundancy, sleep, startProbe, verifyWrites, waitUntil } from '../../chaos/cluster/failover-test-kit.ts'

t.test('killing an app node: HAProxy routes around it and no request fails', async (t) => {
  const inv = inventory()
  await requireFullRedundancy(inv)
  const victim = 'app2'
  const probe = startProbe(inv, 50)
  const fault = crash(inv, victim)
  t.teardown(async () => {
    await probe.stop()
    await repair(inv, [fault], (l) => t.comment(l))
  })
  await sleep(3000)
  await fault.inject()
  const down = await waitUntil(10_000, async () => {
    const up = await haproxyUpServers(inv)
    return up && !(up.be_app ?? []).includes(victim) ? true : null
  })
  t.ok(down, `HAProxy takes ${victim} out of service within 10 s`)
  await sleep(10_000)
  await probe.stop()
  t.same(probe.failed().map((r) => `${r.kind} ${r.status} ${r.code ?? r.error}`), [], 'no request failed, the ones in flight on the killed node included')
  t.ok(await repair(inv, [fault], (l) => t.comment(l)), `${victim} restarted and back in HAProxy`)
  const up = await haproxyUpServers(inv)
  t.ok(up?.be_app?.includes(victim), `${victim} is in service again`)
  const check = await verifyWrites(inv, probe)
  t.equal(check.lost.length + check.missingOnAnyNode, 0, `every acknowledged write is present (${check.acknowledged})`)
})
