// docs/chaos.md, generated: the prose of chaos-page-template.md, a catalogue table, and for each
// drill its story and budgets (from chaos/drills/) with the figures of its latest recorded run at
// the full hold (docs/chaos/runs/*.json). A run held shorter is shown as such and never as the
// drill's result. No figure on the page comes from anywhere else.
//
//   npm run drill -- --page
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../../infra/launcher/cluster-api.ts'
import type { Drill, DrillContext } from '../drill-definition.ts'
import type { RunSummary } from './run-summary.ts'
import { readSummaries } from './run-summary.ts'

const TEMPLATE = join(REPO_ROOT, 'chaos/report/chaos-page-template.md')
const PAGE = join(REPO_ROOT, 'docs/chaos.md')

/** Stands in for the cluster as a drill finds it, so the page can name what a drill chooses then. */
const PLACEHOLDERS: DrillContext = {
  inv: null as unknown as DrillContext['inv'],
  leader: '<primary>',
  syncStandby: '<synchronous standby>',
  asyncReplicas: ['<replica>'],
  redisMaster: '<Redis master>',
  etcdLeader: '<raft leader>',
  log: () => undefined,
}

const s1 = (v: number | null) => (v === null ? '–' : `${v} s`)
const day = (iso: string) => iso.slice(0, 16).replace('T', ' ')

function settingsLine(r: RunSummary): string {
  const p = r.record.settings.patroni
  const pgs = r.record.settings.postgres
  const app = r.record.settings.app
  const layout = r.record.layout
  const parts = [
    layout ? `layout: ${layout.inventory}, ${layout.hosts} hosts as ${layout.lab === 'namespace' ? 'network namespaces' : 'loopback addresses'}` : '',
    p ? `Patroni ttl ${p.ttl} / loop_wait ${p.loop_wait} / retry_timeout ${p.retry_timeout}, synchronous_mode ${p.synchronous_mode}, strict ${p.synchronous_mode_strict}, node count ${p.synchronous_node_count}` : 'Patroni settings not read',
    pgs ? `synchronous_commit ${pgs.synchronous_commit}, wal_sender_timeout ${pgs.wal_sender_timeout}` : '',
    r.record.settings.haproxy ? `HAProxy: ${r.record.settings.haproxy.timeouts.filter((t) => /server|set-timeout|connect/.test(t)).join('; ')}` : '',
    app ? `app: write hold ${app.writeDeadlineMs} ms, query timeout ${app.queryTimeoutMs} ms, pool ${app.databasePoolMax} + queue ${app.queuePoolMax}` : '',
  ]
  const v = r.record.machine.versions
  parts.push(`versions: PostgreSQL ${v.postgresql}, Patroni ${v.patroni}, HAProxy ${v.haproxy}, etcd ${v.etcd}, Redis ${v.redis}, Node ${v.node}, k6 ${v.k6}`)
  parts.push(`machine: ${r.record.machine.cpus} CPUs, load ${r.record.machine.loadAverage.join(' / ')} at the start`)
  return parts.filter(Boolean).join('. ') + '.'
}

function runBlock(r: RunSummary): string {
  const f = r.figures
  const { sha, dirty, changed } = r.record.commit
  const commit = `${sha.slice(0, 10)}${dirty ? ` (with uncommitted changes${changed?.length ? `: ${changed.join(', ')}` : ''})` : ''}`
  const lines = [
    `Run \`${r.id}\`: ${day(r.startedAt)} UTC, commit ${commit}, hold ${r.holdSeconds} s${r.fullHold ? ' (full)' : ` (**shortened**; the drill holds ${r.drillHoldSeconds} s)`}, ${r.rate} sessions/s — **${r.pass ? 'PASS' : 'FAIL'}**`,
    '',
    '| failed | clean refusals | write stall | read stall | slowest read · write | acknowledged | lost | missing on any node | duplicates | one copy only | full redundancy after heal |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    `| ${f.failed} | ${f.cleanRefusals} | ${s1(f.writeStallS)} | ${s1(f.readStallS)} | ${s1(f.slowestReadS)} · ${s1(f.slowestWriteS)} | ${f.acknowledged} | ${f.lost ?? '–'} | ${f.missingOnAnyNode ?? '–'} | ${f.duplicates ?? '–'} | ${f.singleCopyAcks} | ${s1(f.secondsToRedundancy)} |`,
    '',
    `Acknowledged by kind: ${Object.entries(f.acknowledgedByKind).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}.`,
  ]
  const failed = r.checks.filter((c) => !c.pass)
  if (failed.length) lines.push('', `Failed checks: ${failed.map((c) => `${c.name} (${c.value}; ${c.limit})`).join('; ')}.`)
  if (f.failures.length) lines.push('', `Failures and refusals: ${f.failures.join('; ')}.`)
  if (f.late?.length) lines.push('', `Answered after the request was decided, to an attempt the client had left open (judged: "late answers of attempts left open"): ${f.late.join('; ')}.`)
  if (f.resent?.length) lines.push('', `Sent more than once by the officer's client (docs/api.md, "When no answer comes"), each judged by its deciding answer: ${f.resent.join('; ')}.`)
  if (r.alerts.length) lines.push('', `Alerts: ${r.alerts.map((a) => `\`${a.alert}\` ${a.seen}${a.pass ? '' : ' **(not as required)**'}`).join('; ')}.`)
  lines.push('', `Tested with: ${settingsLine(r)}`, '', `![${r.drill} timeline](chaos/runs/${r.id}.svg)`)
  return lines.join('\n')
}

const layoutOf = (r: RunSummary) => r.record.layout?.inventory ?? 'layout not recorded'

/**
 * The latest full-hold run of each layout, newest first: a drill recorded on the namespace lab's
 * production layout and on the loopback cluster keeps both results, not only the later one.
 */
function latestFullPerLayout(runs: RunSummary[]): RunSummary[] {
  const byLayout = new Map<string, RunSummary>()
  for (const r of runs) if (r.fullHold) byLayout.set(layoutOf(r), r)
  return [...byLayout.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt))
}

function drillSection(d: Drill, runs: RunSummary[]): string {
  const c = d.criteria
  const mine = runs.filter((r) => r.drill === d.name)
  const allowed = d.allowedAlerts?.(PLACEHOLDERS) ?? []
  const fulls = latestFullPerLayout(mine)
  const latest = mine.at(-1)
  const story = [
    ...d.given.map((l, i) => `${i === 0 ? '**Given**' : 'and'} ${l}`),
    ...d.when.map((l, i) => `${i === 0 ? '**When**' : 'and'} ${l}`),
    ...d.then.map((l, i) => `${i === 0 ? '**Then**' : 'and'} ${l}`),
  ].map((l) => `- ${l}`)
  const budgets = [
    `hold ${d.holdSeconds} s`,
    `write stall ≤ ${c.maxWriteStallS} s`,
    `read stall ≤ ${c.maxReadStallS} s`,
    `slowest read ≤ ${c.maxReadLatencyS} s, write ≤ ${c.maxWriteLatencyS} s`,
    `full redundancy ≤ ${c.maxSecondsToRedundancy} s after the heal`,
    `≥ ${c.minAcksPerKind} acknowledged writes of every kind`,
    c.singleCopyAcks.max === 0 ? 'no write acknowledged on one copy' : `≤ ${c.singleCopyAcks.max} writes on one copy (${c.singleCopyAcks.why})`,
    c.primaryMustStay ? 'no failover' : '',
    c.cleanRefusal ? `clean refusals accepted: ${c.cleanRefusal.description}` : '',
    allowed.length ? `alerts allowed: ${allowed.map((a) => `\`${a.alert}${a.labels ? `{${Object.entries(a.labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}` : ''}\``).join(', ')}` : '',
  ].filter(Boolean)
  const parts = [`### ${d.name} — ${d.title}`, '', d.why, '', ...story, '', `Judged on: ${budgets.join('; ')}; and everything every drill is judged on (above).`, '']
  if (fulls.length) parts.push(fulls.map(runBlock).join('\n\n'))
  else parts.push('_No run recorded at the full hold yet._')
  if (latest && !latest.fullHold) parts.push('', `A later run at a shortened hold (not the drill's result): \`${latest.id}\`, ${day(latest.startedAt)} UTC, hold ${latest.holdSeconds} s — ${latest.pass ? 'PASS' : 'FAIL'}.`)
  return parts.join('\n')
}

export function renderChaosPage(drills: readonly Drill[], runs: RunSummary[]): string {
  const header = '<!-- Generated by `npm run drill -- --page` from docs/chaos/runs/*.json, chaos/drills/ and chaos/report/chaos-page-template.md: edit those, not this file. -->\n'
  const table = [
    '| drill | hold | latest run at the full hold, per layout (inventory, commit) |',
    '|---|---|---|',
    ...drills.map((d) => {
      const fulls = latestFullPerLayout(runs.filter((r) => r.drill === d.name))
      const results = fulls.map((r) => `${r.pass ? 'PASS' : '**FAIL**'} ${day(r.startedAt)} UTC (${layoutOf(r).replace(/^.*\//, '')}, ${r.record.commit.sha.slice(0, 10)})`)
      return `| [${d.name}](#${d.name}--${d.title.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')}) | ${d.holdSeconds} s | ${results.join('<br>') || 'none recorded'} |`
    }),
  ].join('\n')
  const template = readFileSync(TEMPLATE, 'utf8')
  return header + template.replace('{{catalogue}}', table).replace('{{drills}}', drills.map((d) => drillSection(d, runs)).join('\n\n'))
}

export function writeChaosPage(drills: readonly Drill[]): void {
  writeFileSync(PAGE, renderChaosPage(drills, readSummaries()))
}
