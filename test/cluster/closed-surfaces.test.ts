// Issue 12, item 6, on the running cluster: nobody reaches Redis, Sentinel, HAProxy's stats, the app
// nodes' /metrics and /health/deps, or an app node's client port, without being one of the programs
// meant to. Each refusal is asserted, and each door is shown to open for its rightful user, so a
// check that refuses everything (a dead server) cannot pass.
import t from 'tap'
import { endpoints, haproxyMetricsUrl, haproxyStatsAuthorization, haproxyStatsUrl, hostsWithRole, httpsUrl, loadInventory, operatorTlsOptions, redisCommand, redisUserAuth, secrets } from '../../infra/launcher/cluster-api.ts'
import { signToken } from '../../src/services/jwt-service.ts'
import { httpGet } from '../http-get.ts'

const inv = loadInventory()
const s = secrets(inv)
// Every door is TLS with client certificates of the cluster CA: the operators' certificate gets
// this test through the handshake, so what answers below is the door's own refusal.
const operator = operatorTlsOptions(inv)

const status = (url: string, headers: Record<string, string> = {}) => httpGet(url, { headers, tls: operator })

t.test('Redis refuses anonymous clients and limits the app user', async (t) => {
  for (const h of hostsWithRole(inv, 'redis')) {
    await t.rejects(redisCommand(h.address, h.ports.redis, ['PING'], 1000, { tls: operator }), /NOAUTH/, `${h.name}: anonymous PING`)
    await t.rejects(redisCommand(h.address, h.ports.redis, ['INFO'], 1000, { user: 'default', password: '', tls: operator }), /WRONGPASS|disabled/, `${h.name}: the default user is off`)
    const app = redisUserAuth(inv, 'app')
    t.equal(await redisCommand(h.address, h.ports.redis, ['PING'], 1000, app), 'PONG', `${h.name}: the app user gets in`)
    await t.rejects(redisCommand(h.address, h.ports.redis, ['CONFIG', 'GET', 'maxmemory'], 1000, app), /NOPERM/, `${h.name}: the app user cannot read the config`)
    await t.rejects(redisCommand(h.address, h.ports.redis, ['FLUSHALL'], 1000, app), /NOPERM/, `${h.name}: nor flush`)
    await t.rejects(redisCommand(h.address, h.ports.redis, ['PING'], 1000, { ...app, password: 'wrong' }), /WRONGPASS/, `${h.name}: a wrong password`)
  }
})

t.test('Sentinel refuses anonymous clients; the app user may only discover the master', async (t) => {
  const name = inv.cluster.redisMasterName
  for (const h of hostsWithRole(inv, 'sentinel')) {
    await t.rejects(redisCommand(h.address, h.ports.sentinel, ['SENTINEL', 'get-master-addr-by-name', name], 1000, { tls: operator }), /NOAUTH/, `${h.name}: anonymous`)
    const app = redisUserAuth(inv, 'app')
    const master = await redisCommand(h.address, h.ports.sentinel, ['SENTINEL', 'get-master-addr-by-name', name], 1000, app)
    t.ok(Array.isArray(master), `${h.name}: the app user finds the master`)
    await t.rejects(redisCommand(h.address, h.ports.sentinel, ['SENTINEL', 'failover', name], 1000, app), /NOPERM/, `${h.name}: the app user cannot fail over`)
    await t.rejects(redisCommand(h.address, h.ports.sentinel, ['SENTINEL', 'set', name, 'quorum', '1'], 1000, redisUserAuth(inv, 'monitor')), /NOPERM/, `${h.name}: the monitor user cannot reconfigure`)
  }
})

t.test("HAProxy's stats page and exporter ask for the stats password", async (t) => {
  for (const lb of hostsWithRole(inv, 'haproxy')) {
    for (const url of [haproxyStatsUrl(lb), haproxyStatsUrl(lb, 'csv'), haproxyMetricsUrl(lb)]) {
      t.equal((await status(url)).status, 401, `${url} anonymous`)
      t.equal((await status(url, { authorization: `Basic ${Buffer.from('tqdt-stats:wrong').toString('base64')}` })).status, 401, `${url} with a wrong password`)
      t.equal((await status(url, { authorization: haproxyStatsAuthorization(inv) })).status, 200, `${url} with the password`)
    }
  }
})

t.test('the client frontend never reaches /metrics or /health/deps', async (t) => {
  const base = endpoints(inv).httpBaseUrl
  const officer = signToken({ officerId: '02CI-surfaces', name: 'Closed surfaces', office: '02CI', role: 'officer' }, s.jwtSecret, {
    issuer: 'tqdt-ha',
    audience: 'tqdt-api',
    ttlSeconds: 600,
  })
  for (const path of ['/metrics', '/health/deps', '/metrics/', '//metrics', '/%6Detrics', '/health/deps?x=1', '/METRICS']) {
    const anonymous = await status(`${base}${path}`)
    t.equal(anonymous.status, 401, `${path} through HAProxy, anonymous: closed like any unknown route`)
    const res = await status(`${base}${path}`, { authorization: `Bearer ${officer}` })
    t.equal(res.status, 404, `${path} through HAProxy, as an officer: no such route`)
    t.notMatch(res.body, /tqdt_http|database|reachable/, `${path}: nothing of a node`)
  }
})

t.test("an app node's ports: the client port only for the load balancer, the internal one with its token", async (t) => {
  const token = { authorization: `Bearer ${s.appInternalToken}` }
  for (const h of hostsWithRole(inv, 'app')) {
    // This test runs on the machine, not on a load balancer: the client port resets it.
    await t.rejects(status(httpsUrl(h, 'app', '/health/ready')), { code: 'ECONNRESET' }, `${h.name}: client port from outside the load balancer`)
    const internal = httpsUrl(h, 'appInternal')
    // Without a certificate of the CA the handshake itself fails, before any token is asked.
    await t.rejects(httpGet(`${internal}/health/ready`, { tls: { ca: operator.ca } }), `${h.name}: internal listener without a client certificate`)
    for (const path of ['/metrics', '/health/deps']) {
      const anonymous = await status(`${internal}${path}`)
      t.equal(anonymous.status, 401, `${h.name} ${path} without the token`)
      t.notMatch(anonymous.body, /tqdt_|database/, `${h.name} ${path}: nothing without the token`)
    }
    t.match((await status(`${internal}/metrics`, token)).body, /tqdt_http_requests_total/, `${h.name}: /metrics with the token`)
    const deps = await status(`${internal}/health/deps`, token)
    t.equal(deps.status, 200, `${h.name}: /health/deps with the token`)
    t.notMatch(deps.body, /"error"|ECONN|timeout/i, `${h.name}: /health/deps carries no error text`)
  }
})
