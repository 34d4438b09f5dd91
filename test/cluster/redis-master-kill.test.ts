// Issue 3, "Done when": the Redis master killed → no request fails (Redis holds only what may be lost).
import t from 'tap'
import { crash } from '../../chaos/faults/fault-primitives.ts'
import { takeSample } from '../../chaos/cluster/cluster-sampler.ts'
import { inventory, repair, requireFullRedundancy, sleep, startProbe, verifyWrites, waitUntil } from '../../chaos/cluster/failover-test-kit.ts'

t.test('killing the Redis master fails no request', async (t) => {
  const inv = inventory()
  const before = await requireFullRedundancy(inv)
  const master = before.redisMaster!
  const probe = startProbe(inv)
  const fault = crash(inv, master)
  t.teardown(async () => {
    await probe.stop()
    await repair(inv, [fault], (l) => t.comment(l))
  })
  await sleep(3000)
  await fault.inject()
  t.comment(`killed the Redis master ${master}`)
  const promoted = await waitUntil(60_000, async () => {
    const s = await takeSample(inv)
    return s.redisMaster && s.redisMaster !== master ? s.redisMaster : null
  })
  t.ok(promoted, `Sentinel promotes the replica (${promoted})`)
  await sleep(5000)
  await probe.stop()
  t.ok(probe.requests.length > 100, `requests kept flowing (${probe.requests.length})`)
  t.same(probe.failed().map((r) => `${r.kind} ${r.status} ${r.code ?? r.error}`), [], 'no request failed')
  t.ok(await repair(inv, [fault], (l) => t.comment(l)), `${master} rejoins as a replica`)
  const check = await verifyWrites(inv, probe)
  t.equal(check.lost.length + check.missingOnAnyNode, 0, `every acknowledged write is present (${check.acknowledged})`)
})
