// Replacing app nodes without downtime, one at a time: SIGTERM (the node answers 503 on
// /health/ready and drains), wait until every load balancer has taken it out, wait for the process
// to finish its in-flight requests and exit, start the new code, wait until the node reports the new
// build and every load balancer sends to it again. `npm run deploy` replaces every node; `up`
// replaces the nodes that run other code or an older app.env than the one it just wrote.
import type { ComponentSpec } from './components.ts'
import { componentSpecs } from './components.ts'
import { codeFingerprint } from './code-fingerprint.ts'
import { haproxyServerStates } from './haproxy-client.ts'
import { componentPid } from './host-processes.ts'
import type { Inventory } from './inventory.ts'
import { hostsWithRole, httpsUrl } from './inventory.ts'
import { clusterJson } from './tls/cluster-http.ts'
import { sleep, startComponent } from './process-control.ts'

/** How long a node may take to leave the load balancers, exit, and come back ready. */
const TAKEN_OUT_TIMEOUT_MS = 20_000
const READY_TIMEOUT_MS = 60_000

/** The build a running node reports on its internal listener (/health/live), or null when it does not answer. */
export async function runningBuild(inv: Inventory, spec: ComponentSpec): Promise<string | null> {
  try {
    const { status, json } = await clusterJson<{ build?: string }>(inv, httpsUrl(spec.host, 'appInternal', '/health/live'), { timeoutMs: 1500 })
    return status === 200 ? (json.build ?? 'unknown') : null
  } catch {
    return null
  }
}

/** The node's state in `be_app` of every load balancer (UP, DOWN, MAINT, "UP 1/2", …; "?" when one did not answer). */
async function statesOnLoadBalancers(inv: Inventory, node: string): Promise<string[]> {
  return Promise.all(
    hostsWithRole(inv, 'haproxy').map(async (lb) => {
      try {
        return (await haproxyServerStates(inv, 1500, lb)).find((s) => s.backend === 'be_app' && s.server === node)?.status ?? '?'
      } catch {
        return '?'
      }
    }),
  )
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`)
    await sleep(250)
  }
}

class RolloutError extends Error {}

/** Replaces one app node as described above; `say` hears each step. */
export async function replaceAppNode(inv: Inventory, spec: ComponentSpec, say: (line: string) => void): Promise<void> {
  const node = spec.host.name
  const t0 = Date.now()
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`
  const old = componentPid(spec)
  try {
    if (old !== null) {
      say(`${node}: SIGTERM to pid ${old} (it answers 503 on /health/ready and drains)`)
      process.kill(old, 'SIGTERM')
      await until(`${node} taken out by every load balancer`, TAKEN_OUT_TIMEOUT_MS, async () => (await statesOnLoadBalancers(inv, node)).every((s) => !s.startsWith('UP')))
      say(`${node}: out of every load balancer after ${at()}`)
      await until(`${node} (pid ${old}) exited`, TAKEN_OUT_TIMEOUT_MS + 30_000, async () => componentPid(spec) !== old)
      say(`${node}: exited after ${at()} (in-flight requests finished)`)
    }
    const pid = startComponent(spec)
    const want = codeFingerprint(inv)
    say(`${node}: started build ${want} (pid ${pid})`)
    await until(`${node} reporting build ${want}`, READY_TIMEOUT_MS, async () => (await runningBuild(inv, spec)) === want)
    await until(`${node} back in every load balancer`, READY_TIMEOUT_MS, async () => (await statesOnLoadBalancers(inv, node)).every((s) => s === 'UP'))
    say(`${node}: in service again after ${at()}`)
  } catch (err) {
    throw new RolloutError(`${node}: ${(err as Error).message} (log: ${spec.logFile})`)
  }
}

/** The app nodes of the inventory, in order. */
export function appSpecs(inv: Inventory): ComponentSpec[] {
  return componentSpecs(inv).filter((s) => s.component === 'app')
}

/**
 * The running app nodes that need replacing: other code than the app folder's, or an app.env
 * written since they started (`changedEnv`). Nodes that do not answer are left to `up`'s start.
 */
export async function staleAppNodes(inv: Inventory, changedEnv: Set<string>): Promise<Array<{ spec: ComponentSpec; why: string }>> {
  const want = codeFingerprint(inv)
  const stale: Array<{ spec: ComponentSpec; why: string }> = []
  for (const spec of appSpecs(inv)) {
    if (componentPid(spec) === null) continue
    const build = await runningBuild(inv, spec)
    if (changedEnv.has(spec.host.name)) stale.push({ spec, why: 'its app.env changed' })
    else if (build !== null && build !== want) stale.push({ spec, why: `it runs build ${build}, the app folder has ${want}` })
  }
  return stale
}
