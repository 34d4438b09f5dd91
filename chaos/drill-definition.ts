// What a drill is: a story written Given / When / Then (after Patroni's features/*.feature), the
// faults it injects into the cluster as it finds it, and the budgets it is judged against. The
// runner (drill-runner.ts) owns the sequence; the verdict (verify/drill-verdict.ts) judges every
// drill on everything — 0 failed requests, 0 lost, 0 duplicated, no single-copy acknowledgement,
// every acknowledged write journaled, reads that never stall, the alerts it declares and no other —
// and a drill only says what to break and which budgets its story allows.
import type { Inventory } from '../infra/launcher/cluster-api.ts'
import { HAPROXY_TIMING } from '../infra/launcher/cluster-api.ts'
import type { Fault } from './faults/fault-primitives.ts'
import type { RequestRecord } from './verify/journal.ts'
import type { AlertExpectation, AlertMatcher } from './verify/alert-check.ts'
import type { VerdictCheck } from './verify/verdict-check.ts'

export interface DrillCriteria {
  /** The drill's documented budget: the longest time after the fault with no acknowledged write. */
  maxWriteStallS: number
  /** The longest time with no successful read. Reads never stall while a replica lives. */
  maxReadStallS: number
  /** The slowest read's answer: one caught on a dead app node is asked of another after 3 s. */
  maxReadLatencyS: number
  /** The slowest write's answer: within the client's timeout, retries included. */
  maxWriteLatencyS: number
  /** From the heal to full redundancy (leader, sync standby, replicas streaming, apps, Redis pair). */
  maxSecondsToRedundancy: number
  /** Acknowledged writes of every kind the run must have: a drill that wrote nothing proves nothing. */
  minAcksPerKind: number
  /**
   * Writes acknowledged while the primary had no standby streaming (one copy only): 0, unless the
   * drill names the trade-off it accepts and why (docs/architecture.md).
   */
  singleCopyAcks: { max: number; why?: string }
  /** Failures accepted as a clean refusal: counted and reported apart from failed requests. */
  cleanRefusal?: { description: string; matches: (r: RequestRecord) => boolean }
  /** The fault must not cause a failover: HAProxy keeps routing writes to the leader it had. */
  primaryMustStay: boolean
}

/** The same for every drill but the write budget (and what a drill's story states otherwise). */
export function criteria(c: Pick<DrillCriteria, 'maxWriteStallS'> & Partial<DrillCriteria>): DrillCriteria {
  return {
    maxReadStallS: 2,
    maxReadLatencyS: 5,
    maxWriteLatencyS: HAPROXY_TIMING.clientTimeoutS,
    maxSecondsToRedundancy: 180,
    minAcksPerKind: 10,
    singleCopyAcks: { max: 0 },
    primaryMustStay: false,
    ...c,
  }
}

/**
 * A failover of the database primary: Patroni's lease (ttl 20 s) runs out before a replica may
 * promote (measured here at 19.7–22.4 s), then HAProxy's check (2 × 1 s), the surviving replica's
 * attach to the new primary (strict synchronous replication: no commit before it), and the app's
 * retry back-off (≤ 1 s). Within the app's write hold, so no write fails.
 */
export const PRIMARY_FAILOVER_WRITE_STALL_S = HAPROXY_TIMING.appWriteDeadlineS

/**
 * A synchronous standby lost: commits wait for it until the primary's walsender gives up
 * (wal_sender_timeout 5 s), Patroni drops it from the synchronous set at its next loop (≤ 2 s), and
 * the app's retry back-off (≤ 1 s) — the price of synchronous standbys instead of a quorum
 * (docs/architecture.md, "RPO 0 and the price of a lost standby").
 */
export const SYNC_STANDBY_LOSS_WRITE_STALL_S = 10

/**
 * The floating address moves to the other load balancer (namespace lab, render/keepalived-config.ts):
 * keepalived's backup takes over after 3 missed adverts (advert_int 1 s) plus its skew, ~3.6 s; a
 * client's packets sent meanwhile are retransmitted by TCP (1 s, then 2 s), and a connection the
 * dead balancer carried is reset by the new holder, so the client replays the request on a new one.
 * A read the dead balancer had already received hears nothing at all: the client sends it again
 * after 5 s of silence (loadtests/lib/officer-api.js, docs/api.md "When no answer comes"), on a
 * new connection to the new holder. Nothing answers in between: reads and writes alike stall this
 * long, and a read caught in flight takes this long — the one budget in which a read may stall
 * longer than 2 s.
 */
export const LOAD_BALANCER_TAKEOVER_S = 10

/** A fault the app tier or the database's redundancy absorbs: other sessions' writes go on. */
export const NO_STALL_S = 5

/**
 * Alerts a primary failover must not raise (docs/monitoring.md, "Alerts expected in the drills"):
 * the failover completes within NoPostgresPrimary's for: 30s; Patroni 4 demotes a resumed leader
 * within a loop; writes wait, none fail.
 */
export const FAILOVER_UNEXPECTED_ALERTS: AlertMatcher[] = [
  { alert: 'NoPostgresPrimary' },
  { alert: 'PostgresMultiplePrimaries' },
  { alert: 'AvailabilityErrorBudgetBurn' },
]

/**
 * Alerts a failover may raise without being wrong: a few requests held for the whole failover lift
 * the 5-minute p99 over its threshold (LatencyP99High) until they leave the window.
 */
export const FAILOVER_ALLOWED_ALERTS: AlertMatcher[] = [{ alert: 'LatencyP99High' }]

/**
 * A database host that lost power: PostgresMemberDown says so. Its postgres_exporter, whose
 * connection to the dead address waits out TCP's retransmissions, may not answer a scrape for a
 * while after power returns (MonitoredComponentDown, scrape_failed) — the same host, seen late.
 */
export const lostDatabaseHostAlerts = (host: string): AlertMatcher[] => [{ alert: 'MonitoredComponentDown', labels: { monitors: host, reason: 'scrape_failed' } }]

/**
 * A host that lost power, seen through the exporters it carried: where an exporter shares the host
 * it watches (the production and compact layouts), that exporter and the Sentinels scraped through
 * it (label `exporter`) cannot be scraped while the host is off. The same host, not another fault;
 * on the loopback cluster no exporter shares a host, and these match nothing.
 */
export const lostHostExporterAlerts = (host: string): AlertMatcher[] => [
  { alert: 'MonitoredComponentDown', labels: { monitors: host, reason: 'scrape_failed' } },
  { alert: 'MonitoredComponentDown', labels: { job: 'sentinel', exporter: host, reason: 'scrape_failed' } },
]

/** The app holds a write this long (WRITE_DEADLINE_MS) before answering 503: any longer stall fails writes. */
export const WRITE_RIDE_THROUGH_S = HAPROXY_TIMING.appWriteDeadlineS

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

/** A step after the first fault: more faults, injected once `after` says so (e.g. a failover completed). */
export interface FollowUp {
  /** Shown in the story and the report. */
  description: string
  /** Resolves when the follow-up is due; the runner gives up on it after `timeoutS`. */
  due(ctx: DrillContext, since: number): Promise<boolean>
  timeoutS: number
  faults(ctx: DrillContext): Promise<Fault[]> | Fault[]
}

export interface Drill {
  name: string
  title: string
  /** Why the drill exists, in one or two sentences. */
  why: string
  given: string[]
  when: string[]
  then: string[]
  /**
   * How long the fault stays on before the heal: 60 s, or longer where an expected alert's `for:`
   * needs it (minHoldS). `--hold` overrides it for short runs (CI), which the summary marks as such.
   */
  holdSeconds: number
  /** Officer sessions per second during the drill (k6 `drill` profile; 3–5 requests each). */
  rate?: number
  /**
   * Why this drill cannot run on the inventory (e.g. "needs a load-balancer pair"), or null. The
   * runner refuses to start it then, naming the reason.
   */
  requires?(inv: Inventory): string | null
  /**
   * The inventory (relative to the repository) this drill is drilled on when the current one
   * cannot host it: `--all` brings that layout's lab up for it (catalogue-across-layouts.ts).
   */
  layout?: string
  /**
   * Puts the cluster in the drill's starting position before the steady state is read (a planned
   * switchover, moving the Redis master…); returns what it did, for the report.
   */
  arrange?(inv: Inventory, log: (line: string) => void): Promise<string[]>
  /** The faults to inject, chosen against the cluster as it is now (e.g. the current leader). */
  faults(ctx: DrillContext): Fault[]
  /** A second fault while the first is on (the second-failure drill). */
  followUp?: FollowUp
  /**
   * Alerts this fault must raise in Prometheus (infra/prometheus/rules) and that must clear after
   * recovery, chosen against the cluster as it is now (labels such as the leader's host).
   * docs/monitoring.md, "Alerts expected in the drills".
   */
  expectedAlerts?: (ctx: DrillContext) => AlertExpectation[]
  /** Alerts that may fire as a consequence of the fault (each with its reason); any other firing alert fails the drill. */
  allowedAlerts?: (ctx: DrillContext) => AlertMatcher[]
  /** Alerts named as must-not-fire (any alert not expected or allowed must not fire either; these are listed in the story). */
  unexpectedAlerts?: AlertMatcher[]
  criteria: DrillCriteria
  /**
   * What the drill's story adds to the verdict (every node on the new build, every endpoint on a
   * new certificate…), judged once the cluster is whole again; a check that throws fails.
   */
  checks?(ctx: DrillContext): Promise<VerdictCheck[]>
}

export function defineDrill(drill: Drill): Drill {
  return drill
}
