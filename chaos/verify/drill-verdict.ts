// Pass or fail. Every drill is judged on everything: what the clients saw (0 failed requests, and
// no failure in the later answers of attempts the client had left open; reads
// that never stall, a write stall within the drill's budget, every answer within the client's
// timeout), what the database holds (0 lost, 0 duplicated, of every kind, on every node; no write
// acknowledged while only one node held it), that the run proves something (acknowledged writes of
// every kind, every 2xx write journaled with its ack), what the cluster did (full redundancy in
// time, never two routed primaries) and what Prometheus said (the expected alerts and no other). A
// check that could not be made fails: a drill that cannot fail proves nothing.
import type { DrillCriteria } from '../drill-definition.ts'
import type { ClusterSample } from '../cluster/cluster-sampler.ts'
import type { WriteCheck } from './acknowledged-writes.ts'
import { missingAnywhere } from './acknowledged-writes.ts'
import type { DrillMetrics } from './drill-metrics.ts'
import type { DrillEvent } from '../report/drill-report.ts'
import type { VerdictCheck } from './verdict-check.ts'
import { check, verdictOf } from './verdict-check.ts'
import type { AlertCheck } from './alert-check.ts'

export interface RoutingFacts {
  twoRoutedPrimariesSamples: number
  /** Samples where two nodes' own Patroni said "running primary" (HAProxy may still route only one). */
  twoSelfPrimariesSamples: number
  primaryChanges: Array<{ s: number; to: string | null }>
  /** Samples (while the fault was on or being repaired) where writes went elsewhere than the first leader. */
  samplesOffInitialPrimary: number
}

export function routingFacts(samples: ClusterSample[], initialLeader: string, faultAt: number, windowEnd: number): RoutingFacts {
  const known = samples.filter((s) => s.lbAnswered)
  const changes: RoutingFacts['primaryChanges'] = []
  let last: string | null | undefined = undefined
  for (const s of known) {
    const now = s.routedPrimaries.length ? s.routedPrimaries.join('+') : null
    if (now !== last) {
      if (last !== undefined) changes.push({ s: Math.round((s.at - faultAt) / 100) / 10, to: now })
      last = now
    }
  }
  return {
    twoRoutedPrimariesSamples: known.filter((s) => s.routedPrimaries.length > 1).length,
    twoSelfPrimariesSamples: samples.filter((s) => s.selfPrimaries.length > 1).length,
    primaryChanges: changes,
    samplesOffInitialPrimary: known.filter(
      (s) => s.at >= faultAt && s.at <= windowEnd && !(s.routedPrimaries.length === 1 && s.routedPrimaries[0] === initialLeader),
    ).length,
  }
}

/** Changes of leader, routed primary, Redis master and app nodes in service, as report events. */
export function sampleEvents(samples: ClusterSample[], faultAt: number): DrillEvent[] {
  const events: DrillEvent[] = []
  const track = (name: string, value: (s: ClusterSample) => string) => {
    let last: string | undefined
    for (const s of samples) {
      const v = value(s)
      if (last !== undefined && v !== last) events.push({ at: s.at, s: Math.round((s.at - faultAt) / 100) / 10, what: `${name}: ${last} → ${v}` })
      last = v
    }
  }
  track('Patroni leader', (s) => s.leader ?? 'none')
  track('synchronous standby', (s) => s.syncStandbys.join(',') || 'none')
  track('HAProxy routes writes to', (s) => (s.lbAnswered ? s.routedPrimaries.join('+') || 'none' : 'unknown'))
  track('app nodes in HAProxy', (s) => (s.lbAnswered ? s.appsUp.join(',') || 'none' : 'unknown'))
  track('Redis master', (s) => s.redisMaster ?? 'none')
  track('nodes claiming primary', (s) => s.selfPrimaries.join(',') || 'none')
  return events
}

export interface VerdictInput {
  criteria: DrillCriteria
  metrics: DrillMetrics
  /** Null when the database check did not run (a failed check). */
  writeCheck: WriteCheck | null
  redundancy: { ok: boolean; secondsAfterHeal: number | null }
  /** Absent for harnesses without a cluster sampler; then the routing checks fail, unless `routingNotSampled` says why. */
  routing: RoutingFacts | null
  /** Writes acknowledged while the primary had no standby streaming; null when not watched (fails). */
  singleCopyAcks: number | null
  journalUnreadable: number
  /** k6's dropped iterations; null without a summary (fails). */
  droppedIterations: number | null
  /** Prometheus' alerts against the drill's declarations (alert-check.ts); null when not read (fails). */
  alerts: AlertCheck | null
  /** Write kinds the workload sends: each must have acknowledged writes (minAcksPerKind). */
  writeKinds: readonly string[]
}

export function judge(v: VerdictInput): { pass: boolean; checks: VerdictCheck[] } {
  const c = v.criteria
  const m = v.metrics
  const wc = v.writeCheck
  const checks: VerdictCheck[] = []
  const add = (name: string, pass: boolean, value: string, limit: string) => checks.push(check(name, pass, value, limit))

  // The run proves something.
  add('load ran while the fault was on', m.requestsDuringFault > 0, `${m.requestsDuringFault} requests`, '> 0')
  // A dropped arrival is a request an officer would have sent and k6 never did: it could have failed.
  add('every arrival sent (k6 dropped iterations)', v.droppedIterations === 0, `${v.droppedIterations ?? 'unknown'}`, '0')
  const acked = (kind: string) => m.writesByKind[kind]?.acks ?? 0
  const few = v.writeKinds.filter((k) => acked(k) < c.minAcksPerKind)
  add(
    'acknowledged writes of every kind',
    v.writeKinds.length > 0 && few.length === 0,
    v.writeKinds.map((k) => `${k} ${acked(k)}`).join(', ') || 'no write kinds',
    `≥ ${c.minAcksPerKind} each`,
  )
  const unjournaled = Object.entries(m.writesByKind).filter(([, w]) => w.acks !== w.ok)
  add(
    'every 2xx write journaled with its ack',
    unjournaled.length === 0,
    unjournaled.length ? unjournaled.map(([k, w]) => `${k}: ${w.ok} answered 2xx, ${w.acks} acks`).join('; ') : 'every one',
    'acks = 2xx writes, per kind',
  )
  add('journal readable', v.journalUnreadable === 0, `${v.journalUnreadable} unreadable lines`, '0')

  // What the clients saw.
  const kinds = Object.entries(m.failedByKind).map(([k, n]) => `${k} ${n}`).join(', ')
  add('failed requests', m.failed === 0, `${m.failed}${kinds ? ` (${kinds})` : ''}`, '0')
  if (c.cleanRefusal) add('clean refusals (accepted, not failures)', true, `${m.refused}`, c.cleanRefusal.description)
  const lateKinds = m.lateFailures.map((f) => `${f.count}× ${f.kind} ${f.status} ${f.cause}`).join(', ')
  add(
    'late answers of attempts left open',
    m.lateFailed === 0,
    `${m.late} answered after their request was decided, ${m.lateFailed} failed${lateKinds ? ` (${lateKinds})` : ''}`,
    '0 (409 IDEMPOTENCY_KEY_IN_USE, a clean refusal, or no answer within the client\'s budget are not failures)',
  )
  add('longest time without a successful read', m.readUnavailableS !== null && m.readUnavailableS <= c.maxReadStallS, `${m.readUnavailableS ?? '–'} s`, `≤ ${c.maxReadStallS} s`)
  add('longest time without an acknowledged write', m.writeUnavailableS !== null && m.writeUnavailableS <= c.maxWriteStallS, `${m.writeUnavailableS ?? '–'} s`, `≤ ${c.maxWriteStallS} s`)
  add('slowest read', m.slowestReadS !== null && m.slowestReadS <= c.maxReadLatencyS, `${m.slowestReadS ?? '–'} s`, `≤ ${c.maxReadLatencyS} s`)
  add('slowest write', m.slowestWriteS !== null && m.slowestWriteS <= c.maxWriteLatencyS, `${m.slowestWriteS ?? '–'} s`, `≤ ${c.maxWriteLatencyS} s`)
  add('writes acknowledged after the heal', m.acknowledgedWritesAfterHeal > 0, `${m.acknowledgedWritesAfterHeal}`, '> 0')

  // What the database holds.
  add('acknowledged-write check completed', wc !== null && wc.problems.length === 0, wc ? wc.problems.join('; ') || 'every node read' : 'did not run', 'every node reachable and caught up')
  add('lost acknowledged writes (primary)', wc !== null && wc.lost.length === 0, wc ? `${wc.lost.length} of ${wc.acknowledged}` : 'unknown', '0')
  add('acknowledged writes missing on any node', wc !== null && missingAnywhere(wc) === 0, wc ? `${missingAnywhere(wc)}` : 'unknown', '0')
  const dupKinds = wc ? [...new Set(wc.duplicates.map((d) => d.kind))].join(', ') : ''
  add('duplicated writes (every kind)', wc !== null && wc.duplicates.length === 0, wc ? `${wc.duplicates.length}${dupKinds ? ` (${dupKinds})` : ''}` : 'unknown', '0')
  const single = c.singleCopyAcks
  add(
    'writes acknowledged on one copy only',
    v.singleCopyAcks !== null && v.singleCopyAcks <= single.max,
    `${v.singleCopyAcks ?? 'not watched'}`,
    single.why ? `≤ ${single.max}: ${single.why}` : `≤ ${single.max}`,
  )

  // What the cluster did.
  add(
    'full redundancy after the heal',
    v.redundancy.ok && v.redundancy.secondsAfterHeal !== null && v.redundancy.secondsAfterHeal <= c.maxSecondsToRedundancy,
    v.redundancy.ok ? `${v.redundancy.secondsAfterHeal} s` : 'not restored',
    `≤ ${c.maxSecondsToRedundancy} s`,
  )
  const r = v.routing
  add('never two primaries routed at once', r !== null && r.twoRoutedPrimariesSamples === 0, r ? `${r.twoRoutedPrimariesSamples} samples` : 'not sampled', '0')
  if (c.primaryMustStay) add('no failover (writes stay on the first primary)', r !== null && r.samplesOffInitialPrimary === 0, r ? `${r.samplesOffInitialPrimary} samples elsewhere` : 'not sampled', '0')

  // What Prometheus said.
  const a = v.alerts
  add('alerts (Prometheus)', a !== null && a.pass, a ? a.value : 'not read', a ? a.limit : 'the declared alerts and no other')
  return verdictOf(checks)
}
