// What every state-changing service call receives: the open transaction, who acts, and where the
// record comes from (online now, or a paper record entered after an outage with its original time).
import type { Queryable } from '../db/database.ts'
import type { Actor } from './jwt-service.ts'
import { invalid } from '../errors.ts'

export type Origin = 'online' | 'paper'

export interface BackEntry {
  origin: Origin
  /** When the paper record was made (origin paper); the service's clock otherwise. */
  occurredAt: string
  /** The officer who made the paper record; the acting officer otherwise. */
  originalOfficer: string
}

export interface WriteContext {
  tx: Queryable
  actor: Actor
  requestId: string
  /** Database-independent "now" of this request (ISO); paper records keep their own time. */
  now: string
  /** Changes recorded in this transaction; counted as business metrics once it commits. */
  changes: Array<{ entityType: string; action: string }>
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
    if (Date.parse(input.paperRecordedAt) > Date.parse(ctx.now) + 5 * 60_000) {
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
