// The cluster's certificates: one CA, one certificate per host (every service of the host presents
// it, as server and as client), and one for the operators (the launcher, the tests, the drills).
// Made with openssl; kept when present and still right, so a customs PKI replaces this CA by putting
// its own files in the same places (docs/deployment.md, "TLS").
//
//   <paths.secrets>/pki/ca.key, ca.crt           the CA (its key never leaves this folder)
//   <paths.secrets>/pki/operator.crt, .key       client certificate of the operators (CN tqdt-operator)
//   <paths.config>/<host>/tls/ca.crt             the CA certificate every program verifies peers with
//   <paths.config>/<host>/tls/host.crt, .key     the host's certificate (EC P-256, serverAuth + clientAuth)
//   <paths.config>/<host>/tls/host.pem           certificate + key in one file (HAProxy's format)
//
// `npm run pki` shows them; `npm run pki -- rotate` renews them on a running cluster
// (certificate-rotation.ts).
import { spawnSync } from 'node:child_process'
import { X509Certificate, randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Host, Inventory } from '../inventory.ts'
import { appDatabaseAddress, clusterPath, hostsWithRole } from '../inventory.ts'

const OPENSSL = '/usr/bin/openssl'
/** Re-issued when less than this is left, so a running lab never meets an expired certificate. */
const RENEW_BEFORE_DAYS = 30
const HOST_DAYS = 397
const CA_DAYS = 3650

class CertificateError extends Error {}

export interface TlsFiles {
  ca: string
  cert: string
  key: string
}

export interface HostTlsFiles extends TlsFiles {
  /** Certificate and key in one file, as HAProxy's `crt` takes it. */
  pem: string
}

function pkiDir(inv: Inventory): string {
  return clusterPath(inv, 'secrets', 'pki')
}

export function caCertificateFile(inv: Inventory): string {
  return join(pkiDir(inv), 'ca.crt')
}

function caKeyFile(inv: Inventory): string {
  return join(pkiDir(inv), 'ca.key')
}

function hostTlsDir(inv: Inventory, host: Host): string {
  return clusterPath(inv, 'config', host.name, 'tls')
}

export function hostTls(inv: Inventory, host: Host): HostTlsFiles {
  const dir = hostTlsDir(inv, host)
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'host.crt'), key: join(dir, 'host.key'), pem: join(dir, 'host.pem') }
}

/** The operators' client certificate: the launcher's probes, the tests and the drills present it. */
export function operatorTls(inv: Inventory): TlsFiles {
  return { ca: caCertificateFile(inv), cert: join(pkiDir(inv), 'operator.crt'), key: join(pkiDir(inv), 'operator.key') }
}

/**
 * node-postgres' `ssl` for a client of the cluster's PostgreSQL (through HAProxy or straight to a
 * host): the server's certificate must chain to the CA and name the address dialled — libpq's
 * sslmode=verify-full. pg_hba refuses a connection without TLS.
 */
export function postgresSsl(inv: Inventory): { ca: string } {
  return { ca: readFileSync(caCertificateFile(inv), 'utf8') }
}

/** A connection URL with the same guarantees, for programs that take one (the app, libpq tools, k6 setup). */
export function postgresUrl(inv: Inventory, c: { user: string; password: string; host: string; port: number; database: string }, caFile = caCertificateFile(inv)): string {
  return `postgres://${c.user}:${c.password}@${c.host}:${c.port}/${c.database}?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`
}

/** The operators' certificate and the CA, as Node's TLS options (Redis and Sentinel probes, raw TLS sockets). */
export function operatorTlsOptions(inv: Inventory): { ca: Buffer; cert: Buffer; key: Buffer } {
  const tls = operatorTls(inv)
  return { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key) }
}

/** PostgreSQL and Patroni (user postgres) read the keys of database hosts, pgBackRest's scratch instances those of the repository host. */
function readByPostgres(host: Host): boolean {
  return host.roles.includes('postgres') || host.roles.includes('pgbackrest-repo')
}

/**
 * Names a host's certificate carries: its address and name; on load balancers and database hosts
 * the floating address too, and on database hosts every load balancer's address and every address
 * an app dials for PostgreSQL (clients reach PostgreSQL through HAProxy's TCP passthrough, so the
 * database answers on those addresses: 127.0.0.1 where an app uses its own host's HAProxy, as in the
 * compact layout); in a namespace lab the front door's loopback address
 * (it forwards bytes untouched, so the client's idea of the server name is that address).
 */
export function hostSubjectAltNames(inv: Inventory, host: Host): string[] {
  const ips = [host.address]
  const vip = inv.cluster.floatingAddress
  if (vip && (host.roles.includes('haproxy') || host.roles.includes('postgres'))) ips.push(vip)
  // Without a floating address clients dial a load balancer's own address (loopback lab, sites);
  // an app on a host with HAProxy dials that HAProxy on its loopback (the compact layout).
  if (host.roles.includes('postgres')) {
    ips.push(...hostsWithRole(inv, 'haproxy').map((h) => h.address), ...hostsWithRole(inv, 'app').map((a) => appDatabaseAddress(inv, a)))
  }
  if (inv.lab) ips.push(inv.lab.frontDoor.address)
  // A loopback lab's programs connect from 127.0.0.1 whatever address they serve on, and etcd checks
  // a peer's source address against its certificate — failing that, it resolves the certificate's
  // DNS names through the machine's resolver, a query that would leave the machine.
  else ips.push('127.0.0.1')
  return [...new Set(ips)].map((ip) => `IP:${ip}`).concat(`DNS:${host.name}`)
}

function openssl(args: string[], what: string): void {
  const res = spawnSync(OPENSSL, args, { encoding: 'utf8' })
  if (res.error) throw new CertificateError(`cannot run ${OPENSSL}: ${res.error.message} (apt-get install openssl)`)
  if (res.status !== 0) throw new CertificateError(`${what}: openssl ${args[0]} failed: ${res.stderr.trim()}`)
}

/**
 * The CA certificate, made with its key when neither exists. A `ca.crt` without `ca.key` is an
 * outside PKI's (the customs one): nothing is issued then, certificates are only checked.
 */
function ensureCa(inv: Inventory): X509Certificate {
  const dir = pkiDir(inv)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (!existsSync(caCertificateFile(inv))) {
    openssl(
      [
        'req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-sha256',
        '-keyout', caKeyFile(inv), '-out', caCertificateFile(inv), '-days', String(CA_DAYS),
        '-subj', `/O=tqdt-ha/CN=tqdt-ha ${inv.name} CA`,
        '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      ],
      'the cluster CA',
    )
  }
  return new X509Certificate(readFileSync(caCertificateFile(inv)))
}

/** Why the certificate at `file` must be (re)issued, or null when it is fine. */
function reissueReason(file: string, ca: X509Certificate, names: string[]): string | null {
  if (!existsSync(file)) return 'missing'
  const cert = new X509Certificate(readFileSync(file))
  if (!cert.verify(ca.publicKey)) return 'not signed by the current CA'
  const have = new Set((cert.subjectAltName ?? '').split(', ').map((n) => n.replace(/^IP Address:/, 'IP:')))
  const lacking = names.filter((n) => !have.has(n))
  if (lacking.length > 0) return `does not name ${lacking.join(', ')}`
  const daysLeft = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000
  if (daysLeft < RENEW_BEFORE_DAYS) return `expires in ${Math.floor(daysLeft)} days`
  return null
}

function issue(inv: Inventory, out: TlsFiles, subject: string, names: string[], usage: string, reason: string): void {
  if (!existsSync(caKeyFile(inv))) {
    throw new CertificateError(
      `${out.cert} (${subject}): ${reason}, and ${caKeyFile(inv)} is absent: with an outside CA, put a certificate it issued ` +
        `there (names: ${names.join(', ') || 'clientAuth only'}; docs/deployment.md, "TLS")`,
    )
  }
  const work = join(pkiDir(inv), `.issue-${randomBytes(4).toString('hex')}`)
  mkdirSync(work, { mode: 0o700 })
  try {
    const csr = join(work, 'req.csr')
    const ext = join(work, 'ext.cnf')
    writeFileSync(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${usage}`,
        ...(names.length > 0 ? [`subjectAltName=${names.join(',')}`] : []),
      ].join('\n') + '\n',
    )
    openssl(['req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-keyout', join(work, 'key'), '-out', csr, '-subj', subject], subject)
    openssl(
      ['x509', '-req', '-in', csr, '-CA', caCertificateFile(inv), '-CAkey', caKeyFile(inv), '-sha256', '-days', String(HOST_DAYS),
        '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-extfile', ext, '-out', join(work, 'crt')],
      subject,
    )
    // Key first, certificate last: a reader that sees the new certificate also finds its key.
    writeFileSync(out.key, readFileSync(join(work, 'key')), { mode: 0o600 })
    writeFileSync(out.cert, readFileSync(join(work, 'crt')), { mode: 0o644 })
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

function postgresIds(): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))
  if (!line) return null
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

export interface PkiResult {
  /** "db1: missing", "operator: expires in 12 days", … */
  issued: string[]
}

/**
 * The CA when absent, then every certificate that is missing, not signed by the CA, names other
 * addresses than the inventory, or expires within 30 days. `force`: re-issue every host's and the
 * operators' certificate (rotation; the CA stays).
 */
export function ensureCertificates(inv: Inventory, opts: { force?: boolean } = {}): PkiResult {
  const ca = ensureCa(inv)
  const caPem = readFileSync(caCertificateFile(inv))
  const pg = process.getuid?.() === 0 ? postgresIds() : null
  const issued: string[] = []
  const op = operatorTls(inv)
  const opReason = opts.force ? 'rotation' : reissueReason(op.cert, ca, [])
  if (opReason) {
    issue(inv, op, '/O=tqdt-ha/CN=tqdt-operator', [], 'clientAuth', opReason)
    issued.push(`operator: ${opReason}`)
  }
  for (const host of inv.hosts) {
    const files = hostTls(inv, host)
    const dir = hostTlsDir(inv, host)
    // The host's config folder stays traversable (PostgreSQL reads its config there as postgres);
    // only the tls folder is closed.
    mkdirSync(dirname(dir), { recursive: true, mode: 0o755 })
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const names = hostSubjectAltNames(inv, host)
    const reason = opts.force ? 'rotation' : reissueReason(files.cert, ca, names)
    if (reason) {
      issue(inv, files, `/O=tqdt-ha/CN=${host.name}`, names, 'serverAuth,clientAuth', reason)
      issued.push(`${host.name}: ${reason}`)
    }
    if (!existsSync(files.ca) || !readFileSync(files.ca).equals(caPem)) writeFileSync(files.ca, caPem, { mode: 0o644 })
    const pem = Buffer.concat([readFileSync(files.cert), readFileSync(files.key)])
    if (!existsSync(files.pem) || !readFileSync(files.pem).equals(pem)) writeFileSync(files.pem, pem, { mode: 0o600 })
    if (pg && readByPostgres(host)) {
      for (const path of [dir, files.ca, files.cert, files.key, files.pem]) chownSync(path, pg.uid, pg.gid)
    }
  }
  return { issued }
}

export interface CertificateInfo {
  subject: string
  file: string
  serial: string
  validTo: string
  names: string
}

export function certificateInfo(inv: Inventory): CertificateInfo[] {
  const read = (subject: string, file: string): CertificateInfo => {
    const c = new X509Certificate(readFileSync(file))
    return { subject, file, serial: c.serialNumber, validTo: c.validTo, names: c.subjectAltName ?? '' }
  }
  return [read('CA', caCertificateFile(inv)), read('operator', operatorTls(inv).cert), ...inv.hosts.map((h) => read(h.name, hostTls(inv, h).cert))]
}
