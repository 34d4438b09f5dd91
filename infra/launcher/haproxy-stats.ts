// HAProxy's view of its servers, from the stats page (CSV), which answers only with the stats
// user's password (render/haproxy-config.ts). The launcher's status and the drills' sampler read it here.
import type { Host, Inventory } from './inventory.ts'
import { hostsWithRole, httpsUrl } from './inventory.ts'
import { clusterRequest } from './tls/cluster-http.ts'
import { HAPROXY_STATS_USER } from './render/haproxy-config.ts'
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

export function haproxyStatsUrl(lb: Host): string {
  return httpsUrl(lb, 'stats', '/stats')
}

/** Every server of every backend with its status; throws when the stats page does not answer. */
export async function haproxyServerStates(inv: Inventory, timeoutMs: number, lb: Host = hostsWithRole(inv, 'haproxy')[0]!): Promise<HaproxyServerState[]> {
  const res = await clusterRequest(inv, `${haproxyStatsUrl(lb)};csv`, { headers: { authorization: haproxyStatsAuthorization(inv) }, timeoutMs })
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
