// The project's one command line. `npm run <command>` and `bash infra/launcher/tqdt.sh <command>` both
// end here (tqdt.sh only provides Node); `npm run tqdt -- help` lists every command.
//
// The cluster's commands run in this process; the app's and the tools' programs run as a child with
// the same Node, signals passed on. In a namespace lab the hosts are reached only from its ops
// namespace: the cluster's commands, the drills, the benchmark, the workload and journal-check go
// there by themselves; the service's programs, configured by their environment as on a real host,
// are run there with `npm run lab-exec -- npm run officer -- …`.
import { join } from 'node:path'
import { deploy } from './commands/cluster-deploy.ts'
import { down } from './commands/cluster-down.ts'
import { logs, printTestEnvironment, status } from './commands/cluster-inspect.ts'
import { up } from './commands/cluster-up.ts'
import { installPrerequisites } from './commands/prerequisites-install.ts'
import { testSuite } from './commands/test-suite.ts'
import { migrate } from './database-setup.ts'
import { printHostProcesses } from './host-processes.ts'
import { InventoryError, REPO_ROOT, loadInventory } from './inventory.ts'
import { opsNamespace, runningInside } from './lab/lab-namespaces.ts'
import { ensureLabNetwork } from './lab/lab-network.ts'
import { enterOpsNamespace, labExec, runForwardingSignals } from './lab/run-in-lab.ts'
import { underLauncherLock } from './launcher-lock.ts'
import { LaunchError, say } from './launch-progress.ts'

export interface Command {
  group: 'cluster' | 'tests and drills' | 'the service' | 'operations'
  /** Arguments, as the help shows them. */
  usage: string
  summary: string
  /** Either the command's work in this process, or a program of the repository run as a child with this Node. */
  run?: (args: string[]) => Promise<number>
  program?: string
  /** A namespace lab's hosts are reached from its ops namespace: re-run this command there. */
  inLab?: boolean
  /** Starts or stops the cluster's programs: one such command at a time per inventory (launcher-lock.ts). */
  locks?: boolean
  /** The program answers --help itself, at more length than the usage line here. */
  ownHelp?: boolean
}

const runProgram = (file: string, args: string[]) => runForwardingSignals([process.execPath, join(REPO_ROOT, file), ...args])

export const COMMANDS: Record<string, Command> = {
  // Not `install`: npm would run a script of that name on every `npm ci`.
  setup: { group: 'cluster', usage: '', summary: 'install what the cluster and the tests need: Debian packages, Patroni, schemathesis, k6', run: async () => (await installPrerequisites('everything'), 0) },
  up: { group: 'cluster', usage: '', summary: 'install what is missing, start every host that is not running, wait, print status', inLab: true, locks: true, run: () => up() },
  status: { group: 'cluster', usage: '[--json]', summary: 'the status table; exit 1 if anything is unhealthy', inLab: true, run: (a) => status(a.includes('--json')) },
  down: { group: 'cluster', usage: '[--purge]', summary: 'stop everything, remove the lab (--purge: also delete data, configs, logs)', locks: true, run: (a) => down(a.includes('--purge'), a.includes('--processes-only')) },
  logs: { group: 'cluster', usage: 'HOST', summary: "follow that host's logs", run: (a) => logs(a[0]) },
  deploy: { group: 'cluster', usage: '', summary: "replace every app node with the checkout's code, one at a time, without downtime", inLab: true, locks: true, run: () => deploy() },
  migrate: { group: 'cluster', usage: '', summary: 'apply pending SQL migrations through HAProxy as the schema owner', inLab: true, run: async () => (migrate(loadInventory()), 0) },
  env: { group: 'cluster', usage: '[--json]', summary: 'the addresses and secret files the test suite needs, as `export` lines', inLab: true, run: (a) => printTestEnvironment(a.includes('--json')) },
  configs: { group: 'cluster', usage: '[--inventory FILE] [--out DIR] [--secrets DIR] [--fresh] [--no-validate]', summary: "every host's configuration files from an inventory, checked by each program's own validator (real hosts too)", program: 'infra/launcher/generate-configs.ts' },
  processes: { group: 'cluster', usage: 'HOST', summary: "the host's processes (pid, state, component, how each was found); drills alone signal them", run: async ([host]) => printHostProcesses(host) },
  'lab-exec': { group: 'cluster', usage: '[--host HOST] -- COMMAND…', summary: "run a command where the lab's hosts are reachable (the ops namespace, or HOST's)", run: (a) => labExec(a) },

  test: { group: 'tests and drills', usage: '', summary: 'the whole suite against real servers, as CI runs it (brings the cluster up if it is not)', run: () => testSuite() },
  typecheck: { group: 'tests and drills', usage: '[TSC ARGS…]', summary: 'tsc --noEmit', run: (a) => runForwardingSignals([process.execPath, join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', ...a]) },
  drill: { group: 'tests and drills', usage: 'NAME | --all | --list | --page | --heal', summary: 'a chaos drill under k6 load, judged on everything', program: 'chaos/drill-runner.ts', ownHelp: true },
  bench: { group: 'tests and drills', usage: '[--interleaved | --tls-cost | --sync-cost | --smoke]', summary: 'the service against its ceiling; records in docs/benchmarks/runs/', program: 'loadtests/bench/bench-runner.ts' },
  workload: { group: 'tests and drills', usage: 'smoke|average|spike|soak [--officers N]', summary: 'the officer workload with a shared profile, then every acknowledged write checked', program: 'loadtests/workload-run.ts' },
  'backup-drill': { group: 'tests and drills', usage: 'table-dropped | site-lost [ARGS]', summary: 'a restore drill: a dropped table brought back to a scratch instance, or the whole site rebuilt from the repository', run: ([name, ...rest]) => {
    if (name !== 'table-dropped' && name !== 'site-lost') {
      console.error('usage: npm run backup-drill -- table-dropped | site-lost [ARGS]   (docs/operations/backup.md)')
      return Promise.resolve(2)
    }
    return runProgram(`chaos/backup-drills/${name}.ts`, rest)
  } },
  'journal-check': { group: 'tests and drills', usage: 'JOURNAL.jsonl', summary: "check a k6 journal's acknowledged writes against every database node", program: 'chaos/verify/check-journal.ts' },

  start: { group: 'the service', usage: '', summary: 'one app node in the foreground (configured by its environment, src/config.ts)', program: 'src/server.ts' },
  seed: { group: 'the service', usage: '--handovers N [--batch 1000] [--schema NAME]', summary: 'fill a database with realistic records for a benchmark (DATABASE_URL: the primary)', program: 'src/commands/seed-command.ts' },
  officer: { group: 'the service', usage: '--id ID --name NAME --office CODE --role ROLE | --disable ID | --enable ID', summary: "record an officer and print a token; revoke or restore one", program: 'src/commands/officer-command.ts' },
  offices: { group: 'the service', usage: 'list | import FILE.csv | add CODE …', summary: 'the office registry', program: 'src/commands/offices-command.ts' },
  openapi: { group: 'the service', usage: '[--check]', summary: 'write docs/openapi.json from the route schemas (--check: fail if it is stale)', program: 'src/commands/openapi-command.ts' },
  'back-entry:upload': { group: 'the service', usage: 'FILE', summary: 'upload a batch of paper-period records with a progress bar', program: 'src/commands/back-entry-upload-command.ts' },
  'outbox:receiver': { group: 'the service', usage: '[--host H] [--port 8099] [--fail-first N]', summary: "a stand-in for the wider customs system that receives the outbox's events (tests and demos)", program: 'src/commands/outbox-receiver-command.ts' },

  'audit:verify': { group: 'operations', usage: '[--store DIR …] [--json]', summary: 'verify the whole audit trail against every signed checkpoint', program: 'src/commands/audit-verify-command.ts' },
  backup: { group: 'operations', usage: 'info | backup | restore --before TIME | rebuild', summary: 'backups and the recovery window (docs/operations/backup.md)', program: 'infra/backup/backup-command.ts' },
  pki: { group: 'operations', usage: 'status | rotate', summary: "the cluster CA's certificates: what each endpoint serves, rotation", program: 'infra/launcher/tls/certificate-rotation.ts' },
}

function help(): string {
  const lines = ['usage: npm run COMMAND [-- ARGS]   (or: bash infra/launcher/tqdt.sh COMMAND [ARGS])', '']
  for (const group of ['cluster', 'tests and drills', 'the service', 'operations'] as const) {
    lines.push(`${group}:`)
    for (const [name, c] of Object.entries(COMMANDS).filter(([, c]) => c.group === group)) {
      lines.push(`  ${name} ${c.usage}`.trimEnd(), `      ${c.summary}`)
    }
    lines.push('')
  }
  lines.push('TQDT_INVENTORY=infra/inventory/compact.json (or local.json) points every command at another layout.')
  return lines.join('\n')
}

/**
 * The arguments that are the command's own, where --help is looked for: those before `--`. Without
 * `--`, lab-exec's arguments are the command it runs (npm drops the `--` of `npm run lab-exec -- psql
 * -h HOST`), so only a --help of its own comes first.
 */
function ownArguments(name: string, args: string[]): string[] {
  if (args.includes('--')) return args.slice(0, args.indexOf('--'))
  if (name !== 'lab-exec') return args
  return args[0] === '--help' || args[0] === '-h' ? [args[0]] : []
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(help())
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS[name]
  if (!command) {
    console.error(`unknown command "${name}": the commands are ${Object.keys(COMMANDS).join(', ')} (npm run tqdt -- help says what each does)`)
    return 2
  }
  const usage = `usage: npm run ${name}${command.usage ? ` -- ${command.usage}` : ''}\n  ${command.summary}`
  // `npm run deploy -- --help` once deployed: a command asked for help says what it does and does
  // nothing. Only the arguments before `--` are the command's own (lab-exec's command follows it).
  const own = ownArguments(name, args)
  if ((own.includes('--help') || own.includes('-h')) && !command.ownHelp) {
    console.log(usage)
    return 0
  }
  if (command.usage === '' && args.length > 0) {
    console.error(`${name} takes no arguments (got ${args.join(' ')})\n${usage}`)
    return 2
  }
  // A wrong TQDT_INVENTORY is said here, once, in a sentence: the programs read it as they load
  // (the fault primitives name their nft table and cgroups by it), where it would be a stack trace.
  if (process.env.TQDT_INVENTORY && !own.includes('--help') && !own.includes('-h')) {
    try {
      loadInventory()
    } catch (err) {
      if (!(err instanceof InventoryError)) throw err
      console.error(`${name}: TQDT_INVENTORY=${process.env.TQDT_INVENTORY}: ${err.message}`)
      return 2
    }
  }
  // The programs find their own way: the app's read their environment, the drills and the benchmark
  // enter the lab themselves. Only the cluster's commands read the inventory here.
  if (command.program) return runProgram(command.program, args)
  if (!command.locks && !command.inLab) return command.run!(args)
  const inv = loadInventory()
  if (command.locks) {
    const code = await underLauncherLock(inv, argv)
    if (code !== null) return code
  }
  const inOps = inv.lab !== undefined && runningInside(opsNamespace(inv))
  // Once, in the root namespace: the re-run inside the ops namespace finds everything installed.
  if (name === 'up' && !inOps) await installPrerequisites('cluster')
  if (command.inLab && inv.lab && !inOps) {
    // `up` makes the lab's network first (idempotent: it also powers on hosts a drill left off).
    if (name === 'up') {
      const created = ensureLabNetwork(inv)
      if (created.length > 0) say(`lab network ${inv.lab.subnet}: created ${created.join(', ')}`)
    }
    const code = await enterOpsNamespace(inv, argv)
    if (code !== null) return code
  }
  return command.run!(args)
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code },
    (err: Error) => {
      console.error(`\n${err instanceof LaunchError ? '' : `${process.argv[2]}: `}${err.message}`)
      process.exitCode = 1
    },
  )
}
