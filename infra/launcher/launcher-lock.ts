// One launcher at a time per inventory: a test's `up` racing an operator's `down` would leave half a
// cluster. Another inventory (TQDT_INVENTORY) has its own lock, so it never waits for the default one.
// Node has no flock(2): the command runs again under util-linux's flock(1), which holds the lock for
// as long as the command runs and lets it go when it exits, however it exits.
import { spawnSync } from 'node:child_process'
import { mkdirSync, realpathSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Inventory } from './inventory.ts'
import { DEFAULT_INVENTORY, REPO_ROOT } from './inventory.ts'
import { runForwardingSignals } from './lab/run-in-lab.ts'
import { say } from './launch-progress.ts'

/** Set in the child that holds the lock, so it does not take it again. */
const HELD = 'TQDT_LAUNCHER_LOCK_HELD'
/** flock's exit code when the wait ran out (the command never ran). */
const GAVE_UP = 75

function lockFile(inv: Inventory): string {
  mkdirSync(join(REPO_ROOT, '.run'), { recursive: true })
  // Both sides resolved: a checkout reached through a symlink must not get two locks for one cluster.
  const same = realpathSync(inv.file) === realpathSync(DEFAULT_INVENTORY)
  return join(REPO_ROOT, '.run', same ? 'launcher.lock' : `launcher-${basename(inv.file, '.json')}.lock`)
}

/**
 * Runs this command again under the inventory's launcher lock and returns its exit code; null when
 * this process already is that run.
 */
export async function underLauncherLock(inv: Inventory, argv: string[]): Promise<number | null> {
  if (process.env[HELD]) return null
  const lock = lockFile(inv)
  // A look first, only to say why nothing happens for a while: the run below waits either way.
  if (spawnSync('flock', ['-n', lock, 'true']).status !== 0) say(`another up/down/deploy is running (${lock}): waiting for it`)
  const code = await runForwardingSignals(
    ['flock', '-w', '600', '--conflict-exit-code', String(GAVE_UP), lock, process.execPath, ...process.execArgv, process.argv[1], ...argv],
    { ...process.env, [HELD]: lock },
  )
  if (code === GAVE_UP) say(`gave up waiting for ${lock} after 600 s (or the command itself exited ${GAVE_UP})`)
  return code
}
