// Which code the app folder holds, as one string: app nodes are started with it (APP_BUILD) and
// report it on their internal listener, so the launcher can tell a node running old code.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import type { Inventory } from './inventory.ts'
import { clusterPath } from './inventory.ts'

let fingerprint: string | null = null

/**
 * The code in the app folder: its commit, and a hash of uncommitted changes to what the app runs
 * (src, migrations, the lock file), so a node started before an edit counts as old code too.
 */
export function codeFingerprint(inv: Inventory): string {
  if (fingerprint !== null) return fingerprint
  const dir = clusterPath(inv, 'app')
  const git = (args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  try {
    const sha = git(['rev-parse', '--short=12', 'HEAD'])
    const diff = git(['diff', 'HEAD', '--', 'src', 'migrations', 'package-lock.json'])
    fingerprint = diff ? `${sha}+${createHash('sha256').update(diff).digest('hex').slice(0, 8)}` : sha
  } catch {
    fingerprint = 'unknown'
  }
  return fingerprint
}

