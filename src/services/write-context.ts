// What every state-changing service call receives: who acts, the request it serves, its clock, and
// the idempotency claim its outcome is stored under (null for background work, which relies on
// natural keys and statuses instead).
import type { Actor } from '../domain/actor.ts'
import { invalid } from '../domain/errors.ts'
import type { IdempotencyClaim, Origin } from '../domain/write.ts'

/** How far ahead of this node's clock a stated time may be (officers' PCs drift). */
export const CLOCK_SKEW_MS = 5 * 60_000

export interface BackEntry {
  origin: Origin
  /** When the paper record was made (origin paper); the service's clock otherwise. */
  occurredAt: string
  /** The officer who made the paper record; the acting officer otherwise. */
  originalOfficer: string
}

export interface WriteContext {
  actor: Actor
  requestId: string
  /** Database-independent "now" of this request (ISO); paper records keep their own time. */
  now: string
  claim: IdempotencyClaim | null
  /** Paper records dated further back than this many days are entered by a supervisor (config.paperBackdatingDays). */
  paperBackdatingDays: number
}

/** Resolves the origin fields of a write body into a BackEntry (defaults: online, now, the actor). */
export function backEntryOf(
  ctx: WriteContext,
  input: { origin?: Origin; paperRecordedAt?: string; paperOfficer?: string },
): BackEntry {
  if (input.origin === 'paper') {
    if (!input.paperRecordedAt) {
      throw invalid([{ field: 'paperRecordedAt', code: 'FIELD_REQUIRED', message: 'a paper record needs the time it was made' }])
    }
    if (Date.parse(input.paperRecordedAt) > Date.parse(ctx.now) + CLOCK_SKEW_MS) {
      throw invalid([{ field: 'paperRecordedAt', code: 'PAPER_TIME_IN_FUTURE', message: 'a paper record cannot be dated in the future' }])
    }
    return {
      origin: 'paper',
      occurredAt: new Date(input.paperRecordedAt).toISOString(),
      originalOfficer: input.paperOfficer ?? ctx.actor.officerId,
    }
  }
  return { origin: 'online', occurredAt: ctx.now, originalOfficer: ctx.actor.officerId }
}
