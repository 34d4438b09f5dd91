// Which alerts Prometheus raised during a drill, and when, read back from its HTTP API: the
// `ALERTS` series over the drill (query_range, one point per step) gives, for each alert name and
// label set, when it went pending, when it fired and when it stopped. Resolution is the step (5 s,
// the evaluation interval). An unreachable Prometheus is a finding for the report, never a crash.
import { clusterRequest, loadInventory } from '../../infra/launcher/cluster-api.ts'

export type AlertState = 'pending' | 'firing'

/** One activation of one alert: pending (if it has a `for:`), maybe firing, then resolved or still on. */
export interface AlertActivation {
  alert: string
  /** The alert's labels without __name__, alertname and alertstate. */
  labels: Record<string, string>
  /** Epoch ms of the first point seen pending; null when it was firing at its first point. */
  pendingAt: number | null
  /** Epoch ms of the first point seen firing; null when it never fired (only pending). */
  firingAt: number | null
  /** Epoch ms of the last point + one step; null when still active at the window's end. */
  resolvedAt: number | null
  /** Already active at the window's first point: began before the window. */
  activeAtWindowStart: boolean
}

export interface AlertHistory {
  prometheusUrl: string
  /** False when Prometheus could not be queried; `error` says why. */
  available: boolean
  error: string | null
  /** Epoch ms; the range queried. */
  from: number
  to: number
  stepS: number
  activations: AlertActivation[]
}

/** The body of /api/v1/query_range for `ALERTS` (a matrix). */
export interface QueryRangeResponse {
  status: string
  error?: string
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }
}

const keyOf = (alert: string, labels: Record<string, string>) =>
  alert + '{' + Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',') + '}'

/**
 * Activations from a query_range answer over [from, to] at `stepS`. Points of one alert (pending
 * and firing are two series) are merged by time; a gap longer than a step, or firing followed by
 * pending, starts a new activation.
 */
export function deriveActivations(body: QueryRangeResponse, from: number, to: number, stepS: number): AlertActivation[] {
  if (body.status !== 'success' || !body.data) throw new Error(`Prometheus answered ${body.status}${body.error ? `: ${body.error}` : ''}`)
  if (body.data.resultType !== 'matrix') throw new Error(`expected a matrix, got ${body.data.resultType}`)
  const stepMs = stepS * 1000
  const byKey = new Map<string, { alert: string; labels: Record<string, string>; points: Array<{ t: number; state: AlertState }> }>()
  for (const series of body.data.result) {
    const { __name__: _n, alertname, alertstate, ...rest } = series.metric
    if (!alertname || (alertstate !== 'pending' && alertstate !== 'firing')) continue
    const labels = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)))
    const key = keyOf(alertname, labels)
    const entry = byKey.get(key) ?? { alert: alertname, labels, points: [] }
    byKey.set(key, entry)
    for (const [ts] of series.values) entry.points.push({ t: Math.round(ts * 1000), state: alertstate })
  }
  const out: AlertActivation[] = []
  for (const { alert, labels, points: raw } of byKey.values()) {
    // Both states at one step: a pending series without its staleness marker (Prometheus restarted
    // while the alert was pending) lingers for the 5-minute lookback. Firing is the state.
    const byT = new Map<number, AlertState>()
    for (const p of raw) if (byT.get(p.t) !== 'firing') byT.set(p.t, p.state)
    const points = [...byT].map(([t, state]) => ({ t, state })).sort((a, b) => a.t - b.t)
    let current: (AlertActivation & { last: number }) | null = null
    const close = () => {
      if (!current) return
      const { last, ...a } = current
      // A point on the window's last step means it was still on when the window closed.
      a.resolvedAt = last + stepMs > to ? null : last + stepMs
      out.push(a)
      current = null
    }
    for (const p of points) {
      if (current && (p.t - current.last > stepMs * 1.5 || (current.firingAt !== null && p.state === 'pending'))) close()
      if (!current) {
        current = { alert, labels, pendingAt: null, firingAt: null, resolvedAt: null, activeAtWindowStart: p.t - from < stepMs / 2, last: p.t }
      }
      if (p.state === 'pending' && current.pendingAt === null && current.firingAt === null) current.pendingAt = p.t
      if (p.state === 'firing' && current.firingAt === null) current.firingAt = p.t
      current.last = Math.max(current.last, p.t)
    }
    close()
  }
  return out.sort((a, b) => (a.pendingAt ?? a.firingAt ?? 0) - (b.pendingAt ?? b.firingAt ?? 0) || a.alert.localeCompare(b.alert))
}

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  // The cluster's Prometheus speaks HTTPS with the cluster's certificates; a test's stand-in plain HTTP.
  const res = await clusterRequest(url.startsWith('https:') ? loadInventory() : null, url, { timeoutMs })
  try {
    return JSON.parse(res.text)
  } catch {
    throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 200)}`)
  }
}

const reason = (err: unknown) => {
  const e = err as Error & { code?: string; cause?: { code?: string; message?: string } }
  return e.code ?? e.cause?.code ?? e.cause?.message ?? e.message
}

/** ALERTS (pending and firing) over [from, to]; never throws. */
export async function fetchAlertHistory(prometheusUrl: string, from: number, to: number, stepS = 5, timeoutMs = 10_000): Promise<AlertHistory> {
  const base: AlertHistory = { prometheusUrl, available: false, error: null, from, to, stepS, activations: [] }
  if (!prometheusUrl) return { ...base, error: 'no Prometheus host in the inventory' }
  const q = new URLSearchParams({ query: 'ALERTS', start: (from / 1000).toFixed(3), end: (to / 1000).toFixed(3), step: `${stepS}s` })
  try {
    const body = (await getJson(`${prometheusUrl}/api/v1/query_range?${q}`, timeoutMs)) as QueryRangeResponse
    return { ...base, available: true, activations: deriveActivations(body, from, to, stepS) }
  } catch (err) {
    return { ...base, error: `Prometheus at ${prometheusUrl} could not be queried: ${reason(err)}` }
  }
}

export interface ActiveAlert {
  alert: string
  labels: Record<string, string>
  state: AlertState
  activeAt: number
}

/** /api/v1/alerts: what is pending or firing now; null when Prometheus does not answer. */
export async function activeAlerts(prometheusUrl: string, timeoutMs = 5000): Promise<ActiveAlert[] | null> {
  if (!prometheusUrl) return null
  try {
    const body = (await getJson(`${prometheusUrl}/api/v1/alerts`, timeoutMs)) as {
      status: string
      data?: { alerts: Array<{ labels: Record<string, string>; state: string; activeAt: string }> }
    }
    if (body.status !== 'success' || !body.data) return null
    return body.data.alerts
      .filter((a) => a.state === 'pending' || a.state === 'firing')
      .map((a) => {
        const { alertname, ...labels } = a.labels
        return { alert: alertname ?? '?', labels, state: a.state as AlertState, activeAt: Date.parse(a.activeAt) }
      })
  } catch {
    return null
  }
}

/** `Name{k="v", …}` for the report: the labels that say which (host, reason, …); severity, component, job and instance left out. */
export function alertLabel(alert: string, labels: Record<string, string>): string {
  const shown = Object.entries(labels).filter(([k]) => !['severity', 'component', 'job', 'instance', 'cluster'].includes(k))
  return shown.length ? `${alert}{${shown.map(([k, v]) => `${k}="${v}"`).join(', ')}}` : alert
}
