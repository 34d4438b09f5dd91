// Idempotency-Key semantics (IETF draft "The Idempotency-Key HTTP Header Field", Stripe's notes):
// same key + same request → the stored outcome; same key + another request → IDEMPOTENCY_KEY_REUSED;
// a concurrent duplicate → IDEMPOTENCY_KEY_IN_USE. Only a successful outcome is stored, in the same
// statement as its change (db/write-statement.ts): an error, a 503 from a failover included, is never
// the final answer for a key, so a retry after the failover can succeed.
import { conflict, DomainError, unprocessable } from '../domain/errors.ts'
import type { IdempotencyClaim, StoredOutcome, WriteOutcome } from '../domain/write.ts'
import { appendAuditRows } from '../db/audit-repository.ts'
import { inTransaction, RetryWriteLater, type Queryable } from '../db/database.ts'
import { findStoredOutcome, storeOutcome, tryLockKey } from '../db/idempotency-repository.ts'
import type { ClaimToStore } from '../db/write-statement.ts'
import { auditAppendOf, countOf, type Change } from './audit-service.ts'
import type { WriteContext } from './write-context.ts'

export const keyInUse = () =>
  conflict('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed; retry shortly')

/** What a stored claim answers: its outcome, replayed, when the request is the same one. */
export function replayOf<V>(claim: IdempotencyClaim | null, stored: { fingerprint: string; outcome: unknown } | null): WriteOutcome<V> | null {
  if (claim === null || stored === null) return null
  if (stored.fingerprint !== claim.fingerprint) {
    throw unprocessable('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request')
  }
  return { kind: 'replayed', original: stored.outcome as StoredOutcome<V> }
}

/** The claim with the outcome to store under it; null without a claim. */
export function claimStoring<V>(claim: IdempotencyClaim | null, outcome: StoredOutcome<V>): ClaimToStore | null {
  return claim === null ? null : { ...claim, outcome }
}

// A record read and then written is contended when another write changes it in between; each
// retry reads again, so a few are enough unless the record is being hammered.
export const MAX_WRITE_ATTEMPTS = 5

export const contended = () =>
  new DomainError('conflict', 'WRITE_CONTENDED', 'The record kept changing while this request was applied; retry')

export interface TransactionResult<V> {
  outcome: StoredOutcome<V>
  changes: Change[]
}

/**
 * A write too rare and too many-sided for one statement (an eligible list replaced, a back-entry
 * batch taken in, the overdue scan), in one explicit transaction with its claim: lock the key, replay
 * a stored outcome, else do the work, append its audit rows and events, store the outcome.
 */
export function claimedTransaction<V>(
  q: Queryable,
  ctx: WriteContext,
  work: (tx: Queryable) => Promise<TransactionResult<V>>,
): Promise<WriteOutcome<V>> {
  return inTransaction(
    q,
    async (tx, attempt) => {
      const claim = ctx.claim
      // An approval is decided in the guarded statement of its step (write-statement.ts); this path would drop it.
      if (claim?.decides) throw new Error('an approved step is applied by a guarded write, not in a claimed transaction')
      if (claim !== null) {
        const lock = await tryLockKey(tx, claim)
        if (lock !== 'locked') {
          // On our own retry the holder is usually this request's previous attempt, whose COMMIT still
          // waits on the server for the synchronous standby; a holder seen waiting for the standbys is
          // one, whichever attempt it is. Wait for it within the hold, then replay its outcome.
          if (attempt > 1 || lock === 'awaits_standby') throw new RetryWriteLater('idempotency key held by an earlier attempt or by a COMMIT waiting for the standbys')
          throw keyInUse()
        }
        const replay = replayOf<V>(claim, await findStoredOutcome(tx, claim))
        if (replay) return replay
      }
      const { outcome, changes } = await work(tx)
      await appendAuditRows(tx, changes.map((c) => auditAppendOf(ctx, c)))
      if (claim !== null) await storeOutcome(tx, claim, outcome)
      return { ...outcome, changes: changes.map(countOf) }
    },
    { idempotent: true },
  )
}
