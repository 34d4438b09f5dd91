// Issue 16, network safety: a namespace lab of its own (prefix tqt-, 10.213.254.0/24, front door
// 127.0.254.1, folders in .run-labtest/), independent of the cluster the other stages use. Its
// launcher is killed half-way through `up`, as in a crash; then:
//   - no lab address is routable from the root namespace (none would follow the default route),
//     no lab namespace has a default route or any link but lo and eth0, and the root namespace has
//     no veth of the lab;
//   - the front door reaches a service inside the lab from the root namespace's loopback;
//   - `down` leaves no namespace, veth, nft table, route or process of the lab behind.
// Runs in the root namespace, as root (CI runs `npm test` as root).
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { ensureFrontDoor, listProcesses, loadInventory, mountedNamespaces, namespacePath, REPO_ROOT } from '../../infra/launcher/cluster-api.ts'
import { dropBetween, switchChains } from '../../chaos/faults/switch-rules.ts'

const DIR = join(REPO_ROOT, '.run-labtest')
const INVENTORY = join(DIR, 'inventory.json')
const PREFIX = 'tqt-'
const SUBNET = '10.213.254.0/24'
const DOOR = '127.0.254.1'
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

const paths = Object.fromEntries(['config', 'data', 'run', 'logs', 'pids', 'secrets'].map((k) => [k, `.run-labtest/${k}`]))
const inventory = {
  name: 'labtest',
  description: 'A small namespace lab for test/lab/namespace-lab.test.ts.',
  cluster: {
    scope: 'tqdt-labtest', database: 'tqdt', databaseUser: 'tqdt', postgresBinDir: '/usr/lib/postgresql/15/bin',
    redisMasterName: 'tqdt', redisInitialPrimary: 'none', replicaMaxLag: '16MB', trustedNetwork: SUBNET,
    paths: { app: '.', prometheusRules: 'infra/prometheus/rules', ...paths }, watchdog: 'off',
    floatingAddress: '10.213.254.10', vrrp: { interface: 'eth0', virtualRouterId: 54 },
  },
  lab: {
    namespacePrefix: PREFIX, subnet: SUBNET, opsAddress: '10.213.254.250',
    frontDoor: { address: DOOR, ports: [{ port: 18080, to: 'lb2', service: 'http' }] },
  },
  hosts: [
    { name: 'lb1', address: '10.213.254.11', roles: ['haproxy'], ports: { http: 8080, pgPrimary: 5000, pgReplica: 5001, stats: 8404 } },
    { name: 'lb2', address: '10.213.254.12', roles: ['haproxy'], ports: { http: 8080, pgPrimary: 5000, pgReplica: 5001, stats: 8404 } },
    { name: 'db1', address: '10.213.254.31', roles: ['etcd', 'postgres'], ports: { etcdClient: 2379, etcdPeer: 2380, postgres: 5432, patroni: 8008 } },
  ],
}
const ADDRESSES = ['10.213.254.10', '10.213.254.11', '10.213.254.12', '10.213.254.31', '10.213.254.250']

function run(cmd: string, args: string[]): { status: number; out: string } {
  const res = spawnSync(cmd, args, { encoding: 'utf8' })
  return { status: res.status ?? 1, out: (res.stdout ?? '') + (res.stderr ?? '') }
}

const labNamespaces = () => mountedNamespaces().filter((n) => n.startsWith(PREFIX))
const rootLinks = () => JSON.parse(run('/usr/sbin/ip', ['-j', 'link', 'show']).out) as Array<{ ifname: string; link_type?: string; linkinfo?: { info_kind?: string } }>
const rootVeths = () => rootLinks().filter((l) => l.ifname.startsWith('v-') || /veth/.test(JSON.stringify(l))).map((l) => l.ifname)
const rootNftRuleset = () => run('/usr/sbin/nft', ['list', 'ruleset']).out

/** Live processes whose command line names the test lab's folder. */
function labProcesses(): string[] {
  return listProcesses()
    .filter((p) => p.pid !== process.pid)
    .map((p) => ({ pid: p.pid, cmd: p.argv.join(' ') }))
    .filter(({ cmd }) => cmd.includes(DIR) || cmd.includes('.run-labtest/'))
    .map(({ pid, cmd }) => `${pid} ${cmd.slice(0, 100)}`)
}

function launcher(args: string[]): ReturnType<typeof spawn> {
  return spawn('bash', ['infra/launcher/tqdt.sh', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TQDT_INVENTORY: INVENTORY },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port })
    const done = (what: string) => {
      s.destroy()
      resolve(what)
    }
    s.setTimeout(timeoutMs, () => done('timeout'))
    s.on('connect', () => done('connected'))
    s.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message))
  })
}

t.before(() => {
  // A previous run that died: its lab must not be taken for this one's.
  if (labNamespaces().length > 0) spawnSync('bash', ['infra/launcher/tqdt.sh', 'down'], { cwd: REPO_ROOT, env: { ...process.env, TQDT_INVENTORY: INVENTORY }, stdio: 'ignore' })
  rmSync(DIR, { recursive: true, force: true })
  mkdirSync(DIR, { recursive: true })
  writeFileSync(INVENTORY, JSON.stringify(inventory, null, 2))
})

t.test('a namespace lab whose launcher crashed is airtight, and down removes every trace of it', async (t) => {
  const defaultRoute = run('/usr/sbin/ip', ['route', 'show', 'default']).out.trim()

  // `up`, killed (SIGKILL, the whole process group) as soon as it has started processes in the lab.
  const up = launcher(['up'])
  let output = ''
  up.stdout!.on('data', (d) => (output += d))
  up.stderr!.on('data', (d) => (output += d))
  const deadline = Date.now() + 120_000
  while (!/started db1-patroni/.test(output) && Date.now() < deadline && up.exitCode === null) await sleep(100)
  t.match(output, /started db1-patroni/, 'the launcher got as far as starting Patroni')
  process.kill(-up.pid!, 'SIGKILL')
  await sleep(500)

  t.same(labNamespaces().sort(), ['tqt-db1', 'tqt-lb1', 'tqt-lb2', 'tqt-ops', 'tqt-switch'], 'every host, the switch and the ops namespace exist')
  t.ok(labProcesses().length > 0, 'the crashed launcher left processes running in the lab')

  await t.test('no lab address is routable from the root namespace', async (t) => {
    t.not(defaultRoute, '', `the machine has a default route (${defaultRoute}) that a lab address must never take`)
    for (const address of ADDRESSES) {
      const route = run('/usr/sbin/ip', ['route', 'get', address])
      t.not(route.status, 0, `ip route get ${address} in the root namespace finds no route (${route.out.trim()})`)
      t.notMatch(route.out, /via|dev eth0/, `${address} would not go through the default route or eth0`)
    }
    t.equal(await tcpConnect('10.213.254.31', 2379, 3000), 'EHOSTUNREACH', 'a connect from the root namespace to a lab host fails at once: host unreachable')
    t.same(rootVeths(), [], 'the root namespace has no veth and no switch port of the lab')
  })

  await t.test('inside the lab: no default route, no link but lo and eth0', async (t) => {
    for (const ns of ['tqt-db1', 'tqt-lb1', 'tqt-lb2', 'tqt-ops']) {
      const routes = run('/usr/sbin/ip', ['-n', ns, '-4', 'route', 'show']).out.trim().split('\n')
      t.same(routes.map((r) => r.split(' ')[0]), [SUBNET], `${ns} routes only the lab subnet (${routes.join('; ')})`)
      const links = (JSON.parse(run('/usr/sbin/ip', ['-n', ns, '-j', 'link', 'show']).out) as Array<{ ifname: string }>).map((l) => l.ifname.split('@')[0])
      t.same(links.sort(), ['eth0', 'lo'], `${ns} has lo and eth0 only`)
    }
    const ports = (JSON.parse(run('/usr/sbin/ip', ['-n', 'tqt-switch', '-j', 'link', 'show']).out) as Array<{ ifname: string }>).map((l) => l.ifname).sort()
    t.same(ports, ['br0', 'lo', 'v-db1', 'v-lb1', 'v-lb2', 'v-ops'], 'the switch holds the bridge and one port per machine')
    const switchRoutes = run('/usr/sbin/ip', ['-n', 'tqt-switch', '-4', 'route', 'show']).out.trim()
    t.equal(switchRoutes, '', 'the switch has no address and no route at all')
  })

  await t.test('the front door reaches a service inside the lab from the root namespace', async (t) => {
    // A stand-in service on lb2's own address (HAProxy binds the floating one), listening inside lb2's namespace.
    const server = spawn('/usr/bin/nsenter', [`--net=${namespacePath('tqt-lb2')}`, '--', process.execPath, '-e',
      `require('node:http').createServer((q, r) => r.end('inside lb2')).listen(8080, '10.213.254.12')`], { stdio: 'ignore', detached: true })
    server.unref()
    await sleep(500)
    ensureFrontDoor(loadInventory(INVENTORY))
    let body = ''
    for (let i = 0; i < 40 && body === ''; i++) {
      await sleep(250)
      body = await fetch(`http://${DOOR}:18080/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).catch(() => '')
    }
    t.equal(body, 'inside lb2', `http://${DOOR}:18080/ answers from 10.213.254.12:8080 inside the lab`)
  })

  // A drill's rule left on the switch: `down` must take it with the switch.
  dropBetween(loadInventory(INVENTORY), 'leftover_partition', [['lb1', 'db1']])
  t.same(switchChains(loadInventory(INVENTORY)), ['leftover_partition'], 'a partition rule sits on the switch before down')

  // `down` after the crash: finds everything by name.
  const down = launcher(['down'])
  let downOutput = ''
  down.stdout!.on('data', (d) => (downOutput += d))
  down.stderr!.on('data', (d) => (downOutput += d))
  const code = await new Promise<number>((resolve) => down.on('exit', (c) => resolve(c ?? 1)))
  t.equal(code, 0, `down exits 0\n${downOutput.slice(-2000)}`)
  t.same(labNamespaces(), [], 'no namespace of the lab is left')
  t.same(rootVeths(), [], 'no veth is left in the root namespace')
  // Other labs on the machine may add and remove tables of their own meanwhile: look for this one's.
  t.notMatch(rootNftRuleset(), /10\.213\.254\.|tqdt_faults|tqt-/, 'no nft table or rule of the lab in the root namespace (its fault table lived in the switch, now gone)')
  t.notMatch(run('/usr/sbin/ip', ['route', 'show']).out, /10\.213\.254\./, 'the guard route is gone with the lab')
  t.same(labProcesses(), [], 'no process of the lab is left (front door included)')
})

t.teardown(() => {
  if (labNamespaces().length > 0) spawnSync('bash', ['infra/launcher/tqdt.sh', 'down'], { cwd: REPO_ROOT, env: { ...process.env, TQDT_INVENTORY: INVENTORY }, stdio: 'ignore' })
  rmSync(DIR, { recursive: true, force: true })
})
