// `npm run workload -- smoke|average|spike|soak [--officers N]`: the officer workload against the
// local cluster with one of the shared profiles (loadtests/lib/load-profiles.js), then the check that
// every write k6 saw acknowledged is on every database node. The journal of every request, k6's
// summary and its log go to .run/k6/<run>/; exit 1 when a write is lost or duplicated or k6's SLO
// thresholds failed.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT, endpoints, ensureK6, enterOpsNamespace, loadInventory } from '../infra/launcher/cluster-api.ts'
import { startK6 } from '../chaos/load/k6-load.ts'
import { makeOfficers } from '../chaos/load/officer-tokens.ts'
import { checkJournal } from '../chaos/verify/check-journal.ts'

const PROFILES = ['smoke', 'average', 'spike', 'soak']

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { officers: { type: 'string', default: '4' } } })
  const profile = positionals[0] ?? 'smoke'
  if (!PROFILES.includes(profile) || !/^[1-9]\d*$/.test(values.officers!)) {
    console.error(`usage: npm run workload -- ${PROFILES.join('|')} [--officers N]`)
    return 2
  }
  const inv = loadInventory()
  const inLab = await enterOpsNamespace(inv, argv)
  if (inLab !== null) return inLab

  const k6 = await ensureK6((line) => console.log(`workload: ${line}`))
  const runDir = join(REPO_ROOT, '.run/k6', `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}Z-${profile}`)
  mkdirSync(runDir, { recursive: true })
  const e = endpoints(inv)
  const officers = makeOfficers(Number(values.officers))
  console.log(`workload: profile ${profile} with ${k6.version}, ${officers.departure.length} officers per office; journal ${runDir}/journal.jsonl`)
  const run = startK6({ k6: k6.path, runDir, officers, profile, baseUrl: e.httpBaseUrl, caFile: e.caFile, ownProcessGroup: true })
  // Ctrl-C: k6 stops gracefully and writes its summary; the check below still runs on what was done.
  // The signal may come twice (the terminal's, and the one the CLI passes on): k6 gets one.
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    run.interrupt()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  const k6Exit = await run.exited
  process.off('SIGINT', stop)
  process.off('SIGTERM', stop)

  console.log(`workload: k6 exited ${k6Exit} (99 = an SLO threshold failed; see ${run.summaryFile} and ${run.logFile})`)
  const whole = await checkJournal(inv, run.journalFile)
  return whole && k6Exit === 0 ? 0 : 1
}

process.exitCode = await main(process.argv.slice(2))
