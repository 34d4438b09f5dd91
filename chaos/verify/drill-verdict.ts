// Pass or fail: each criterion of the drill against what was measured. A check that could not be
// made (no journal, the database check not completed) fails: a drill that cannot fail proves nothing.
import type { DrillCriteria } from '../drill-definition.ts'
import type { ClusterSample } from '../cluster/cluster-sampler.ts'
import type { WriteCheck } from './acknowledged-writes.ts'
import { missingAnywhere } from './acknowledged-writes.ts'
import type { DrillMetrics } from './drill-metrics.ts'
import type { DrillEvent, VerdictCheck } from '../report/drill-report.ts'
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
  writeCheck: WriteCheck | null
  redundancy: { ok: boolean; secondsAfterHeal: number | null }
  routing: RoutingFacts
  journalUnreadable: number
  droppedIterations: number | null
  /** Prometheus' alerts against the drill's expectations (alert-check.ts); absent: not checked. */
  alerts?: AlertCheck
}

export function judge(v: VerdictInput): { pass: boolean; checks: VerdictCheck[] } {
  const c = v.criteria
  const m = v.metrics
  const checks: VerdictCheck[] = []
  const add = (name: string, pass: boolean, value: string, limit: string) => checks.push({ name, pass, value, limit })

  add('load ran while the fault was on', m.requestsDuringFault > 0, `${m.requestsDuringFault} requests`, '> 0')
  // A dropped arrival is a request an officer would have sent and k6 never did: it could have failed.
  add('every arrival sent (k6 dropped iterations)', v.droppedIterations === 0, `${v.droppedIterations ?? 'unknown'}`, '0')
  const kinds = Object.entries(m.failedByKind).map(([k, n]) => `${k} ${n}`).join(', ')
  add('failed requests', m.failed <= c.maxFailedRequests, `${m.failed}${kinds ? ` (${kinds})` : ''}`, `≤ ${c.maxFailedRequests}`)
  if (c.cleanRefusal) add('clean refusals (accepted)', true, `${m.refused}`, c.cleanRefusal.description)
  const wc = v.writeCheck
  add('acknowledged-write check completed', wc !== null && wc.problems.length === 0, wc ? (wc.problems.join('; ') || 'every node read') : 'did not run', 'every node reachable and caught up')
  add('lost acknowledged writes (primary)', wc !== null && wc.lost.length <= c.maxLostWrites, wc ? `${wc.lost.length} of ${wc.acknowledged}` : 'unknown', `≤ ${c.maxLostWrites}`)
  add('acknowledged writes missing on any node', wc !== null && missingAnywhere(wc) <= c.maxLostWrites, wc ? `${missingAnywhere(wc)}` : 'unknown', `≤ ${c.maxLostWrites}`)
  add('duplicated writes', wc !== null && wc.duplicates.length <= c.maxDuplicateWrites, wc ? `${wc.duplicates.length}` : 'unknown', `≤ ${c.maxDuplicateWrites}`)
  if (c.maxWriteUnavailableS !== null) {
    add('longest time without an acknowledged write', m.writeUnavailableS !== null && m.writeUnavailableS <= c.maxWriteUnavailableS, `${m.writeUnavailableS ?? '–'} s`, `≤ ${c.maxWriteUnavailableS} s`)
  }
  if (c.maxReadUnavailableS !== null) {
    add('longest time without a successful read', m.readUnavailableS !== null && m.readUnavailableS <= c.maxReadUnavailableS, `${m.readUnavailableS ?? '–'} s`, `≤ ${c.maxReadUnavailableS} s`)
  }
  if (c.requireWritesAfterHeal) add('writes acknowledged after the heal', m.acknowledgedWritesAfterHeal > 0, `${m.acknowledgedWritesAfterHeal}`, '> 0')
  add(
    'full redundancy after the heal',
    v.redundancy.ok && v.redundancy.secondsAfterHeal !== null && v.redundancy.secondsAfterHeal <= c.maxSecondsToRedundancy,
    v.redundancy.ok ? `${v.redundancy.secondsAfterHeal} s` : 'not restored',
    `≤ ${c.maxSecondsToRedundancy} s`,
  )
  if (c.forbidTwoRoutedPrimaries) add('never two primaries routed at once', v.routing.twoRoutedPrimariesSamples === 0, `${v.routing.twoRoutedPrimariesSamples} samples`, '0')
  if (c.primaryMustStay) add('no failover (writes stay on the first primary)', v.routing.samplesOffInitialPrimary === 0, `${v.routing.samplesOffInitialPrimary} samples elsewhere`, '0')
  const a = v.alerts
  if (a?.declared) {
    // Reported only, the check cannot fail the drill, and says so rather than hiding a mismatch.
    if (c.alertsJudged) add('alerts (Prometheus)', a.pass, a.value, a.limit)
    else add('alerts (Prometheus; reported, not judged)', true, a.pass ? a.value : `NOT as expected: ${a.value}`, a.limit)
  }
  add('journal readable', v.journalUnreadable === 0, `${v.journalUnreadable} unreadable lines`, '0')
  return { pass: checks.every((x) => x.pass), checks }
}
