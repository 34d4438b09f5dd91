// A paper record typed in after an outage (origin paper) carries the paper's own time and the officer
// who signed it (paperOfficer). That officer must be one the system knows, of the office the record is
// entered for: a free-form name would let anyone attribute a record to anyone. A record dated far
// back is an exception a supervisor of the office answers for (config.paperBackdatingDays).
// Validation (paperEntryOf, 400) and authorisation (assertMayBackdate, 403) are two steps: a service
// checks the whole request first and authorises the step last, so a bad request is told what is
// wrong with it whoever sends it.
import { invalid } from '../domain/errors.ts'
import type { Origin } from '../domain/write.ts'
import type { Queryable } from '../db/database.ts'
import { officerOfficeOf } from '../db/officer-repository.ts'
import { assertSupervisorOf } from './handover-access.ts'
import { backEntryOf, type BackEntry, type WriteContext } from './write-context.ts'

const DAY_MS = 86_400_000

interface PaperEntryInput {
  origin?: Origin
  paperRecordedAt?: string
  paperOfficer?: string
}

/**
 * The write's back-entry (backEntryOf), its paper officer checked against the officers' records: one
 * read, on paper records that name someone else than the acting officer only (an online write, the
 * hot path, reads nothing more).
 */
export async function paperEntryOf(q: Queryable, ctx: WriteContext, input: PaperEntryInput): Promise<BackEntry> {
  const back = backEntryOf(ctx, input)
  const named = input.paperOfficer
  if (back.origin !== 'paper' || named === undefined || named === ctx.actor.officerId) return back
  const office = await officerOfficeOf(q, named)
  if (office === null) {
    throw invalid([
      { field: 'paperOfficer', code: 'UNKNOWN_OFFICER', message: `${named} is not a recorded officer; an administrator records officers (npm run officer)` },
    ])
  }
  if (office !== ctx.actor.office) {
    throw invalid([
      { field: 'paperOfficer', code: 'OFFICER_OF_ANOTHER_OFFICE', message: `${named} is an officer of ${office}, not of ${ctx.actor.office}` },
    ])
  }
  return back
}

/**
 * A paper record dated more than ctx.paperBackdatingDays before now is entered by a supervisor of
 * the acting office (403 SUPERVISOR_REQUIRED for an officer). Call it once the request is valid,
 * right before the write.
 */
export function assertMayBackdate(ctx: WriteContext, back: BackEntry): void {
  if (back.origin !== 'paper') return
  if (Date.parse(ctx.now) - Date.parse(back.occurredAt) <= ctx.paperBackdatingDays * DAY_MS) return
  assertSupervisorOf(ctx.actor, ctx.actor.office, `enter a paper record dated more than ${ctx.paperBackdatingDays} days back`)
}
