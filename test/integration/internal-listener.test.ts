// The closed surfaces of an app node (issue 12, item 6): /metrics and /health/deps exist only on the
// internal listener, which asks for its token; /health/deps shows no error text; each listener resets
// connections from peers outside its allow-list before reading a byte of HTTP.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { buildTestApp } from '../helper.ts'
import { httpGet } from '../http-get.ts'

const TOKEN = 'internal-token-for-the-test'

const get = (port: number, path: string, localAddress: string, headers: Record<string, string> = {}) =>
  httpGet(`http://127.0.0.1:${port}${path}`, { localAddress, headers })

t.test('/metrics and /health/deps are not on the client port', async (t) => {
  const { app, as } = await buildTestApp(t, { internalToken: TOKEN })
  for (const url of ['/metrics', '/health/deps']) {
    t.equal((await app.inject({ url })).statusCode, 401, `${url} on the client port, anonymous: closed like any unknown route`)
    const res = await as({}, { url })
    t.equal(res.statusCode, 404, `${url} on the client port, as an officer: no such route`)
    t.notMatch(res.body, /tqdt_|database/, `${url}: nothing of the node in the answer`)
  }
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200, 'HAProxy still checks readiness on the client port')
})

t.test('the internal listener asks for its token on /metrics and /health/deps only', async (t) => {
  const { app } = await buildTestApp(t, { internalToken: TOKEN })
  const internal = app.internalListener
  for (const url of ['/metrics', '/health/deps']) {
    const none = await internal.inject({ url })
    t.equal(none.statusCode, 401, `${url} without a token`)
    t.equal(none.json().code, 'INTERNAL_TOKEN_REQUIRED')
    t.equal((await internal.inject({ url, headers: { authorization: 'Bearer wrong' } })).statusCode, 401, `${url} with a wrong token`)
    t.equal((await internal.inject({ url: `${url}?x=1`, headers: { authorization: 'Basic abc' } })).statusCode, 401, `${url} with another scheme`)
    t.equal((await internal.inject({ url, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200, `${url} with the token`)
  }
  t.equal((await internal.inject({ url: '/health/ready' })).statusCode, 200, 'readiness needs no token')
  t.equal((await internal.inject({ url: '/health/live' })).statusCode, 200, 'liveness needs no token')
  t.equal((await internal.inject({ url: '/api/v1/handovers' })).statusCode, 401, 'an unknown route asks for the token first')
  const api = await internal.inject({ url: '/api/v1/handovers', headers: { authorization: `Bearer ${TOKEN}` } })
  t.equal(api.statusCode, 404, 'the API is not on the internal listener')
})

t.test('/health/deps says a dependency is unreachable, never why', async (t) => {
  // Nothing listens on port 1: the replica probe fails with an error that names the address.
  const { app } = await buildTestApp(t, { databaseReplicaUrl: 'postgres://nobody:secret@127.0.0.1:1/none', connectTimeoutMs: 500 })
  const res = await app.internalListener.inject({ url: '/health/deps' })
  t.equal(res.statusCode, 200)
  const deps = res.json()
  t.equal(deps.database.primary.role, 'primary')
  t.same(deps.database.replica, { reachable: false })
  t.notMatch(res.body, /ECONNREFUSED|127\.0\.0\.1|connect|secret|nobody/i, 'no error text, address or credential')
})

t.test('each listener resets peers outside its allow-list', async (t) => {
  const { app } = await buildTestApp(t, { allowedClients: ['127.0.0.250'], internalAllowedClients: ['127.0.0.251/32'], internalToken: TOKEN })
  await app.listen({ host: '127.0.0.1', port: 0 })
  await app.internalListener.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.internalListener.close())
  const client = (app.server.address() as AddressInfo).port
  const internal = (app.internalListener.server.address() as AddressInfo).port

  t.equal((await get(client, '/health/ready', '127.0.0.250')).status, 200, 'the load balancer reaches the client port')
  await t.rejects(get(client, '/health/ready', '127.0.0.251'), { code: 'ECONNRESET' }, 'Prometheus does not reach the client port')
  await t.rejects(get(client, '/health/ready', '127.0.0.1'), { code: 'ECONNRESET' }, 'nor does any other host')

  const auth = { authorization: `Bearer ${TOKEN}` }
  t.equal((await get(internal, '/metrics', '127.0.0.251', auth)).status, 200, 'Prometheus scrapes the internal listener')
  await t.rejects(get(internal, '/metrics', '127.0.0.250', auth), { code: 'ECONNRESET' }, 'the load balancer does not reach it')
  await t.rejects(get(internal, '/metrics', '127.0.0.1', auth), { code: 'ECONNRESET' }, 'nor does any other host, token or not')

  const metrics = (await get(internal, '/metrics', '127.0.0.251', auth)).body
  t.match(metrics, /tqdt_refused_connections_total\{listener="client"[^}]*\} 2/, 'refusals on the client port counted')
  t.match(metrics, /tqdt_refused_connections_total\{listener="internal"[^}]*\} 2/, 'refusals on the internal listener counted')
})
