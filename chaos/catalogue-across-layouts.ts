// `npm run drill -- --all` across layouts: a drill the current inventory cannot host (a
// load-balancer pair on the loopback cluster, machines that carry every role on the production
// layout) names the layout it is drilled on (Drill.layout); the catalogue run brings that layout's
// lab up, runs those drills there at their full holds, takes it down and brings the first cluster
// back. Each layout's drills run in a child runner of their own (inventory-bound state is fixed
// when modules load, and a lab's drills run inside its ops namespace); only one cluster runs at a
// time, so two clusters never share these two cores during a drill.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import type { Inventory } from '../infra/launcher/cluster-api.ts'
import { loadInventory, REPO_ROOT } from '../infra/launcher/cluster-api.ts'
import type { Drill } from './drill-definition.ts'
import { launcher as runLauncher } from './cluster/redundancy.ts'

export type CatalogueOutcome = { drill: string; hold: number; outcome: 'PASS' | 'FAIL' | 'NOT RUN' | 'N/A'; note: string; layout: string }

export interface LayoutPlan {
  /** Inventory file, relative to the repository (null: the current one). */
  layout: string | null
  drills: string[]
}

/**
 * Which drills run where: every drill the current inventory can host runs on it; each other drill
 * on the layout it names, when that layout can host it; a drill no layout can host stays N/A.
 */
export function planLayouts(drills: readonly Drill[], current: Inventory, load: (file: string) => Inventory = loadInventory): { plans: LayoutPlan[]; unplaced: CatalogueOutcome[] } {
  const here: string[] = []
  const elsewhere = new Map<string, string[]>()
  const unplaced: CatalogueOutcome[] = []
  const currentRel = relative(REPO_ROOT, current.file)
  for (const d of drills) {
    const unmet = d.requires?.(current) ?? null
    if (!unmet) {
      here.push(d.name)
      continue
    }
    const other = d.layout && d.layout !== currentRel ? d.layout : null
    const otherUnmet = other ? (d.requires?.(load(other)) ?? null) : unmet
    if (other && !otherUnmet) elsewhere.set(other, [...(elsewhere.get(other) ?? []), d.name])
    else unplaced.push({ drill: d.name, hold: d.holdSeconds, outcome: 'N/A', note: `does not apply to ${currentRel}: ${unmet}`, layout: currentRel })
  }
  return { plans: [{ layout: null, drills: here }, ...[...elsewhere].map(([layout, names]) => ({ layout, drills: names }))], unplaced }
}

type Say = (line: string) => void

/** Set by SIGINT/SIGTERM during a catalogue run: no further layout starts; the current cluster is still restored. */
let interrupted = false

function run(argv: string[], env: NodeJS.ProcessEnv, say: Say, prefix: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let buffer = ''
    const feed = (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      const lines = buffer.split(/\r?\n/)
      buffer = lines.pop() ?? ''
      for (const line of lines) say(`${prefix}${line}`)
    }
    child.stdout.on('data', feed)
    child.stderr.on('data', feed)
    const forward = (sig: NodeJS.Signals) => {
      interrupted = true
      child.kill(sig)
    }
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('close', (code) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      if (buffer) say(`${prefix}${buffer}`)
      resolve(code ?? 1)
    })
    child.on('error', () => resolve(127))
  })
}

// The launcher's own runner (chaos/cluster/redundancy.ts); a Ctrl-C meanwhile reaches it through the
// process group and still stops the layouts still to come.
const launcher = (cmd: 'up' | 'down', env: NodeJS.ProcessEnv, say: Say, prefix: string) => {
  const mark = () => (interrupted = true)
  process.once('SIGINT', mark)
  process.once('SIGTERM', mark)
  return runLauncher(cmd, (l) => say(`${prefix}${l}`), env).finally(() => {
    process.off('SIGINT', mark)
    process.off('SIGTERM', mark)
  })
}

/** One layout's drills in a child runner (`--all-here`), its outcomes read back from a file. */
async function runHere(plan: LayoutPlan, env: NodeJS.ProcessEnv, forwarded: string[], say: Say): Promise<CatalogueOutcome[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tqdt-catalogue-'))
  const file = join(dir, 'outcomes.json')
  try {
    const code = await run(
      [process.execPath, ...process.execArgv, join(REPO_ROOT, 'chaos/drill-runner.ts'), '--all-here', '--only', plan.drills.join(','), '--outcomes', file, ...forwarded],
      env,
      say,
      '',
    )
    // The child writes the file after every drill: a runner interrupted or crashed half-way still
    // reports the drills it ran; only the others are NOT RUN.
    let done: CatalogueOutcome[] = []
    try {
      done = JSON.parse(readFileSync(file, 'utf8')) as CatalogueOutcome[]
    } catch {
      done = []
    }
    const layout = plan.layout ?? 'the current inventory'
    const missing = plan.drills.filter((d) => !done.some((o) => o.drill === d))
    return [...done, ...missing.map((drill) => ({ drill, hold: 0, outcome: 'NOT RUN' as const, note: `the runner on ${layout} ended (exit ${code}) before it`, layout }))]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The catalogue at full holds on every layout it needs. Returns the outcomes in catalogue order.
 * The current cluster is taken down while another layout runs and brought up again afterwards,
 * also when that layout fails.
 */
export async function runCatalogueAcrossLayouts(drills: readonly Drill[], forwarded: string[], say: Say): Promise<CatalogueOutcome[]> {
  const current = loadInventory()
  const { plans, unplaced } = planLayouts(drills, current)
  const outcomes: CatalogueOutcome[] = [...unplaced]
  for (const plan of plans) {
    if (plan.drills.length === 0) continue
    if (plan.layout === null) {
      outcomes.push(...(await runHere(plan, process.env, forwarded, say)))
      continue
    }
    const layout = plan.layout
    const notRun = (note: string) => plan.drills.map((drill) => ({ drill, hold: 0, outcome: 'NOT RUN' as const, note, layout }))
    if (interrupted) {
      outcomes.push(...notRun('interrupted before this layout'))
      continue
    }
    const env = { ...process.env, TQDT_INVENTORY: layout }
    say(`=== ${plan.drills.join(', ')}: on ${layout}, which the current inventory is not; the current cluster goes down while it runs`)
    // Two clusters never run at once: a current cluster that did not stop keeps the other layout down.
    const down = await launcher('down', process.env, say, '  down (current): ')
    if (down !== 0 || interrupted) {
      outcomes.push(...notRun(interrupted ? 'interrupted' : `the current cluster did not stop (exit ${down})`))
    } else {
      try {
        const up = await launcher('up', env, say, `  up (${layout}): `)
        if (up !== 0) outcomes.push(...notRun(`${layout} did not come up healthy (exit ${up})`))
        else outcomes.push(...(await runHere(plan, env, forwarded, say)))
      } finally {
        await launcher('down', env, say, `  down (${layout}): `)
      }
    }
    const back = await launcher('up', process.env, say, '  up (current): ')
    if (back !== 0) {
      // The run must not end green with the cluster it started from left down.
      outcomes.push({ drill: `(current cluster after ${layout})`, hold: 0, outcome: 'NOT RUN', note: `did not come back healthy (exit ${back}): npm run up`, layout: relative(REPO_ROOT, current.file) })
    }
  }
  const order = new Map(drills.map((d, i) => [d.name, i]))
  return outcomes.sort((a, b) => (order.get(a.drill) ?? 0) - (order.get(b.drill) ?? 0))
}
