// The drills' nftables table, `inet tqdt_chaos`: one base chain per active fault on the output hook
// (every packet on loopback is locally generated, so output sees all of them), removed whole by
// the fault's heal. `npm run down` deletes the table too, so no drop rule outlives a cluster.
import { spawnSync } from 'node:child_process'
import { chaosScope, loadInventory } from '../../infra/launcher/cluster-api.ts'

/** This cluster instance's table (`tqdt_chaos` for the main one; see chaosScope). */
export const CHAOS_TABLE = chaosScope(loadInventory())
const NFT = '/usr/sbin/nft'

class NftError extends Error {}

function nft(script: string): void {
  const res = spawnSync(NFT, ['-f', '-'], { input: script, encoding: 'utf8' })
  if (res.error) throw new NftError(`cannot run ${NFT}: ${res.error.message} (apt-get install nftables)`)
  if (res.status !== 0) throw new NftError(`nft refused the rules: ${res.stderr.trim()}\n${script}`)
}

/** Adds chain `name` with `rules` (nft rule statements) in one atomic transaction. */
export function addDropChain(name: string, rules: string[]): void {
  const lines = [
    `add table inet ${CHAOS_TABLE}`,
    // Before conntrack-based filters of a host firewall (priority 0), so nothing accepts first.
    `add chain inet ${CHAOS_TABLE} ${name} { type filter hook output priority -10; policy accept; }`,
    ...rules.map((r) => `add rule inet ${CHAOS_TABLE} ${name} ${r}`),
  ]
  nft(lines.join('\n') + '\n')
}

function chainExists(name: string): boolean {
  return spawnSync(NFT, ['list', 'chain', 'inet', CHAOS_TABLE, name], { stdio: 'ignore' }).status === 0
}

/** Removes one fault's chain; absent is fine (heal is idempotent). */
export function deleteChain(name: string): void {
  if (!chainExists(name)) return
  nft(`flush chain inet ${CHAOS_TABLE} ${name}\ndelete chain inet ${CHAOS_TABLE} ${name}\n`)
  // The last fault healed: leave no empty table behind either.
  if (activeChains().length === 0) deleteChaosTable()
}

/** Removes every drill rule at once (the runner's last resort, `npm run drill -- --heal`). */
export function deleteChaosTable(): boolean {
  if (spawnSync(NFT, ['list', 'table', 'inet', CHAOS_TABLE], { stdio: 'ignore' }).status !== 0) return false
  nft(`delete table inet ${CHAOS_TABLE}\n`)
  return true
}

/** Names of the chains in the table (the faults still active). */
function activeChains(): string[] {
  const res = spawnSync(NFT, ['list', 'table', 'inet', CHAOS_TABLE], { encoding: 'utf8' })
  if (res.status !== 0) return []
  return [...res.stdout.matchAll(/^\s*chain (\S+) \{/gm)].map((m) => m[1] as string)
}
