// SQL of the Idempotency-Key store (table idempotency_keys) for writes made in an explicit
// transaction; the hot paths claim their key inside their one write statement (write-statement.ts).
import type { IdempotencyClaim } from '../domain/write.ts'
import type { Queryable } from './database.ts'
import type { StoredClaim } from './handover-repository.ts'

/** Whether the key's lock was taken, and if not, whether its holder is a COMMIT waiting for the standbys (or waits behind one). */
export type KeyLock = 'locked' | 'in_use' | 'awaits_standby'

/**
 * Takes the key's transaction-scoped advisory lock without waiting (the same lock a guarded write
 * statement takes). Not taken means another transaction is working on the same key right now, or has
 * done its work and waits for the synchronous standbys, itself or behind a transaction that does
 * (migrations/020 and 021, idempotency_key_awaits_standby).
 */
export async function tryLockKey(q: Queryable, claim: IdempotencyClaim): Promise<KeyLock> {
  const { rows } = await q.query<{ locked: boolean; awaits_standby: boolean }>({
    name: 'idempotency-lock',
    text: `SELECT held AS locked, CASE WHEN held THEN false ELSE idempotency_key_awaits_standby(k) END AS awaits_standby
             FROM (SELECT k, pg_try_advisory_xact_lock(k) AS held
                     FROM (SELECT hashtextextended($1, 0) AS k OFFSET 0) key_hash OFFSET 0) try_lock`,
    values: [`${claim.caller}\n${claim.key}`],
  })
  const row = rows[0]
  if (row?.locked === true) return 'locked'
  return row?.awaits_standby === true ? 'awaits_standby' : 'in_use'
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
