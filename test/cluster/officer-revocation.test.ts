// Through HAProxy, against every app node of the cluster: `npm run officer -- --disable ID` makes each
// node refuse the officer's remembered token within 60 s. HAProxy deals requests round robin, so a run
// of consecutive refusals three times the number of nodes long has been answered by each node.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { clusterPath, clusterRequest, endpoints, hostsWithRole, loadInventory, REPO_ROOT } from '../../infra/launcher/cluster-api.ts'

const run = promisify(execFile)

t.test('a disabled officer is refused by every node within 60 s', async (t) => {
  const inv = loadInventory()
  const { httpBaseUrl, databaseUrl } = endpoints(inv)
  const nodes = hostsWithRole(inv, 'app').length
  const officer = (...args: string[]) =>
    run(process.execPath, [`${REPO_ROOT}/src/commands/officer-command.ts`, ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl, JWT_SECRET: '', JWT_SECRET_FILE: clusterPath(inv, 'secrets', 'jwt-secret') },
    })
  const id = `02CI-rev-${randomBytes(3).toString('hex')}`
  const token = (await officer('--id', id, '--office', '02CI', '--role', 'officer', '--quiet', '--ttl-hours', '1')).stdout.trim()
  const get = async () => {
    const res = await clusterRequest(inv, `${httpBaseUrl}/api/v1/handovers?limit=1`, { headers: { authorization: `Bearer ${token}` }, timeoutMs: 10_000 })
    return { status: res.status, json: async () => JSON.parse(res.text) as unknown }
  }
  for (let i = 0; i < 3 * nodes; i++) t.equal((await get()).status, 200, `request ${i + 1}: accepted and remembered`)

  const disabledAt = Date.now()
  await officer('--disable', id)
  let refusedInARow = 0
  let lastCode = ''
  while (refusedInARow < 3 * nodes && Date.now() - disabledAt < 60_000) {
    const res = await get()
    const body = (await res.json()) as { code?: string }
    lastCode = body.code ?? String(res.status)
    refusedInARow = res.status === 401 && body.code === 'TOKEN_REVOKED' ? refusedInARow + 1 : 0
    if (refusedInARow === 0) await new Promise((r) => setTimeout(r, 100))
  }
  const seconds = (Date.now() - disabledAt) / 1000
  t.equal(refusedInARow, 3 * nodes, `${3 * nodes} consecutive requests refused (last answer ${lastCode})`)
  t.ok(seconds < 60, 'within 60 s')
  t.comment(`every one of ${nodes} nodes refused the revoked token ${seconds.toFixed(1)} s after \`officer --disable\``)
})
