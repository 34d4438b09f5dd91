// The one description of the cluster's hosts. Every config file, the launcher, the status table and
// the chaos drills read hosts, roles, addresses and ports from here, so a host moves in one place.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
// The production layout we recommend, host for host, as a namespace lab (issue 16): what a bare
// `npm run up`, `npm test` and `npm run drill` run. local.json (every host a loopback address) stays
// for a developer's quick cluster: TQDT_INVENTORY=infra/inventory/local.json.
export const DEFAULT_INVENTORY = resolve(REPO_ROOT, 'infra/inventory/production.json')

export type Role =
  | 'haproxy'
  | 'etcd'
  | 'postgres'
  | 'redis'
  | 'sentinel'
  | 'app'
  | 'prometheus'
  | 'postgres-exporter'
  | 'redis-exporter'
  | 'pgbackrest-repo'

/** Port keys a host must declare for each role it has. */
const ROLE_PORTS: Record<Role, readonly string[]> = {
  haproxy: ['http', 'pgPrimary', 'pgReplica', 'stats'],
  etcd: ['etcdClient', 'etcdPeer'],
  postgres: ['postgres', 'patroni'],
  redis: ['redis'],
  sentinel: ['sentinel'],
  // appInternal: /metrics and /health/* for Prometheus and operators, never routed by HAProxy.
  app: ['app', 'appInternal'],
  prometheus: ['prometheus'],
  'postgres-exporter': ['postgresExporter'],
  'redis-exporter': ['redisExporter'],
  // The repository host runs no daemon locally (see infra/backup/); scratch restores listen here.
  'pgbackrest-repo': ['scratchPostgres'],
}

export interface Host {
  name: string
  address: string
  roles: Role[]
  ports: Record<string, number>
  /** For exporters on their own host: the host they scrape. Defaults to the host itself. */
  monitors?: string
  /** Data centre / site, for layouts that span sites (a Prometheus label). */
  site?: string
  /** Patroni tags of a database host, e.g. nosync for a replica that must never be the synchronous one. */
  patroniTags?: { nofailover?: boolean; noloadbalance?: boolean; nosync?: boolean }
}

export interface ClusterSettings {
  /** Patroni scope, etcd key prefix and HAProxy/Prometheus label. */
  scope: string
  database: string
  databaseUser: string
  postgresBinDir: string
  redisMasterName: string
  redisInitialPrimary: string
  /** Bound for HAProxy's replica check (Patroni `GET /replica?lag=`): a replica further behind gets no reads. */
  replicaMaxLag: string
  /** Network allowed in pg_hba (scram) and trusted by the services. */
  trustedNetwork: string
  /** Relative paths are taken from the repository root. */
  paths: {
    app: string
    config: string
    data: string
    run: string
    logs: string
    pids: string
    secrets: string
    prometheusRules: string
  }
  /** Patroni watchdog mode: off | automatic | required (see docs/architecture.md). */
  watchdog: 'off' | 'automatic' | 'required'
  /**
   * Address clients and app nodes use for HAProxy when there are several load balancers: the
   * floating address keepalived moves between them. Absent: the first haproxy host's address.
   */
  floatingAddress?: string
  /** keepalived VRRP for the floating address (needs hosts with their own network stacks). */
  vrrp?: { interface: string; virtualRouterId: number }
  /** etcd Raft timing; raise both across sites (heartbeat ≈ RTT, election ≈ 10 × heartbeat). */
  etcdTiming?: { heartbeatIntervalMs: number; electionTimeoutMs: number }
  /**
   * pgBackRest, when a host has the role pgbackrest-repo: WAL archiving from whichever node is
   * primary, backups, point-in-time recovery (docs/operations/backup.md). Defaults in
   * render/pgbackrest-config.ts.
   */
  backup?: BackupSettings
}

export interface BackupSettings {
  /** pgBackRest stanza; defaults to the Patroni scope. */
  stanza?: string
  /** Full backups kept (repo1-retention-full); WAL older than the oldest kept backup is expired. */
  retentionFull?: number
  /** Differential backups kept (repo1-retention-diff). */
  retentionDiff?: number
  /** archive_timeout in seconds: the most a quiet primary keeps WAL unarchived, the RPO of a site loss. */
  archiveTimeoutS?: number
}

/**
 * How the launcher runs this inventory's hosts on one machine: each host a network namespace joined
 * to a bridge that lives in a namespace of its own (docs/deployment.md, "The lab"). Nothing of the lab
 * is attached to the machine's own network; the root namespace reaches it only through the front
 * door. A copy of the inventory for real hosts changes the addresses and leaves this section out.
 */
export interface LabSettings {
  /** Every namespace of the lab is `<namespacePrefix><host>` (plus `…switch` and `…ops`): two labs side by side need two prefixes. */
  namespacePrefix: string
  /** CIDR holding every host address and the floating address; the root namespace gets an `unreachable` route for it. */
  subnet: string
  /** The operators' namespace: the launcher, the tests, the drills and k6 run there, as from a workstation on the hosts' network. */
  opsAddress: string
  /** Loopback listeners in the root namespace that forward over Unix sockets to services of the lab. */
  frontDoor: FrontDoor
  /** Settings of `cluster` that differ on the lab machine (paths inside the checkout, no watchdog device). */
  cluster?: Partial<Pick<ClusterSettings, 'paths' | 'watchdog'>>
}

export interface FrontDoor {
  /** A 127.0.0.0/8 address of the root namespace. */
  address: string
  /** `to`: a host name, or "floating" for the load balancers' floating address; `service`: one of that host's port keys. */
  ports: Array<{ port: number; to: string; service: string }>
}

export interface Inventory {
  name: string
  description: string
  cluster: ClusterSettings
  hosts: Host[]
  /** Present: the launcher runs the hosts as network namespaces (see LabSettings). */
  lab?: LabSettings
  /** Absolute path of the file this was read from. */
  file: string
}

export class InventoryError extends Error {}

export function loadInventory(file: string = process.env.TQDT_INVENTORY || DEFAULT_INVENTORY): Inventory {
  const path = isAbsolute(file) ? file : resolve(REPO_ROOT, file)
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new InventoryError(`cannot read inventory ${path}: ${(err as Error).message}`)
  }
  const inventory = { ...(raw as Omit<Inventory, 'file'>), file: path }
  validateInventory(inventory)
  return withLabSettings(inventory)
}

/** The cluster settings as the lab runs them: `lab.cluster` over `cluster` (paths, watchdog). */
function withLabSettings(inv: Inventory): Inventory {
  if (!inv.lab?.cluster) return inv
  const { paths, ...rest } = inv.lab.cluster
  return { ...inv, cluster: { ...inv.cluster, ...rest, paths: { ...inv.cluster.paths, ...paths } } }
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/

/** 32-bit value of a dotted IPv4 address. */
export function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0)
}

export function inSubnet(address: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/')
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits))
  return (ipv4ToNumber(address) & mask) >>> 0 === (ipv4ToNumber(base) & mask) >>> 0
}

/** Names the lab itself uses for namespaces beside the hosts'. */
const LAB_RESERVED_NAMES = ['switch', 'ops']

function labProblems(inv: Inventory): string[] {
  const lab = inv.lab
  if (!lab) return []
  const problems: string[] = []
  // Interface names in the switch namespace are `v-<host>`: at most 15 characters.
  if (!/^[a-z][a-z0-9-]{0,11}$/.test(lab.namespacePrefix ?? '')) problems.push('lab.namespacePrefix must match [a-z][a-z0-9-]{0,11}')
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(lab.subnet ?? '')
  if (!m || Number(m[2]) < 16 || Number(m[2]) > 30) problems.push('lab.subnet must be an IPv4 CIDR between /16 and /30')
  else {
    // Never a range the machine may route to for real: only private (RFC 1918) space.
    const [a, b] = m[1].split('.').map(Number)
    if (!(a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168))) problems.push('lab.subnet must be private (10/8, 172.16/12, 192.168/16)')
    const inside = (what: string, address: string | undefined) => {
      if (address !== undefined && !inSubnet(address, lab.subnet)) problems.push(`${what} ${address} is outside lab.subnet ${lab.subnet}`)
    }
    for (const host of inv.hosts) inside(`host ${host.name}: address`, host.address)
    inside('cluster.floatingAddress', inv.cluster.floatingAddress)
    inside('lab.opsAddress', lab.opsAddress)
  }
  if (!IPV4.test(lab.opsAddress ?? '')) problems.push('lab.opsAddress must be an IPv4 address')
  if (inv.hosts.some((h) => h.address === lab.opsAddress) || inv.cluster.floatingAddress === lab.opsAddress) problems.push('lab.opsAddress is used by a host')
  for (const host of inv.hosts) {
    if (LAB_RESERVED_NAMES.includes(host.name)) problems.push(`host ${host.name}: the name is the lab's own (${LAB_RESERVED_NAMES.join(', ')})`)
    if (host.name.length > 13) problems.push(`host ${host.name}: a lab host name has at most 13 characters (interface v-<host>)`)
  }
  const door = lab.frontDoor
  if (!door || !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(door.address ?? '')) problems.push('lab.frontDoor.address must be a 127.0.0.0/8 address')
  const doorPorts = new Set<number>()
  for (const p of door?.ports ?? []) {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) problems.push(`lab.frontDoor: bad port ${p.port}`)
    if (doorPorts.has(p.port)) problems.push(`lab.frontDoor: port ${p.port} twice`)
    doorPorts.add(p.port)
    const target = p.to === 'floating' ? hostsWithRole(inv, 'haproxy')[0] : inv.hosts.find((h) => h.name === p.to)
    if (!target) problems.push(`lab.frontDoor: port ${p.port} goes to unknown host ${p.to}`)
    else if (!Number.isInteger(target.ports[p.service])) problems.push(`lab.frontDoor: port ${p.port}: ${target.name} has no port ${p.service}`)
    if (p.to === 'floating' && !inv.cluster.floatingAddress) problems.push(`lab.frontDoor: port ${p.port} goes to "floating" but cluster.floatingAddress is not set`)
  }
  return problems
}

function validateInventory(inv: Inventory): void {
  const problems: string[] = []
  const names = new Set<string>()
  const endpoints = new Set<string>()
  if (!inv.cluster || !Array.isArray(inv.hosts)) throw new InventoryError(`${inv.file}: needs "cluster" and "hosts"`)
  for (const host of inv.hosts) {
    const where = `host ${host.name ?? '(unnamed)'}`
    if (!/^[a-z][a-z0-9-]*$/.test(host.name ?? '')) problems.push(`${where}: name must match [a-z][a-z0-9-]*`)
    if (names.has(host.name)) problems.push(`${where}: duplicate name`)
    names.add(host.name)
    if (!IPV4.test(host.address ?? '')) problems.push(`${where}: address must be an IPv4 address`)
    if (!Array.isArray(host.roles) || host.roles.length === 0) problems.push(`${where}: needs at least one role`)
    for (const role of host.roles ?? []) {
      const needed = ROLE_PORTS[role]
      if (!needed) {
        problems.push(`${where}: unknown role "${role}" (known: ${Object.keys(ROLE_PORTS).join(', ')})`)
        continue
      }
      for (const key of needed) {
        if (!Number.isInteger(host.ports?.[key])) problems.push(`${where}: role ${role} needs ports.${key}`)
      }
    }
    for (const [key, port] of Object.entries(host.ports ?? {})) {
      const endpoint = `${host.address}:${port}`
      if (endpoints.has(endpoint)) problems.push(`${where}: ports.${key} ${endpoint} is used twice`)
      endpoints.add(endpoint)
    }
  }
  for (const host of inv.hosts) {
    if (host.monitors !== undefined && !names.has(host.monitors)) {
      problems.push(`host ${host.name}: monitors unknown host ${host.monitors}`)
    }
  }
  const count = (role: Role) => inv.hosts.filter((h) => h.roles?.includes(role)).length
  // No app role is needed: a lab inventory (infra/inventory/backup-lab.json) runs the database tier only.
  for (const role of ['haproxy', 'etcd', 'postgres'] as const) {
    if (count(role) === 0) problems.push(`no host has role ${role}`)
  }
  if (count('etcd') % 2 === 0) problems.push(`etcd needs an odd number of members, has ${count('etcd')}`)
  if (count('sentinel') > 0 && count('sentinel') < 3) problems.push('Sentinel needs at least 3 members for quorum 2')
  const initial = inv.hosts.find((h) => h.name === inv.cluster.redisInitialPrimary)
  if (count('redis') > 0 && !initial?.roles.includes('redis')) {
    problems.push(`cluster.redisInitialPrimary "${inv.cluster.redisInitialPrimary}" is not a redis host`)
  }
  if (count('pgbackrest-repo') > 1) problems.push(`at most one host may have role pgbackrest-repo, has ${count('pgbackrest-repo')}`)
  if (inv.cluster.vrrp && !inv.cluster.floatingAddress) problems.push('cluster.vrrp needs cluster.floatingAddress')
  problems.push(...labProblems(inv))
  if (problems.length > 0) throw new InventoryError(`${inv.file}:\n  ${problems.join('\n  ')}`)
}

export function hostsWithRole(inv: Inventory, role: Role): Host[] {
  return inv.hosts.filter((h) => h.roles.includes(role))
}

export function hostByName(inv: Inventory, name: string): Host {
  const host = inv.hosts.find((h) => h.name === name)
  if (!host) throw new InventoryError(`no host "${name}" in ${inv.file} (hosts: ${inv.hosts.map((h) => h.name).join(', ')})`)
  return host
}

/** The host an exporter scrapes. */
export function monitoredHost(inv: Inventory, host: Host): Host {
  return host.monitors ? hostByName(inv, host.monitors) : host
}

/** Every HTTP endpoint of the cluster is HTTPS with the cluster's certificates (infra/launcher/tls). */
export function httpsUrl(host: Host, port: string, path = ''): string {
  return `https://${host.address}:${host.ports[port]}${path}`
}

/** Resolves an inventory path setting against the repository root. */
export function clusterPath(inv: Inventory, key: keyof ClusterSettings['paths'], ...rest: string[]): string {
  const base = inv.cluster.paths[key]
  return resolve(isAbsolute(base) ? base : resolve(REPO_ROOT, base), ...rest)
}

/**
 * The name of this instance's chaos objects (nft table, cgroup folder): `tqdt_chaos` for the main
 * cluster, with a suffix from the inventory's path for any other, so drills on a second instance
 * (TQDT_INVENTORY) never add to, or lift, the faults of another instance's drill.
 */
export function chaosScope(inv: Inventory): string {
  if (inv.file === DEFAULT_INVENTORY) return 'tqdt_chaos'
  return `tqdt_chaos_${createHash('sha256').update(inv.file).digest('hex').slice(0, 8)}`
}

/**
 * Where a host (an app node; or, without `from`, a client) reaches HAProxy: the floating address
 * of a keepalived pair; else the load balancer in the host's own site; else the first one.
 */
export function loadBalancerAddress(inv: Inventory, from?: Host): string {
  if (inv.cluster.floatingAddress) return inv.cluster.floatingAddress
  const lbs = hostsWithRole(inv, 'haproxy')
  return (lbs.find((h) => from?.site !== undefined && h.site === from.site) ?? lbs[0]).address
}

/**
 * The address on which a host's HAProxy serves the programs of that same host: its loopback. On a
 * loopback inventory every host shares the machine's 127.0.0.0/8, so there the host's own address
 * is its loopback (and HAProxy binds it anyway).
 */
function hostLoopbackAddress(host: Host): string {
  return host.address.startsWith('127.') ? host.address : '127.0.0.1'
}

/**
 * Where an app host reaches PostgreSQL (HAProxy's pgPrimary and pgReplica frontends). A host that
 * carries HAProxy itself (the compact layout) uses its own HAProxy on its loopback: losing another
 * host, the one holding the floating address included, then never takes the app's database path.
 * Through the floating address every app's pooled connections ran through the holder's HAProxy and
 * broke with it, in the same instant as the primary (whole-host-loss run 20261204T225041Z: 4 reads
 * answered 503 DATABASE_UNAVAILABLE within 5.5 s of the fault). The app only loses its HAProxy
 * together with itself. Any other app host: the load balancers' address.
 */
export function appDatabaseAddress(inv: Inventory, host: Host): string {
  return host.roles.includes('haproxy') ? hostLoopbackAddress(host) : loadBalancerAddress(inv, host)
}
