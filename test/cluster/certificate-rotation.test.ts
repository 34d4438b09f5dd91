// Issue 16, item 4: rotation is one command, on a running cluster, without a failed request.
// `npm run pki -- rotate` is rotateCertificates(); here it runs under the write probe, then every
// TLS endpoint must show a certificate it did not show before, and the cluster must be whole.
import t from 'tap'
import { componentSpecs } from '../../infra/launcher/components.ts'
import { componentPid } from '../../infra/launcher/host-processes.ts'
import { rotateCertificates, servedSerial, tlsEndpoints } from '../../infra/launcher/tls/certificate-rotation.ts'
import { inventory, requireFullRedundancy, sleep, startProbe, verifyWrites } from '../../chaos/cluster/failover-test-kit.ts'

t.test('rotating every certificate under load fails no request and leaves no old certificate served', async (t) => {
  const inv = inventory()
  await requireFullRedundancy(inv)
  const endpoints = componentSpecs(inv)
    .filter((s) => componentPid(s) !== null)
    .flatMap((s) => tlsEndpoints(s).map((e) => ({ ...e, host: s.host, id: `${s.id} ${e.what}` })))
  const before = new Map<string, string>()
  for (const e of endpoints) before.set(e.id, await servedSerial(inv, e.host.address, e.port, e.postgres))
  t.ok(endpoints.length >= 10, `${endpoints.length} TLS endpoints checked`)

  const probe = startProbe(inv, 100)
  t.teardown(() => probe.stop())
  await sleep(2000)
  const lines: string[] = []
  await rotateCertificates(inv, (l) => lines.push(l))
  await sleep(3000)
  await probe.stop()
  t.comment(lines.join('\n'))

  for (const e of endpoints) {
    const now = await servedSerial(inv, e.host.address, e.port, e.postgres)
    t.not(now, before.get(e.id), `${e.id}: a new certificate (${now.slice(0, 8)}…, was ${before.get(e.id)?.slice(0, 8)}…)`)
  }
  t.same(probe.failed().map((r) => `${r.kind} ${r.status} ${r.code ?? r.error}`), [], `no request failed during the rotation (${probe.requests.length} sent)`)
  await requireFullRedundancy(inv, 60_000)
  const check = await verifyWrites(inv, probe)
  t.equal(check.lost.length + check.missingOnAnyNode, 0, `every acknowledged write is present (${check.acknowledged})`)
})
