// SQL of the Idempotency-Key store (table idempotency_keys) for writes made in an explicit
// transaction; the hot paths claim their key inside their one write statement (write-statement.ts).
import type { IdempotencyClaim } from '../domain/write.ts'
import type { Queryable } from './database.ts'
import type { StoredClaim } from './handover-repository.ts'

/**
 * Takes the key's transaction-scoped advisory lock without waiting (the same lock a guarded write
 * statement takes). False means another transaction is working on the same key right now.
 */
export async function tryLockKey(q: Queryable, claim: IdempotencyClaim): Promise<boolean> {
  const { rows } = await q.query<{ locked: boolean }>({
    name: 'idempotency-lock',
    text: 'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
    values: [`${claim.caller}\n${claim.key}`],
  })
  return rows[0]?.locked === true
}

export async function findStoredOutcome(q: Queryable, claim: IdempotencyClaim): Promise<StoredClaim | null> {
  const { rows } = await q.query<StoredClaim>({
    name: 'idempotency-find',
    text: 'SELECT fingerprint, outcome FROM idempotency_keys WHERE caller = $1 AND key = $2 AND expires_at > now()',
    values: [claim.caller, claim.key],
  })
  return rows[0] ?? null
}

export async function storeOutcome(q: Queryable, claim: IdempotencyClaim, outcome: unknown): Promise<void> {
  // An expired row with the same key may still be there (not yet swept): replace it.
  await q.query({
    name: 'idempotency-store',
    text: `INSERT INTO idempotency_keys (caller, key, fingerprint, outcome, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5))
     ON CONFLICT (caller, key) DO UPDATE
       SET fingerprint = EXCLUDED.fingerprint, outcome = EXCLUDED.outcome, created_at = now(), expires_at = EXCLUDED.expires_at`,
    values: [claim.caller, claim.key, claim.fingerprint, JSON.stringify(outcome), claim.ttlHours],
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
