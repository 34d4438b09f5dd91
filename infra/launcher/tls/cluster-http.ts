// The one HTTP client of the launcher, the drills, the tests and the benchmark towards the cluster's
// HTTPS endpoints (Patroni, etcd's gateway, HAProxy's stats, Prometheus, the app nodes): it trusts
// the cluster CA only and shows the operators' certificate, which etcd, the app nodes and Patroni's
// unsafe endpoints ask for. Node's fetch can do neither without an extra package.
import { readFileSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import http from 'node:http'
import https from 'node:https'
import type { Inventory } from '../inventory.ts'
import { operatorTls } from './certificates.ts'

export interface ClusterAnswer {
  status: number
  headers: IncomingHttpHeaders
  text: string
}

export interface ClusterRequest {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** The whole exchange, connect to last byte; past it the request fails with a TimeoutError. */
  timeoutMs: number
}

class ClusterTimeoutError extends Error {
  override name = 'TimeoutError'
}

const agents = new Map<string, https.Agent>()

/**
 * One keep-alive agent per inventory: the sampler asks every second, not every time a handshake.
 * No cap on sockets: the write probe is an open-loop client, and a capped agent would queue its
 * requests during a failover and send them all at once afterwards (a burst the app rate-limits).
 */
function agentFor(inv: Inventory): https.Agent {
  let agent = agents.get(inv.file)
  if (!agent) {
    const tls = operatorTls(inv)
    agent = new https.Agent({ keepAlive: true, ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key) })
    agents.set(inv.file, agent)
  }
  return agent
}

/** `inv` null: a plain-HTTP URL outside the cluster (a test's own server); an https URL needs the inventory's certificates. */
export function clusterRequest(inv: Inventory | null, url: string, req: ClusterRequest): Promise<ClusterAnswer> {
  const target = new URL(url)
  const secure = target.protocol === 'https:'
  if (secure && inv === null) return Promise.reject(new Error(`${url}: HTTPS to the cluster needs its inventory (the CA and the operators' certificate)`))
  return new Promise((resolve, reject) => {
    const options = { method: req.method ?? 'GET', headers: req.headers ?? {}, ...(secure && inv ? { agent: agentFor(inv) } : {}) }
    const request = (secure ? https : http).request(target, options, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        clearTimeout(timer)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') })
      })
      res.on('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
    })
    const timer = setTimeout(() => request.destroy(new ClusterTimeoutError(`no answer from ${target.host} in ${req.timeoutMs} ms`)), req.timeoutMs)
    request.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    request.end(req.body)
  })
}

/** GET (or the given method) and parse JSON; any status: Patroni answers 503 with a JSON body on a replica. */
export async function clusterJson<T>(inv: Inventory | null, url: string, req: ClusterRequest): Promise<{ status: number; json: T }> {
  const answer = await clusterRequest(inv, url, req)
  try {
    return { status: answer.status, json: JSON.parse(answer.text) as T }
  } catch {
    throw new Error(`${url}: HTTP ${answer.status}, not JSON: ${answer.text.slice(0, 120)}`)
  }
}
