// The one client of HAProxy: its stats page (CSV over HTTPS, which answers only with the stats
// user's password, render/haproxy-config.ts) and its runtime API (the admin socket, a file:
// reachable from the root namespace of a lab too). The launcher's status, the rollout, the
// certificate rotation, the drills' sampler and the tests reach a load balancer through here.
import { createConnection } from 'node:net'
import type { Host, Inventory } from './inventory.ts'
import { hostsWithRole, httpsUrl, loadInventory } from './inventory.ts'
import { clusterRequest } from './tls/cluster-http.ts'
import { HAPROXY_STATS_USER, haproxySocketPath } from './render/haproxy-config.ts'
import { readSecrets } from './secrets.ts'

export interface HaproxyServerState {
  backend: string
  server: string
  /** UP, DOWN, MAINT, "UP 1/2" while rising, … */
  status: string
}

/** The Authorization header value of the stats user. */
export function haproxyStatsAuthorization(inv: Inventory): string {
  return `Basic ${Buffer.from(`${HAPROXY_STATS_USER}:${readSecrets(inv).haproxyStatsPassword}`).toString('base64')}`
}

/** The stats page of a load balancer: HTML, or CSV (what scripts parse). */
export function haproxyStatsUrl(lb: Host, format: 'html' | 'csv' = 'html'): string {
  return httpsUrl(lb, 'stats', format === 'csv' ? '/stats;csv' : '/stats')
}

/** HAProxy's Prometheus exporter, on the stats port behind the same password. */
export function haproxyMetricsUrl(lb: Host): string {
  return httpsUrl(lb, 'stats', '/metrics')
}

/** Every server of every backend with its status; throws when the stats page does not answer. */
export async function haproxyServerStates(inv: Inventory, timeoutMs: number, lb: Host = hostsWithRole(inv, 'haproxy')[0]!): Promise<HaproxyServerState[]> {
  const res = await clusterRequest(inv, haproxyStatsUrl(lb, 'csv'), { headers: { authorization: haproxyStatsAuthorization(inv) }, timeoutMs })
  if (res.status !== 200) throw new Error(`HAProxy stats answered HTTP ${res.status}`)
  const [header, ...lines] = res.text.split('\n')
  const cols = (header ?? '').replace(/^# /, '').split(',')
  const at = (name: string) => cols.indexOf(name)
  const states: HaproxyServerState[] = []
  for (const line of lines) {
    const f = line.split(',')
    const [backend, server, status] = [f[at('pxname')], f[at('svname')], f[at('status')]]
    if (!backend || !server || server === 'FRONTEND' || server === 'BACKEND') continue
    states.push({ backend, server, status: status ?? '' })
  }
  return states
}

/** UP servers per backend (every backend listed, possibly with none). */
export function upServers(states: HaproxyServerState[]): Record<string, string[]> {
  const up: Record<string, string[]> = {}
  for (const s of states) {
    up[s.backend] ??= []
    if (s.status.startsWith('UP')) up[s.backend]!.push(s.server)
  }
  return up
}

/**
 * One command to one load balancer's runtime API, its answer. HAProxy reads a command up to a
 * newline; a multi-line payload (`set ssl cert … <<`) brings its own, ending in an empty line.
 */
export function haproxyRuntimeCommandOn(inv: Inventory, lb: Host, command: string, timeoutMs = 3000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = createConnection({ path: haproxySocketPath(inv, lb) })
    const chunks: Buffer[] = []
    const timer = setTimeout(() => socket.destroy(new Error(`${lb.name}: HAProxy's runtime API did not answer "${command.split('\n')[0]}" in ${timeoutMs} ms`)), timeoutMs)
    socket.on('connect', () => socket.end(command.endsWith('\n') ? command : `${command}\n`))
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('utf8'))
    })
  })
}

/** One command to every load balancer's runtime API; the answers, one per load balancer, in inventory order. */
export function haproxyRuntimeCommand(command: string, inv: Inventory = loadInventory(), timeoutMs = 3000): Promise<string[]> {
  return Promise.all(hostsWithRole(inv, 'haproxy').map((lb) => haproxyRuntimeCommandOn(inv, lb, command, timeoutMs)))
}
