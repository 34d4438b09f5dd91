// Copies a drill's latest figures and chart into the committed docs: docs/chaos/<drill>.svg and the
// block between `<!-- figures:<drill>:begin -->` and `<!-- figures:<drill>:end -->` in
// docs/chaos.md. Only those blocks change; the prose around them is the docs' own.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../../infra/launcher/inventory.ts'
import type { DrillReport } from './drill-report.ts'
import { alertLabel } from './prometheus-alerts.ts'
import { describeActivation } from '../verify/alert-check.ts'

const DOC = join(REPO_ROOT, 'docs/chaos.md')
const CHART_DIR = join(REPO_ROOT, 'docs/chaos')

const ms = (v: number | null) => (v === null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`)

export function figuresBlock(r: DrillReport): string {
  const m = r.metrics
  const wc = r.writeCheck
  const failedKinds = Object.entries(m.failedByKind).map(([k, v]) => `${k} ${v}`).join(', ')
  const lines = [
    `Latest run: ${r.run.startedAt.slice(0, 16).replace('T', ' ')} UTC, hold ${r.run.holdSeconds} s, ${r.run.rate} sessions/s — **${r.verdict.pass ? 'PASS' : 'FAIL'}**`,
    '',
    '| failed requests | clean refusals | write stall | read stall | p99 / max during the fault (reads · writes) | lost acknowledged writes | duplicates | full redundancy after heal |',
    '|---|---|---|---|---|---|---|---|',
    `| ${m.failed}${failedKinds ? ` (${failedKinds})` : ''} | ${m.refused} | ${m.writeUnavailableS ?? '–'} s | ${m.readUnavailableS ?? '–'} s | ${ms(m.latencyDuringFault.read.p99Ms)} / ${ms(m.latencyDuringFault.read.maxMs)} · ${ms(m.latencyDuringFault.write.p99Ms)} / ${ms(m.latencyDuringFault.write.maxMs)} | ${wc ? `${wc.lost.length} of ${wc.acknowledged}` : 'not checked'} | ${wc ? wc.duplicates.length : '–'} | ${r.redundancy.ok ? `${r.redundancy.secondsAfterHeal} s` : 'not restored'} |`,
  ]
  const failedChecks = r.verdict.checks.filter((c) => !c.pass)
  if (failedChecks.length) lines.push('', `Failed checks: ${failedChecks.map((c) => `${c.name} (${c.value}; ${c.limit})`).join('; ')}.`)
  if (m.failures.length) {
    lines.push('', 'Failures: ' + m.failures.map((f) => `${f.count}× ${f.kind} → ${f.status || 'no answer'} ${f.cause} (${f.firstS.toFixed(1)}…${f.lastS.toFixed(1)} s after the fault)`).join('; ') + '.')
  }
  const single = r.routing.acksWithoutSyncStandby ?? 0
  if (single > 0) lines.push('', `Writes acknowledged while the primary had no synchronous standby streaming (one copy only; read from PostgreSQL four times a second): ${single}.`)
  const alerts = alertsLine(r)
  if (alerts) lines.push('', alerts)
  lines.push('', `![${r.drill.name} timeline](chaos/${r.drill.name}.svg)`)
  return lines.join('\n')
}

/** One line: the alerts Prometheus raised after the fault (relative to it) and the must-not-fire ones that stayed quiet. */
export function alertsLine(r: DrillReport): string | null {
  const al = r.alerts
  if (!al) return null
  if (!al.history.available) return `Alerts (Prometheus): not read — ${al.history.error ?? 'unknown error'}.`
  const faultAt = r.run.faultAt
  const raised = al.history.activations.filter((a) => !a.activeAtWindowStart && (a.pendingAt ?? a.firingAt ?? 0) >= faultAt - al.history.stepS * 1000)
  const seen = raised.map((a) => `\`${alertLabel(a.alert, a.labels)}\` ${describeActivation(a, faultAt)}`)
  const quiet = al.check.outcomes.filter((o) => o.kind === 'unexpected' && o.pass).map((o) => `\`${o.expectation}\``)
  const failed = al.check.outcomes.filter((o) => !o.pass).map((o) => (o.judged ? o : { ...o, expectation: `${o.expectation} [reported, not judged]` })).map((o) => `${o.expectation} (${o.kind === 'expected' ? o.required : 'must not fire'}: ${o.seen})`)
  return [
    `Alerts (Prometheus, relative to the fault): ${seen.length ? seen.join('; ') : 'none raised'}.`,
    quiet.length ? ` Never fired, as required: ${quiet.join(', ')}.` : '',
    failed.length ? ` **Not as expected:** ${failed.join('; ')}.` : '',
  ].join('')
}

/** Returns false when docs/chaos.md has no block for the drill (nothing is written then). */
export function updateDocs(report: DrillReport, svg: string): boolean {
  let doc: string
  try {
    doc = readFileSync(DOC, 'utf8')
  } catch {
    return false
  }
  const begin = `<!-- figures:${report.drill.name}:begin -->`
  const end = `<!-- figures:${report.drill.name}:end -->`
  const i = doc.indexOf(begin)
  const j = doc.indexOf(end)
  if (i < 0 || j < i) return false
  mkdirSync(CHART_DIR, { recursive: true })
  writeFileSync(join(CHART_DIR, `${report.drill.name}.svg`), svg + '\n')
  writeFileSync(DOC, doc.slice(0, i + begin.length) + '\n' + figuresBlock(report) + '\n' + doc.slice(j))
  return true
}
