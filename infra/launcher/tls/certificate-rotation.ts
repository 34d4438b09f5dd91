// Certificate rotation on a running cluster, without a restart of anything clients talk to:
//
//   npm run pki                 the certificates, their serials and expiry; issues what is missing
//   npm run pki -- rotate       new certificates for every host and the operators (same CA), then
//                               each program takes its new one, and each is checked by a handshake
//
// How each program takes it (docs/deployment.md, "TLS"):
//   etcd, Prometheus, postgres_exporter   read the files again on every handshake: nothing to do
//   Patroni + PostgreSQL                  SIGHUP to Patroni: it reloads its REST certificate and PostgreSQL's
//   HAProxy                               the runtime API: `set ssl cert` + `commit ssl cert` (no reload)
//   Redis                                 CONFIG SET tls-cert-file/tls-key-file (re-reads the TLS context)
//   app nodes                             SIGHUP (src/server.ts: setSecureContext on both listeners)
//   Sentinel, redis_exporter              restarted one at a time (neither can reload its certificate;
//                                         two Sentinels of three keep the quorum meanwhile)
// Open connections keep the certificate they were made with; both chain to the same CA.
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { connect as tcpConnect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { componentSpecs } from '../components.ts'
import type { ComponentSpec } from '../components.ts'
import { haproxyRuntimeCommandOn } from '../haproxy-client.ts'
import { componentPid } from '../host-processes.ts'
import type { Host, Inventory } from '../inventory.ts'
import { loadInventory } from '../inventory.ts'
import { enterOpsNamespace } from '../lab/run-in-lab.ts'
import { sleep, startComponent, stopComponent } from '../process-control.ts'
import { redisCommand } from '../redis-probe.ts'
import { redisUserAuth } from '../render/redis-config.ts'
import { certificateInfo, ensureCertificates, hostTls, operatorTlsOptions } from './certificates.ts'

export class RotationError extends Error {}

/** PostgreSQL's SSLRequest: length 8, code 80877103. The server answers 'S' and the TLS handshake follows. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])

/**
 * The serial of the certificate a TLS endpoint shows now (the operators' certificate as client);
 * `postgres`: after PostgreSQL's SSLRequest, as libpq does.
 */
export function servedSerial(inv: Inventory, address: string, port: number, postgres = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const tls = operatorTlsOptions(inv)
    const secure = (socket: ReturnType<typeof tlsConnect>) => {
      socket.setTimeout(3000, () => socket.destroy(new RotationError(`no TLS answer from ${address}:${port}`)))
      socket.on('secureConnect', () => {
        const serial = socket.getPeerCertificate().serialNumber
        socket.end()
        resolve(serial.toUpperCase())
      })
      socket.on('error', reject)
    }
    if (!postgres) return secure(tlsConnect({ host: address, port, ...tls }))
    const raw = tcpConnect({ host: address, port })
    raw.setTimeout(3000, () => raw.destroy(new RotationError(`no answer from ${address}:${port}`)))
    raw.on('error', reject)
    raw.on('connect', () => raw.write(SSL_REQUEST))
    raw.once('data', (d) => {
      if (d[0] !== 0x53) return raw.destroy(new RotationError(`${address}:${port} refused TLS (answered ${JSON.stringify(d.toString('latin1', 0, 1))})`))
      raw.setTimeout(0)
      secure(tlsConnect({ socket: raw, host: address, ...tls }))
    })
  })
}

export function fileSerial(file: string): string {
  return new X509Certificate(readFileSync(file)).serialNumber.toUpperCase()
}

/**
 * Every TLS endpoint of a component that the operators may reach: what the rotation checks. (An app
 * node's client port admits the load balancers only; it shares its certificate with the internal
 * listener, and HAProxy's checks would fail on a bad one.)
 */
export function tlsEndpoints(spec: ComponentSpec): Array<{ port: number; what: string; postgres?: boolean }> {
  const p = spec.host.ports
  switch (spec.component) {
    case 'etcd': return [{ port: p.etcdClient, what: 'etcd client' }, { port: p.etcdPeer, what: 'etcd peer' }]
    case 'patroni': return [{ port: p.patroni, what: 'Patroni REST' }, { port: p.postgres, what: 'PostgreSQL', postgres: true }]
    case 'haproxy': return [{ port: p.stats, what: 'HAProxy stats' }]
    case 'redis': return [{ port: p.redis, what: 'Redis' }]
    case 'sentinel': return [{ port: p.sentinel, what: 'Sentinel' }]
    case 'app': return [{ port: p.appInternal, what: 'app (internal listener)' }]
    case 'postgres-exporter': return [{ port: p.postgresExporter, what: 'postgres_exporter' }]
    case 'redis-exporter': return [{ port: p.redisExporter, what: 'redis_exporter' }]
    case 'prometheus': return [{ port: p.prometheus, what: 'Prometheus' }]
    case 'keepalived': return []
  }
}

async function reloadHaproxy(inv: Inventory, host: Host): Promise<void> {
  const pem = hostTls(inv, host).pem
  const set = await haproxyRuntimeCommandOn(inv, host, `set ssl cert ${pem} <<\n${readFileSync(pem, 'utf8')}\n`)
  if (!/Transaction created|Transaction updated/.test(set)) throw new RotationError(`${host.name}: HAProxy refused the new certificate: ${set.trim()}`)
  const commit = await haproxyRuntimeCommandOn(inv, host, `commit ssl cert ${pem}`)
  if (!/Success!/.test(commit)) throw new RotationError(`${host.name}: HAProxy could not commit the new certificate: ${commit.trim()}`)
}

async function reloadRedis(inv: Inventory, host: Host): Promise<void> {
  const tls = hostTls(inv, host)
  // Setting the same paths again makes Redis build a new TLS context from the files.
  const answer = await redisCommand(host.address, host.ports.redis, ['CONFIG', 'SET', 'tls-cert-file', tls.cert, 'tls-key-file', tls.key], 3000, redisUserAuth(inv, 'admin'))
  if (answer !== 'OK') throw new RotationError(`${host.name}: Redis answered ${JSON.stringify(answer)} to CONFIG SET tls-*`)
}

function signal(spec: ComponentSpec, sig: NodeJS.Signals): void {
  const pid = componentPid(spec)
  if (pid === null) throw new RotationError(`${spec.id} is not running`)
  process.kill(pid, sig)
}

async function restart(inv: Inventory, spec: ComponentSpec): Promise<void> {
  await stopComponent(inv, spec)
  startComponent(spec)
}

/** Waits until every TLS endpoint of the component serves the certificate now on disk. */
async function waitForNewSerial(inv: Inventory, spec: ComponentSpec, timeoutMs = 30_000): Promise<string[]> {
  const want = fileSerial(hostTls(inv, spec.host).cert)
  const deadline = Date.now() + timeoutMs
  const checked: string[] = []
  for (const e of tlsEndpoints(spec)) {
    for (;;) {
      const got = await servedSerial(inv, spec.host.address, e.port, e.postgres).catch((err: Error) => `error: ${err.message}`)
      if (got === want) break
      if (Date.now() > deadline) throw new RotationError(`${spec.host.name} ${e.what} (${spec.host.address}:${e.port}) still shows ${got}, not ${want}`)
      await sleep(500)
    }
    checked.push(`${spec.host.name} ${e.what}`)
  }
  return checked
}

export async function rotateCertificates(inv: Inventory, say: (line: string) => void): Promise<void> {
  const before = new Map(certificateInfo(inv).map((c) => [c.subject, c.serial]))
  const { issued } = ensureCertificates(inv, { force: true })
  say(`issued ${issued.length} certificates (the CA stays): ${issued.map((i) => i.split(':')[0]).join(', ')}`)
  const specs = componentSpecs(inv).filter((s) => componentPid(s) !== null)
  for (const spec of specs) {
    switch (spec.component) {
      case 'patroni':
      case 'app':
        signal(spec, 'SIGHUP')
        break
      case 'haproxy':
        await reloadHaproxy(inv, spec.host)
        break
      case 'redis':
        await reloadRedis(inv, spec.host)
        break
      case 'sentinel':
      case 'redis-exporter':
        await restart(inv, spec)
        break
      default:
        // etcd, Prometheus, postgres_exporter read the files per handshake; keepalived has none.
        break
    }
    const checked = await waitForNewSerial(inv, spec)
    if (checked.length > 0) say(`${spec.id}: serves the new certificate (${checked.length} endpoint(s))`)
  }
  const after = certificateInfo(inv)
  const unchanged = after.filter((c) => c.subject !== 'CA' && before.get(c.subject) === c.serial)
  if (unchanged.length > 0) throw new RotationError(`not rotated: ${unchanged.map((c) => c.subject).join(', ')}`)
}

async function main(argv: string[]): Promise<number> {
  const inv = loadInventory()
  const [command = 'status'] = argv
  if (command === 'status') {
    const { issued } = ensureCertificates(inv)
    if (issued.length > 0) console.log(`issued: ${issued.join('; ')}`)
    for (const c of certificateInfo(inv)) console.log(`${c.subject.padEnd(10)} serial ${c.serial.slice(0, 16)}…  until ${c.validTo}  ${c.names}`)
    return 0
  }
  if (command === 'rotate') {
    const inLab = await enterOpsNamespace(inv, argv)
    if (inLab !== null) return inLab
    await rotateCertificates(inv, (l) => console.log(`pki: ${l}`))
    console.log('pki: every program serves its new certificate')
    return 0
  }
  console.error('usage: npm run pki [-- status | rotate]')
  return 2
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`pki: ${err.message}`)
      process.exit(1)
    },
  )
}
