// The lab's network: a bridge in a namespace of its own (the switch), one namespace per inventory
// host cabled to it by a veth pair, and the operators' namespace beside them. Nothing is attached to
// the root namespace; it gets one `unreachable` route for the lab's subnet, so no packet to a lab
// address can ever leave through the machine's default route, whether the lab is up or half gone.
//
// Everything is found again by name (`<prefix>switch`, `<prefix>ops`, `<prefix><host>`, listed in
// <paths.run>/lab/namespaces as they are made), so `down` cleans up after a crashed launcher too.
import { spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Host, Inventory } from '../inventory.ts'
import { clusterPath, hostByName, hostsWithRole, inSubnet, ipv4ToNumber } from '../inventory.ts'
import {
  LabError,
  hostNamespace,
  labNamespaceNames,
  labOf,
  mountedNamespaces,
  namespaceExists,
  namespacePath,
  opsNamespace,
  ownNamespaceInode,
  namespaceInode,
  switchNamespace,
} from './lab-namespaces.ts'
import { namespacePids, selfAndAncestors, signalProcesses } from '../host-processes.ts'

const IP = '/usr/sbin/ip'
const BRIDGE = 'br0'
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * The root namespace, also from inside the lab: an entry point re-executed in the ops namespace gets
 * it from its parent (TQDT_ROOT_NETNS=/proc/<parent>/ns/net, valid while the parent waits for it).
 * Without it, this process's own namespace (the launcher started from a shell is in the root one).
 */
export function rootNamespacePath(): string {
  return process.env.TQDT_ROOT_NETNS || `/proc/${process.pid}/ns/net`
}

interface RunResult {
  status: number
  stdout: string
  stderr: string
}

/** Runs a command, in the given namespace (a /run/netns path or /proc/<pid>/ns/net) when one is named. */
export function runIn(netnsPath: string | null, command: string, args: string[], input?: string): RunResult {
  const [cmd, argv] = netnsPath ? ['/usr/bin/nsenter', [`--net=${netnsPath}`, '--', command, ...args]] : [command, args]
  const res = spawnSync(cmd, argv, { encoding: 'utf8', input, timeout: 30_000 })
  if (res.error) throw new LabError(`cannot run ${command}: ${res.error.message}`)
  return { status: res.status ?? 1, stdout: res.stdout, stderr: res.stderr }
}

function must(res: RunResult, what: string): string {
  if (res.status !== 0) throw new LabError(`${what}: ${res.stderr.trim() || `exit ${res.status}`}`)
  return res.stdout
}

function ip(args: string[], what = `ip ${args.join(' ')}`): string {
  return must(runIn(null, IP, args), what)
}

function ipMaybe(args: string[]): RunResult {
  return runIn(null, IP, args)
}

function prefixLength(inv: Inventory): number {
  return Number(labOf(inv).subnet.split('/')[1])
}

/** A fixed MAC per address, like a real NIC: a host that comes back after a power loss is found by its neighbours' ARP caches at once. */
export function macFor(address: string): string {
  const n = ipv4ToNumber(address)
  const bytes = [0x02, 0x54, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')
}

/** The switch port (interface in the switch namespace) a host is cabled to. */
export function switchPort(hostName: string): string {
  return `v-${hostName}`
}

function stateFile(inv: Inventory): string {
  return clusterPath(inv, 'run', 'lab', 'namespaces')
}

function remember(inv: Inventory, name: string): void {
  const file = stateFile(inv)
  const known = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []
  if (known.includes(name)) return
  mkdirSync(dirname(file), { recursive: true })
  appendFileSync(file, `${name}\n`)
}

function remembered(inv: Inventory): string[] {
  try {
    return readFileSync(stateFile(inv), 'utf8').split('\n').filter(Boolean)
  } catch {
    return []
  }
}

/** Namespaces of this lab that exist now: those the inventory names and those recorded as made. */
export function existingLabNamespaces(inv: Inventory): string[] {
  const wanted = new Set([...labNamespaceNames(inv), ...remembered(inv)])
  return mountedNamespaces().filter((n) => wanted.has(n))
}

interface RouteEntry {
  dst: string
  type?: string
  dev?: string
  gateway?: string
}

function rootRoutes(): RouteEntry[] {
  const res = runIn(rootNamespacePath(), IP, ['-j', '-4', 'route', 'show', 'table', 'all'])
  return JSON.parse(must(res, 'ip route show (root namespace)') || '[]') as RouteEntry[]
}

function overlaps(a: string, b: string): boolean {
  const [baseA, bitsA] = a.includes('/') ? a.split('/') : [a, '32']
  const [baseB, bitsB] = b.includes('/') ? b.split('/') : [b, '32']
  const bits = Math.min(Number(bitsA), Number(bitsB))
  return inSubnet(baseA, `${baseB}/${bits}`) && inSubnet(baseB, `${baseA}/${bits}`)
}

/** The root namespace's guard: lab addresses are unreachable from it, never sent to its default route. */
export function guardRoute(inv: Inventory): RouteEntry | null {
  const subnet = labOf(inv).subnet
  return rootRoutes().find((r) => r.type === 'unreachable' && r.dst === subnet) ?? null
}

function ensureGuardRoute(inv: Inventory): void {
  const subnet = labOf(inv).subnet
  const clash = rootRoutes().find((r) => r.dst !== 'default' && r.dst !== undefined && overlaps(r.dst, subnet) && !(r.type === 'unreachable' && r.dst === subnet))
  if (clash) {
    throw new LabError(
      `lab.subnet ${subnet} overlaps the root namespace's route ${clash.type ?? ''} ${clash.dst}${clash.dev ? ` dev ${clash.dev}` : ''}: ` +
        'choose another subnet for the lab (it must be a range this machine does not use)',
    )
  }
  must(runIn(rootNamespacePath(), IP, ['route', 'replace', 'unreachable', subnet]), `guard route for ${subnet}`)
}

function setSysctls(name: string, values: Record<string, string>): void {
  for (const [key, value] of Object.entries(values)) {
    must(runIn(namespacePath(name), '/usr/sbin/sysctl', ['-q', '-w', `${key}=${value}`]), `sysctl ${key} in ${name}`)
  }
}

/** Sysctls of every lab namespace: IPv4 only (no link-local IPv6 chatter), no forwarding. */
const BASE_SYSCTLS = {
  'net.ipv6.conf.all.disable_ipv6': '1',
  'net.ipv6.conf.default.disable_ipv6': '1',
  'net.ipv4.ip_forward': '0',
}

function ensureSwitch(inv: Inventory): void {
  const sw = switchNamespace(inv)
  remember(inv, sw)
  if (!namespaceExists(sw)) ip(['netns', 'add', sw])
  setSysctls(sw, BASE_SYSCTLS)
  ip(['-n', sw, 'link', 'set', 'lo', 'up'])
  if (ipMaybe(['-n', sw, 'link', 'show', BRIDGE]).status !== 0) ip(['-n', sw, 'link', 'add', BRIDGE, 'type', 'bridge'])
  ip(['-n', sw, 'link', 'set', BRIDGE, 'up'])
}

/**
 * One machine on the switch: its namespace, loopback, and eth0 with its address, cabled to a port
 * of the bridge. Idempotent: a complete host is left as it is (its processes keep running).
 */
function ensureMachine(inv: Inventory, name: string, port: string, address: string, sysctls: Record<string, string>): 'created' | 'present' {
  const sw = switchNamespace(inv)
  remember(inv, name)
  const existed = namespaceExists(name)
  if (!existed) ip(['netns', 'add', name])
  setSysctls(name, { ...BASE_SYSCTLS, ...sysctls })
  ip(['-n', name, 'link', 'set', 'lo', 'up'])
  if (ipMaybe(['-n', name, 'link', 'show', 'eth0']).status !== 0) {
    // A port left over from an earlier cable (its peer namespace deleted under it) is removed first.
    ipMaybe(['-n', sw, 'link', 'del', port])
    ip(['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name])
  }
  ip(['-n', name, 'link', 'set', 'eth0', 'address', macFor(address)])
  ip(['-n', sw, 'link', 'set', port, 'master', BRIDGE])
  ip(['-n', sw, 'link', 'set', port, 'up'])
  ip(['-n', name, 'link', 'set', 'eth0', 'up'])
  ip(['-n', name, 'addr', 'replace', `${address}/${prefixLength(inv)}`, 'dev', 'eth0'])
  return existed ? 'present' : 'created'
}

function hostSysctls(inv: Inventory, host: Host): Record<string, string> {
  // HAProxy binds the floating address on every load balancer, also while keepalived has it elsewhere.
  return host.roles.includes('haproxy') && inv.cluster.floatingAddress ? { 'net.ipv4.ip_nonlocal_bind': '1' } : {}
}

/** Powers a host's machine on: its namespace and cable (its processes are the launcher's to start). */
export function ensureHostNetwork(inv: Inventory, hostName: string): 'created' | 'present' {
  const host = hostByName(inv, hostName)
  ensureSwitch(inv)
  return ensureMachine(inv, hostNamespace(inv, host.name), switchPort(host.name), host.address, hostSysctls(inv, host))
}

/** The whole lab network: guard route, switch, ops namespace, every host. Returns the namespaces it created. */
export function ensureLabNetwork(inv: Inventory): string[] {
  const lab = labOf(inv)
  ensureGuardRoute(inv)
  const created: string[] = []
  const hadSwitch = namespaceExists(switchNamespace(inv))
  ensureSwitch(inv)
  if (!hadSwitch) created.push(switchNamespace(inv))
  if (ensureMachine(inv, opsNamespace(inv), switchPort('ops'), lab.opsAddress, {}) === 'created') created.push(opsNamespace(inv))
  for (const host of inv.hosts) {
    if (ensureHostNetwork(inv, host.name) === 'created') created.push(hostNamespace(inv, host.name))
  }
  return created
}

/** SIGKILLs every process of the namespace (stopped ones too) and waits until none is left. Returns the pids. */
export function killNamespaceProcesses(name: string, timeoutMs = 10_000): number[] {
  const spare = selfAndAncestors()
  const killed = new Set<number>()
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const pids = namespacePids(name).filter((p) => !spare.has(p))
    if (pids.length === 0) return [...killed]
    for (const pid of signalProcesses(pids, 'SIGKILL')) killed.add(pid)
    if (Date.now() > deadline) throw new LabError(`processes of ${name} survive SIGKILL: ${pids.join(' ')}`)
    sleepSync(50)
  }
}

/** Cuts (or restores) a host's cable at the switch: its peers hear nothing from it, not even a reset. */
export function setHostLink(inv: Inventory, hostName: string, state: 'up' | 'down'): void {
  const res = ipMaybe(['-n', switchNamespace(inv), 'link', 'set', switchPort(hostName), state])
  if (res.status !== 0 && state === 'down') throw new LabError(`cannot cut ${hostName}'s link: ${res.stderr.trim()}`)
}

/**
 * Power off: the cable goes dead first (so no FIN or RST of the dying processes reaches a peer),
 * then every process of the host is killed and the namespace — with its kernel state: sockets,
 * ARP cache, the floating address — is removed. The disk (the host's folders) stays.
 */
export function powerOffHost(inv: Inventory, hostName: string): number[] {
  const ns = hostNamespace(inv, hostName)
  if (!namespaceExists(ns)) return []
  setHostLink(inv, hostName, 'down')
  const killed = killNamespaceProcesses(ns)
  ipMaybe(['netns', 'del', ns])
  return killed
}

/** Whether the host's eth0 carries the address now (e.g. keepalived's floating address). */
export function hostHasAddress(inv: Inventory, hostName: string, address: string): boolean {
  const ns = hostNamespace(inv, hostName)
  if (!namespaceExists(ns)) return false
  const res = ipMaybe(['-n', ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0'])
  return res.status === 0 && res.stdout.includes(` ${address}/`)
}

/** The load balancer that holds the floating address now (null: none does). */
export function floatingAddressHolder(inv: Inventory): string | null {
  const vip = inv.cluster.floatingAddress
  if (!vip) return null
  return hostsWithRole(inv, 'haproxy').find((h) => hostHasAddress(inv, h.name, vip))?.name ?? null
}

/** The load balancer that receives the clients' traffic: the floating address's holder, else the first. */
export function activeLoadBalancer(inv: Inventory): Host {
  const holder = inv.lab ? floatingAddressHolder(inv) : null
  return holder ? hostByName(inv, holder) : hostsWithRole(inv, 'haproxy')[0]!
}

export interface LabLeftovers {
  namespaces: string[]
  guardRoute: boolean
}

export function labLeftovers(inv: Inventory): LabLeftovers {
  return { namespaces: existingLabNamespaces(inv), guardRoute: guardRoute(inv) !== null }
}

/**
 * Removes the lab: kills what runs in each namespace, deletes the namespaces (the veth pairs go
 * with them, and the switch's nft tables with the switch), then the guard route. Run from the root
 * namespace; from inside the lab it spares its own process, whose namespace ends when it exits.
 */
export function teardownLab(inv: Inventory, say: (line: string) => void): void {
  const order = (n: string) => (n === switchNamespace(inv) ? 2 : n === opsNamespace(inv) ? 1 : 0)
  const self = ownNamespaceInode()
  for (const ns of existingLabNamespaces(inv).sort((a, b) => order(a) - order(b))) {
    const killed = killNamespaceProcesses(ns)
    if (killed.length > 0) say(`killed ${killed.length} leftover process(es) in ${ns}`)
    if (namespaceInode(ns) === self) say(`${ns} ends when this process exits`)
    must(ipMaybe(['netns', 'del', ns]), `ip netns del ${ns}`)
  }
  if (guardRoute(inv)) must(runIn(rootNamespacePath(), IP, ['route', 'del', 'unreachable', labOf(inv).subnet]), 'removing the guard route')
  rmSync(stateFile(inv), { force: true })
}
