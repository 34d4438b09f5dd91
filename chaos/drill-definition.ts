// What a drill is: a story written Given / When / Then (after Patroni's features/*.feature), the
// faults it injects into the cluster as it finds it, and the criteria that decide pass or fail.
// The runner (drill-runner.ts) owns the sequence; a drill only says what to break and what must hold.
import type { Inventory } from '../infra/launcher/inventory.ts'
import type { Fault } from './faults/fault-primitives.ts'
import type { RequestRecord } from './verify/journal.ts'
import type { AlertExpectation, AlertMatcher } from './verify/alert-check.ts'

export interface DrillCriteria {
  /** Failed requests of any kind (clean refusals below excepted). */
  maxFailedRequests: number
  /** Acknowledged writes missing on the primary or on any caught-up replica afterwards. */
  maxLostWrites: number
  maxDuplicateWrites: number
  /** Longest time no write was acknowledged while the fault was on; null: not judged. */
  maxWriteUnavailableS: number | null
  /** Longest time no read succeeded while the fault was on; null: not judged. */
  maxReadUnavailableS: number | null
  /** From the heal to full redundancy (leader, sync standby, replicas streaming, apps, Redis pair). */
  maxSecondsToRedundancy: number
  /** Failures accepted as a clean refusal: counted and reported apart from failed requests. */
  cleanRefusal?: { description: string; matches: (r: RequestRecord) => boolean }
  /** Writes must be acknowledged again after the heal (a drill whose writes never resumed proves nothing). */
  requireWritesAfterHeal: boolean
  /** Whether two nodes may never be routed as primary at once (always true; here for the report). */
  forbidTwoRoutedPrimaries: boolean
  /** The fault must not cause a failover: HAProxy keeps routing writes to the leader it had. */
  primaryMustStay: boolean
  /**
   * Whether the alerts check (expectedAlerts / unexpectedAlerts against Prometheus' ALERTS) decides
   * the verdict; when false it is reported only. True only where it was seen to hold run after run.
   */
  alertsJudged: boolean
}

export const STRICT_CRITERIA: DrillCriteria = {
  maxFailedRequests: 0,
  maxLostWrites: 0,
  maxDuplicateWrites: 0,
  maxWriteUnavailableS: null,
  maxReadUnavailableS: null,
  maxSecondsToRedundancy: 180,
  requireWritesAfterHeal: true,
  forbidTwoRoutedPrimaries: true,
  primaryMustStay: false,
  alertsJudged: false,
}

/**
 * A failover of the database primary: Patroni's lease (ttl 20 s) runs out before a replica may
 * promote, measured here at 19.7–22.4 s; issue 3 aims at 22 s, plus HAProxy's check (2 × 1 s) and
 * the app's retry back-off (≤ 1 s) before the first write is acknowledged again.
 */
export const PRIMARY_FAILOVER_WRITE_STALL_S = 25

/**
 * Alerts a primary failover must not raise (docs/monitoring.md, "Alerts expected in the drills"):
 * the failover completes in ~22 s, within NoPostgresPrimary's for: 30s; Patroni 4 demotes a resumed
 * leader within a loop; the other replica becomes synchronous at once; writes wait, none fail.
 */
export const FAILOVER_UNEXPECTED_ALERTS: AlertMatcher[] = [
  { alert: 'NoPostgresPrimary' },
  { alert: 'PostgresMultiplePrimaries' },
  { alert: 'SynchronousStandbyMissing' },
  { alert: 'AvailabilityErrorBudgetBurn' },
]

/** The app holds a write this long (WRITE_DEADLINE_MS) before answering 503: any longer stall fails writes. */
export const WRITE_RIDE_THROUGH_S = 35

export interface DrillContext {
  inv: Inventory
  /** The Patroni leader now (by the runner's steady-state check). */
  leader: string
  /** The streaming synchronous standby now. */
  syncStandby: string
  /** The other (asynchronous) replicas. */
  asyncReplicas: string[]
  /** The Redis master the Sentinels agree on. */
  redisMaster: string
  /** The etcd member that is raft leader now, when known. */
  etcdLeader: string | null
  log: (message: string) => void
}

export interface Drill {
  name: string
  title: string
  /** Why the drill exists, in one or two sentences. */
  why: string
  given: string[]
  when: string[]
  then: string[]
  /** How long the fault stays on before the heal; `--hold` overrides it. */
  holdSeconds: number
  /** Officer sessions per second during the drill (k6 `drill` profile; 3–4 requests each). */
  rate?: number
  /**
   * Why this drill cannot run on the inventory (e.g. "needs a load-balancer pair"), or null. The
   * runner refuses to start it then, naming the reason.
   */
  requires?(inv: Inventory): string | null
  /**
   * Puts the cluster in the drill's starting position before the steady state is read (a planned
   * switchover, moving the Redis master…); returns what it did, for the report.
   */
  arrange?(inv: Inventory, log: (line: string) => void): Promise<string[]>
  /** The faults to inject, chosen against the cluster as it is now (e.g. the current leader). */
  faults(ctx: DrillContext): Fault[]
  /**
   * Alerts this fault must raise in Prometheus (infra/prometheus/rules) and that must clear after
   * recovery, chosen against the cluster as it is now (labels such as the leader's host).
   * docs/monitoring.md, "Alerts expected in the drills".
   */
  expectedAlerts?: (ctx: DrillContext) => AlertExpectation[]
  /** Alerts that must not fire during this drill. */
  unexpectedAlerts?: AlertMatcher[]
  criteria: DrillCriteria
}

export function defineDrill(drill: Drill): Drill {
  return drill
}
