// SQL of the Idempotency-Key store (table idempotency_keys).
import type { Queryable } from './database.ts'

export interface StoredResponse {
  fingerprint: string
  status_code: number
  response_body: unknown
}

/**
 * Takes the key's transaction-scoped advisory lock without waiting. False means another
 * transaction is working on the same key right now (a concurrent duplicate).
 */
export async function tryLockKey(q: Queryable, caller: string, key: string): Promise<boolean> {
  const { rows } = await q.query<{ locked: boolean }>({
    name: 'idempotency-lock',
    text: 'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
    values: [`${caller}\n${key}`],
  })
  return rows[0]?.locked === true
}

export async function findStoredResponse(q: Queryable, caller: string, key: string): Promise<StoredResponse | null> {
  const { rows } = await q.query<StoredResponse>({
    name: 'idempotency-find',
    text: `SELECT fingerprint, status_code, response_body FROM idempotency_keys
      WHERE caller = $1 AND key = $2 AND expires_at > now()`,
    values: [caller, key],
  })
  return rows[0] ?? null
}

export async function storeResponse(
  q: Queryable,
  row: { caller: string; key: string; fingerprint: string; statusCode: number; body: unknown; ttlHours: number },
): Promise<void> {
  // An expired row with the same key may still be there (not yet swept): replace it.
  await q.query({
    name: 'idempotency-store',
    text: `INSERT INTO idempotency_keys (caller, key, fingerprint, status_code, response_body, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => $6))
     ON CONFLICT (caller, key) DO UPDATE
       SET fingerprint = EXCLUDED.fingerprint, status_code = EXCLUDED.status_code,
           response_body = EXCLUDED.response_body, created_at = now(), expires_at = EXCLUDED.expires_at`,
    values: [row.caller, row.key, row.fingerprint, row.statusCode, JSON.stringify(row.body), row.ttlHours],
  })
}

/** Deletes expired keys in bounded batches; returns how many went. */
export async function deleteExpiredKeys(q: Queryable, batch: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM idempotency_keys WHERE ctid IN (
       SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1)`,
    [batch],
  )
  return rowCount ?? 0
}
