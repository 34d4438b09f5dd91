// One drill run, as every harness uses it: the CLI (drill-runner.ts, one drill or the whole
// catalogue), and the cluster tests (test/cluster/failover-drills.test.ts). Steady state first (abort
// unless the cluster has full redundancy), k6 load, the fault (and a follow-up fault), hold, heal (and
// restart of what died), wait for full redundancy, read every acknowledged write back from every
// PostgreSQL node, alerts, verdict, record, report. Faults are healed on every way out: the end, an
// error, Ctrl-C or SIGTERM.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Inventory } from '../infra/launcher/cluster-api.ts'
import { clusterStatus, endpoints, ensureK6, HAPROXY_TIMING, hostsWithRole, loadInventory, REPO_ROOT, staleAppNodes, startHost } from '../infra/launcher/cluster-api.ts'
import type { Drill, DrillContext } from './drill-definition.ts'
import type { Fault } from './faults/fault-primitives.ts'
import { ClusterSampler } from './cluster/cluster-sampler.ts'
import { launcherUp, waitForRedundancy } from './cluster/redundancy.ts'
import { DRILLS } from './drills/drill-catalogue.ts'
import { JournalTail, startK6 } from './load/k6-load.ts'
import type { K6Run } from './load/k6-load.ts'
import { makeOfficers } from './load/officer-tokens.ts'
import { checkAcknowledgedWrites } from './verify/acknowledged-writes.ts'
import { checkAuditTrail, type AuditTrailCheck } from './verify/audit-trail-check.ts'
import type { WriteCheck } from './verify/acknowledged-writes.ts'
import { WRITE_KINDS } from './verify/acknowledged-writes.ts'
import { drillMetrics, timeline } from './verify/drill-metrics.ts'
import { readJournal } from './verify/journal.ts'
import { judge, routingFacts, sampleEvents } from './verify/drill-verdict.ts'
import { SyncStandbyWatch, acksWithoutSyncStandby } from './cluster/sync-standby-watch.ts'
import type { DrillEvent, DrillReport } from './report/drill-report.ts'
import { bandsOf, chartFor, writeReport } from './report/drill-report.ts'
import { writeChaosPage } from './report/chaos-page.ts'
import { recordRun } from './report/run-record.ts'
import { summarize, writeSummary } from './report/run-summary.ts'
import type { AlertHistory } from './report/prometheus-alerts.ts'
import { activeAlerts, alertLabel, fetchAlertHistory } from './report/prometheus-alerts.ts'
import type { AlertMatcher } from './verify/alert-check.ts'
import type { VerdictCheck } from './verify/verdict-check.ts'
import { check } from './verify/verdict-check.ts'
import { alertsBlockingStart, checkAlerts, describeActivation } from './verify/alert-check.ts'

const REPORTS = join(REPO_ROOT, 'reports')
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export class DrillAbort extends Error {}

/** A scrape (5 s) that times out (4 s) and an evaluation (5 s): Prometheus has seen the recovered cluster. */
const ALERT_SETTLE_MS = 15_000
/** How long expected alerts still on after the settle may take to clear before the window closes. */
const ALERT_CLEAR_WAIT_MS = 90_000

/** Progress on stdout and in the run's runner.log, each line stamped with the time since start. */
export class Progress {
  private readonly t0 = Date.now()
  logFile: string | null = null
  private readonly print: (line: string) => void
  /** `print`: where lines go besides the run's log (stdout by default; a test's comments). */
  constructor(print: (line: string) => void = (line) => console.log(line)) {
    this.print = print
  }
  say(line: string): void {
    const stamped = `[${((Date.now() - this.t0) / 1000).toFixed(1).padStart(6)} s] ${line}`
    this.print(stamped)
    if (this.logFile) appendFileSync(this.logFile, stamped + '\n')
  }
}

/** k6's dropped_iterations from --summary-export; 0 when the metric is absent (nothing dropped), null without a summary. */
function k6DroppedIterations(summaryFile: string): number | null {
  try {
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { metrics: Record<string, { count?: number }> }
    return summary.metrics.dropped_iterations?.count ?? 0
  } catch {
    return null
  }
}

/** How long a drill waits for full redundancy before it refuses to run. */
const STEADY_STATE_WAIT_MS = 60_000

async function steadyState(inv: Inventory, p: Progress): Promise<Omit<DrillContext, 'inv' | 'log'>> {
  p.say('steady state: checking full redundancy')
  // A probe that timed out once on a busy machine is no missing redundancy: wait (bounded) for the
  // whole picture before giving up on the drill.
  const waited = await waitForRedundancy(inv, STEADY_STATE_WAIT_MS, (problems, ms) => p.say(`steady state: waiting (${Math.round(ms / 1000)} s): ${problems.slice(0, 3).join('; ')}`))
  const check = waited.last
  if (!waited.ok) {
    throw new DrillAbort(`the cluster is not at full redundancy, so the drill would prove nothing:\n  - ${check.problems.join('\n  - ')}\n(start it with npm run up; after an interrupted drill: npm run drill -- --heal)`)
  }
  // A drill tests the checkout: an app node on other code (the checkout moved since `up`) would be
  // tested instead, and one restarted by a heal would start code the database may not be migrated for.
  const stale = await staleAppNodes(inv, new Set())
  if (stale.length > 0) {
    throw new DrillAbort(`app nodes run other code than the checkout: ${stale.map((s) => `${s.spec.host.name} (${s.why})`).join('; ')}\n(npm run up migrates and replaces them one at a time)`)
  }
  const status = await clusterStatus(inv)
  const leader = check.leader!
  const syncStandby = check.syncStandby!
  const asyncReplicas = hostsWithRole(inv, 'postgres').map((h) => h.name).filter((n) => n !== leader && n !== syncStandby)
  const etcdLeader = status.rows.find((r) => r.component === 'etcd' && r.role === 'etcd leader')?.host ?? null
  p.say(`steady state: leader ${leader}, sync standby ${syncStandby}, replicas ${asyncReplicas.join(',')}, Redis master ${check.redisMaster}, etcd leader ${etcdLeader ?? '?'}`)
  return { leader, syncStandby, asyncReplicas, redisMaster: check.redisMaster!, etcdLeader }
}

/**
 * How long a drill waits for the alerts left from before it to clear: a 5-minute p99 lets go of the
 * previous drill's stall at most 5 minutes after it, plus the rule's evaluation.
 */
const QUIET_ALERTS_WAIT_MS = 6 * 60_000

/**
 * Waits until no alert the drill could be judged on is pending or firing; refuses to run otherwise.
 * Resolves true when it had to wait (the cluster's picture is then to be taken again).
 */
async function quietAlerts(inv: Inventory, allowed: AlertMatcher[], p: Progress): Promise<boolean> {
  let url = ''
  try {
    url = endpoints(inv).prometheusUrl
  } catch {
    return false
  }
  if (!url) return false
  const started = Date.now()
  for (let waited = false; ; waited = true) {
    // A Prometheus slow to answer on a busy machine is asked again until the deadline.
    const active = await activeAlerts(url)
    const blocking = active === null ? null : alertsBlockingStart(active, allowed)
    if (blocking !== null && blocking.length === 0) {
      if (waited) p.say(`steady state: no alert pending or firing (waited ${Math.round((Date.now() - started) / 1000)} s)`)
      return waited
    }
    const names = blocking === null ? `Prometheus (${url}) did not answer` : blocking.map((a) => `${alertLabel(a.alert, a.labels)} (${a.state})`).join(', ')
    if (Date.now() - started >= QUIET_ALERTS_WAIT_MS) {
      throw new DrillAbort(`after ${QUIET_ALERTS_WAIT_MS / 60_000} min the drill still could not tell its own alerts from earlier ones: ${names}`)
    }
    p.say(`steady state: waiting for alerts from before to clear (${Math.round((Date.now() - started) / 1000)} s): ${names}`)
    await sleep(10_000)
  }
}

function liveLine(tail: JournalTail, sampler: ClusterSampler, faultAt: number | null): string {
  tail.poll()
  const r = tail.recent(5)
  const totalFailed = tail.requests.filter((x) => x.status < 200 || x.status >= 300).length
  const s = sampler.latest()
  const phase = faultAt === null ? 'warm-up' : `fault ${((Date.now() - faultAt) / 1000).toFixed(0)} s ago`
  const routed = s ? (s.lbAnswered ? s.routedPrimaries.join('+') || 'NONE' : '?') : '?'
  return (
    `${phase.padEnd(17)} | ${(r.answered / 5).toFixed(1)} req/s, ${r.failed} failed (${totalFailed} in all), p99 ${r.p99Ms === null ? '–' : `${Math.round(r.p99Ms)} ms`} | ` +
    `writes → ${routed}, leader ${s?.leader ?? '?'}, sync ${s?.syncStandbys.join(',') || '–'}, apps ${s?.appsUp.length ?? '?'}, redis ${s?.redisMaster ?? '?'} | acks ${tail.acks}`
  )
}

/** Waits `seconds`, printing the live line every 5 s; stops early if k6 exits. */
async function holdFor(seconds: number, tail: JournalTail, sampler: ClusterSampler, faultAt: number | null, p: Progress, k6Done: { done: boolean }) {
  const end = Date.now() + seconds * 1000
  while (Date.now() < end) {
    await sleep(Math.min(5000, end - Date.now()))
    p.say(liveLine(tail, sampler, faultAt))
    if (k6Done.done) throw new DrillAbort('k6 exited early: see its k6.log in the run folder')
  }
}

/** Polls the follow-up's `due` once a second (printing the live line every 5 s) until it is due or the time is up. */
async function waitForFollowUp(
  f: NonNullable<Drill['followUp']>,
  ctx: DrillContext,
  faultAt: number,
  timeoutS: number,
  tail: JournalTail,
  sampler: ClusterSampler,
  p: Progress,
  k6Done: { done: boolean },
): Promise<boolean> {
  const end = faultAt + timeoutS * 1000
  let lastLine = Date.now()
  while (Date.now() < end) {
    if (k6Done.done) throw new DrillAbort('k6 exited early: see its k6.log in the run folder')
    if (await f.due(ctx, faultAt).catch(() => false)) return true
    if (Date.now() - lastLine >= 5000) {
      lastLine = Date.now()
      p.say(`${liveLine(tail, sampler, faultAt)} (waiting: ${f.description})`)
    }
    await sleep(1000)
  }
  return false
}

/**
 * ALERTS over [from, now] once the recovered cluster has been evaluated, after giving the drill's
 * expected alerts (raised since the fault) up to ALERT_CLEAR_WAIT_MS to clear: "resolved" is then
 * a fact of the window, not a race with the report. Alerts the drill does not expect (a p99 over
 * 5 minutes) are not waited for.
 */
async function collectAlerts(inv: Inventory, from: number, settleFrom: number, faultAt: number, expected: AlertMatcher[], p: Progress): Promise<AlertHistory> {
  let url = ''
  try {
    url = endpoints(inv).prometheusUrl
  } catch (err) {
    p.say(`alerts: no Prometheus address (${(err as Error).message})`)
  }
  const settleUntil = settleFrom + ALERT_SETTLE_MS
  if (url && Date.now() < settleUntil) {
    p.say(`alerts: letting Prometheus evaluate the recovered cluster (${Math.ceil((settleUntil - Date.now()) / 1000)} s)`)
    await sleep(settleUntil - Date.now())
  }
  const deadline = Date.now() + ALERT_CLEAR_WAIT_MS
  while (url) {
    const now = await activeAlerts(url)
    if (now === null) break
    const still = now.filter((a) => a.activeAt >= faultAt - 5000 && expected.some((e) => e.alert === a.alert && Object.entries(e.labels ?? {}).every(([k, v]) => a.labels[k] === v)))
    if (still.length === 0 || Date.now() >= deadline) break
    p.say(`alerts: waiting for ${still.map((a) => `${alertLabel(a.alert, a.labels)} (${a.state})`).join(', ')} to clear`)
    await sleep(5000)
  }
  return fetchAlertHistory(url, from, Date.now())
}

export interface RunOptions {
  hold: number
  rate: number
  warmup: number
  after: number
  /** Write the run's summary into docs/chaos/runs and regenerate docs/chaos.md. */
  docs: boolean
}

/** Runs one drill; resolves with its report (the verdict inside), throws DrillAbort when it could not run. */
export async function runDrill(drill: Drill, opts: RunOptions, p: Progress): Promise<DrillReport> {
  const inv = loadInventory()
  const startedAt = new Date()
  const runId = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${drill.name}`
  const runDir = join(REPORTS, runId)
  mkdirSync(runDir, { recursive: true })
  p.logFile = join(runDir, 'runner.log')
  p.say(`drill ${drill.name}: ${drill.title}`)
  for (const [word, lines] of [['Given', drill.given], ['When', drill.when], ['Then', drill.then]] as const) {
    lines.forEach((l, i) => p.say(`  ${(i === 0 ? word : 'And').padEnd(5)} ${l}`))
  }

  const unmet = drill.requires?.(inv) ?? null
  if (unmet) throw new DrillAbort(`${drill.name} does not apply to ${inv.file}: ${unmet}`)
  if (drill.arrange) {
    await steadyState(inv, p)
    for (const line of await drill.arrange(inv, (l) => p.say(`arrange: ${l}`))) p.say(`arranged: ${line}`)
  }
  let steady = await steadyState(inv, p)
  let ctx: DrillContext = { inv, ...steady, log: (m) => p.say(m) }
  // After a wait for earlier alerts, the cluster's picture (leader, standbys) is taken again.
  if (await quietAlerts(inv, drill.allowedAlerts?.(ctx) ?? [], p)) {
    steady = await steadyState(inv, p)
    ctx = { inv, ...steady, log: (m) => p.say(m) }
  }
  const faults: Fault[] = drill.faults(ctx)
  const expectedAlerts = drill.expectedAlerts?.(ctx) ?? []
  const unexpectedAlerts = drill.unexpectedAlerts ?? []
  if (expectedAlerts.length + unexpectedAlerts.length) {
    const short = (e: (typeof expectedAlerts)[number]) => e.minHoldS !== undefined && opts.hold < e.minHoldS
    p.say(`alerts expected: ${expectedAlerts.map((e) => `${alertLabel(e.alert, e.labels ?? {})}${short(e) ? ' (pending at this hold)' : ''}`).join(', ') || 'none'}; must not fire: ${unexpectedAlerts.map((u) => alertLabel(u.alert, u.labels ?? {})).join(', ') || 'none'}`)
  }
  const k6 = await ensureK6((line) => p.say(line))
  const officers = makeOfficers(4)
  p.say(`officers for run ${officers.runId}: offices ${officers.departureOffice} → ${officers.destinationOffice}`)

  const events: DrillEvent[] = []
  const event = (what: string) => {
    events.push({ at: Date.now(), s: 0, what })
    p.say(what)
  }
  const sampler = new ClusterSampler(inv)
  sampler.start()
  const syncWatch = new SyncStandbyWatch(inv)
  syncWatch.start()
  const duration = opts.warmup + opts.hold + opts.after
  let run: K6Run | null = null
  const k6Done = { done: false }
  let faultAt = 0
  const followUpFaults: Fault[] = []
  let healAt = 0
  let redundantAt: number | null = null
  let redundancyProblems: string[] = []
  const active: Fault[] = []
  const toRestart = new Set<string>()
  const restartDead = async () => {
    for (const host of toRestart) {
      try {
        const started = await startHost(host, inv)
        event(`restarted ${host}: ${started.join(', ') || 'nothing to start'}`)
      } catch (err) {
        event(`RESTART FAILED for ${host}: ${(err as Error).message} — run npm run up`)
      }
    }
    toRestart.clear()
  }

  const healAll = async () => {
    for (const f of [...active].reverse()) {
      try {
        await f.heal()
        event(`healed: ${f.description}`)
      } catch (err) {
        event(`HEAL FAILED for ${f.description}: ${(err as Error).message} — run npm run drill -- --heal`)
      }
    }
    active.length = 0
  }
  // Ctrl-C or SIGTERM: heal first, stop k6 (by its pid), then leave.
  let interrupted = false
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return
    interrupted = true
    p.say(`${sig}: healing every fault before leaving`)
    void healAll().then(restartDead).finally(() => {
      run?.kill()
      sampler.stop()
      p.say('healed; the cluster may still be repairing itself (npm run status)')
      process.exit(130)
    })
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  try {
    run = startK6({
      k6: k6.path,
      runDir,
      officers,
      profile: 'drill',
      rate: opts.rate,
      durationSeconds: duration,
      baseUrl: endpoints(inv).httpBaseUrl,
      caFile: endpoints(inv).caFile,
      requestTimeoutS: HAPROXY_TIMING.clientTimeoutS,
    })
    void run.exited.then((code) => {
      k6Done.done = true
      p.say(`k6 exited with ${code}`)
    })
    event(`k6 started (pid ${run.pid}): ${opts.rate} officer sessions/s (3–5 requests each) for ${duration} s`)
    const tail = new JournalTail(run.journalFile)
    await holdFor(opts.warmup, tail, sampler, null, p, k6Done)
    tail.poll()
    const warm = tail.requests
    const okWarm = warm.filter((r) => r.status >= 200 && r.status < 300).length
    if (okWarm === 0 || okWarm < warm.length * 0.99) {
      const causes = [...new Set(warm.filter((r) => r.status < 200 || r.status >= 300).map((r) => `${r.kind} → ${r.status} ${r.code ?? r.error ?? ''}`))].slice(0, 8)
      throw new DrillAbort(`the workload is failing before any fault (${warm.length - okWarm} of ${warm.length} requests failed): ${causes.join('; ')}`)
    }

    for (const f of faults) active.push(f)
    for (const f of faults) await f.prepare?.()
    faultAt = Date.now()
    for (const f of faults) if (f.needsRestart) for (const t of f.targets) toRestart.add(t)
    for (const f of faults) await f.inject()
    event(`FAULT: ${faults.map((f) => f.description).join(' + ')}`)
    if (drill.followUp) {
      const f = drill.followUp
      const due = await waitForFollowUp(f, ctx, faultAt, Math.min(f.timeoutS, opts.hold), tail, sampler, p, k6Done)
      if (!due) throw new DrillAbort(`the follow-up never became due within ${Math.min(f.timeoutS, opts.hold)} s: ${f.description}`)
      const more = await f.faults(ctx)
      for (const m of more) active.push(m)
      for (const m of more) await m.prepare?.()
      for (const m of more) if (m.needsRestart) for (const t of m.targets) toRestart.add(t)
      for (const m of more) await m.inject()
      followUpFaults.push(...more)
      event(`SECOND FAULT (${f.description}): ${more.map((m) => m.description).join(' + ')}`)
    }
    await holdFor((faultAt + opts.hold * 1000 - Date.now()) / 1000, tail, sampler, faultAt, p, k6Done)

    healAt = Date.now()
    await healAll()
    await restartDead()

    const firstWait = await waitForRedundancy(inv, 120_000, (problems, waited) => {
      p.say(`waiting for full redundancy (${Math.round(waited / 1000)} s): ${problems.slice(0, 3).join('; ')}`)
      p.say(liveLine(tail, sampler, faultAt))
    })
    let redundancy = firstWait
    if (!firstWait.ok) {
      // The launcher knows more repairs than starting processes (roles, migrations, configs).
      event('no full redundancy after 120 s: running npm run up')
      const code = await launcherUp((line) => p.say(`  up: ${line}`))
      event(`npm run up exited ${code}`)
      redundancy = await waitForRedundancy(inv, 120_000, (problems, waited) => p.say(`still waiting (${Math.round(waited / 1000)} s): ${problems.slice(0, 3).join('; ')}`))
    }
    if (redundancy.ok) {
      redundantAt = redundancy.at
      event(`full redundancy: leader ${redundancy.last.leader}, sync standby ${redundancy.last.syncStandby}, Redis master ${redundancy.last.redisMaster} (${((redundantAt - healAt) / 1000).toFixed(1)} s after the heal)`)
    } else {
      redundancyProblems = redundancy.last.problems
      event(`full redundancy NOT restored: ${redundancyProblems.join('; ')}`)
    }
    while (!k6Done.done) {
      await sleep(5000)
      p.say(`${liveLine(tail, sampler, faultAt)} (load runs to its end)`)
    }
  } finally {
    await healAll()
    await restartDead()
    sampler.stop()
    await syncWatch.stop()
    if (run && !k6Done.done) {
      run.interrupt()
      await Promise.race([run.exited, sleep(60_000)])
      if (!k6Done.done) run.kill()
    }
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }

  // Verification: the journal, then every node of the database.
  const journal = readJournal(run!.journalFile)
  p.say(`journal: ${journal.requests.length} requests, ${journal.acks.length} acknowledged writes`)
  let writeCheck: WriteCheck | null = null
  try {
    p.say('reading every acknowledged write back from each PostgreSQL node')
    writeCheck = await checkAcknowledgedWrites(inv, journal.acks)
    for (const n of writeCheck.nodes) p.say(`  ${n.node} (${n.role}${n.caughtUp ? ', caught up' : ''}): ${n.missing.length} missing${n.error ? `, ${n.error}` : ''}`)
    p.say(`  lost on the primary: ${writeCheck.lost.length}; duplicated: ${writeCheck.duplicates.length}`)
  } catch (err) {
    p.say(`the acknowledged-write check failed: ${(err as Error).message}`)
  }

  // The audit trail, after the sealer caught up: it verifies whole, and every acknowledged change is in it.
  let auditCheck: AuditTrailCheck | null = null
  try {
    p.say('verifying the whole audit trail against its signed checkpoints')
    auditCheck = await checkAuditTrail(inv, journal.acks)
    p.say(`  ${auditCheck.leaves} sealed rows, ${auditCheck.checkpoints} checkpoints, ${auditCheck.stores} outside stores; ${auditCheck.unsealed} unsealed; ${auditCheck.notInTrail.length} acknowledged changes not in it`)
    for (const problem of auditCheck.problems) p.say(`  ${problem.code}: ${problem.message}`)
  } catch (err) {
    p.say(`the audit trail check failed: ${(err as Error).message}`)
  }

  let storyChecks: VerdictCheck[] = []
  if (drill.checks) {
    p.say('checking what the drill\'s story adds')
    storyChecks = await drill.checks(ctx).catch((err: Error) => [check(`${drill.name}: its own checks`, false, err.message, 'they run')])
    for (const c of storyChecks) p.say(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.name}: ${c.value} (${c.limit})`)
  }

  const alertHistory = await collectAlerts(inv, startedAt.getTime() - 60_000, redundantAt ?? Date.now(), faultAt, expectedAlerts, p)
  const alertCheck = checkAlerts(alertHistory, expectedAlerts, unexpectedAlerts, faultAt, opts.hold, drill.allowedAlerts?.(ctx) ?? [])
  if (!alertHistory.available) p.say(`alerts: ${alertHistory.error}`)
  for (const a of alertHistory.activations) p.say(`  alert ${alertLabel(a.alert, a.labels)}: ${a.activeAtWindowStart ? 'on before the drill, ' : ''}${describeActivation(a, faultAt)}`)

  const windowEnd = redundantAt ?? Math.max(healAt, ...journal.requests.map((r) => r.end))
  const metrics = drillMetrics(journal.requests, { faultAt, healAt, windowEnd }, drill.criteria.cleanRefusal?.matches, journal.acks, journal.late)
  const singleCopyAcks = acksWithoutSyncStandby(syncWatch.samples, journal.acks.map((a) => a.at))
  const routing = routingFacts(sampler.samples, steady.leader, faultAt, windowEnd)
  const allEvents = [...events, ...sampleEvents(sampler.samples, faultAt)]
    .map((e) => ({ ...e, s: Math.round((e.at - faultAt) / 100) / 10 }))
    .sort((a, b) => a.at - b.at)
  const redundancy = {
    ok: redundantAt !== null,
    secondsAfterHeal: redundantAt === null ? null : Math.round((redundantAt - healAt) / 100) / 10,
    problems: redundancyProblems,
  }
  const droppedIterations = k6DroppedIterations(run!.summaryFile)
  p.say('recording the commit, the settings in effect and the versions')
  const record = await recordRun(inv, redundancy.ok ? (sampler.latest()?.leader ?? steady.leader) : steady.leader, k6.version)
  const verdict = judge({
    criteria: drill.criteria,
    metrics,
    writeCheck,
    redundancy,
    routing,
    singleCopyAcks,
    journalUnreadable: journal.unreadable,
    droppedIterations,
    alerts: alertCheck,
    writeKinds: WRITE_KINDS,
  })
  verdict.checks.push({
    name: 'audit trail verifies, every acknowledged change sealed in it',
    pass: auditCheck?.ok === true,
    value: auditCheck ? `${auditCheck.problems.length} problems, ${auditCheck.unsealed} unsealed, ${auditCheck.notInTrail.length} missing` : 'not checked',
    limit: '0, 0, 0',
  })
  verdict.pass &&= auditCheck?.ok === true
  verdict.checks.push(...storyChecks)
  verdict.pass &&= storyChecks.every((c) => c.pass)
  const loadStartedAt = Math.min(run!.startedAt, ...journal.requests.map((r) => r.start))
  const report: DrillReport = {
    drill: { name: drill.name, title: drill.title, why: drill.why, given: drill.given, when: drill.when, then: drill.then },
    run: {
      id: runId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      holdSeconds: opts.hold,
      rate: opts.rate,
      k6: k6.version,
      k6ExitCode: await run!.exited,
      k6DroppedIterations: droppedIterations,
      loadStartedAt,
      faultAt,
      healAt,
      redundantAt,
      commandLine: `npm run drill -- ${process.argv.slice(2).join(' ')}`,
    },
    steadyState: steady,
    faults: [...faults, ...followUpFaults].map((f) => f.description),
    events: allEvents,
    metrics,
    writeCheck,
    redundancy,
    routing: {
      twoRoutedPrimariesSamples: routing.twoRoutedPrimariesSamples,
      twoSelfPrimariesSamples: routing.twoSelfPrimariesSamples,
      primaryChanges: routing.primaryChanges,
      acksWithoutSyncStandby: singleCopyAcks,
    },
    verdict,
    alerts: { history: alertHistory, check: alertCheck, expected: expectedAlerts, unexpected: unexpectedAlerts },
    timeline: timeline(journal.requests, loadStartedAt),
    samples: bandsOf(sampler.samples, loadStartedAt).compact,
    record,
  }
  const svg = chartFor(report, sampler.samples)
  const written = writeReport(REPORTS, report, svg)
  if (opts.docs) {
    const file = writeSummary(summarize(report, drill, record), svg)
    writeChaosPage(DRILLS)
    p.say(`recorded: ${file.replace(REPO_ROOT + '/', '')}; docs/chaos.md regenerated`)
  }

  p.say('')
  p.say(`VERDICT ${drill.name}: ${verdict.pass ? 'PASS' : 'FAIL'}`)
  for (const c of verdict.checks) p.say(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.name}: ${c.value} (${c.limit})`)
  for (const f of metrics.failures) p.say(`  failure: ${f.count}× ${f.kind} → ${f.status || 'no answer'} ${f.cause}, ${f.firstS.toFixed(1)} … ${f.lastS.toFixed(1)} s after the fault`)
  for (const f of metrics.lateAnswers) p.say(`  answered after the request was decided (an attempt left open): ${f.count}× ${f.kind} → ${f.status ? `${f.status} ` : ''}${f.cause}, ${f.firstS.toFixed(1)} … ${f.lastS.toFixed(1)} s after the fault`)
  for (const f of metrics.resends) p.say(`  sent more than once by the client: ${f.count}× ${f.kind}, the first attempt: ${f.status ? `${f.status} ` : ''}${f.cause}, ${f.firstS.toFixed(1)} … ${f.lastS.toFixed(1)} s after the fault`)
  if (report.routing.acksWithoutSyncStandby > 0) {
    p.say(`  note: ${report.routing.acksWithoutSyncStandby} writes were acknowledged while the primary had no synchronous standby streaming (one copy only)`)
  }
  p.say(`report: ${written.html}`)
  p.say(`index:  ${join(REPORTS, 'index.html')}`)
  return report
}

