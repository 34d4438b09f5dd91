// Checks a load run's acknowledged writes against every PostgreSQL node of the local cluster:
//
//   npm run journal-check -- .run/k6/<run>/journal.jsonl
//
// Exit 1 when an acknowledged write is missing or duplicated, or the check could not be completed.
// `npm run workload` ends with the same check (checkJournal).
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { enterOpsNamespace, loadInventory } from '../../infra/launcher/cluster-api.ts'
import { checkAcknowledgedWrites, missingAnywhere } from './acknowledged-writes.ts'
import { readJournal, succeeded } from './journal.ts'

/** Prints the journal's figures and what each node lacks; true when every acknowledged write is on every node, once. */
export async function checkJournal(inv: Inventory, file: string): Promise<boolean> {
  const journal = readJournal(file)
  const failed = journal.requests.filter((r) => !succeeded(r))
  console.log(`${journal.requests.length} requests (${failed.length} failed), ${journal.acks.length} acknowledged writes, ${journal.unreadable} unreadable lines`)
  const check = await checkAcknowledgedWrites(inv, journal.acks)
  for (const n of check.nodes) console.log(`  ${n.node} ${n.role}${n.caughtUp ? ' (caught up)' : ''}: ${n.missing.length} missing${n.error ? ` — ${n.error}` : ''}`)
  for (const m of check.lost.slice(0, 20)) console.log(`  LOST ${m.kind} ${m.id} (key ${m.key}): ${m.what}`)
  for (const d of check.duplicates.slice(0, 20)) console.log(`  DUPLICATE ${d.kind} key ${d.key}: ${d.entities} entities`)
  for (const p of check.problems) console.log(`  problem: ${p}`)
  const bad = check.lost.length + missingAnywhere(check) + check.duplicates.length + check.problems.length
  console.log(bad === 0 ? 'every acknowledged write is on every node' : 'ACKNOWLEDGED WRITES MISSING OR DUPLICATED')
  return bad === 0
}

if (import.meta.main) {
  const file = process.argv[2]
  if (!file) {
    console.error('usage: npm run journal-check -- JOURNAL.jsonl')
    process.exit(2)
  }
  // In a namespace lab the database nodes are reached from its ops namespace only.
  const inv = loadInventory()
  const inLab = await enterOpsNamespace(inv)
  if (inLab !== null) process.exit(inLab)
  process.exitCode = (await checkJournal(inv, file)) ? 0 : 1
}
