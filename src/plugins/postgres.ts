// Opens the primary and replica pools and exposes them as `app.db` (a Database executor).
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Database, withinRequestHold } from '../db/database.ts'
import { createPool } from '../db/pool-factory.ts'
import type { Config } from '../config.ts'
import { databaseEventCounters } from './database-metrics.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
  }
  interface FastifyRequest {
    holdUntil: number | null
  }
}

/**
 * A write request's statements share one hold counted from its arrival (database.ts, requestHold).
 * The moment is taken on arrival, but the hold is entered just before the handler: a body that
 * arrives after the headers (its own TLS record, or more than one chunk) is parsed from the socket's
 * events, and a hold entered in onRequest would reach the handler only if the body stream carried
 * that async context along — it did on Node 24 over plain HTTP (test/unit/request-hold.test.ts),
 * but nothing promises it; lost, each statement would get a whole hold of its own again.
 */
export function addRequestHold(app: FastifyInstance, holdMs: number): void {
  app.decorateRequest('holdUntil', null)
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') request.holdUntil = Date.now() + holdMs
    done()
  })
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.holdUntil === null) return done()
    withinRequestHold(request.holdUntil, done)
  })
}

async function postgresPlugin(app: FastifyInstance, opts: { config: Config }) {
  const { config } = opts
  const primary = createPool(config, config.databaseUrl, 'primary')
  const replica = config.databaseReplicaUrl ? createPool(config, config.databaseReplicaUrl, 'replica') : null
  const counters = databaseEventCounters(app.metrics.registry)
  const db = new Database(primary, replica, config.writeDeadlineMs, {
    onConnectionError: (err) => {
      counters.connectionError()
      app.log.warn({ err }, 'database connection error')
    },
    onRetry: (kind, err, attempt, late) => {
      counters.retry(kind)
      app.log.warn({ kind, attempt, late, err: (err as Error).message }, late ? 'read hung until its session was cut; asking again until 2.8 s after it began' : 'database failover-class error; retrying')
    },
    onGiveUp: (err) => {
      counters.giveUp()
      app.log.error({ err }, 'write gave up at its deadline')
    },
  })
  app.decorate('db', db)
  addRequestHold(app, config.writeDeadlineMs)
  app.addHook('onClose', async () => db.close())
}

export default fp(postgresPlugin, { name: 'postgres', dependencies: ['metrics'] })
