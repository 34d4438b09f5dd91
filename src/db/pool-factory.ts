// pg.Pool with the settings that survive a failover (docs/architecture.md, "What fails over how"):
// keepAlive and a query timeout so a dead server that sends no RST cannot hang a request, a connect
// timeout so a pool slot is not waited for forever, and a bounded lifetime so connections move to
// the new primary even when nothing broke them.
import pg from 'pg'
import type { Config } from '../config.ts'

export function createPool(config: Config, connectionString: string, role: 'primary' | 'replica'): pg.Pool {
  return new pg.Pool({
    connectionString,
    max: config.databasePoolMax,
    application_name: `${config.nodeName}-${role}`,
    keepAlive: true,
    keepAliveInitialDelayMillis: 1000,
    connectionTimeoutMillis: config.connectTimeoutMs,
    query_timeout: config.queryTimeoutMs,
    idleTimeoutMillis: 10_000,
    maxLifetimeSeconds: 60,
    // Server-side guards for when the client is still there: a leaked open transaction holds locks.
    options:
      `-c idle_in_transaction_session_timeout=10000 -c statement_timeout=${config.queryTimeoutMs}` +
      (config.databaseSchema ? ` -c search_path=${config.databaseSchema}` : ''),
  })
}
