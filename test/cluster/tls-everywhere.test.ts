// Issue 16, item 4, on the running cluster: every link is TLS from the cluster CA and every door asks
// who knocks. Each refusal is asserted beside the same door opening for its rightful client (the
// operators' certificate, the right password), so a dead server cannot pass for a closed one.
import { connect as tcpConnect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import pg from 'pg'
import t from 'tap'
import { caCertificateFile, endpoints, hostsWithRole, httpsUrl, loadBalancerAddress, loadInventory, operatorTlsOptions, patroniRestAuthorization, patroniRestUrl, postgresSsl, secrets } from '../../infra/launcher/cluster-api.ts'
import { httpGet } from '../http-get.ts'

const inv = loadInventory()
const s = secrets(inv)
const operator = operatorTlsOptions(inv)
const caOnly = { ca: operator.ca }
const lb = hostsWithRole(inv, 'haproxy')[0]!
const front = loadBalancerAddress(inv)

/** What a plain (no TLS) client gets back for `bytes`: the first answer, or the error that ended the connection. */
function plainExchange(host: string, port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port })
    let answer = ''
    const done = (what: string) => {
      socket.destroy()
      resolve(what)
    }
    socket.setTimeout(3000, () => done(answer || 'timeout'))
    socket.on('connect', () => socket.write(bytes))
    socket.on('data', (d) => (answer += d.toString('latin1')))
    socket.on('end', () => done(answer || 'closed'))
    socket.on('error', (err: NodeJS.ErrnoException) => done(answer || err.code || err.message))
  })
}

/** A TLS handshake with the given client options: 'ok' with the peer's certificate checked, else why it failed. */
function handshake(host: string, port: number, options: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, ...options })
    const done = (what: string) => {
      socket.destroy()
      resolve(what)
    }
    socket.setTimeout(3000, () => done('timeout'))
    // A server that requires a client certificate may accept the handshake and close right after
    // (TLS 1.3): wait for data or the close before calling it a success.
    socket.on('secureConnect', () => setTimeout(() => done(socket.destroyed ? 'closed' : 'ok'), 300))
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message))
    socket.on('close', () => done('closed'))
  })
}

t.test('HTTPS at the front: clients verify the certificate, plain HTTP gets no answer', async (t) => {
  const ready = await httpGet(`${endpoints(inv).httpBaseUrl}/health/ready`, { tls: caOnly })
  t.equal(ready.status, 200, `${endpoints(inv).httpBaseUrl} answers over TLS verified against the cluster CA`)
  const plain = await plainExchange(front, lb.ports.http, 'GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n')
  t.notMatch(plain, /^HTTP\/1\.[01] 200/, `plain HTTP to ${front}:${lb.ports.http} is not served (${JSON.stringify(plain.slice(0, 40))})`)
  for (const port of [80, 443, 8080].filter((p) => p !== lb.ports.http)) {
    t.equal(await plainExchange(front, port, 'GET / HTTP/1.0\r\n\r\n'), 'ECONNREFUSED', `nothing listens for HTTP on ${front}:${port}`)
  }
  await t.rejects(httpGet(`https://${front}:${lb.ports.http}/health/ready`, { tls: { ca: Buffer.from('') } }), 'a client that does not trust the CA refuses the certificate')
})

t.test('PostgreSQL: TLS with scram-sha-256 only, the server verified by name', async (t) => {
  const { databaseUser: user, database } = inv.cluster
  const base = { host: front, port: lb.ports.pgPrimary, user, database, connectionTimeoutMillis: 5000 }
  const attempt = async (config: pg.ClientConfig) => {
    const c = new pg.Client(config)
    c.on('error', () => undefined)
    try {
      await c.connect()
      const r = await c.query<{ ssl: boolean; version: string }>('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()')
      return `ok ${r.rows[0]?.ssl ? r.rows[0].version : 'no TLS'}`
    } catch (err) {
      return (err as Error).message
    } finally {
      await c.end().catch(() => undefined)
    }
  }
  t.match(await attempt({ ...base, password: s.dbPassword, ssl: false }), /no encryption/, 'without TLS: refused by pg_hba ("no encryption")')
  t.match(await attempt({ ...base, password: 'wrong', ssl: postgresSsl(inv) }), /password authentication failed/, 'TLS with a wrong password: refused')
  t.match(await attempt({ ...base, password: s.dbPassword, ssl: postgresSsl(inv) }), /^ok TLSv1\.[23]$/, 'TLS verified against the CA and the floating address, the right password: in')
  const db = hostsWithRole(inv, 'postgres')[0]!
  t.match(await attempt({ ...base, host: db.address, port: db.ports.postgres, password: s.dbPassword, ssl: false }), /no encryption/, `straight to ${db.name} without TLS: refused`)
  t.match(endpoints(inv).databaseUrl, /sslmode=verify-full&sslrootcert=/, 'the URL every client gets asks verify-full')
})

t.test('etcd: client certificates of the CA, nothing in clear text', async (t) => {
  for (const e of hostsWithRole(inv, 'etcd')) {
    t.equal((await httpGet(httpsUrl(e, 'etcdClient', '/health'), { tls: operator })).status, 200, `${e.name}: /health with the operators' certificate`)
    await t.rejects(httpGet(httpsUrl(e, 'etcdClient', '/health'), { tls: caOnly }), `${e.name}: refused without a client certificate`)
    t.notMatch(await plainExchange(e.address, e.ports.etcdClient, 'GET /health HTTP/1.0\r\n\r\n'), /^HTTP\/1\.[01] 200/, `${e.name}: plain HTTP gets no answer`)
    t.not(await handshake(e.address, e.ports.etcdPeer, caOnly), 'ok', `${e.name}: the peer port refuses a client without a certificate`)
  }
})

t.test("Patroni's REST API: HTTPS; the unsafe endpoints need a certificate and the password", async (t) => {
  const auth = (password: string) => ({ authorization: patroniRestAuthorization(password) })
  for (const d of hostsWithRole(inv, 'postgres')) {
    const url = patroniRestUrl(d)
    t.equal((await httpGet(`${url}/cluster`, { tls: caOnly })).status, 200, `${d.name}: GET /cluster (safe) for anyone who trusts the CA`)
    const post = (tls: { ca: Buffer; cert?: Buffer; key?: Buffer }, headers: Record<string, string>) => postStatus(`${url}/reload`, tls, headers)
    t.equal(await post(caOnly, auth(s.patroniRestPassword)), 403, `${d.name}: POST /reload without a client certificate: 403`)
    t.equal(await post(operator, {}), 401, `${d.name}: POST /reload with a certificate, without the password: 401`)
    t.equal(await post(operator, auth('wrong')), 401, `${d.name}: POST /reload with a wrong password: 401`)
    t.ok([200, 202].includes(await post(operator, auth(s.patroniRestPassword))), `${d.name}: POST /reload with both (a harmless unsafe call) is accepted`)
    t.notMatch(await plainExchange(d.address, d.ports.patroni, 'GET /cluster HTTP/1.0\r\n\r\n'), /^HTTP\/1\.[01] 200/, `${d.name}: plain HTTP gets no answer`)
  }
})

t.test('Redis and Sentinel: TLS only, client certificates of the CA', async (t) => {
  const doors = [
    ...hostsWithRole(inv, 'redis').map((h) => ({ name: `${h.name} redis`, address: h.address, port: h.ports.redis })),
    ...hostsWithRole(inv, 'sentinel').map((h) => ({ name: `${h.name} sentinel`, address: h.address, port: h.ports.sentinel })),
  ]
  for (const d of doors) {
    t.notMatch(await plainExchange(d.address, d.port, 'PING\r\n'), /PONG|NOAUTH/, `${d.name}: a clear-text client gets no Redis answer`)
    t.not(await handshake(d.address, d.port, caOnly), 'ok', `${d.name}: no handshake without a client certificate`)
    t.equal(await handshake(d.address, d.port, operator), 'ok', `${d.name}: the handshake with the operators' certificate`)
  }
})

t.test('app nodes, exporters and Prometheus: HTTPS for clients with a certificate of the CA', async (t) => {
  const doors = [
    ...hostsWithRole(inv, 'app').map((h) => ({ name: `${h.name} internal`, url: httpsUrl(h, 'appInternal', '/health/ready') })),
    ...hostsWithRole(inv, 'postgres-exporter').map((h) => ({ name: `${h.name} postgres_exporter`, url: httpsUrl(h, 'postgresExporter', '/metrics') })),
    ...hostsWithRole(inv, 'redis-exporter').map((h) => ({ name: `${h.name} redis_exporter`, url: httpsUrl(h, 'redisExporter', '/metrics') })),
    ...hostsWithRole(inv, 'prometheus').map((h) => ({ name: `${h.name} prometheus`, url: httpsUrl(h, 'prometheus', '/-/ready') })),
  ]
  for (const d of doors) {
    t.equal((await httpGet(d.url, { tls: operator })).status, 200, `${d.name}: 200 with the operators' certificate`)
    await t.rejects(httpGet(d.url, { tls: caOnly }), `${d.name}: refused without a client certificate`)
  }
  t.ok(caCertificateFile(inv).length > 0, 'one CA for all of it')
})

async function postStatus(url: string, tls: { ca: Buffer; cert?: Buffer; key?: Buffer }, headers: Record<string, string>): Promise<number> {
  const { request } = await import('node:https')
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, ...tls, agent: false, timeout: 5000 }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end('{}')
  })
}
