// The cluster's certificates (infra/launcher/tls/certificates.ts), made with openssl in a temporary
// folder: what each host's certificate names, that a second run issues nothing, that a changed
// address or a rotation issues again, and that without the CA's key (an outside PKI) nothing is
// issued and the missing file is named.
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { Inventory } from '../../infra/launcher/inventory.ts'
import { caCertificateFile, ensureCertificates, hostSubjectAltNames, hostTls, operatorTls } from '../../infra/launcher/tls/certificates.ts'

function labInventory(dir: string): Inventory {
  const paths = Object.fromEntries(['app', 'config', 'data', 'run', 'logs', 'pids', 'secrets', 'prometheusRules'].map((k) => [k, join(dir, k)]))
  return {
    name: 'certs',
    description: '',
    file: join(dir, 'inventory.json'),
    cluster: {
      scope: 'tqdt', database: 'tqdt', databaseUser: 'tqdt', postgresBinDir: '/usr/lib/postgresql/15/bin', redisMasterName: 'tqdt',
      redisInitialPrimary: 'app1', replicaMaxLag: '16MB', trustedNetwork: '10.9.0.0/24', watchdog: 'off',
      paths: paths as Inventory['cluster']['paths'], floatingAddress: '10.9.0.10',
    },
    lab: { namespacePrefix: 'tqu-', subnet: '10.9.0.0/24', opsAddress: '10.9.0.250', frontDoor: { address: '127.0.9.1', ports: [] } },
    hosts: [
      { name: 'lb1', address: '10.9.0.11', roles: ['haproxy'], ports: { http: 443, pgPrimary: 5000, pgReplica: 5001, stats: 8404 } },
      { name: 'app1', address: '10.9.0.21', roles: ['app'], ports: { app: 3000, appInternal: 9464 } },
      { name: 'db1', address: '10.9.0.31', roles: ['postgres'], ports: { postgres: 5432, patroni: 8008 } },
    ],
  }
}

const names = (file: string) => new X509Certificate(readFileSync(file)).subjectAltName ?? ''

t.test('a CA, one certificate per host with the names clients dial, and the operators\' client certificate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tqdt-certs-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const inv = labInventory(dir)
  const first = ensureCertificates(inv)
  t.same(first.issued.map((i) => i.split(':')[0]).sort(), ['app1', 'db1', 'lb1', 'operator'], 'every host and the operators get one')
  for (const h of inv.hosts) {
    const out = execFileSync('openssl', ['verify', '-CAfile', caCertificateFile(inv), hostTls(inv, h).cert], { encoding: 'utf8' })
    t.match(out, /: OK/, `${h.name}: chains to the CA`)
  }
  t.equal(names(hostTls(inv, inv.hosts[0]!).cert), 'IP Address:10.9.0.11, IP Address:10.9.0.10, IP Address:127.0.9.1, DNS:lb1', 'the load balancer: its address, the floating one, the front door')
  t.equal(names(hostTls(inv, inv.hosts[1]!).cert), 'IP Address:10.9.0.21, IP Address:127.0.9.1, DNS:app1', 'an app host: its own address and name (and the front door)')
  t.equal(
    names(hostTls(inv, inv.hosts[2]!).cert),
    'IP Address:10.9.0.31, IP Address:10.9.0.10, IP Address:10.9.0.11, IP Address:127.0.9.1, DNS:db1',
    'a database host: also the floating address and each load balancer (clients reach it through HAProxy\'s TCP passthrough)',
  )
  const usage = new X509Certificate(readFileSync(operatorTls(inv).cert))
  t.match(usage.subject, /CN=tqdt-operator/, 'the operators\' certificate')
  t.match(readFileSync(hostTls(inv, inv.hosts[0]!).pem, 'utf8'), /BEGIN CERTIFICATE[\s\S]*BEGIN PRIVATE KEY/, 'host.pem is certificate then key (HAProxy)')

  t.same(ensureCertificates(inv).issued, [], 'a second run issues nothing')

  inv.hosts[1]!.address = '10.9.0.22'
  t.same(ensureCertificates(inv).issued, ['app1: does not name IP:10.9.0.22'], 'a host that moved gets a certificate for its new address')
  t.equal(hostSubjectAltNames(inv, inv.hosts[1]!)[0], 'IP:10.9.0.22')

  const before = new X509Certificate(readFileSync(hostTls(inv, inv.hosts[0]!).cert)).serialNumber
  const rotated = ensureCertificates(inv, { force: true })
  t.equal(rotated.issued.length, 4, 'rotation issues every certificate again')
  t.not(new X509Certificate(readFileSync(hostTls(inv, inv.hosts[0]!).cert)).serialNumber, before, 'with a new serial')
})

t.test('an outside CA (no ca.key): certificates are checked, never made, and a missing one is named', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tqdt-certs-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const inv = labInventory(dir)
  ensureCertificates(inv)
  rmSync(join(dir, 'secrets', 'pki', 'ca.key'))
  t.same(ensureCertificates(inv).issued, [], 'certificates of that CA are accepted as they are')
  rmSync(hostTls(inv, inv.hosts[2]!).cert)
  t.throws(() => ensureCertificates(inv), /config\/db1\/tls\/host\.crt \(\/O=tqdt-ha\/CN=db1\): missing, and .*ca\.key is absent/, 'the missing certificate is named, nothing is issued')
})
