// A drill's report: report.json (everything, for tools), report.html (one self-contained page: the
// story, the verdict, the figures and the chart), chart.svg; reports/index.html lists every run.
// reports/ is gitignored; a summary of each run goes to docs/chaos/runs/ (run-summary.ts), from
// which docs/chaos.md is generated (chaos-page.ts).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { DrillMetrics, FailureGroup, TimelinePoint } from '../verify/drill-metrics.ts'
import type { WriteCheck } from '../verify/acknowledged-writes.ts'
import type { ClusterSample } from '../cluster/cluster-sampler.ts'
import type { ChartInput } from './timeline-chart.ts'
import { renderTimelineSvg } from './timeline-chart.ts'
import type { AlertHistory } from './prometheus-alerts.ts'
import { alertLabel } from './prometheus-alerts.ts'
import type { AlertCheck, AlertExpectation, AlertMatcher } from '../verify/alert-check.ts'
import type { RunRecord } from './run-record.ts'

import type { VerdictCheck } from '../verify/verdict-check.ts'
export type { VerdictCheck } from '../verify/verdict-check.ts'

export interface DrillEvent {
  at: number
  /** Seconds since the fault (negative before it). */
  s: number
  what: string
}

export interface DrillReport {
  drill: { name: string; title: string; why: string; given: string[]; when: string[]; then: string[] }
  run: {
    id: string
    startedAt: string
    finishedAt: string
    holdSeconds: number
    rate: number
    k6: string
    k6ExitCode: number | null
    /** Arrivals k6 could not start for want of a free VU: offered load that was never sent. */
    k6DroppedIterations: number | null
    loadStartedAt: number
    faultAt: number
    healAt: number
    redundantAt: number | null
    commandLine: string
  }
  steadyState: { leader: string; syncStandby: string; asyncReplicas: string[]; redisMaster: string; etcdLeader: string | null }
  faults: string[]
  events: DrillEvent[]
  metrics: DrillMetrics
  writeCheck: WriteCheck | null
  redundancy: { ok: boolean; secondsAfterHeal: number | null; problems: string[] }
  routing: {
    twoRoutedPrimariesSamples: number
    twoSelfPrimariesSamples: number
    primaryChanges: Array<{ s: number; to: string | null }>
    /** Acknowledged while the primary had no synchronous standby streaming (cluster/sync-standby-watch.ts). */
    acksWithoutSyncStandby: number
  }
  verdict: { pass: boolean; checks: VerdictCheck[] }
  /** Prometheus' ALERTS over the drill and the check against the drill's expectations (absent in reports before issue 6). */
  alerts?: { history: AlertHistory; check: AlertCheck; expected: AlertExpectation[]; unexpected: AlertMatcher[] }
  timeline: TimelinePoint[]
  samples: Array<{ t: number; routed: string | null; leader: string | null; redis: string | null; apps: number }>
  /** What the run tested: commit, settings in effect, versions (run-record.ts). */
  record?: RunRecord
}

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

export function bandsOf(samples: ClusterSample[], origin: number): Pick<ChartInput, 'primaryBand' | 'redisBand'> & { compact: DrillReport['samples'] } {
  const compact = samples.map((s) => ({
    t: Math.round(((s.at - origin) / 1000) * 10) / 10,
    routed: s.routedPrimaries.length === 0 ? null : s.routedPrimaries.join('+'),
    leader: s.leader,
    redis: s.redisMaster,
    apps: s.appsUp.length,
  }))
  return {
    primaryBand: compact.map((s) => ({ t: s.t, value: s.routed })),
    redisBand: compact.map((s) => ({ t: s.t, value: s.redis })),
    compact,
  }
}

export function chartFor(report: DrillReport, samples: ClusterSample[]): string {
  const origin = report.run.loadStartedAt
  const rel = (at: number) => (at - origin) / 1000
  const bands = bandsOf(samples, origin)
  const markers = [
    { t: rel(report.run.faultAt), label: 'fault', color: '#e15759' },
    { t: rel(report.run.healAt), label: 'heal', color: '#59a14f' },
  ]
  if (report.run.redundantAt) markers.push({ t: rel(report.run.redundantAt), label: 'full redundancy', color: '#4e79a7' })
  // Alerts that fired because of the fault, where they fall within the chart (later ones: the Alerts table).
  const span = report.timeline.length ? report.timeline[report.timeline.length - 1]!.t + 1 : 0
  for (const a of report.alerts?.history.activations ?? []) {
    if (a.firingAt === null || a.activeAtWindowStart || a.firingAt < report.run.faultAt) continue
    if (rel(a.firingAt) <= span) markers.push({ t: rel(a.firingAt), label: `${a.alert} fires`, color: '#f28e2b' })
    if (a.resolvedAt !== null && rel(a.resolvedAt) <= span) markers.push({ t: rel(a.resolvedAt), label: `${a.alert} resolved`, color: '#9c755f' })
  }
  const w = report.metrics.writeUnavailable
  return renderTimelineSvg({
    title: `${report.drill.name} — ${report.verdict.pass ? 'PASS' : 'FAIL'} (${report.run.startedAt.slice(0, 16).replace('T', ' ')} UTC)`,
    points: report.timeline,
    primaryBand: bands.primaryBand,
    redisBand: bands.redisBand,
    markers,
    shaded: w ? { from: rel(report.run.faultAt) + w.fromS, to: rel(report.run.faultAt) + w.toS, label: `no write acknowledged for ${report.metrics.writeUnavailableS} s` } : null,
  })
}

const ms = (v: number | null) => (v === null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`)

/** The Alerts section: what Prometheus raised over the drill, relative to the fault, and the expectations. */
export function renderAlertsHtml(report: DrillReport): string {
  const al = report.alerts
  if (!al) return '<h2>Alerts (Prometheus)</h2><p>Not collected in this run.</p>'
  const h = al.history
  const faultAt = report.run.faultAt
  const at = (t: number | null, none: string) =>
    t === null ? none : `${t >= faultAt ? '+' : ''}${((t - faultAt) / 1000).toFixed(0)} s <small>(${new Date(t).toISOString().slice(11, 19)})</small>`
  const matchesAny = (name: string, labels: Record<string, string>, matchers: AlertMatcher[]) =>
    matchers.some((m) => m.alert === name && Object.entries(m.labels ?? {}).every(([k, v]) => labels[k] === v))
  const head = `<p>From <code>${esc(h.prometheusUrl || '—')}/api/v1/query_range</code>, <code>ALERTS</code> (pending and firing) from ${esc(new Date(h.from).toISOString().slice(11, 19))} to ${esc(new Date(h.to).toISOString().slice(11, 19))} UTC, step ${h.stepS} s; times relative to the fault (${esc(new Date(faultAt).toISOString().slice(11, 19))} UTC), to within a step.</p>`
  if (!h.available) return `<h2>Alerts (Prometheus)</h2>${head}<p class="bad"><b>Prometheus could not be read:</b> ${esc(h.error ?? '')}. Which alerts fired is unknown for this run.</p>`
  const rows = h.activations
    .map((a) => {
      const role = a.activeAtWindowStart ? 'already on before the drill' : matchesAny(a.alert, a.labels, al.unexpected) ? 'must not fire' : matchesAny(a.alert, a.labels, al.expected) ? 'expected' : '—'
      const labels = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(', ')
      return `<tr><td>${esc(a.alert)}</td><td><small>${esc(labels)}</small></td><td>${a.activeAtWindowStart ? 'before the window' : at(a.pendingAt, '—')}</td><td>${at(a.firingAt, 'never fired')}</td><td>${at(a.resolvedAt, '<b>still active at the end</b>')}</td><td>${esc(role)}</td></tr>`
    })
    .join('')
  const outcomes = al.check.outcomes
    .map((o) => `<tr class="${o.pass ? 'ok' : o.judged ? 'bad' : ''}"><td>${o.pass ? '✔' : o.judged ? '✘' : '⚠'}</td><td>${esc(o.expectation)}</td><td>${esc(o.kind === 'expected' ? o.required : 'never fires')}${o.judged ? '' : ' <small>(reported, not judged)</small>'}</td><td>${esc(o.seen)}</td></tr>`)
    .join('')
  const why = [
    ...al.expected.map((e) => `${alertLabel(e.alert, e.labels ?? {})}: ${e.why}`),
    ...[...al.expected, ...al.unexpected].filter((m) => m.reportOnly).map((m) => `${alertLabel(m.alert, m.labels ?? {})} is reported, not judged: ${m.reportOnly}`),
  ]
  return `<h2>Alerts (Prometheus)</h2>${head}
${rows ? `<table><tr><th>alert</th><th>labels</th><th>pending at</th><th>fired at</th><th>resolved at</th><th>in this drill</th></tr>${rows}</table>` : '<p>No alert was pending or firing during the drill.</p>'}
${outcomes ? `<p>Expectations (${report.drill.name}):</p><table><tr><th></th><th>alert</th><th>required</th><th>seen</th></tr>${outcomes}</table>` : '<p>This drill declares no alert expectations.</p>'}
${why.length ? `<ul>${why.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}`
}

/** Requests grouped by one of their answers (the first attempt's, or a late one), as a table. */
function groupTable(groups: FailureGroup[], answer: string): string {
  const rows = groups.map((f) => `<tr><td>${esc(f.kind)}</td><td>${f.status || '—'}</td><td>${esc(f.cause)}</td><td>${f.count}</td><td>${f.firstS.toFixed(1)} s … ${f.lastS.toFixed(1)} s</td></tr>`)
  return `<table><tr><th>kind</th><th>status</th><th>${answer}</th><th>count</th><th>when (after the fault)</th></tr>${rows.join('')}</table>`
}

function renderHtml(report: DrillReport, svg: string): string {
  const m = report.metrics
  const wc = report.writeCheck
  const list = (items: string[]) => `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`
  const checks = report.verdict.checks
    .map((c) => `<tr class="${c.pass ? 'ok' : 'bad'}"><td>${c.pass ? '✔' : '✘'}</td><td>${esc(c.name)}</td><td>${esc(c.value)}</td><td>${esc(c.limit)}</td></tr>`)
    .join('')
  const failures = [...m.failures, ...m.refusals]
    .map(
      (f) =>
        `<tr><td>${esc(f.kind)}</td><td>${f.status || '—'}</td><td>${esc(f.cause)}</td><td>${f.count}</td><td>${f.firstS.toFixed(1)} s … ${f.lastS.toFixed(1)} s</td><td>${m.refusals.includes(f) ? 'clean refusal' : 'failure'}</td></tr>`,
    )
    .join('')
  const nodes = (wc?.nodes ?? [])
    .map((n) => `<tr><td>${esc(n.node)}</td><td>${n.role}</td><td>${n.caughtUp ? 'yes' : 'no'}</td><td>${n.missing.length}</td><td>${esc(n.error ?? '')}</td></tr>`)
    .join('')
  const events = report.events.map((e) => `<tr><td>${e.s >= 0 ? '+' : ''}${e.s.toFixed(1)} s</td><td>${esc(e.what)}</td></tr>`).join('')
  const lat = (name: string, l: DrillMetrics['latencyDuringFault']['read']) =>
    `<tr><td>${name}</td><td>${l.count}</td><td>${ms(l.p50Ms)}</td><td>${ms(l.p99Ms)}</td><td>${ms(l.maxMs)}</td></tr>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(report.drill.name)} — ${report.verdict.pass ? 'PASS' : 'FAIL'}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1040px;margin:24px auto;padding:0 12px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;font-size:13px;text-align:left}
.verdict{display:inline-block;padding:4px 12px;border-radius:4px;color:#fff;font-weight:bold}.pass{background:#2e7d32}.fail{background:#c62828}
tr.ok td:first-child{color:#2e7d32}tr.bad td{background:#fdecea}.gwt b{display:inline-block;width:48px}
</style></head><body>
<h1>${esc(report.drill.name)}: ${esc(report.drill.title)} <span class="verdict ${report.verdict.pass ? 'pass' : 'fail'}">${report.verdict.pass ? 'PASS' : 'FAIL'}</span></h1>
<p>${esc(report.drill.why)}</p>
<div class="gwt"><p><b>Given</b></p>${list(report.drill.given)}<p><b>When</b></p>${list(report.drill.when)}<p><b>Then</b></p>${list(report.drill.then)}</div>
<p>Run ${esc(report.run.id)} · ${esc(report.run.startedAt)} · hold ${report.run.holdSeconds} s · ${report.run.rate} officer sessions/s · ${esc(report.run.k6)} · <code>${esc(report.run.commandLine)}</code></p>
<p>Before the fault: leader ${esc(report.steadyState.leader)}, synchronous standby ${esc(report.steadyState.syncStandby)}, Redis master ${esc(report.steadyState.redisMaster)}. Faults: ${esc(report.faults.join('; '))}.</p>
<h2>Verdict</h2><table><tr><th></th><th>check</th><th>measured</th><th>criterion</th></tr>${checks}</table>
<h2>Timeline</h2>${svg}
${renderAlertsHtml(report)}
<h2>Requests</h2>
<p>${m.requests} requests, ${m.requestsDuringFault} sent while the fault was on; ${m.failed} failed, ${m.refused} refused cleanly. Longest time without an acknowledged write: ${m.writeUnavailableS ?? '–'} s; without a successful read: ${m.readUnavailableS ?? '–'} s.</p>
<table><tr><th>during the fault</th><th>requests</th><th>p50</th><th>p99</th><th>max</th></tr>${lat('reads', m.latencyDuringFault.read)}${lat('writes', m.latencyDuringFault.write)}</table>
<table><tr><th>before the fault</th><th>requests</th><th>p50</th><th>p99</th><th>max</th></tr>${lat('reads', m.latencyBeforeFault.read)}${lat('writes', m.latencyBeforeFault.write)}</table>
${failures ? `<table><tr><th>kind</th><th>status</th><th>cause</th><th>count</th><th>when (after the fault)</th><th></th></tr>${failures}</table>` : '<p>No request failed.</p>'}
${m.resends.length ? `<p>Sent more than once by the officer's client (a read or keyed write after silence, after IDEMPOTENCY_KEY_IN_USE or a transport error; docs/api.md), by what the first attempt got — each judged above by its deciding answer:</p>${groupTable(m.resends, 'first attempt')}` : '<p>No request was sent more than once.</p>'}
${m.lateAnswers.length ? `<p>Answered after the request was decided, to an attempt the client had left open (judged: "late answers of attempts left open"):</p>${groupTable(m.lateAnswers, 'answer')}` : '<p>No attempt was left open.</p>'}
<h2>Acknowledged writes, read back from every node</h2>
${wc ? `<p>${wc.acknowledged} acknowledged writes (${esc(Object.entries(wc.byKind).map(([k, v]) => `${k} ${v}`).join(', '))}); primary at check time ${esc(wc.primary ?? 'none')}; lost ${wc.lost.length}; duplicated ${wc.duplicates.length}.</p>
<table><tr><th>node</th><th>role</th><th>caught up</th><th>missing</th><th>error</th></tr>${nodes}</table>
${wc.problems.length ? `<p>Check problems:</p>${list(wc.problems)}` : ''}
${wc.lost.length ? `<p>Lost (first 50):</p>${list(wc.lost.slice(0, 50).map((l) => `${l.kind} ${l.id} key ${l.key} (${l.what})`))}` : ''}` : '<p>The check did not run.</p>'}
<h2>Redundancy</h2><p>${report.redundancy.ok ? `Full redundancy ${report.redundancy.secondsAfterHeal} s after the heal.` : 'Full redundancy did not come back in time:'}</p>${report.redundancy.ok ? '' : list(report.redundancy.problems)}
<p>Samples with two primaries routed at once: ${report.routing.twoRoutedPrimariesSamples}; with two nodes whose own Patroni reported a running primary: ${report.routing.twoSelfPrimariesSamples}. Writes acknowledged while the primary had no synchronous standby streaming (one copy only; read from PostgreSQL four times a second): ${report.routing.acksWithoutSyncStandby}. Changes of the routed primary: ${esc(report.routing.primaryChanges.map((c) => `${c.s.toFixed(1)} s → ${c.to ?? 'none'}`).join(', ') || 'none')}.</p>
<h2>Events</h2><table>${events}</table>
</body></html>
`
}

export interface WrittenReport {
  dir: string
  html: string
  json: string
  svg: string
}

export function writeReport(reportsRoot: string, report: DrillReport, svg: string): WrittenReport {
  const dir = join(reportsRoot, report.run.id)
  mkdirSync(dir, { recursive: true })
  const json = join(dir, 'report.json')
  const html = join(dir, 'report.html')
  const svgFile = join(dir, 'chart.svg')
  writeFileSync(json, JSON.stringify(report, null, 1) + '\n')
  writeFileSync(svgFile, svg + '\n')
  writeFileSync(html, renderHtml(report, svg))
  writeIndex(reportsRoot)
  return { dir, html, json, svg: svgFile }
}

interface IndexRow {
  id: string
  drill: string
  startedAt: string
  pass: boolean
  failed: number
  lost: number | null
  writeStallS: number | null
  redundancyS: number | null
}

/** reports/index.html and index.json, newest first, rebuilt from the report folders. */
function writeIndex(reportsRoot: string): void {
  const rows: IndexRow[] = []
  for (const entry of readdirSync(reportsRoot, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    try {
      const r = JSON.parse(readFileSync(join(reportsRoot, entry.name, 'report.json'), 'utf8')) as DrillReport
      rows.push({
        id: r.run.id,
        drill: r.drill.name,
        startedAt: r.run.startedAt,
        pass: r.verdict.pass,
        failed: r.metrics.failed,
        lost: r.writeCheck ? r.writeCheck.lost.length : null,
        writeStallS: r.metrics.writeUnavailableS,
        redundancyS: r.redundancy.secondsAfterHeal,
      })
    } catch {
      // a run that was interrupted before its report: not listed
    }
  }
  rows.sort((a, b) => b.startedAt.localeCompare(a.startedAt))
  writeFileSync(join(reportsRoot, 'index.json'), JSON.stringify(rows, null, 1) + '\n')
  const body = rows
    .map(
      (r) =>
        `<tr><td><a href="${esc(r.id)}/report.html">${esc(r.startedAt.slice(0, 19).replace('T', ' '))}</a></td><td>${esc(r.drill)}</td><td class="${r.pass ? 'ok' : 'bad'}">${r.pass ? 'PASS' : 'FAIL'}</td><td>${r.failed}</td><td>${r.lost ?? '–'}</td><td>${r.writeStallS ?? '–'} s</td><td>${r.redundancyS ?? '–'} s</td></tr>`,
    )
    .join('\n')
  writeFileSync(
    join(reportsRoot, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Chaos drills</title>
<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:24px auto}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 10px;font-size:13px}.ok{color:#2e7d32;font-weight:bold}.bad{color:#c62828;font-weight:bold}</style>
</head><body><h1>Chaos drills: every run</h1>
<table><tr><th>started (UTC)</th><th>drill</th><th>verdict</th><th>failed requests</th><th>lost writes</th><th>longest write stall</th><th>redundancy after heal</th></tr>
${body}
</table></body></html>
`,
  )
}
