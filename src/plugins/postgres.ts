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
    onRetry: (kind, err, attempt) => {
      counters.retry(kind)
      app.log.warn({ kind, attempt, err: (err as Error).message }, 'database failover-class error; retrying')
    },
    onGiveUp: (err) => {
      counters.giveUp()
      app.log.error({ err }, 'write gave up at its deadline')
    },
  })
  app.decorate('db', db)
  // A write request's statements share one hold from its arrival (database.ts, requestHold).
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.method === 'GET' || request.method === 'HEAD') return done()
    withinRequestHold(Date.now() + config.writeDeadlineMs, done)
  })
  app.addHook('onClose', async () => db.close())
}

export default fp(postgresPlugin, { name: 'postgres', dependencies: ['metrics'] })
