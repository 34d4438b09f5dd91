// /health/live (the process) and /health/ready (503 while draining or saturated — never merely
// because the database is failing over, or every node would leave HAProxy at once), on the client
// port for HAProxy's checks; the same two and /health/deps (what this node sees of its dependencies)
// on the internal listener (internal-listener.ts), for Prometheus, people and dashboards.
import fp from 'fastify-plugin'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by server.ts on SIGTERM: readiness answers 503 so HAProxy stops sending new requests. */
    draining: boolean
    /** Extra dependency probes added by other plugins (redis, queue). */
    dependencyProbes: Map<string, () => Promise<unknown>>
    health: {
      readiness(): { ready: boolean; reasons: string[] }
      /**
       * What this node sees of PostgreSQL, Redis and the queue. A failed probe shows as
       * `reachable: false` only: its error text (addresses, server messages) goes to the log.
       */
      dependencies(): Promise<Record<string, unknown>>
    }
  }
}

// Saturation: an event loop this late, or this many requests queued for a pool slot, means the
// node cannot serve more; taking it out of rotation lets the other nodes carry the load.
const MAX_EVENT_LOOP_DELAY_MS = 1000
const MAX_POOL_WAITING = 50

export const HEALTH_ROUTE_OPTIONS = { schema: { hide: true }, config: { public: true }, logLevel: 'warn' as const }

async function healthPlugin(app: FastifyInstance) {
  app.decorate('draining', false)
  app.decorate('dependencyProbes', new Map())
  const loop = monitorEventLoopDelay({ resolution: 20 })
  loop.enable()
  app.addHook('onClose', async () => loop.disable())

  const unreachable = (what: string) => (err: Error) => {
    app.log.warn({ err: err.message, dependency: what }, 'dependency probe failed')
    return { reachable: false as const }
  }
  app.decorate('health', {
    readiness() {
      const loopDelayMs = loop.max / 1e6
      loop.reset()
      const waiting = app.db.primary.waitingCount
      const reasons: string[] = []
      if (app.draining) reasons.push('draining')
      if (loopDelayMs > MAX_EVENT_LOOP_DELAY_MS) reasons.push(`event loop delay ${Math.round(loopDelayMs)} ms`)
      if (waiting > MAX_POOL_WAITING) reasons.push(`${waiting} requests waiting for a database connection`)
      return { ready: reasons.length === 0, reasons }
    },
    async dependencies() {
      const database = await probeDatabase(app, unreachable)
      const extra: Record<string, unknown> = {}
      for (const [name, probe] of app.dependencyProbes) extra[name] = await probe().catch(unreachable(name))
      return { node: app.config.nodeName, draining: app.draining, database, ...extra }
    },
  })

  app.get('/health/live', HEALTH_ROUTE_OPTIONS, async () => ({ status: 'ok' }))
  app.get('/health/ready', HEALTH_ROUTE_OPTIONS, async (_request, reply) => {
    const { ready, reasons } = app.health.readiness()
    return ready ? { status: 'ready' } : reply.status(503).send({ status: 'unavailable', reasons })
  })
}

async function probeDatabase(app: FastifyInstance, unreachable: (what: string) => (err: Error) => { reachable: false }) {
  const { primary, replica } = app.db
  const role = async (pool: typeof primary) => {
    const { rows } = await pool.query<{ in_recovery: boolean; lag_seconds: number | null }>(
      `SELECT pg_is_in_recovery() AS in_recovery,
              CASE WHEN pg_is_in_recovery()
                   THEN EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag_seconds`,
    )
    const row = rows[0]
    return { reachable: true, role: row?.in_recovery ? 'replica' : 'primary', replayLagSeconds: row?.lag_seconds ?? null }
  }
  const [p, r] = await Promise.all([
    role(primary).catch(unreachable('database primary')),
    replica ? role(replica).catch(unreachable('database replica')) : Promise.resolve(null),
  ])
  return { primary: p, replica: r, pool: { total: primary.totalCount, idle: primary.idleCount, waiting: primary.waitingCount } }
}

export default fp(healthPlugin, { name: 'health', dependencies: ['postgres'] })
