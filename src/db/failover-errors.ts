// Which database errors mean "the primary went away or changed" (docs/architecture.md, "What fails over how").
// Such an error destroys the connection it came on, and a write that hit it is retried until the
// deadline when that is safe.

const FAILOVER_SQLSTATES = new Set([
  '25006', // read_only_sql_transaction: a pooled connection to the demoted old primary
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, or shutting down
  '53300', // too_many_connections: transient while connections move to the new primary
  '08000', '08001', '08003', '08004', '08006', '08007', '08P01',
])

// Retrying these is always safe: the transaction was rolled back by the server. 57014 and 55P03
// come from statement_timeout / lock_timeout, typically while a row lock is held by a transaction
// whose COMMIT waits for a synchronous standby that was just lost (until Patroni names another).
const RETRYABLE_TX_SQLSTATES = new Set(['40001', '40P01', '57014', '55P03'])

const FAILOVER_MESSAGES = [
  'Connection terminated',
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
  'Client has encountered a connection error and is not queryable',
  'the database system is',
]

const FAILOVER_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH'])

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

export function isFailoverError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && (FAILOVER_SQLSTATES.has(code) || FAILOVER_NODE_CODES.has(code))) return true
  const message = String((err as { message?: unknown }).message ?? '')
  return FAILOVER_MESSAGES.some((m) => message.includes(m))
}

export function isRetryableTransactionError(err: unknown): boolean {
  const code = sqlState(err)
  return code !== undefined && RETRYABLE_TX_SQLSTATES.has(code)
}
