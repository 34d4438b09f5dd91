// Issue 8, "Done when": the restore drills run in CI on small data and pass; their reports
// (reports/backup-drills/*.json) give the measured restore time and the last write recovered.
//
// "A table dropped by mistake" runs against the cluster under test (the main one): it restores into
// scratch instances on the repository host, so the live cluster keeps serving.
// "The whole site lost" destroys every database host and etcd: it runs on a namespace lab of its own
// (infra/inventory/backup-lab.json, or TQDT_BACKUP_LAB_INVENTORY; .run-lab/) that this test starts
// and stops, never on the shared main cluster, which other tests and drills rely on. Its hosts are
// reached from that lab's ops namespace, so the drill runs as its own command there.
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { runTableDropped } from '../../chaos/backup-drills/table-dropped.ts'
import type { BackupDrillReport } from '../../chaos/backup-drills/backup-drill-kit.ts'
import { writeReport } from '../../chaos/backup-drills/backup-drill-kit.ts'
import { cliArgv, componentPid, componentSpecs, loadInventory, REPO_ROOT } from '../../infra/launcher/cluster-api.ts'

const LAB_INVENTORY = resolve(REPO_ROOT, process.env.TQDT_BACKUP_LAB_INVENTORY || 'infra/inventory/backup-lab.json')

/** Runs a command with the lab's inventory (the launcher, or the drill itself), its lines to `log`. */
function labCommand(argv: string[], log: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: REPO_ROOT,
      env: { ...process.env, TQDT_INVENTORY: LAB_INVENTORY },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let buffer = ''
    const feed = (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      const lines = buffer.split(/\r?\n|\r/)
      buffer = lines.pop() ?? ''
      for (const line of lines) if (line.trim()) log(line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''))
    }
    child.stdout.on('data', feed)
    child.stderr.on('data', feed)
    child.on('close', (code) => resolve(code ?? 1))
    child.on('error', () => resolve(1))
  })
}

const launcher = (args: string[], log: (line: string) => void) => labCommand(cliArgv(...args), log)

function assertReport(t: Test, report: BackupDrillReport, file = writeReport(report)): void {
  t.comment(`report: ${file}`)
  for (const c of report.checks) t.ok(c.pass, `${c.name}: ${c.value} (limit ${c.limit})`)
  t.ok(report.restoreTimeS > 0, `the restore time is measured: ${report.restoreTimeS.toFixed(1)} s`)
  t.ok(report.lastWriteRecovered, `the last write recovered is named: ${JSON.stringify(report.lastWriteRecovered)}`)
  t.equal(report.verdict, 'pass', `${report.drill.name}: verdict`)
}

t.test('a table dropped by mistake is restored to the moment before, into a scratch instance', async (t) => {
  const inv = loadInventory()
  const report = await runTableDropped(inv, { rows: 50, rowsAfter: 10, log: (l) => t.comment(l) })
  assertReport(t, report)
})

t.test('the whole site lost: the cluster is rebuilt from the repository alone (lab cluster)', async (t) => {
  const lab = loadInventory(LAB_INVENTORY)
  const alreadyUp = componentSpecs(lab).some((s) => componentPid(s) !== null)
  if (alreadyUp) t.comment('the lab cluster was already running: using it, and leaving it running')
  t.teardown(async () => {
    if (alreadyUp) return
    // Stops every lab process by its pid file (and finds strays by command line), then deletes the lab's data.
    const code = await launcher(['down', '--purge'], (l) => t.comment(`down: ${l}`))
    if (code !== 0) t.comment(`lab down exited ${code}`)
  })
  if (!alreadyUp) {
    const code = await launcher(['up'], (l) => t.comment(`up: ${l}`))
    if (!t.equal(code, 0, 'the lab cluster comes up')) return
  }
  let reportFile = ''
  const drill = join(REPO_ROOT, 'chaos/backup-drills/site-lost.ts')
  await labCommand([process.execPath, drill, '--seconds', '16', '--archive-at', '8', '--backup-first'], (l) => {
    t.comment(l)
    reportFile = /report (\S+\.json)$/.exec(l)?.[1] ?? reportFile
  })
  if (!t.ok(reportFile, 'the drill wrote its report')) return
  assertReport(t, JSON.parse(readFileSync(reportFile, 'utf8')) as BackupDrillReport, reportFile)
})
