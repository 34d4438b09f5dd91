// The drill's alerts against what it declared: every expected alert raised after the fault and
// cleared by the end of the report window; no alert firing after the fault that the drill neither
// expects nor allows (each allowed one with its reason), the named must-not-fire ones included. An
// expectation whose `for:` cannot elapse within the hold (minHoldS) asks only that the rule saw the
// fault (pending) and let go of it: a monitoring gap shows as "not seen" either way.
import type { AlertActivation, AlertHistory } from '../report/prometheus-alerts.ts'
import { alertLabel } from '../report/prometheus-alerts.ts'

export interface AlertMatcher {
  alert: string
  /** Labels the activation must carry (a subset of its labels). */
  labels?: Record<string, string>
  /** Shown in the report but never failing the check, with the reason (a rule known to sit at its `for:` edge). */
  reportOnly?: string
}

export interface AlertExpectation extends AlertMatcher {
  /**
   * The shortest hold at which the alert fires for sure: its `for:` plus Prometheus' detection
   * (scrape interval 5 s + scrape timeout 4 s + evaluation 5 s). Below it only `pending` is required.
   */
  minHoldS?: number
  /** Why this alert, in a few words (the report shows it). */
  why: string
}

export interface AlertOutcome {
  expectation: string
  kind: 'expected' | 'unexpected'
  /** What was required at this hold. */
  required: string
  seen: string
  pass: boolean
  /** False for a reportOnly matcher: its outcome does not decide the check. */
  judged: boolean
}

export interface AlertCheck {
  /** False when the drill declares no alert expectations. */
  declared: boolean
  pass: boolean
  value: string
  limit: string
  outcomes: AlertOutcome[]
}

const matches = (a: Pick<AlertActivation, 'alert' | 'labels'>, m: AlertMatcher) =>
  a.alert === m.alert && Object.entries(m.labels ?? {}).every(([k, v]) => a.labels[k] === v)

/**
 * The alerts a drill must see cleared before it starts: every one pending or firing, except those it
 * allows (which cannot decide its verdict) and the officers' business alerts (component "business":
 * they follow the records in the database — a benchmark's seeded backlog of overdue handovers keeps
 * OverdueHandoversGrowing pending for an hour — and no fault raises or clears them). One left over
 * from the drill before (a p99 over 5 minutes still holding the previous fault's stall:
 * etcd-member-loss, run 20261206T083914Z, failed on a LatencyP99High that began 73 s before its
 * fault, in replica-loss's aftermath) would otherwise be judged as this drill's.
 */
export function alertsBlockingStart<A extends Pick<AlertActivation, 'alert' | 'labels'>>(active: A[], allowed: AlertMatcher[]): A[] {
  return active.filter((a) => a.labels.component !== 'business' && !allowed.some((m) => matches(a, m)))
}

const rel = (at: number, faultAt: number) => `${((at - faultAt) / 1000).toFixed(0).replace(/^(?!-)/, '+')} s`

export function describeActivation(a: AlertActivation, faultAt: number): string {
  const parts: string[] = []
  if (a.pendingAt !== null) parts.push(`pending ${rel(a.pendingAt, faultAt)}`)
  if (a.firingAt !== null) parts.push(`fired ${rel(a.firingAt, faultAt)}`)
  parts.push(a.resolvedAt === null ? 'still active at the end' : `resolved ${rel(a.resolvedAt, faultAt)}`)
  return parts.join(', ')
}

export function checkAlerts(
  history: AlertHistory,
  expected: AlertExpectation[],
  unexpected: AlertMatcher[],
  faultAt: number,
  holdS: number,
  allowed: AlertMatcher[] = [],
): AlertCheck {
  const declared = true
  const limit = declared
    ? [expected.length ? `raised and cleared: ${expected.map((e) => alertLabel(e.alert, e.labels ?? {})).join(', ')}` : '', unexpected.length ? `never firing: ${unexpected.map((u) => alertLabel(u.alert, u.labels ?? {})).join(', ')}` : '']
        .filter(Boolean)
        .join('; ')
    : 'none declared'
  if (!history.available) {
    return { declared, pass: !declared, value: history.error ?? 'Prometheus not queried', limit, outcomes: [] }
  }
  // Raised by this fault: begun at or after it (the step's resolution aside), not left over from before.
  const sinceFault = history.activations.filter((a) => (a.pendingAt ?? a.firingAt ?? 0) >= faultAt - history.stepS * 1000 && !a.activeAtWindowStart)
  const outcomes: AlertOutcome[] = []
  for (const e of expected) {
    const name = alertLabel(e.alert, e.labels ?? {})
    const mustFire = e.minHoldS === undefined || holdS >= e.minHoldS
    const found = sinceFault.filter((a) => matches(a, e))
    const fired = found.filter((a) => a.firingAt !== null)
    const best = (mustFire ? fired : found)[0]
    const pass = best !== undefined && found.every((a) => a.resolvedAt !== null)
    outcomes.push({
      expectation: name,
      kind: 'expected',
      required: mustFire ? 'fires and resolves' : `pending and cleared (its for: cannot elapse in a ${holdS} s hold; fires from ${e.minHoldS} s)`,
      seen: found.length ? found.map((a) => describeActivation(a, faultAt)).join('; ') : 'not seen',
      pass,
      judged: e.reportOnly === undefined,
    })
  }
  for (const u of unexpected) {
    const name = alertLabel(u.alert, u.labels ?? {})
    // Began firing after the fault; one already firing before the drill is in the report, not on this drill.
    const firing = history.activations.filter((a) => matches(a, u) && a.firingAt !== null && a.firingAt >= faultAt - history.stepS * 1000)
    const pendingOnly = sinceFault.filter((a) => matches(a, u) && a.firingAt === null)
    outcomes.push({
      expectation: name,
      kind: 'unexpected',
      required: 'never fires',
      seen: firing.length
        ? firing.map((a) => describeActivation(a, faultAt)).join('; ')
        : pendingOnly.length
          ? `did not fire (pending only: ${pendingOnly.map((a) => describeActivation(a, faultAt)).join('; ')})`
          : 'did not fire',
      pass: firing.length === 0,
      judged: u.reportOnly === undefined,
    })
  }
  // Anything else that fired because of the fault: the drill did not foresee it, so it fails.
  const foreseen = [...expected, ...allowed, ...unexpected]
  const others = history.activations.filter(
    (a) => a.firingAt !== null && a.firingAt >= faultAt - history.stepS * 1000 && !a.activeAtWindowStart && !foreseen.some((m) => matches(a, m)),
  )
  for (const a of others) {
    outcomes.push({ expectation: alertLabel(a.alert, a.labels), kind: 'unexpected', required: 'not foreseen by the drill: never fires', seen: describeActivation(a, faultAt), pass: false, judged: true })
  }
  const bad = outcomes.filter((o) => !o.pass && o.judged)
  const noted = outcomes.filter((o) => !o.pass && !o.judged)
  const good = outcomes.length - bad.length - noted.length
  return {
    declared,
    pass: bad.length === 0,
    value: [
      bad.length ? bad.map((o) => `${o.expectation}: ${o.seen}`).join('; ') : `${good} as expected`,
      ...noted.map((o) => `${o.expectation} (reported, not judged): ${o.seen}`),
    ].join('; '),
    limit,
    outcomes,
  }
}
