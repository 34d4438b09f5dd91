// When every app node is out of be_app because each reports itself busy (readiness 503), HAProxy
// fails open to the nodes that are alive (be_app_live) instead of answering every request 503: the
// primary-replica-partition drill (run 20261206T091910Z) saw all three nodes leave at once while the
// database held their writes, and reads that would have worked got HAProxy's 503.
import t from 'tap'
import { clusterRequest, endpoints, haproxyRuntimeCommand, hostsWithRole, loadInventory, waitHealthy } from '../../infra/launcher/cluster-api.ts'

const inv = loadInventory()
const apps = hostsWithRole(inv, 'app').map((h) => h.name)
const setState = async (backend: string, state: 'maint' | 'ready') => {
  for (const app of apps) {
    const answers = await haproxyRuntimeCommand(`set server ${backend}/${app} state ${state}`, inv)
    for (const a of answers) if (a.trim() !== '') throw new Error(`set server ${backend}/${app} state ${state}: ${a.trim()}`)
  }
}
// Unauthenticated, so the app itself answers 401; HAProxy with no node answers its own 503.
const ask = async () => {
  const res = await clusterRequest(inv, `${endpoints(inv).httpBaseUrl}/api/v1/handovers?containerNumber=MSCU1234565`, { timeoutMs: 10_000 })
  return { status: res.status, code: (JSON.parse(res.text) as { code?: string }).code }
}

t.test('every app node out of be_app: the live ones answer, and with none live HAProxy answers 503', async (t) => {
  t.teardown(async () => {
    await setState('be_app_live', 'ready')
    await setState('be_app', 'ready')
    // Back in rotation (rise 2 × 1 s) before the next test uses the cluster.
    await waitHealthy(30_000, inv)
  })
  t.equal((await ask()).status, 401, 'before: the app answers')

  await setState('be_app', 'maint')
  const open = await ask()
  t.equal(open.status, 401, `every node out of be_app: still the app's answer (${open.status} ${open.code})`)
  t.not(open.code, 'SERVICE_UNAVAILABLE')

  await setState('be_app_live', 'maint')
  const none = await ask()
  t.same(none, { status: 503, code: 'SERVICE_UNAVAILABLE' }, 'no node in either backend: HAProxy\'s own 503')
})
