// npm run drill -- <name> [--hold S] [--rate N] [--warmup S] [--after S] [--no-docs]
// npm run drill -- --all [--no-docs]    the whole catalogue at full holds
// npm run drill -- --page              regenerate docs/chaos.md from docs/chaos/runs/*.json
// npm run drill -- --list
// npm run drill -- --heal          undo whatever a killed runner left behind, then start what is missing
//
// The command line of the drill runner (drill-run.ts runs one drill; the cluster tests call it too).
// Exit 0 on pass, 1 on fail, 2 when a drill could not run (unhealthy cluster, bad arguments).
import { renameSync, writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { parseArgs } from 'node:util'
import { enterOpsNamespace, loadInventory, REPO_ROOT } from '../infra/launcher/cluster-api.ts'
import { DRILLS, findDrill } from './drills/drill-catalogue.ts'
import { healLeftovers } from './faults/heal-leftovers.ts'
import { launcherUp, waitForRedundancy } from './cluster/redundancy.ts'
import { writeChaosPage } from './report/chaos-page.ts'
import { readSummaries } from './report/run-summary.ts'
import { DrillAbort, Progress, runDrill } from './drill-run.ts'
import { runCatalogueAcrossLayouts, type CatalogueOutcome } from './catalogue-across-layouts.ts'

function usage(): string {
  return [
    'usage: npm run drill -- <name> [--hold SECONDS] [--rate N] [--warmup SECONDS] [--after SECONDS] [--no-docs]',
    '       npm run drill -- --all [--no-docs]     every drill at its full hold, one after another; a drill of another layout in that layout\'s lab',
    '       npm run drill -- --page                docs/chaos.md from the recorded runs (docs/chaos/runs/)',
    '       npm run drill -- --list',
    '       npm run drill -- --heal',
  ].join('\n')
}

function listDrills(): void {
  const width = Math.max(...DRILLS.map((d) => d.name.length))
  for (const d of DRILLS) console.log(`${d.name.padEnd(width)}  hold ${String(d.holdSeconds).padStart(3)} s  ${d.title}`)
  const inv = loadInventory()
  for (const d of DRILLS) {
    const unmet = d.requires?.(inv)
    if (unmet) console.log(`${' '.repeat(width)}  ↳ ${d.name} does not apply to this inventory: ${unmet}${d.layout ? ` (--all runs it on ${d.layout})` : ''}`)
  }
}

/** How long `--all` waits for the cluster to be whole again before the next drill. */
const ALL_REDUNDANCY_WAIT_MS = 300_000

/**
 * The drills of the current inventory (`only`: those named), each at its full hold, one after
 * another: a drill whose cluster is not whole again in time is reported as not run (never skipped
 * silently). `--all` runs this once per layout (catalogue-across-layouts.ts).
 */
async function runAllHere(
  opts: { rate?: number; warmup: number; after: number; docs: boolean; only: string[] | null },
  p: Progress,
  onOutcome: (soFar: CatalogueOutcome[]) => void = () => undefined,
): Promise<CatalogueOutcome[]> {
  const inv = loadInventory()
  const layout = relative(REPO_ROOT, inv.file)
  const outcomes: CatalogueOutcome[] = []
  const record = (o: CatalogueOutcome) => {
    outcomes.push(o)
    onOutcome(outcomes)
  }
  for (const drill of DRILLS) {
    if (opts.only && !opts.only.includes(drill.name)) continue
    p.logFile = null
    // A drill the inventory cannot host (a load-balancer pair on a loopback lab) is listed as such.
    const unmet = drill.requires?.(inv) ?? null
    if (unmet) {
      record({ drill: drill.name, hold: drill.holdSeconds, outcome: 'N/A', note: `does not apply to ${layout}: ${unmet}`, layout })
      continue
    }
    p.say(`=== ${drill.name} (hold ${drill.holdSeconds} s): waiting for full redundancy first`)
    const ready = await waitForRedundancy(inv, ALL_REDUNDANCY_WAIT_MS, (problems, waited) => p.say(`  waiting (${Math.round(waited / 1000)} s): ${problems.slice(0, 3).join('; ')}`))
    if (!ready.ok) {
      record({ drill: drill.name, hold: drill.holdSeconds, outcome: 'NOT RUN', note: `no full redundancy: ${ready.last.problems.join('; ')}`, layout })
      continue
    }
    try {
      const report = await runDrill(drill, { hold: drill.holdSeconds, rate: opts.rate ?? drill.rate ?? 4, warmup: opts.warmup, after: opts.after, docs: opts.docs }, p)
      record({ drill: drill.name, hold: drill.holdSeconds, outcome: report.verdict.pass ? 'PASS' : 'FAIL', note: '', layout })
    } catch (err) {
      record({ drill: drill.name, hold: drill.holdSeconds, outcome: 'NOT RUN', note: (err as Error).message, layout })
    }
  }
  return outcomes
}

/** The summary of a catalogue run; exit 0 only when every drill passed, 2 when one could not run. */
function catalogueVerdict(outcomes: CatalogueOutcome[], p: Progress): number {
  p.say('')
  p.say('=== the catalogue at full holds')
  for (const o of outcomes) p.say(`  ${o.outcome.padEnd(7)} ${o.drill.padEnd(28)} hold ${String(o.hold).padStart(3)} s  on ${o.layout}${o.note ? `  ${o.note}` : ''}`)
  if (outcomes.some((o) => o.outcome === 'NOT RUN')) return 2
  return outcomes.every((o) => o.outcome === 'PASS') ? 0 : 1
}

async function main(): Promise<number> {
  // In a namespace lab the drill runs where an operator's workstation would: the lab's ops namespace.
  // `--all` stays in the root namespace: it may bring other layouts' labs up and down, and runs each
  // layout's drills in a child runner that enters that lab itself.
  // --page, --list and --help only read files: they need no cluster, running or not.
  const argv = process.argv.slice(2)
  const offline = ['--all', '--page', '--list', '--help', '-h'].some((a) => argv.includes(a))
  const inLab = offline ? null : await enterOpsNamespace(loadInventory())
  if (inLab !== null) return inLab
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      list: { type: 'boolean', default: false },
      heal: { type: 'boolean', default: false },
      hold: { type: 'string' },
      rate: { type: 'string' },
      warmup: { type: 'string', default: '20' },
      after: { type: 'string', default: '90' },
      'no-docs': { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      // Internal to --all: this layout's drills (--only) with their outcomes written to a file.
      'all-here': { type: 'boolean', default: false },
      only: { type: 'string' },
      outcomes: { type: 'string' },
      page: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const p = new Progress()
  if (values.help) {
    console.log(usage())
    return 0
  }
  if (values.list) {
    listDrills()
    return 0
  }
  if (values.page) {
    writeChaosPage(DRILLS)
    p.say(`docs/chaos.md regenerated from ${readSummaries().length} recorded run(s) in docs/chaos/runs/`)
    return 0
  }
  if (values.heal) {
    const inv = loadInventory()
    healLeftovers(inv, (l) => p.say(l))
    p.say('starting whatever is missing: npm run up')
    return launcherUp((l) => p.say(`  up: ${l}`))
  }
  const num = (v: string | undefined, fallback: number, what: string) => {
    if (v === undefined) return fallback
    const n = Number(v)
    if (!Number.isFinite(n) || n < 0) throw new DrillAbort(`--${what} ${v}: expected a number of seconds`)
    return n
  }
  if (values.all || values['all-here']) {
    if (values.hold !== undefined) {
      console.error('--all runs every drill at its full hold: --hold is not allowed with it')
      return 2
    }
    const opts = { rate: values.rate === undefined ? undefined : num(values.rate, 4, 'rate'), warmup: num(values.warmup, 20, 'warmup'), after: num(values.after, 90, 'after'), docs: !values['no-docs'] }
    if (values['all-here']) {
      const file = values.outcomes
      const outcomes = await runAllHere({ ...opts, only: values.only ? values.only.split(',') : null }, p, (so) => {
        // After every drill, written whole then renamed: the parent reads what ran even if this runner dies.
        if (file) {
          writeFileSync(`${file}.tmp`, JSON.stringify(so))
          renameSync(`${file}.tmp`, file)
        }
      })
      return catalogueVerdict(outcomes, p)
    }
    const forwarded = [
      ...(values.rate === undefined ? [] : ['--rate', values.rate]),
      '--warmup', String(opts.warmup),
      '--after', String(opts.after),
      ...(opts.docs ? [] : ['--no-docs']),
    ]
    return catalogueVerdict(await runCatalogueAcrossLayouts(DRILLS, forwarded, (l) => p.say(l)), p)
  }
  const name = positionals[0]
  if (!name) {
    console.error(usage())
    return 2
  }
  const drill = findDrill(name)
  if (!drill) {
    console.error(`no drill "${name}"; --list shows them`)
    return 2
  }
  try {
    const report = await runDrill(
      drill,
      {
        hold: num(values.hold, drill.holdSeconds, 'hold'),
        rate: num(values.rate, drill.rate ?? 4, 'rate'),
        warmup: num(values.warmup, 20, 'warmup'),
        after: num(values.after, 90, 'after'),
        docs: !values['no-docs'],
      },
      p,
    )
    return report.verdict.pass ? 0 : 1
  } catch (err) {
    if (err instanceof DrillAbort) {
      p.say(`drill not run: ${err.message}`)
      return 2
    }
    throw err
  }
}

process.exitCode = await main()
