// The one client of Patroni's REST API (HTTPS, the cluster CA; the operators' certificate and the
// REST password for the unsafe endpoints): the launcher, the status table, the drills, the backup
// tools and the tests ask Patroni through here.
import type { Host, Inventory } from './inventory.ts'
import { hostByName, hostsWithRole, httpsUrl, loadInventory } from './inventory.ts'
import { PATRONI_REST_USER } from './render/patroni-config.ts'
import { readSecrets } from './secrets.ts'
import { clusterJson, clusterRequest } from './tls/cluster-http.ts'

export interface PatroniMember {
  name: string
  role: string
  state: string
  host: string
  port: number
  api_url?: string
  timeline?: number
  lag?: number | string
}

/** A member's own view (`GET /patroni`): role and state, answered with 503 (and a body) by a replica or a stopped node. */
export interface PatroniSelf {
  role?: string
  state?: string
  timeline?: number
}

const DEFAULT_TIMEOUT_MS = 1200

/** A member's REST API, e.g. patroniRestUrl(db1, '/cluster'); the base URL without a path. */
export function patroniRestUrl(host: Host, path = ''): string {
  return httpsUrl(host, 'patroni', path)
}

/** The Authorization header value the unsafe endpoints ask for (with the operators' certificate). */
export function patroniRestAuthorization(password: string): string {
  return `Basic ${Buffer.from(`${PATRONI_REST_USER}:${password}`).toString('base64')}`
}

/** `GET /cluster` of every member at once; the first view that names a leader (a member that just restarted may not know it yet), else any. */
export async function patroniMembers(inv: Inventory, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PatroniMember[]> {
  const views = await Promise.allSettled(
    hostsWithRole(inv, 'postgres').map((h) => clusterJson<{ members: PatroniMember[] }>(inv, patroniRestUrl(h, '/cluster'), { timeoutMs })),
  )
  const members = views.flatMap((v) => (v.status === 'fulfilled' && Array.isArray(v.value.json.members) ? [v.value.json.members] : []))
  return members.find((m) => m.some((x) => x.role === 'leader')) ?? members[0] ?? []
}

/** `GET /patroni` of one member; null when it does not answer. */
export async function patroniSelf(inv: Inventory, host: Host, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PatroniSelf | null> {
  try {
    return (await clusterJson<PatroniSelf>(inv, patroniRestUrl(host, '/patroni'), { timeoutMs })).json
  } catch {
    return null
  }
}

/** The leader that is running, as an inventory host; null without one. */
export async function patroniLeaderHost(inv: Inventory, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Host | null> {
  const leader = (await patroniMembers(inv, timeoutMs)).find((m) => m.role === 'leader' && m.state === 'running')
  return leader ? hostByName(inv, leader.name) : null
}

export interface PatroniLeader {
  name: string
  address: string
  port: number
  restUrl: string
  timeline: number | null
  /** Which source answered: a Patroni REST API, or etcd's leader key when no Patroni did. */
  source: 'patroni' | 'etcd'
}

/** The current leader per Patroni (any member's /cluster), falling back to the leader key Patroni keeps in etcd. */
export async function patroniLeader(inv: Inventory = loadInventory()): Promise<PatroniLeader | null> {
  const dbs = hostsWithRole(inv, 'postgres')
  const l = (await patroniMembers(inv, 1000)).find((m) => m.role === 'leader')
  if (l) return { name: l.name, address: l.host, port: l.port, restUrl: (l.api_url ?? '').replace(/\/patroni$/, ''), timeline: l.timeline ?? null, source: 'patroni' }
  const key = Buffer.from(`/service/${inv.cluster.scope}/leader`).toString('base64')
  for (const e of hostsWithRole(inv, 'etcd')) {
    try {
      const { json } = await clusterJson<{ kvs?: Array<{ value: string }> }>(inv, httpsUrl(e, 'etcdClient', '/v3/kv/range'), {
        method: 'POST',
        body: JSON.stringify({ key }),
        timeoutMs: 1000,
      })
      const name = json.kvs?.[0] ? Buffer.from(json.kvs[0].value, 'base64').toString() : null
      const h = dbs.find((d) => d.name === name)
      if (h) return { name: h.name, address: h.address, port: h.ports.postgres, restUrl: patroniRestUrl(h), timeline: null, source: 'etcd' }
      return null
    } catch {
      // ask the next member
    }
  }
  return null
}

/**
 * A planned switchover to `candidate` (an unsafe endpoint: the REST password and the operators'
 * certificate). Resolves when Patroni accepted it; the caller waits for the new leader.
 */
export async function patroniSwitchover(inv: Inventory, leader: string, candidate: string, timeoutMs = 30_000): Promise<void> {
  const host = hostByName(inv, leader)
  const authorization = patroniRestAuthorization(readSecrets(inv).patroniRestPassword)
  const answer = await clusterRequest(inv, patroniRestUrl(host, '/switchover'), {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ leader, candidate }),
    timeoutMs,
  })
  if (answer.status !== 200) throw new Error(`switchover ${leader} → ${candidate}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`)
}

/** The cluster-wide (dynamic) configuration Patroni keeps in etcd, from the first member that answers; null if none does. */
export async function patroniConfig(inv: Inventory, timeoutMs = 2000): Promise<Record<string, unknown> | null> {
  for (const h of hostsWithRole(inv, 'postgres')) {
    try {
      const { status, json } = await clusterJson<Record<string, unknown>>(inv, patroniRestUrl(h, '/config'), { timeoutMs })
      if (status === 200) return json
    } catch {
      // the next member
    }
  }
  return null
}

/** PATCH /config (an unsafe endpoint: the REST password and the operators' certificate); Patroni applies it on every member at its next loop. */
export async function patchPatroniConfig(inv: Inventory, patch: Record<string, unknown>, timeoutMs = 5000): Promise<void> {
  const authorization = patroniRestAuthorization(readSecrets(inv).patroniRestPassword)
  let last = 'no Patroni member answered'
  for (const h of hostsWithRole(inv, 'postgres')) {
    try {
      const answer = await clusterRequest(inv, patroniRestUrl(h, '/config'), {
        method: 'PATCH',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(patch),
        timeoutMs,
      })
      if (answer.status === 200) return
      last = `PATCH /config on ${h.name}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`
    } catch (err) {
      last = `PATCH /config on ${h.name}: ${(err as Error).message}`
    }
  }
  throw new Error(last)
}
