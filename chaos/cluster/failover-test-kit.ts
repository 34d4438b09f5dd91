// What the cluster tests (test/cluster/*.test.ts) share with the drills: the same fault primitives,
// the same full-redundancy check, the same acknowledged-write checker, behind a few calls.
import { startHost } from '../../infra/launcher/cluster-api.ts'
import type { Inventory } from '../../infra/launcher/inventory.ts'
import { hostsWithRole, loadBalancerAddress, loadInventory } from '../../infra/launcher/inventory.ts'
import type { Fault } from '../faults/fault-primitives.ts'
import { makeOfficers } from '../load/officer-tokens.ts'
import { WriteProbe } from '../load/write-probe.ts'
import { checkAcknowledgedWrites, missingAnywhere } from '../verify/acknowledged-writes.ts'
import type { WriteCheck } from '../verify/acknowledged-writes.ts'
import { checkRedundancy, launcherUp, waitForRedundancy } from './redundancy.ts'
import type { RedundancyCheck } from './redundancy.ts'

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export function inventory(): Inventory {
  return loadInventory()
}

/** Full redundancy before a test: waits up to `timeoutMs`, throws naming what is missing. */
export async function requireFullRedundancy(inv: Inventory, timeoutMs = 180_000): Promise<RedundancyCheck> {
  const r = await waitForRedundancy(inv, timeoutMs)
  if (!r.ok) throw new Error(`the cluster is not at full redundancy: ${r.last.problems.join('; ')}`)
  return r.last
}

export function startProbe(inv: Inventory, intervalMs = 100): WriteProbe {
  const lb = hostsWithRole(inv, 'haproxy')[0]!
  const probe = new WriteProbe({ inv, baseUrl: `https://${loadBalancerAddress(inv)}:${lb.ports.http}`, officers: makeOfficers(1), intervalMs })
  probe.start()
  return probe
}

/** Polls `check` every 250 ms until it returns a value other than null, or gives up with null. */
export async function waitUntil<T>(timeoutMs: number, check: () => Promise<T | null>): Promise<T | null> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const v = await check().catch(() => null)
    if (v !== null) return v
    await sleep(250)
  }
  return null
}

/**
 * Heals the faults, starts what they killed and waits for full redundancy; falls back to
 * `cluster.sh up` once. For t.teardown: it never throws, and says what it could not repair.
 */
export async function repair(inv: Inventory, faults: Fault[], log: (line: string) => void = () => {}): Promise<boolean> {
  for (const f of [...faults].reverse()) {
    try {
      await f.heal()
    } catch (err) {
      log(`heal of ${f.description} failed: ${(err as Error).message}`)
    }
  }
  for (const host of new Set(faults.filter((f) => f.needsRestart).flatMap((f) => f.targets))) {
    await startHost(host, inv).catch((err: Error) => log(`start ${host}: ${err.message}`))
  }
  if ((await waitForRedundancy(inv, 150_000)).ok) return true
  await launcherUp(log)
  const last = await waitForRedundancy(inv, 120_000)
  if (!last.ok) log(`still not at full redundancy: ${last.last.problems.join('; ')}`)
  return last.ok
}

export async function verifyWrites(inv: Inventory, probe: WriteProbe): Promise<WriteCheck & { missingOnAnyNode: number }> {
  const check = await checkAcknowledgedWrites(inv, probe.acks)
  return { ...check, missingOnAnyNode: missingAnywhere(check) }
}

export { checkRedundancy }
