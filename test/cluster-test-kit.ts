// What the cluster tests (test/cluster/*.test.ts) that are not drills share with the drills: the
// same full-redundancy check and the same repair after a fault, behind a few calls. Failover tests
// run the drills themselves (failover-drills.test.ts).
import type { Inventory } from '../infra/launcher/cluster-api.ts'
import { loadInventory, startHost } from '../infra/launcher/cluster-api.ts'
import type { Fault } from '../chaos/faults/fault-primitives.ts'
import { launcherUp, waitForRedundancy } from '../chaos/cluster/redundancy.ts'
import type { RedundancyCheck } from '../chaos/cluster/redundancy.ts'

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
 * `npm run up` once. For t.teardown: it never throws, and says what it could not repair.
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
