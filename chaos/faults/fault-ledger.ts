// What the drills have broken and not yet repaired, kept on disk as well as in memory: if the runner
// itself is killed (SIGKILL, a closed terminal), `npm run drill -- --heal` still knows which hosts
// are frozen and which rules and cgroups to remove.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { clusterPath, loadInventory } from '../../infra/launcher/cluster-api.ts'

export interface LedgerEntry {
  id: string
  kind: string
  targets: string[]
  injectedAt: string
  /** Processes left stopped by a freeze. */
  stoppedPids?: number[]
  /** nft chains in the chaos table. */
  chains?: string[]
  /** Hosts whose processes sit in a chaos cgroup. */
  cgroups?: string[]
}

function ledgerFile(): string {
  return clusterPath(loadInventory(), 'run', 'chaos', 'active-faults.json')
}

export function readLedger(): LedgerEntry[] {
  try {
    return JSON.parse(readFileSync(ledgerFile(), 'utf8')) as LedgerEntry[]
  } catch {
    return []
  }
}

function write(entries: LedgerEntry[]): void {
  const file = ledgerFile()
  if (entries.length === 0) {
    rmSync(file, { force: true })
    return
  }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(entries, null, 2) + '\n')
}

export function recordFault(entry: LedgerEntry): void {
  write([...readLedger().filter((e) => e.id !== entry.id), entry])
}

export function clearFault(id: string): void {
  write(readLedger().filter((e) => e.id !== id))
}
