// Amending a handover before receipt (sửa đổi biên bản bàn giao): the departure office corrects the
// containers and seals, goods lines, vehicle, route or time limit of a handover the destination has
// not received yet. The handover keeps its number and moves to the next version; the amendment row
// keeps what changed and why, the audit trail holds the handover before and after, and the
// destination office is told (a notice per version). The caller names the version it amended
// (If-Match): an amendment made from an older version is refused, never applied over a newer one.
// A later time limit is an extension, granted by a supervisor of the departure office; an overdue
// handover takes nothing else, and its extension puts it back in transit (HANDED_OVER).
// The request is checked whole before the supervisor's step is asked for: a bad request is a 400
// whoever sends it, never a 403 that hides what is wrong with it.
import { preconditionFailed, type FieldProblem } from '../domain/errors.ts'
import { AMENDABLE_FIELDS, type AmendableField, type AmendmentRecord, type HandoverAggregate } from '../domain/handover.ts'
import type { Queryable } from '../db/database.ts'
import { amendmentWrite } from '../db/handover-amendment-repository.ts'
import type { AmendmentInput } from '../schemas/handover-schemas.ts'
import { assertActsFor, assertSupervisorOf } from './handover-access.ts'
import { changeHandover, fail, resolveBackEntry, type HandoverOutcome } from './handover-service.ts'
import { illegalTransition, isAllowed, transition } from './handover-state-machine.ts'
import { checkNewHandover, timeProblem } from './handover-validation.ts'
import { handoverView, type HandoverView } from './handover-views.ts'
import { amendedNotice } from './notice-service.ts'
import type { BackEntry, WriteContext } from './write-context.ts'

/** The history row of a correction that makes `version`: who and when from the write, and the approver when it was a supervisor's step. */
export function amendmentRecordOf(
  ctx: WriteContext,
  back: BackEntry,
  row: Pick<AmendmentRecord, 'version' | 'kind' | 'reason' | 'changes'>,
  approved: boolean,
): AmendmentRecord {
  return {
    ...row,
    amendedAt: back.occurredAt,
    amendedBy: back.originalOfficer,
    enteredBy: ctx.actor.officerId,
    origin: back.origin,
    approvedBy: approved ? ctx.actor.officerId : null,
    approvedAt: approved ? ctx.now : null,
  }
}

/** The amended fields' values as the view shows them, so before and after compare as JSON. */
function viewedFields(h: HandoverView): Record<AmendableField, unknown> {
  return {
    containers: h.containers.map((c) => ({ containerNumber: c.containerNumber, carrierSeal: c.carrierSeal, customsSeal: c.customsSeal })),
    goodsLines: h.goodsLines.map((g) => ({ description: g.description, quantity: g.quantity, unit: g.unit, marks: g.marks })),
    vehicle: h.vehicle,
    route: h.route,
    dueAt: h.dueAt,
  }
}

function requestedFields(input: AmendmentInput): Partial<Record<AmendableField, unknown>> {
  const requested: Partial<Record<AmendableField, unknown>> = {}
  if (input.containers) requested.containers = input.containers.map((c) => ({ ...c }))
  if (input.goodsLines) requested.goodsLines = input.goodsLines.map((g) => ({ ...g, marks: g.marks ?? null }))
  if (input.vehicle !== undefined) requested.vehicle = input.vehicle
  if (input.route !== undefined) requested.route = input.route
  if (input.dueAt !== undefined) requested.dueAt = new Date(input.dueAt).toISOString()
  return requested
}

/** The fields whose requested value differs from the handover's, each with its value before and after. */
function changesOf(current: HandoverView, requested: Partial<Record<AmendableField, unknown>>) {
  const before = viewedFields(current)
  const changes: AmendmentRecord['changes'] = {}
  for (const field of AMENDABLE_FIELDS) {
    if (!(field in requested)) continue
    if (JSON.stringify(before[field]) !== JSON.stringify(requested[field])) changes[field] = { before: before[field], after: requested[field] }
  }
  return changes
}

/** Rules on the handover as amended: containers or goods, each container once, a time limit after the handover and not past. */
function checkAmended(after: HandoverAggregate, now: string, dueAtAmended: boolean): FieldProblem[] {
  const problems = checkNewHandover(
    { containers: after.containers, goodsLines: after.goods.map((g) => ({ ...g, marks: g.marks ?? undefined })), dueAt: after.dueAt },
    after.handedOverAt,
  )
  if (dueAtAmended && !problems.some((p) => p.field === 'dueAt') && Date.parse(after.dueAt) <= Date.parse(now)) {
    problems.push({ field: 'dueAt', code: 'DUE_AT_PASSED', message: 'a new time limit must still be ahead' })
  }
  return problems
}

export async function amendHandover(
  q: Queryable,
  ctx: WriteContext,
  id: string,
  expectedVersions: number[],
  input: AmendmentInput,
): Promise<HandoverOutcome> {
  const back = await resolveBackEntry(q, ctx, input)
  const requested = requestedFields(input)
  if (Object.keys(requested).length === 0) {
    fail([{ field: 'body', code: 'NOTHING_TO_AMEND', message: `send at least one of ${AMENDABLE_FIELDS.join(', ')}` }])
  }
  fail([timeProblem(input.dueAt, 'dueAt')].filter((p) => p !== null))

  return changeHandover(q, ctx, id, back, (h) => {
    assertActsFor(ctx.actor, h.departureOffice, 'amend the handover')
    const current = handoverView(h)
    const changes = changesOf(current, requested)
    // The handover already says what was asked (e.g. a retry without an Idempotency-Key after the
    // first attempt applied): a success, as RFC 9110 §13.1.1 allows, and nothing is written.
    if (Object.keys(changes).length === 0) return { kind: 'unchanged' }
    // A later time limit is an extension (gia hạn): the supervisor of the departure office grants
    // it, and is named as the approver. An earlier one (a typo) is an ordinary amendment.
    const extended = changes.dueAt !== undefined && Date.parse(requested.dueAt as string) > Date.parse(h.dueAt)
    const onlyExtended = extended && Object.keys(changes).length === 1
    // An overdue handover is the evidence its verification looks at: of it, only the time limit is
    // extended (the goods are still on their way), and that puts it back in transit.
    const action = h.status === 'OVERDUE' && onlyExtended ? 'extend' : 'amend'
    if (!isAllowed(h.status, action)) throw illegalTransition(h.status, 'amend')
    const status = action === 'extend' ? transition(h.status, 'extend', 'HANDED_OVER') : h.status
    if (!expectedVersions.includes(h.version)) {
      throw preconditionFailed(
        'VERSION_CONFLICT',
        `The handover is at version ${h.version}; read it again and amend that version`,
        { currentVersion: h.version },
      )
    }
    const version = h.version + 1
    const record = amendmentRecordOf(ctx, back, { version, kind: onlyExtended ? 'extension' : 'amendment', reason: input.reason, changes }, extended)
    const columns = {
      ...(changes.vehicle && { vehicle: input.vehicle as string }),
      ...(changes.route && { route: input.route as string }),
      ...(changes.dueAt && { dueAt: requested.dueAt as string }),
    }
    const containers = changes.containers ? (input.containers ?? []) : undefined
    const goods = changes.goodsLines ? (input.goodsLines ?? []).map((g) => ({ ...g, marks: g.marks ?? null })) : undefined
    const after: HandoverAggregate = {
      ...h,
      ...columns,
      status,
      version,
      containers: containers ? containers.map((c) => ({ ...c, sealState: null, newSealNumber: null })) : h.containers,
      goods: goods ?? h.goods,
      amendments: [...h.amendments, record],
    }
    // Validation first (every rule above), then the step's authorisation.
    fail(checkAmended(after, ctx.now, changes.dueAt !== undefined))
    if (extended) assertSupervisorOf(ctx.actor, h.departureOffice, 'extend the time limit of this handover')
    const fields = Object.keys(changes)
    const reopened = status !== h.status
    return {
      kind: 'change',
      action: 'amend',
      after,
      write: (claim, audit, notices) =>
        amendmentWrite(claim, { id, fromVersion: h.version, record, columns, containers, goods, ...(reopened && { status }) }, audit, notices),
      audited: {
        before: { version: h.version, ...(reopened && { status: h.status }), ...Object.fromEntries(fields.map((f) => [f, changes[f]?.before])) },
        after: { version, ...(reopened && { status }), reason: input.reason, ...Object.fromEntries(fields.map((f) => [f, changes[f]?.after])) },
      },
      notices: (view) => [amendedNotice(view, input.reason, fields)],
    }
  })
}
