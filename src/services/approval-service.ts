// Approvals as a queue (phê duyệt, issue 17 item 3): the steps the rules reserve for a supervisor —
// extending a time limit, cancelling an overdue handover, recording a verification result, correcting
// a recorded receipt — may be asked for by an officer of the office that takes them. The request
// waits, exactly as asked, until a supervisor of that office approves it or rejects it with a note.
// Approving applies the step through the same service function a supervisor's direct step uses, so
// every rule of the step holds (checked again at that moment, on the handover as it then stands),
// and the step's own statement marks the request APPROVED (IdempotencyClaim.decides): a step is never
// applied without its approval, nor an approval recorded without its step. Four eyes: whoever asked
// does not decide.
import type { Actor } from '../domain/actor.ts'
import { APPROVAL_ENTITY, type ApprovalRecord, type ApprovalStatus, type ApprovalStep } from '../domain/approval.ts'
import { conflict, DomainError, forbidden, notFound, preconditionFailed } from '../domain/errors.ts'
import type { HandoverAggregate } from '../domain/handover.ts'
import type { StoredOutcome, WriteOutcome } from '../domain/write.ts'
import type { Queryable } from '../db/database.ts'
import {
  approvalById,
  approvalRejectWrite,
  approvalRequestWrite,
  approvalsOf,
  pendingApprovalOf,
  readForApprovalDecision,
  type ApprovalRow,
} from '../db/approval-repository.ts'
import { readForChange } from '../db/handover-repository.ts'
import type { NewNotice } from '../db/notice-repository.ts'
import { runGuardedWrite } from '../db/write-statement.ts'
import type {
  AmendmentInput,
  CancelHandoverInput,
  ReceiptCorrectionInput,
  VerificationResultInput,
} from '../schemas/handover-schemas.ts'
import { auditAppendOf, countOf, type Change } from './audit-service.ts'
import { amendHandover } from './handover-amendment-service.ts'
import { assertActsFor, assertSupervisorOf, listOfficeFor } from './handover-access.ts'
import { cancelHandover, fail, recordVerificationResult, type HandoverOutcome } from './handover-service.ts'
import { illegalTransition, isAllowed } from './handover-state-machine.ts'
import { dueAtProblem, timeProblem } from './handover-validation.ts'
import { claimStoring, contended, keyInUse, MAX_WRITE_ATTEMPTS, replayOf } from './idempotency-service.ts'
import { decodeIdCursor, pageOf } from './pagination.ts'
import { correctReceipt, receiptCorrectionChanges, receiptCorrectionProblems, receiptCorrectionProblemsOn } from './receipt-correction-service.ts'
import { vietnamTime } from './vietnam-time.ts'
import type { WriteContext } from './write-context.ts'
import { randomUUID } from 'node:crypto'

export type ApprovalView = ApprovalRow

/** The body each step is asked for with: the direct step's own body (online only). */
export interface ApprovalStepInputs {
  extension: { reason: string; dueAt: string }
  cancellation: { reason: string }
  verification_result: { outcome: 'RESOLVED' | 'VIOLATION'; explanation: string }
  receipt_correction: ReceiptCorrectionInput
}

/** In the words of a notice and an error: what the step does. */
const STEP_WORDS: Record<ApprovalStep, { vi: string; en: string }> = {
  extension: { vi: 'gia hạn thời hạn', en: 'extend the time limit' },
  cancellation: { vi: 'hủy biên bản quá hạn', en: 'cancel the overdue handover' },
  verification_result: { vi: 'kết quả xác minh', en: 'record the verification result' },
  receipt_correction: { vi: 'điều chỉnh biên bản tiếp nhận', en: 'correct the recorded receipt' },
}

/** The office whose supervisor decides: the destination corrects its receipt, the departure office the rest. */
const decidingOffice = (step: ApprovalStep, h: HandoverAggregate) => (step === 'receipt_correction' ? h.destinationOffice : h.departureOffice)

/** Steps whose request names the version read (If-Match), as their direct form does; the others are bound to the version they were asked on. */
const VERSIONED: ReadonlySet<ApprovalStep> = new Set(['extension', 'receipt_correction'])

/**
 * Whether the step can be asked for on the handover as it stands: the state, and the step's own rules
 * on the request (a time limit still ahead, a correction that changes something and names the
 * handover's containers). They run again when it is approved, on the handover as it then stands.
 */
function checkAskable(step: ApprovalStep, h: HandoverAggregate, input: ApprovalStepInputs[ApprovalStep], now: string): void {
  switch (step) {
    case 'extension': {
      if (!isAllowed(h.status, 'amend') && !isAllowed(h.status, 'extend')) throw illegalTransition(h.status, 'extend')
      const dueAt = (input as ApprovalStepInputs['extension']).dueAt
      // The rules the extension will meet when approved (amendHandover): a time, within the transit limit.
      fail([timeProblem(dueAt, 'dueAt')].filter((p) => p !== null))
      fail([dueAtProblem(dueAt, h.handedOverAt)].filter((p) => p !== null))
      if (!(Date.parse(dueAt) > Date.parse(h.dueAt))) {
        fail([{ field: 'dueAt', code: 'NOT_AN_EXTENSION', message: 'an extension sets a later time limit; an earlier one is an amendment the office makes itself' }])
      }
      if (Date.parse(dueAt) <= Date.parse(now)) fail([{ field: 'dueAt', code: 'DUE_AT_PASSED', message: 'a new time limit must still be ahead' }])
      return
    }
    case 'cancellation':
      if (h.status === 'HANDED_OVER') {
        throw conflict('APPROVAL_NOT_NEEDED', 'A handover in transit is cancelled by an officer of the departure office: cancel it yourself')
      }
      if (!isAllowed(h.status, 'cancel')) throw illegalTransition(h.status, 'cancel')
      return
    case 'verification_result':
      if (!isAllowed(h.status, 'recordVerificationResult')) throw illegalTransition(h.status, 'recordVerificationResult')
      return
    case 'receipt_correction': {
      if (!isAllowed(h.status, 'correctReceipt')) throw illegalTransition(h.status, 'correctReceipt')
      const correction = input as ApprovalStepInputs['receipt_correction']
      fail([...receiptCorrectionProblems(correction, now), ...receiptCorrectionProblemsOn(h, correction)])
      if (Object.keys(receiptCorrectionChanges(h, correction)).length === 0) {
        throw conflict('APPROVAL_NOTHING_TO_APPLY', 'The receipt already says what this correction asks for')
      }
      return
    }
  }
}

/** A notice about a request to the office that decides on it, with the facts a list shows. */
function approvalNotice(a: ApprovalRow, kind: 'APPROVAL_REQUESTED' | 'APPROVAL_REJECTED', message: string): NewNotice {
  return {
    office: a.office,
    kind,
    entityType: APPROVAL_ENTITY,
    entityId: a.id,
    // One notice per state of the request: asked (1), rejected (2).
    entityVersion: kind === 'APPROVAL_REQUESTED' ? 1 : 2,
    message,
    details: {
      step: a.step,
      handoverId: a.handoverId,
      handoverNumber: a.handoverNumber,
      requestedBy: a.requestedBy,
      decidedBy: a.decidedBy,
      approvalUrl: `/api/v1/approvals/${a.id}`,
    },
  }
}

const requestedNotice = (a: ApprovalRow) =>
  approvalNotice(
    a,
    'APPROVAL_REQUESTED',
    `Cán bộ ${a.requestedBy} đề nghị ${STEP_WORDS[a.step].vi} biên bản ${a.handoverNumber} lúc ${vietnamTime(a.requestedAt)} giờ Việt Nam; ` +
      `chờ Lãnh đạo Chi cục phê duyệt. / An officer asks a supervisor to ${STEP_WORDS[a.step].en} of handover ${a.handoverNumber}.`,
  )

const rejectedNotice = (a: ApprovalRow) =>
  approvalNotice(
    a,
    'APPROVAL_REJECTED',
    `Đề nghị ${STEP_WORDS[a.step].vi} biên bản ${a.handoverNumber} của cán bộ ${a.requestedBy} không được phê duyệt: ${a.decisionNote ?? ''}. ` +
      `/ The request to ${STEP_WORDS[a.step].en} of handover ${a.handoverNumber} was rejected.`,
  )

/**
 * An officer asks for a supervisor's step on a handover: checked against the handover as it stands
 * (the office, the state, the version read for an extension or a receipt correction), then queued
 * for a supervisor of the office that takes the step. Asking again while a request waits answers 409
 * APPROVAL_ALREADY_PENDING naming it.
 */
export async function requestApproval<S extends ApprovalStep>(
  q: Queryable,
  ctx: WriteContext,
  step: S,
  handoverId: string,
  expectedVersions: number[] | null,
  input: ApprovalStepInputs[S],
): Promise<WriteOutcome<ApprovalView>> {
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const read = await readForChange(q, ctx.claim, handoverId)
    const replay = replayOf<ApprovalView>(ctx.claim, read.stored)
    if (replay) return replay
    const h = read.handover
    if (!h) throw notFound('HANDOVER_NOT_FOUND', `No handover ${handoverId}`)
    const office = decidingOffice(step, h)
    assertActsFor(ctx.actor, office, `ask to ${STEP_WORDS[step].en} of this handover`)
    checkAskable(step, h, input, ctx.now)
    if (VERSIONED.has(step) && !(expectedVersions ?? []).includes(h.version)) {
      throw preconditionFailed('VERSION_CONFLICT', `The handover is at version ${h.version}; read it again and ask for that version`, {
        currentVersion: h.version,
      })
    }
    const pending = await pendingApprovalOf(q, handoverId, step)
    if (pending) {
      throw conflict('APPROVAL_ALREADY_PENDING', `A request to ${STEP_WORDS[step].en} of this handover already waits for a supervisor`, {
        approvalId: pending.id,
      })
    }
    const record: ApprovalRecord = {
      id: randomUUID(),
      office,
      step,
      handoverId,
      handoverVersion: h.version,
      request: { ...input },
      requestedBy: ctx.actor.officerId,
      requestedAt: ctx.now,
      status: 'PENDING',
      decidedBy: null,
      decidedAt: null,
      decisionNote: null,
    }
    const view: ApprovalView = { ...record, handoverNumber: h.handoverNumber }
    const back = { origin: 'online' as const, occurredAt: ctx.now, originalOfficer: ctx.actor.officerId }
    const change: Change = {
      entityType: APPROVAL_ENTITY,
      entityId: record.id,
      action: 'request',
      before: null,
      after: { step, handoverId, handoverVersion: record.handoverVersion, office, request: record.request },
      backEntry: back,
    }
    const outcome: StoredOutcome<ApprovalView> = { kind: 'created', view }
    const write = approvalRequestWrite(claimStoring(ctx.claim, outcome), record, auditAppendOf(ctx, change), [requestedNotice(view)])
    const result = await runGuardedWrite(q, write)
    if (result === 'applied') return { ...outcome, changes: [countOf(change)] }
    if (result === 'in_use') throw keyInUse()
  }
  throw contended()
}

/** The request as read for a decision: the actor is a supervisor of its office, it still waits, and was not theirs. */
function assertMayDecide(actor: Actor, a: ApprovalRow): void {
  assertSupervisorOf(actor, a.office, 'decide on this request')
  if (a.status !== 'PENDING') {
    throw conflict('APPROVAL_DECIDED', `This request was already decided: ${a.status} by ${a.decidedBy}`, { status: a.status, decidedBy: a.decidedBy })
  }
  if (a.requestedBy === actor.officerId) {
    throw forbidden('APPROVAL_OWN_REQUEST', 'You asked for this step yourself: another supervisor of the office decides on it')
  }
}

/** The step as asked, applied by the supervisor through its own service (and its own rules). */
function applyStep(q: Queryable, ctx: WriteContext, a: ApprovalRow): Promise<HandoverOutcome> {
  const versions = [a.handoverVersion]
  // The stored body passed the step's schema when it was asked (the route), and the step's own
  // rules run again now: a body that no longer holds is answered APPROVAL_REQUEST_INVALID.
  switch (a.step) {
    case 'extension':
      return amendHandover(q, ctx, a.handoverId, versions, a.request as AmendmentInput)
    case 'cancellation':
      return cancelHandover(q, ctx, a.handoverId, a.request as CancelHandoverInput)
    case 'verification_result':
      return recordVerificationResult(q, ctx, a.handoverId, a.request as VerificationResultInput)
    case 'receipt_correction':
      return correctReceipt(q, ctx, a.handoverId, versions, a.request as ReceiptCorrectionInput)
  }
}

/**
 * A supervisor approves: the step is applied as the officer asked, by the supervisor (named as
 * approver where the step names one), and answers what the direct step answers — the handover's
 * next version. A step its rules now refuse (the handover moved on: 412 or 409) leaves the request
 * pending; the supervisor rejects it, and the officer asks again on the handover as it stands.
 */
export async function approveRequest(q: Queryable, ctx: WriteContext, id: string): Promise<HandoverOutcome> {
  // The claim carries the decision into the step's statement; without one nothing would mark it.
  if (ctx.claim === null) throw new Error('an approval is decided under a claim')
  const read = await readForApprovalDecision(q, ctx.claim, id)
  const replay = replayOf<never>(ctx.claim, read.stored)
  if (replay) return replay as HandoverOutcome
  const a = read.approval
  if (!a) throw notFound('APPROVAL_NOT_FOUND', `No approval request ${id}`)
  assertMayDecide(ctx.actor, a)
  // Asked on one version, decided on that version: the steps with If-Match check it themselves, and
  // the step's statement checks it again for all (write-statement.ts, approvalDecidedCte).
  const movedOn = async (): Promise<DomainError | null> => {
    const now = (await readForChange(q, null, a.handoverId)).handover
    if (!now || now.version === a.handoverVersion) return null
    // Another supervisor's approval of this very request moves the handover too: that is the answer.
    const current = await approvalById(q, id)
    if (current && current.status !== 'PENDING') assertMayDecide(ctx.actor, current)
    return preconditionFailed('VERSION_CONFLICT', `The request was made on version ${a.handoverVersion}; the handover is at ${now.version}: reject the request`, {
      currentVersion: now.version,
    })
  }
  const moved = await movedOn()
  if (moved) throw moved
  const stepCtx: WriteContext = { ...ctx, claim: { ...ctx.claim, decides: { approvalId: a.id, decidedBy: ctx.actor.officerId, decidedAt: ctx.now } } }
  try {
    return await applyStep(q, stepCtx, a)
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    // Decided meanwhile by another supervisor: that is the answer, whatever the step then found.
    const current = await approvalById(q, id)
    if (current && current.status !== 'PENDING') assertMayDecide(ctx.actor, current)
    // A step without If-Match kept meeting a handover moved past the request's version (the
    // statement's version guard): say so, as for the steps with If-Match.
    if (err.code === 'WRITE_CONTENDED') {
      const moved = await movedOn()
      if (moved) throw moved
    }
    // The request as stored no longer passes the step's rules (e.g. its time limit has passed since):
    // a conflict with the request, not a bad body from the supervisor, who sent none.
    if (err.kind === 'invalid') {
      throw conflict('APPROVAL_REQUEST_INVALID', `The request no longer holds: ${err.message}; reject it and ask again`, err.details)
    }
    throw err
  }
}

/** A supervisor rejects a pending request with a note; the office is told. */
export async function rejectRequest(q: Queryable, ctx: WriteContext, id: string, note: string): Promise<WriteOutcome<ApprovalView>> {
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const read = await readForApprovalDecision(q, ctx.claim, id)
    const replay = replayOf<ApprovalView>(ctx.claim, read.stored)
    if (replay) return replay
    const a = read.approval
    if (!a) throw notFound('APPROVAL_NOT_FOUND', `No approval request ${id}`)
    assertMayDecide(ctx.actor, a)
    const after: ApprovalView = { ...a, status: 'REJECTED', decidedBy: ctx.actor.officerId, decidedAt: ctx.now, decisionNote: note }
    const back = { origin: 'online' as const, occurredAt: ctx.now, originalOfficer: ctx.actor.officerId }
    const change: Change = {
      entityType: APPROVAL_ENTITY,
      entityId: id,
      action: 'reject',
      before: { status: 'PENDING' },
      after: { status: 'REJECTED', note },
      backEntry: back,
    }
    const outcome: StoredOutcome<ApprovalView> = { kind: 'updated', view: after }
    const write = approvalRejectWrite(
      claimStoring(ctx.claim, outcome),
      { id, decidedBy: ctx.actor.officerId, decidedAt: ctx.now, note },
      auditAppendOf(ctx, change),
      [rejectedNotice(after)],
    )
    const result = await runGuardedWrite(q, write)
    if (result === 'applied') return { ...outcome, changes: [countOf(change)] }
    if (result === 'in_use') throw keyInUse()
  }
  throw contended()
}

/** An office's requests, oldest first: the supervisor's queue with status=PENDING. Officers and supervisors read their office's; admins any. */
export async function listApprovals(
  q: Queryable,
  actor: Actor,
  query: { office?: string; status?: ApprovalStatus; handoverId?: string; limit: number; cursor?: string },
): Promise<{ items: ApprovalView[]; nextCursor: string | null }> {
  const office = listOfficeFor(actor, query.office, 'the approval requests')
  const cursor = decodeIdCursor(query.cursor)
  const rows = await approvalsOf(q, {
    office,
    status: query.status ?? null,
    handoverId: query.handoverId ?? null,
    after: cursor && { at: new Date(cursor.at).toISOString(), id: cursor.id },
    limit: query.limit,
  })
  return pageOf(rows, query.limit, (r) => ({ at: r.requestedAt, id: r.id }))
}

/** One request, for its office (or an admin). */
export async function getApproval(q: Queryable, actor: Actor, id: string): Promise<ApprovalView> {
  const a = await approvalById(q, id)
  if (!a) throw notFound('APPROVAL_NOT_FOUND', `No approval request ${id}`)
  if (actor.role !== 'admin' && actor.office !== a.office) {
    throw forbidden('OFFICE_FORBIDDEN', `This request is for office ${a.office}; you act for ${actor.office}`)
  }
  return a
}
