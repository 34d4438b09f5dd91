// The interleaved comparison of issue 14.4 on docs/benchmarks.md: the newest committed record in
// docs/benchmarks/runs/ (never a smoke) rendered as the page's headline — the medians and spread of
// each ratio, every trial with its load average, the commit and the settings the run read from the
// cluster. Every figure is taken from the record, so the page says what that run showed and names it.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunRecord } from '../../chaos/report/run-record.ts'
import { COMPONENTS } from './cpu-by-component.ts'
import { PAIRS, summarise, type PairSummary, type Side, type Trial } from './interleaved-comparison.ts'

export interface InterleavedRecord {
  id: string
  startedAt: string
  finishedAt: string
  commandLine: string
  mode: 'interleaved' | 'smoke'
  repeats: number
  settings: { p99Ms: number; stepSeconds: number; warmupSeconds: number; factor: number }
  seededHandovers: number
  ceilingThroughHaproxy: boolean
  record: RunRecord
  /** The SQL each request sends, captured by running the app's own services in the same run (absent in older records). */
  statements?: { get: string[]; search: string[]; create: string[] }
  summaries: PairSummary[]
  trials: Trial[]
}

/** The newest interleaved record of a folder (ids sort by their UTC stamp); smoke runs never count. */
export function latestInterleaved(dir: string): { file: string; run: InterleavedRecord } | null {
  if (!existsSync(dir)) return null
  const files = readdirSync(dir).filter((f) => f.endsWith('-interleaved.json')).sort().reverse()
  for (const f of files) {
    const run = JSON.parse(readFileSync(join(dir, f), 'utf8')) as InterleavedRecord
    if (run.mode === 'interleaved') return { file: f, run }
  }
  return null
}

const n0 = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : Math.round(v).toLocaleString('en'))
const x2 = (v: number | null) => (v === null ? '–' : `${v.toFixed(2)}×`)
const ms = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)} ms`)
const sideText = (s: Side) => (s.reqPerS > 0 ? `${n0(s.reqPerS)} req/s (p99 ${ms(s.p99Ms)})` : 'no passing step')

/** The settings a reader needs to repeat the run, as the run read them from the cluster. */
function settingsLine(r: RunRecord): string {
  const pg = r.settings.postgres ?? {}
  const app = r.settings.app ?? {}
  const patroni = r.settings.patroni ?? {}
  const parts = [
    'synchronous_mode_strict' in patroni ? `Patroni synchronous_mode_strict ${String(patroni.synchronous_mode_strict)}` : null,
    pg.synchronous_commit !== undefined ? `synchronous_commit ${pg.synchronous_commit}` : null,
    pg.synchronous_standby_names !== undefined ? `synchronous_standby_names '${pg.synchronous_standby_names}'` : null,
    ...Object.entries(app)
      .filter(([k]) => /pool/i.test(k))
      .map(([k, v]) => `${k}=${v}`),
    r.settings.haproxy?.timeouts.length ? `HAProxy ${r.settings.haproxy.timeouts.join(', ')}` : null,
  ].filter((p): p is string => p !== null)
  return parts.length ? parts.join('; ') : 'not recorded'
}

export function interleavedSection(file: string, run: InterleavedRecord, runsRel: string): string[] {
  const r = run.record
  const c = r.commit
  const loads = run.trials.map((t) => t.loadAverage)
  const out = [
    '## The service against its ceiling, interleaved',
    '',
    `**Run ${run.id}** ([record](${runsRel}/${file})), ${run.startedAt.slice(0, 16).replace('T', ' ')}–${run.finishedAt.slice(11, 16)} UTC, ` +
      `commit \`${c.sha.slice(0, 7)}\` (${c.subject})${c.dirty ? ` with uncommitted changes to ${(c.changed ?? []).join(', ') || 'tracked files'}` : ''}, ` +
      `\`${run.commandLine}\`; ${r.layout ? `${r.layout.inventory} (${r.layout.lab}, ${r.layout.hosts} hosts)` : 'the default inventory'}, ` +
      `${n0(run.seededHandovers)} seeded handovers. Load average (1 min) when each trial began: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}.`,
    '',
    `Each pair is measured service, ceiling, service, ceiling, … ${run.repeats} times; each side of a trial is the best step of its own rise ` +
      `(${run.settings.warmupSeconds} s warm-up at half the rate, ${run.settings.stepSeconds} s at a constant arrival rate, ×${run.settings.factor} while it passes, then bisections), ` +
      `a step passing with p99 < ${run.settings.p99Ms} ms, no failed request and at most 0.1 % of arrivals dropped; a failing step is run once more before it counts, on both sides alike. ` +
      `The ceiling is ${run.ceilingThroughHaproxy ? "the bare server reached through the same HAProxy HTTP hop as the service (`fe_bench`)" : '**the bare server reached directly (no HAProxy hop: the inventory has no bench port)**'}. ` +
      'The figure is the median of the ratios, with their spread.',
    '',
    '| pair | service req/s (median) | ceiling req/s (median) | ratio, median | spread (min–max) | runs | target | met |',
    '|---|---:|---:|---:|---|---:|---:|---|',
    ...run.summaries.map(
      (s) =>
        `| ${s.pair} | ${n0(s.serviceMedianReqPerS)} | ${n0(s.ceilingMedianReqPerS)} | ${x2(s.median)} | ${s.min === null ? '–' : `${s.min.toFixed(2)}–${s.max!.toFixed(2)}×`} | ${s.ratios.length} | ≥ ${s.target}× | ${s.meetsTarget === null ? '–' : s.meetsTarget ? '✔ met' : '✘ **not met**'} |`,
    ),
    '',
    `Settings read from the running cluster: ${settingsLine(r)}.`,
    '',
    '<details><summary>Every trial</summary>',
    '',
    '| # | pair | service | ceiling | ratio | load | service stopped by | ceiling stopped by |',
    '|---:|---|---|---|---:|---:|---|---|',
    ...run.trials.map(
      (t) =>
        `| ${t.repeat} | ${t.pair} | ${sideText(t.service)} | ${sideText(t.ceiling)} | ${x2(t.ratio)} | ${t.loadAverage.toFixed(2)} | ${t.service.stoppedBy}${t.service.retried ? ` (${t.service.retried} retried)` : ''} | ${t.ceiling.stoppedBy}${t.ceiling.retried ? ` (${t.ceiling.retried} retried)` : ''} |`,
    ),
    '',
    '</details>',
    '',
  ]
  const st = run.statements
  if (st) {
    out.push(
      `**Round trips per request** in this run (the app's own services against a recording connection, \`loadtests/bench/bench-database.ts\`): GET by id **${st.get.length}**, search by container **${st.search.length}**, create **${st.create.length}**; the bare server sends one.`,
      '',
      '<details><summary>The statements of one create</summary>',
      '',
      '```sql',
      ...st.create.map((t) => t.replace(/\s+/g, ' ').trim()),
      '```',
      '</details>',
      '',
    )
  }
  out.push(...cpuSection(run))
  return out
}

const ms2 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(2))
const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)} %`)

/**
 * Where each side's capacity went (14: "the page shows the measured cause (CPU by component and round
 * trips per request) and what would close it"): CPU per request by component at each side's best
 * step, the median of the trials, and for each pair that misses its target the components that make
 * up the difference. Absent in records made before the runner kept CPU.
 */
function cpuSection(run: InterleavedRecord): string[] {
  // From the trials, not the record's stored summaries: how the CPU is summarised may be newer than the record.
  const cpuOf = new Map(summarise(PAIRS, run.trials).map((s) => [s.pair, s.cpu]))
  const withCpu = run.summaries.map((s) => ({ ...s, cpu: cpuOf.get(s.pair) })).filter((s) => s.cpu)
  if (withCpu.length === 0) return []
  const cpus = run.record.machine?.cpus ?? 2
  const row = (name: string, cpu: Record<string, number>, totalMs: number, busy: number | null) =>
    `| ${name} | ${COMPONENTS.map((c) => ms2(cpu[c])).join(' | ')} | **${ms2(totalMs)}** | ${pct(busy)} |`
  const out = [
    `**CPU per request at each side's best step**, in milliseconds, on the whole machine (every process grouped by what it is, \`loadtests/bench/cpu-by-component.ts\`; the median of the ${run.repeats} trials for each component, and for the total the median of the trials' totals, so the components need not add up to it). ` +
      `${cpus} cores give ${(cpus * 1000).toLocaleString('en')} CPU ms a second, so a side whose cores are all busy tops out near ${(cpus * 1000).toLocaleString('en')} ÷ its total.`,
    '',
    `| pair, side | ${COMPONENTS.join(' | ')} | total | cores busy |`,
    `|---|${COMPONENTS.map(() => '---:').join('|')}|---:|---:|`,
  ]
  for (const s of withCpu) {
    const pair = s.pair.split(' vs ')
    out.push(row(`${pair[0]}`, s.cpu!.service, s.cpu!.serviceTotal, s.cpu!.serviceBusy), row(`${pair[1] ?? 'ceiling'} (ceiling)`, s.cpu!.ceiling, s.cpu!.ceilingTotal, s.cpu!.ceilingBusy))
  }
  out.push('')
  const unmet = withCpu.filter((s) => s.meetsTarget === false)
  if (unmet.length) {
    out.push('### What the gap is made of', '')
    for (const s of unmet) out.push(gapLine(s, run))
    out.push('')
  }
  return out
}

/**
 * What a request of the service does that its ceiling does not, from the code (not from a profile:
 * the interleaved run measures CPU by process, not by function).
 */
const DOES_MORE: Record<string, string> = {
  'handover.create':
    'What a create does that the bare POST does not: in Node, verify the officer\'s token, validate the body against its schema, hash it for the idempotency fingerprint and the content hash, build the audit entry, the outbox event and the view, log one line; in PostgreSQL, insert the handover, its containers and goods lines, the idempotency key, the audit row and the outbox event, each with its indexes (every lookup the officers use is an index on handovers), where the bare POST inserts one row into a table with one index — and both replicas replay all of it on the same two cores.',
  'handover.get':
    'What a GET does that the bare GET does not: verify the token and the officer\'s office, read the handover with its containers, goods lines, receipt, amendments and incidents (one statement with JSON sub-selects) and serialise a view of some thirty fields, where the bare GET returns one row.',
  'handover.search':
    'What a search does that the bare GET does not: verify the token, look the container up as the officer\'s office at either end (a union of two index lookups, sorted) and serialise each hit\'s view.',
  mixed: 'The mix is the officers\' sessions (handovers, gate confirmations, paper declarations, lookups): its writes do what a create does, its reads what a GET or a search does.',
}

/** What a request does itself (the load generator, the app or bare server, PostgreSQL, HAProxy). */
const REQUEST_COMPONENTS = ['k6', 'node', 'postgres', 'haproxy'] as const
/** Of those, what the service could shed (k6 is the load generator: its cost follows the requests' size). */
const SERVER_COMPONENTS = ['node', 'postgres', 'haproxy'] as const
/**
 * What runs whatever the load (etcd, Patroni, Redis, Prometheus and the exporters): about the same
 * CPU per second on both sides, so per request it weighs more on the side answering fewer requests.
 */
const BACKGROUND_COMPONENTS = ['etcd', 'patroni', 'redis', 'other'] as const

const sumOf = (cpu: Record<string, number>, components: readonly string[]) => components.reduce((a, c) => a + (cpu[c] ?? 0), 0)

/**
 * One pair under its target: the difference in CPU per request by component, largest first, the
 * round trips, and what closing the gap would take. Both sides rise until their p99 passes the
 * limit; where they stop at about the same share of the cores, the ratio is set by CPU per request
 * (ceiling ÷ service), and the target says how much of the service's CPU per request must go.
 */
function gapLine(s: PairSummary, run: InterleavedRecord): string {
  const { service, ceiling, serviceBusy, ceilingBusy, serviceTotal, ceilingTotal, cpuRatio } = s.cpu!
  const diff = REQUEST_COMPONENTS.map((c) => ({ c, d: (service[c] ?? 0) - (ceiling[c] ?? 0) }))
    .filter((x) => x.d > 0.005)
    .sort((a, b) => b.d - a.d)
  const own = sumOf(service, REQUEST_COMPONENTS)
  const ownCeiling = sumOf(ceiling, REQUEST_COMPONENTS)
  const trips = roundTrips(s.pair, run)
  const sameLoad = serviceBusy !== null && ceilingBusy !== null && Math.abs(serviceBusy - ceilingBusy) <= 0.1
  // Judged on the median of the trials' CPU ratios (as the ratio itself is), expressed in the service's median CPU.
  const allowed = (serviceTotal * cpuRatio) / s.target
  const cut = serviceTotal - allowed
  const shed = diff.filter((x) => (SERVER_COMPONENTS as readonly string[]).includes(x.c)).slice(0, 2)
  return (
    `* **${s.pair}: ${x2(s.median)}, target ${s.target}×.** A request of the service costs ${ms2(serviceTotal)} CPU ms against the ceiling's ${ms2(ceilingTotal)}. ` +
    `Its own work (${REQUEST_COMPONENTS.join(', ')}) is ${ms2(own)} ms against ${ms2(ownCeiling)} ms: ${diff.map((x) => `${x.c} +${ms2(x.d)}`).join(', ') || 'no component more'}; ` +
    `the rest (${BACKGROUND_COMPONENTS.join(', ')}: ${ms2(sumOf(service, BACKGROUND_COMPONENTS))} ms against ${ms2(sumOf(ceiling, BACKGROUND_COMPONENTS))}) runs whatever the load and only weighs more on the side that answers fewer requests. ` +
    (trips ? `${trips} ` : '') +
    (DOES_MORE[PAIRS.find((p) => p.name === s.pair)?.service ?? ''] ?? '') +
    ` At their best steps the service kept ${pct(serviceBusy)} of the cores busy, the ceiling ${pct(ceilingBusy)}` +
    (sameLoad
      ? `: both stop on their p99 at about the same load, while the processes used about half of the cores' time (idle and steal time were not recorded), so the ratio follows the ceiling's CPU per request over the service's, ${cpuRatio.toFixed(2)}× (median of the trials). ` +
        (cut > 0
          ? `**What would close it:** a request of the service at ${ms2(allowed)} CPU ms or less (CPU ratio ${cpuRatio.toFixed(2)}× → ${s.target}×), ${ms2(cut)} ms (${Math.round((cut / serviceTotal) * 100)} %) less than now, taken from ${shed.map((x) => x.c).join(' and ') || 'the server side'}, where the service spends the most beyond the ceiling.`
          : `By CPU per request it would meet the target (CPU ratio ${cpuRatio.toFixed(2)}× ≥ ${s.target}×); the measured median ratio falls short by the spread of the runs.`)
      : ': they stop at different loads, so CPU per request alone does not explain the ratio.')
  )
}

function roundTrips(pair: string, run: InterleavedRecord): string | null {
  const st = run.statements
  if (!st) return null
  if (pair.startsWith('create')) return `A create is ${st.create.length} round trips to PostgreSQL, the bare POST one.`
  if (pair.startsWith('GET')) return `A GET by id is ${st.get.length} round trip, as is the bare GET.`
  if (pair.startsWith('search')) return `A search is ${st.search.length} round trip, as is the bare GET.`
  return null
}
