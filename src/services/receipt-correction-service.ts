// Correcting a recorded receipt (điều chỉnh biên bản tiếp nhận): the destination office recorded the
// arrival wrong — a seal state, a discrepancy, the note, the arrival time — and the handover is not
// closed yet. A receipt is evidence (on time or late, with or without discrepancy), so only a
// supervisor of the destination office corrects it, named as approver; the handover moves to the next
// version, the correction is kept beside the amendments (kind receipt_correction, each field before
// and after), the audit trail holds it, and the departure office is told. The caller names the
// version it corrected (If-Match). The request is checked whole before the supervisor's step is asked
// for: a bad request is a 400 whoever sends it.
import { preconditionFailed, type FieldProblem } from '../domain/errors.ts'
import type { AmendmentRecord, HandoverAggregate, SealState } from '../domain/handover.ts'
import type { Queryable } from '../db/database.ts'
import { receiptCorrectionWrite } from '../db/handover-amendment-repository.ts'
import type { ReceiptCorrectionInput } from '../schemas/handover-schemas.ts'
import { assertActsFor, assertSupervisorOf } from './handover-access.ts'
import { amendmentRecordOf } from './handover-amendment-service.ts'
import { changeHandover, fail, resolveBackEntry, type HandoverOutcome } from './handover-service.ts'
import { illegalTransition, isAllowed, transition } from './handover-state-machine.ts'
import { checkSealEntries, checkSealsAgainstContainers, timeProblem } from './handover-validation.ts'
import { receiptCorrectedNotice } from './notice-service.ts'
import { CLOCK_SKEW_MS, type WriteContext } from './write-context.ts'

/** What a receipt correction may change, as the amendment history names the fields. */
const CORRECTABLE_RECEIPT_FIELDS = ['arrivedAt', 'sealStates', 'discrepancies', 'note'] as const
type CorrectableField = (typeof CORRECTABLE_RECEIPT_FIELDS)[number]

interface SealLine {
  containerNumber: string
  sealState: SealState
  newSealNumber: string | null
}

const sealLinesOf = (lines: Array<{ containerNumber: string; sealState: SealState | null; newSealNumber?: string | null }>): SealLine[] =>
  lines
    .map((l) => ({ containerNumber: l.containerNumber, sealState: l.sealState as SealState, newSealNumber: l.newSealNumber ?? null }))
    .sort((a, b) => a.containerNumber.localeCompare(b.containerNumber))

/** The receipt's correctable fields as recorded. */
function recordedFields(h: HandoverAggregate): Record<CorrectableField, unknown> {
  return {
    arrivedAt: h.receipt?.receivedAt ?? null,
    sealStates: sealLinesOf(h.containers),
    discrepancies: h.receipt?.discrepancies ?? [],
    note: h.receipt?.note ?? null,
  }
}

function requestedFields(input: ReceiptCorrectionInput): Partial<Record<CorrectableField, unknown>> {
  const requested: Partial<Record<CorrectableField, unknown>> = {}
  if (input.arrivedAt !== undefined) requested.arrivedAt = new Date(input.arrivedAt).toISOString()
  if (input.containers !== undefined) requested.sealStates = sealLinesOf(input.containers)
  if (input.discrepancies !== undefined) requested.discrepancies = [...input.discrepancies]
  if (input.note !== undefined) requested.note = input.note
  return requested
}

/** The request's own rules, before any handover is read: a bad request is a 400 whoever sends it. */
export function receiptCorrectionProblems(input: ReceiptCorrectionInput, now: string): FieldProblem[] {
  if (Object.keys(requestedFields(input)).length === 0) {
    return [{ field: 'body', code: 'NOTHING_TO_CORRECT', message: 'send at least one of arrivedAt, containers, discrepancies, note' }]
  }
  const problems: FieldProblem[] = [...checkSealEntries(input.containers ?? [])]
  const timeOfArrival = timeProblem(input.arrivedAt, 'arrivedAt')
  if (timeOfArrival) problems.push(timeOfArrival)
  else if (input.arrivedAt !== undefined && Date.parse(input.arrivedAt) > Date.parse(now) + CLOCK_SKEW_MS) {
    problems.push({ field: 'arrivedAt', code: 'ARRIVED_AT_IN_FUTURE', message: 'goods cannot have arrived later than now' })
  }
  return problems
}

/** The fields the request would change on the handover's receipt, each before and after (empty: it says what is recorded). */
export function receiptCorrectionChanges(h: HandoverAggregate, input: ReceiptCorrectionInput): AmendmentRecord['changes'] {
  const requested = requestedFields(input)
  const before = recordedFields(h)
  const changes: AmendmentRecord['changes'] = {}
  for (const field of CORRECTABLE_RECEIPT_FIELDS) {
    if (field in requested && JSON.stringify(before[field]) !== JSON.stringify(requested[field])) {
      changes[field] = { before: before[field], after: requested[field] }
    }
  }
  return changes
}

/** The request's rules against the handover as it stands: its containers, and no arrival before the handover. */
export function receiptCorrectionProblemsOn(h: HandoverAggregate, input: ReceiptCorrectionInput): FieldProblem[] {
  const checks: FieldProblem[] =
    input.containers === undefined ? [] : checkSealsAgainstContainers(input.containers, h.containers.map((c) => c.containerNumber))
  const receivedAt = (requestedFields(input).arrivedAt as string | undefined) ?? h.receipt?.receivedAt
  if (receivedAt !== undefined && Date.parse(receivedAt) < Date.parse(h.handedOverAt)) {
    checks.push({ field: 'arrivedAt', code: 'RECEIVED_BEFORE_HANDOVER', message: 'goods cannot arrive before they were handed over' })
  }
  return checks
}

export async function correctReceipt(
  q: Queryable,
  ctx: WriteContext,
  id: string,
  expectedVersions: number[],
  input: ReceiptCorrectionInput,
): Promise<HandoverOutcome> {
  const back = await resolveBackEntry(q, ctx, {})
  const requested = requestedFields(input)
  fail(receiptCorrectionProblems(input, ctx.now))

  return changeHandover(q, ctx, id, back, (h) => {
    const what = 'correct the receipt of this handover'
    assertActsFor(ctx.actor, h.destinationOffice, what)
    if (!isAllowed(h.status, 'correctReceipt') || h.receipt === null) throw illegalTransition(h.status, 'correctReceipt')
    const changes = receiptCorrectionChanges(h, input)
    // Asking for what the receipt already says (a retry without a key after the first applied): 200, nothing written.
    if (Object.keys(changes).length === 0) return { kind: 'unchanged' }
    if (!expectedVersions.includes(h.version)) {
      throw preconditionFailed('VERSION_CONFLICT', `The handover is at version ${h.version}; read it again and correct that version`, {
        currentVersion: h.version,
      })
    }
    const seals = input.containers ?? []
    fail(receiptCorrectionProblemsOn(h, input))
    const receivedAt = (requested.arrivedAt as string | undefined) ?? h.receipt.receivedAt

    const sealOf = new Map(seals.map((s) => [s.containerNumber, s]))
    const containers = h.containers.map((c) => {
      const s = sealOf.get(c.containerNumber)
      return s ? { ...c, sealState: s.sealState, newSealNumber: s.newSealNumber ?? null } : c
    })
    const discrepancies = (requested.discrepancies as string[] | undefined) ?? h.receipt.discrepancies
    const discrepant = containers.some((c) => c.sealState !== null && c.sealState !== 'intact') || discrepancies.length > 0
    const status = transition(h.status, 'correctReceipt', discrepant ? 'ARRIVED_WITH_DISCREPANCY' : 'ARRIVED')
    // Every rule of the request held: now the step itself, which is the destination supervisor's.
    assertSupervisorOf(ctx.actor, h.destinationOffice, what)

    const version = h.version + 1
    const record = amendmentRecordOf(ctx, back, { version, kind: 'receipt_correction', reason: input.reason, changes }, true)
    const note = 'note' in changes ? (input.note as string) : h.receipt.note
    const after: HandoverAggregate = {
      ...h,
      status,
      version,
      containers,
      receipt: { ...h.receipt, receivedAt, discrepancies, note },
      amendments: [...h.amendments, record],
    }
    const fields = Object.keys(changes)
    return {
      kind: 'change',
      action: 'correctReceipt',
      after,
      write: (claim, audit, notices) =>
        receiptCorrectionWrite(
          claim,
          {
            id,
            fromVersion: h.version,
            record,
            status,
            receipt: {
              ...('arrivedAt' in changes && { receivedAt }),
              ...('discrepancies' in changes && { discrepancies }),
              ...('note' in changes && { note }),
            },
            seals: 'sealStates' in changes ? seals.map((s) => ({ containerNumber: s.containerNumber, sealState: s.sealState, newSealNumber: s.newSealNumber ?? null })) : undefined,
          },
          audit,
          notices,
        ),
      audited: {
        before: { status: h.status, version: h.version, ...Object.fromEntries(fields.map((f) => [f, changes[f]?.before])) },
        after: { status, version, reason: input.reason, ...Object.fromEntries(fields.map((f) => [f, changes[f]?.after])) },
      },
      notices: (view) => [receiptCorrectedNotice(view, input.reason, fields)],
    }
  })
}
