// What this node sees of the database, for the SRE dashboards and alerts: pool occupancy, the role of
// the server each pool reaches, the failover-class events the executor met, and the open overdue
// handovers. Scrape-time queries are bounded and guarded: a database that is failing over makes a
// series disappear (and counts a probe failure), it never makes /metrics fail or hang.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Pool } from 'pg'
import { Counter, Gauge, type Registry } from 'prom-client'
import { countOverdueHandovers, serverRoleOf } from '../db/monitoring-repository.ts'

// Far below Prometheus' 4 s scrape timeout, so the other metrics of the scrape still arrive.
const PROBE_TIMEOUT_MS = 1000

/** Counters behind the Database executor's events (wired in postgres.ts, before the pools exist). */
export function databaseEventCounters(registry: Registry) {
  const retries = new Counter({
    name: 'tqdt_db_failover_retries_total',
    help: 'Failover-class database errors met and retried (kind: read, write): each burst is a failover seen by this node',
    labelNames: ['kind'] as const,
    registers: [registry],
  })
  const giveUps = new Counter({
    name: 'tqdt_db_write_giveups_total',
    help: 'Writes that found no primary before their deadline and answered 503',
    registers: [registry],
  })
  const connectionErrors = new Counter({
    name: 'tqdt_db_connection_errors_total',
    help: 'Errors on idle or checked-out database connections (logged, never fatal)',
    registers: [registry],
  })
  // Zero-valued series from the start, so increase() sees the first failover.
  for (const kind of ['read', 'write'] as const) retries.inc({ kind }, 0)
  return {
    retry: (kind: 'read' | 'write') => retries.inc({ kind }),
    giveUp: () => giveUps.inc(),
    connectionError: () => connectionErrors.inc(),
  }
}

export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/**
 * At most one run of `fn` at a time: a query that outlives its scrape is joined by the next scrape
 * instead of stacking a second one on a struggling database.
 */
export function singleFlight<T>(fn: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | null = null
  return () => (running ??= fn().finally(() => (running = null)))
}

async function databaseMetricsPlugin(app: FastifyInstance) {
  const registers = [app.metrics.registry]
  const pools: Array<[name: 'primary' | 'replica', pool: Pool]> = [['primary', app.db.primary]]
  if (app.db.replica) pools.push(['replica', app.db.replica])

  const probeFailures = new Counter({
    name: 'tqdt_metrics_probe_failures_total',
    help: 'Scrape-time database queries that failed or timed out (probe: role, handovers_overdue)',
    labelNames: ['probe'] as const,
    registers,
  })
  for (const probe of ['role', 'handovers_overdue']) probeFailures.inc({ probe }, 0)

  const poolGauge = (name: string, help: string, read: (pool: Pool) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['pool'] as const,
      registers,
      collect() {
        for (const [label, pool] of pools) this.set({ pool: label }, read(pool))
      },
    })
  poolGauge('tqdt_db_pool_connections', 'Open connections in the pool (busy and idle)', (p) => p.totalCount)
  poolGauge('tqdt_db_pool_idle_connections', 'Idle connections in the pool', (p) => p.idleCount)
  poolGauge('tqdt_db_pool_waiting_requests', 'Queries waiting for a free pool connection', (p) => p.waitingCount)
  poolGauge('tqdt_db_pool_max_connections', 'Pool size limit (DATABASE_POOL_MAX)', (p) => p.options.max ?? 10)

  const primaryChanges = new Counter({
    name: 'tqdt_db_primary_changes_total',
    help: 'Times the primary pool was found on a different server than at the previous scrape (a failover seen by this node)',
    registers,
  })
  let lastPrimaryServer: string | null = null
  const lastRole = new Map<string, string>()
  const probeRoles = singleFlight(async () => {
    await Promise.all(
      pools.map(async ([label, pool]) => {
        // A saturated pool is not probed: the probe would queue behind requests and report a
        // healthy server unreachable. The last answer stands until the pool drains.
        if (pool.waitingCount > 0 && lastRole.has(label)) return
        try {
          const seen = await withTimeout(serverRoleOf(pool, PROBE_TIMEOUT_MS), PROBE_TIMEOUT_MS)
          lastRole.set(label, seen.role)
          if (label === 'primary') {
            if (lastPrimaryServer !== null && lastPrimaryServer !== seen.server) primaryChanges.inc()
            lastPrimaryServer = seen.server
          }
        } catch {
          probeFailures.inc({ probe: 'role' })
          lastRole.set(label, 'unreachable')
        }
      }),
    )
  })
  new Gauge({
    name: 'tqdt_db_role_seen',
    help: '1 for the role (primary, replica, unreachable) of the server each pool reaches, as this node sees it',
    labelNames: ['pool', 'role'] as const,
    registers,
    async collect() {
      await probeRoles()
      this.reset()
      for (const [label, role] of lastRole) this.set({ pool: label, role }, 1)
    },
  })

  const countOverdue = singleFlight(() => app.db.read((q) => countOverdueHandovers(q)))
  new Gauge({
    name: 'tqdt_handovers_overdue_open',
    help: 'Handovers past their time limit and not yet resolved, by status (OVERDUE, UNDER_VERIFICATION, HANDED_OVER not yet flagged); sum over status for the total',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      this.reset()
      try {
        const rows = await withTimeout(countOverdue(), PROBE_TIMEOUT_MS)
        // Statuses with none are reported as 0, so the sum never vanishes when the last one closes.
        for (const status of ['OVERDUE', 'UNDER_VERIFICATION', 'HANDED_OVER']) this.set({ status }, 0)
        for (const row of rows) this.set({ status: row.status }, row.open)
      } catch (err) {
        // No series rather than a wrong zero: the alert on growth waits instead of resolving.
        probeFailures.inc({ probe: 'handovers_overdue' })
        app.log.debug({ err: (err as Error).message }, 'overdue handover count skipped')
      }
    },
  })
}

export default fp(databaseMetricsPlugin, { name: 'database-metrics', dependencies: ['metrics', 'postgres'] })
