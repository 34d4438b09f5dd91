// The interleaved comparison of issue 14.4 on docs/benchmarks.md: the newest committed record in
// docs/benchmarks/runs/ (never a smoke) rendered as the page's headline — the medians and spread of
// each ratio, every trial with its load average, the commit and the settings the run read from the
// cluster. Every figure is taken from the record, so the page says what that run showed and names it.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunRecord } from '../../chaos/report/run-record.ts'
import type { PairSummary, Side, Trial } from './interleaved-comparison.ts'

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
  return out
}
