// SQL run when Prometheus scrapes an app node (src/plugins/database-metrics.ts). Each query carries
// its own short timeout: a scrape must answer within Prometheus' 4 s scrape timeout even while the
// database fails over.
import type { Pool, QueryConfig } from 'pg'
import type { Queryable } from './database.ts'

export type ServerRole = 'primary' | 'replica'

/** Which role the server that `pool` reaches plays right now, and its address (changes on a failover). */
export async function serverRoleOf(pool: Pool, timeoutMs: number): Promise<{ role: ServerRole; server: string }> {
  // pg honours a per-query query_timeout; its type definitions omit it.
  const query: QueryConfig & { query_timeout: number } = {
    text: `SELECT pg_is_in_recovery() AS in_recovery, host(inet_server_addr()) || ':' || inet_server_port() AS server`,
    query_timeout: timeoutMs,
  }
  const { rows } = await pool.query<{ in_recovery: boolean; server: string | null }>(query)
  const row = rows[0]
  return { role: row?.in_recovery ? 'replica' : 'primary', server: row?.server ?? 'local' }
}

// "Overdue and open": flagged OVERDUE, under verification, or still HANDED_OVER past due_at (the
// overdue scan has not flagged it yet). The predicate implies the partial index handovers_open_*
// (status IN HANDED_OVER, OVERDUE, UNDER_VERIFICATION), which stays small however long history grows.
const OVERDUE_OPEN_SQL = `
  SELECT status, count(*)::int AS open
    FROM handovers
   WHERE status IN ('HANDED_OVER', 'OVERDUE', 'UNDER_VERIFICATION')
     AND (status <> 'HANDED_OVER' OR due_at < now())
   GROUP BY status`

/** Open overdue handovers by status; a status with none is absent. */
export async function countOverdueHandovers(q: Queryable): Promise<Array<{ status: string; open: number }>> {
  const { rows } = await q.query<{ status: string; open: number }>(OVERDUE_OPEN_SQL)
  return rows
}
