// What the clients saw during a drill, from the journal alone: failed requests by kind and cause,
// latency while the fault was on, the longest time no write (or read) was acknowledged, and a
// per-second timeline for the report's chart.
import type { RequestRecord } from './journal.ts'
import { succeeded } from './journal.ts'

export interface FailureGroup {
  kind: string
  op: string
  status: number
  /** The API's error code, or k6's transport error when no HTTP answer came. */
  cause: string
  count: number
  /** Seconds after the fault of the first and last such failure (negative: before it). */
  firstS: number
  lastS: number
}

export interface LatencyFigures {
  count: number
  p50Ms: number | null
  p99Ms: number | null
  maxMs: number | null
}

export interface DrillMetrics {
  requests: number
  requestsDuringFault: number
  failed: number
  failedByKind: Record<string, number>
  failures: FailureGroup[]
  /** Failures the drill's criteria accept as a clean refusal (e.g. 503 DATABASE_UNAVAILABLE), counted apart. */
  refused: number
  refusals: FailureGroup[]
  /**
   * Requests the client sent again (a read or keyed write after silence, or after IN_USE), grouped
   * by what the first attempt got; judged by their final answer like any other, shown apart so that
   * no re-send hides in a pass.
   */
  resent: number
  resends: FailureGroup[]
  /**
   * Answers that attempts left open got after their request was decided (journal.ts, late), by
   * outcome; and those that fail (lateFailure), which the verdict counts like failed requests.
   */
  late: number
  lateAnswers: FailureGroup[]
  lateFailed: number
  lateFailures: FailureGroup[]
  latencyDuringFault: { read: LatencyFigures; write: LatencyFigures }
  latencyBeforeFault: { read: LatencyFigures; write: LatencyFigures }
  /** Longest time inside the fault window a write / read sent waited for one of its sort to succeed, seconds (longestStall). */
  writeUnavailableS: number | null
  writeUnavailable: { fromS: number; toS: number } | null
  readUnavailableS: number | null
  acknowledgedWritesDuringFault: number
  acknowledgedWritesAfterHeal: number
  /** The slowest answer of the whole run, seconds (a failed request counts with the time it took). */
  slowestReadS: number | null
  slowestWriteS: number | null
  /** Per write kind: 2xx answers in the journal, and the ack lines written for them. */
  writesByKind: Record<string, { ok: number; acks: number }>
}

/**
 * 2xx writes and ack lines per kind. The workload writes an ack line for every 2xx that carries an
 * id: fewer acks than 2xx answers means writes a client was told are done that no check will look for.
 */
function writesByKind(requests: RequestRecord[], acks: Array<{ kind: string }>): Record<string, { ok: number; acks: number }> {
  const byKind: Record<string, { ok: number; acks: number }> = {}
  for (const r of requests) if (r.op === 'write' && succeeded(r)) (byKind[r.kind] ??= { ok: 0, acks: 0 }).ok++
  for (const a of acks) (byKind[a.kind] ??= { ok: 0, acks: 0 }).acks++
  return byKind
}

export interface TimelinePoint {
  /** Seconds since the load started. */
  t: number
  /** Requests answered in this second (any outcome). */
  rps: number
  errors: number
  /** Latency of the requests sent in this second: what a request arriving then went through. */
  p99Ms: number | null
  maxMs: number | null
  p99ReadMs: number | null
  p99WriteMs: number | null
  writesAcked: number
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] ?? null
}

function latency(records: RequestRecord[]): LatencyFigures {
  const ms = records.map((r) => r.ms).sort((a, b) => a - b)
  return { count: ms.length, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), maxMs: ms.at(-1) ?? null }
}

/** What the first of a re-sent request's attempts got, as a record of its own. */
function firstAttempt(r: RequestRecord): RequestRecord {
  const a = r.first ?? r.resent![0]!
  const code = a.decided ? `slow: its own answer (${a.code ?? a.status}) decided, the others were sent while it was silent` : a.code
  return { ...r, status: a.status, code, error: a.error, end: r.start + a.ms, ms: a.ms }
}

function causeOf(r: RequestRecord): string {
  if (r.status === 0) return r.error ?? 'no response'
  // A success: a late answer (a replay, or the change itself) or a slow first attempt's own answer.
  if (succeeded(r)) return r.code ?? 'answered'
  return r.code ?? `HTTP ${r.status}`
}

function group(records: RequestRecord[], faultAt: number): FailureGroup[] {
  const groups = new Map<string, FailureGroup>()
  for (const r of records) {
    const cause = causeOf(r)
    const k = `${r.kind}|${r.status}|${cause}`
    const at = (r.end - faultAt) / 1000
    const g = groups.get(k)
    if (g) {
      g.count++
      g.firstS = Math.min(g.firstS, at)
      g.lastS = Math.max(g.lastS, at)
    } else {
      groups.set(k, { kind: r.kind, op: r.op, status: r.status, cause, count: 1, firstS: at, lastS: at })
    }
  }
  return [...groups.values()].sort((a, b) => a.firstS - b.firstS)
}

/**
 * The longest stall inside [from, to]: for each request in flight or sent in it, the time until a
 * request of the same sort sent no earlier was answered with success. A lull in which nothing was
 * sent is no stall (whether the load kept arriving is judged apart: dropped iterations); requests
 * sent and unanswered, failed, or answered much later are. Nothing sent in the window at all: the
 * whole window, since nothing shows the service answered.
 */
function longestStall(records: RequestRecord[], from: number, to: number): { stall: number; fromAt: number; toAt: number } | null {
  if (to <= from) return null
  const sent = records.filter((r) => r.start <= to && r.end >= from).sort((a, b) => a.start - b.start)
  if (sent.length === 0) return { stall: to - from, fromAt: from, toAt: to }
  let firstSuccess = Number.POSITIVE_INFINITY
  let best = { stall: -1, fromAt: from, toAt: to }
  for (let i = sent.length - 1; i >= 0; i--) {
    const r = sent[i]!
    if (succeeded(r)) firstSuccess = Math.min(firstSuccess, r.end)
    const at = Math.max(r.start, from)
    const until = Number.isFinite(firstSuccess) ? firstSuccess : to
    if (until - at > best.stall) best = { stall: until - at, fromAt: at, toAt: until }
  }
  return best
}

/**
 * A late answer fails as a deciding one would, with two exceptions. 409 IDEMPOTENCY_KEY_IN_USE: the
 * request's other attempt held the key, which is what the code says. No HTTP answer before the
 * client's budget ran out: the attempt was on a host gone silent (power loss, freeze), or it is a
 * write sent after 10 s of silence whose own hold (27 s from its arrival) outlasts the 30 s budget,
 * as while writes are held (second-failure and primary-replica-partition, runs 20261206T142020Z and
 * 20261206T142358Z: 84 each). Whether the officer waited too long is judged on the deciding
 * answers. Any other transport error (a reset, a refused connection) fails.
 */
export function lateFailure(r: RequestRecord, isCleanRefusal: (r: RequestRecord) => boolean): boolean {
  if (r.status === 0) return r.error !== BUDGET_SPENT
  if (succeeded(r) || isCleanRefusal(r)) return false
  return !(r.status === 409 && r.code === 'IDEMPOTENCY_KEY_IN_USE')
}

/** k6's error for an attempt whose timeout (what was left of the client's budget) ran out. */
const BUDGET_SPENT = 'request timeout'

export interface MetricWindow {
  faultAt: number
  healAt: number
  /** Full redundancy again (or the end of the load when it never came back). */
  windowEnd: number
}

export function drillMetrics(
  requests: RequestRecord[],
  window: MetricWindow,
  isCleanRefusal: (r: RequestRecord) => boolean = () => false,
  acks: Array<{ kind: string }> = [],
  late: RequestRecord[] = [],
): DrillMetrics {
  const { faultAt, healAt, windowEnd } = window
  const failedAll = requests.filter((r) => !succeeded(r))
  const refusedAll = failedAll.filter(isCleanRefusal)
  const failed = failedAll.filter((r) => !isCleanRefusal(r))
  const failedByKind: Record<string, number> = {}
  for (const r of failed) failedByKind[r.kind] = (failedByKind[r.kind] ?? 0) + 1
  const during = requests.filter((r) => r.start >= faultAt && r.start <= windowEnd)
  const before = requests.filter((r) => r.start < faultAt)
  const okWrites = requests.filter((r) => r.op === 'write' && succeeded(r))
  const resentAll = requests.filter((r) => (r.resent?.length ?? 0) > 0)
  const lateFailed = late.filter((r) => lateFailure(r, isCleanRefusal))
  // The window closes at redundancy or when the load stopped, whichever is first.
  const loadEnd = requests.length ? Math.max(...requests.map((r) => r.start)) : windowEnd
  const gapEnd = Math.min(windowEnd, loadEnd)
  const wGap = longestStall(requests.filter((r) => r.op === 'write'), faultAt, gapEnd)
  const rGap = longestStall(requests.filter((r) => r.op === 'read'), faultAt, gapEnd)
  const slowest = (op: 'read' | 'write') => {
    const ms = requests.filter((r) => r.op === op).map((r) => r.ms)
    return ms.length ? round(Math.max(...ms) / 1000) : null
  }
  return {
    requests: requests.length,
    requestsDuringFault: during.length,
    failed: failed.length,
    failedByKind,
    failures: group(failed, faultAt),
    refused: refusedAll.length,
    refusals: group(refusedAll, faultAt),
    resent: resentAll.length,
    resends: group(resentAll.map(firstAttempt), faultAt),
    late: late.length,
    lateAnswers: group(late, faultAt),
    lateFailed: lateFailed.length,
    lateFailures: group(lateFailed, faultAt),
    latencyDuringFault: { read: latency(during.filter((r) => r.op === 'read')), write: latency(during.filter((r) => r.op === 'write')) },
    latencyBeforeFault: { read: latency(before.filter((r) => r.op === 'read')), write: latency(before.filter((r) => r.op === 'write')) },
    writeUnavailableS: wGap ? round(wGap.stall / 1000) : null,
    writeUnavailable: wGap ? { fromS: round((wGap.fromAt - faultAt) / 1000), toS: round((wGap.toAt - faultAt) / 1000) } : null,
    readUnavailableS: rGap ? round(rGap.stall / 1000) : null,
    acknowledgedWritesDuringFault: okWrites.filter((r) => r.end >= faultAt && r.end <= healAt).length,
    acknowledgedWritesAfterHeal: okWrites.filter((r) => r.end > healAt).length,
    slowestReadS: slowest('read'),
    slowestWriteS: slowest('write'),
    writesByKind: writesByKind(requests, acks),
  }
}

const round = (n: number) => Math.round(n * 10) / 10

export function timeline(requests: RequestRecord[], origin: number): TimelinePoint[] {
  if (requests.length === 0) return []
  const last = Math.max(...requests.map((r) => r.end))
  const n = Math.ceil((last - origin) / 1000) + 1
  const points: Array<TimelinePoint & { lat: number[]; readLat: number[]; writeLat: number[] }> = Array.from({ length: n }, (_, t) => ({
    t,
    rps: 0,
    errors: 0,
    p99Ms: null,
    maxMs: null,
    p99ReadMs: null,
    p99WriteMs: null,
    writesAcked: 0,
    lat: [],
    readLat: [],
    writeLat: [],
  }))
  for (const r of requests) {
    const endBucket = points[Math.floor((r.end - origin) / 1000)]
    const startBucket = points[Math.floor((r.start - origin) / 1000)]
    if (endBucket) {
      endBucket.rps++
      if (!succeeded(r)) endBucket.errors++
      else if (r.op === 'write') endBucket.writesAcked++
    }
    startBucket?.lat.push(r.ms)
    ;(r.op === 'write' ? startBucket?.writeLat : startBucket?.readLat)?.push(r.ms)
  }
  const p99 = (v: number[]) => percentile(v.sort((a, b) => a - b), 99)
  return points.map(({ lat, readLat, writeLat, ...p }) => {
    const sorted = lat.sort((a, b) => a - b)
    return { ...p, p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? null, p99ReadMs: p99(readLat), p99WriteMs: p99(writeLat) }
  })
}
