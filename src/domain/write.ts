// What every write shares: where a record comes from, the idempotency claim it carries and the
// outcome it returns. Services return outcomes; routes/write-door.ts maps them to HTTP.
import type { ApprovalDecision } from './approval.ts'

/** Online now, or a paper record entered after an outage with its own time and officer. */
export type Origin = 'online' | 'paper'

/**
 * A write's Idempotency-Key (or the request id standing in for it), scoped to the caller, with the
 * fingerprint of the request it answers. The write that carries it stores its outcome under it in the
 * same statement (or transaction) as its change.
 */
export interface IdempotencyClaim {
  caller: string
  key: string
  fingerprint: string
  ttlHours: number
  /**
   * The approval request this write applies, when a supervisor approves an officer's request: the
   * statement that stores the claim marks the request APPROVED, and claims nothing (so changes
   * nothing) when the request is no longer pending — one decision, in the step's own statement.
   */
  decides?: ApprovalDecision
}

/** A change committed by a write, counted as a business metric. */
export interface ChangeCount {
  entityType: string
  action: string
}

/** The outcome a write stores under its claim: what a replay of the same request answers. */
export type StoredOutcome<V> =
  | { kind: 'created'; view: V }
  /** Taken in; work continues in the background (a back-entry batch). */
  | { kind: 'accepted'; view: V }
  | { kind: 'updated'; view: V }
  /** The request asked for what the record already says; nothing was written. */
  | { kind: 'unchanged'; view: V }
  /** The natural key found the record already entered with the same content; nothing was written. */
  | { kind: 'duplicate'; existing: V }

export type WriteOutcome<V> =
  | (StoredOutcome<V> & { changes: ChangeCount[] })
  /** The same request was answered before (same key, same fingerprint): its stored outcome. */
  | { kind: 'replayed'; original: StoredOutcome<V> }

export function viewOf<V>(outcome: StoredOutcome<V>): V {
  return outcome.kind === 'duplicate' ? outcome.existing : outcome.view
}
