// Goods handover use cases (biên bản bàn giao hàng hóa): the departure office hands over, the
// destination office receives and closes, the departure office cancels or verifies an overdue one.
// Each is a story in two statements: read the handover (and the stored outcome of the request's
// idempotency key), decide by the rules here, then one guarded write that changes the handover only
// if it is still the version that was read — with its audit row, outbox event and stored outcome.
import { createHash, randomUUID } from 'node:crypto'
import { conflict, invalid, notFound, type FieldProblem } from '../domain/errors.ts'
import {
  HANDOVER_ENTITY,
  type HandoverAction,
  type HandoverAggregate,
  type HandoverStatus,
  type TransitionColumns,
  type VerificationOutcome,
} from '../domain/handover.ts'
import type { StoredOutcome, WriteOutcome } from '../domain/write.ts'
import type { Queryable } from '../db/database.ts'
import {
  createHandoverWrite,
  readForChange,
  readForCreate,
  transitionWrite,
  type HandoverTransition,
  type NewHandover,
} from '../db/handover-repository.ts'
import {
  claimOnlyWrite,
  runGuardedWrite,
  type AuditAppend,
  type ClaimToStore,
  type GuardedResult,
  type GuardedWrite,
  type NoticeAppend,
} from '../db/write-statement.ts'
import { auditAppendOf, countOf, type Change } from './audit-service.ts'
import { canonicalJson } from './canonical-json.ts'
import { assertActsFor, assertSupervisorOf } from './handover-access.ts'
import { illegalTransition, isAllowed, transition } from './handover-state-machine.ts'
import { checkNewHandover, checkSealEntries, checkSealsAgainstContainers, timeProblem } from './handover-validation.ts'
import { handoverView, type HandoverView } from './handover-views.ts'
import {
  arrivedNotice,
  cancelledNotice,
  incomingNotice,
  verificationDecidedNotices,
  verificationOpenedNotices,
} from './notice-service.ts'
import type { NewNotice } from '../db/notice-repository.ts'
import { claimStoring, contended, keyInUse, MAX_WRITE_ATTEMPTS, replayOf } from './idempotency-service.ts'
import { assertMayBackdate, paperEntryOf } from './paper-entry.ts'
import { CLOCK_SKEW_MS, type BackEntry, type WriteContext } from './write-context.ts'
import type {
  CancelHandoverInput,
  CloseHandoverInput,
  CreateHandoverInput,
  OpenVerificationInput,
  ReceiptInput,
  VerificationResultInput,
} from '../schemas/handover-schemas.ts'

export type HandoverOutcome = WriteOutcome<HandoverView>

export const fail = (problems: FieldProblem[]) => {
  if (problems.length > 0) throw invalid(problems)
}

const hashOf = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex')

/** Numbers run per Vietnamese calendar year (UTC+7): a handover at 01:00 on 1 January local time is in the new year. */
export function vietnamYearOf(iso: string): number {
  return new Date(Date.parse(iso) + 7 * 3_600_000).getUTCFullYear()
}

export function handoverNumberOf(office: string, year: number, seq: number): string {
  return `BBBG-${office}-${year}-${String(seq).padStart(6, '0')}`
}

/** The origin fields of a write body (online, or a paper record with its own time and officer). */
export interface BackEntryInput {
  origin?: 'online' | 'paper'
  paperRecordedAt?: string
  paperOfficer?: string
}

/** The write's back-entry, validated (paperEntryOf); its authorisation (assertMayBackdate) comes with the write. */
export function resolveBackEntry(q: Queryable, ctx: WriteContext, input: BackEntryInput): Promise<BackEntry> {
  fail([timeProblem(input.paperRecordedAt, 'paperRecordedAt')].filter((p) => p !== null))
  return paperEntryOf(q, ctx, input)
}

/**
 * What a write that found nothing to change answers: the record as it is, stored under the claim so
 * a replay of the key answers the same. Null when the key was stored meanwhile (read again).
 */
async function settleUnchanged(
  q: Queryable,
  ctx: WriteContext,
  outcome: StoredOutcome<HandoverView>,
): Promise<HandoverOutcome | null> {
  const claim = claimStoring(ctx.claim, outcome)
  const result: GuardedResult = claim === null ? 'applied' : await runGuardedWrite(q, claimOnlyWrite(claim))
  if (result === 'in_use') throw keyInUse()
  return result === 'applied' ? { ...outcome, changes: [] } : null
}

export async function createHandover(q: Queryable, ctx: WriteContext, input: CreateHandoverInput): Promise<HandoverOutcome> {
  const office = ctx.actor.office
  if (input.departureOffice !== undefined) assertActsFor(ctx.actor, input.departureOffice, 'hand over goods from it')
  const back = await resolveBackEntry(q, ctx, input)
  const problems: FieldProblem[] = []
  if (input.destinationOffice === office) {
    problems.push({ field: 'destinationOffice', code: 'DESTINATION_IS_DEPARTURE', message: 'goods are handed over to another office than your own' })
  }
  if (back.origin === 'paper' && !input.paperNumber) {
    problems.push({ field: 'paperNumber', code: 'FIELD_REQUIRED', message: 'a paper handover needs the number on form 10/BBBG/GSQL' })
  }
  if (back.origin === 'online' && input.paperNumber) {
    problems.push({ field: 'paperNumber', code: 'PAPER_NUMBER_NEEDS_PAPER_ORIGIN', message: 'send origin "paper" with a paper number' })
  }
  const timeOfDue = timeProblem(input.dueAt, 'dueAt')
  fail(timeOfDue ? [...problems, timeOfDue] : [...problems, ...checkNewHandover(input, back.occurredAt)])

  const record = {
    departureOffice: office,
    departurePlace: input.departurePlace ?? null,
    destinationOffice: input.destinationOffice,
    destinationPlace: input.destinationPlace,
    declarationNumbers: input.declarationNumbers,
    vehicle: input.vehicle,
    route: input.route,
    declarantName: input.declarantName ?? null,
    handedOverAt: back.occurredAt,
    dueAt: new Date(input.dueAt).toISOString(),
    handedOverBy: back.originalOfficer,
    origin: back.origin,
    paperNumber: input.paperNumber ?? null,
    containers: (input.containers ?? []).map((c) => ({
      containerNumber: c.containerNumber,
      carrierSeal: c.carrierSeal,
      customsSeal: c.customsSeal,
    })),
    goods: (input.goodsLines ?? []).map((g) => ({ description: g.description, quantity: g.quantity, unit: g.unit, marks: g.marks ?? null })),
  }
  // Who typed the form in, and who signed it, do not make it another form (as for paper declarations).
  const { handedOverBy: _by, ...content } = record
  const contentHash = record.paperNumber === null ? null : hashOf(content)
  const year = vietnamYearOf(record.handedOverAt)

  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const read = await readForCreate(q, ctx.claim, office, year, record.paperNumber)
    const replay = replayOf<HandoverView>(ctx.claim, read.stored)
    if (replay) return replay
    if (read.existing) {
      if (read.existing.contentHash !== contentHash) {
        throw conflict('PAPER_RECORD_CONFLICT', `Paper form ${record.paperNumber} of ${office} was already entered with different content`, {
          handoverId: read.existing.id,
          handoverNumber: read.existing.handoverNumber,
        })
      }
      const settled = await settleUnchanged(q, ctx, { kind: 'duplicate', existing: handoverView(read.existing) })
      if (settled) return settled
      continue
    }
    assertMayBackdate(ctx, back)
    const handover: NewHandover = {
      ...record,
      id: randomUUID(),
      handoverNumber: handoverNumberOf(office, year, read.seq as number),
      enteredBy: ctx.actor.officerId,
      contentHash,
    }
    const view = handoverView(aggregateOfNew(handover))
    const change: Change = { entityType: HANDOVER_ENTITY, entityId: handover.id, action: 'create', before: null, after: view, backEntry: back }
    const outcome: StoredOutcome<HandoverView> = { kind: 'created', view }
    const write = createHandoverWrite(claimStoring(ctx.claim, outcome), handover, auditAppendOf(ctx, change), [incomingNotice(view)])
    const result = await runGuardedWrite(q, write)
    if (result === 'applied') return { ...outcome, changes: [countOf(change)] }
    if (result === 'in_use') throw keyInUse()
    // stale: the paper form was entered meanwhile; taken: this key was answered meanwhile. Read again.
  }
  throw contended()
}

/** The handover a create writes, as the aggregate query would return it. */
function aggregateOfNew(h: NewHandover): HandoverAggregate {
  const { containers, goods, ...columns } = h
  return {
    ...columns,
    status: 'HANDED_OVER',
    version: 1,
    overdueAt: null,
    closedAt: null,
    closedBy: null,
    cancelledAt: null,
    cancelledBy: null,
    cancelReason: null,
    verificationOpenedAt: null,
    verificationOpenedBy: null,
    verificationNote: null,
    verificationOutcome: null,
    verificationExplanation: null,
    verificationDecidedAt: null,
    verificationDecidedBy: null,
    containers: containers.map((c) => ({ ...c, sealState: null, newSealNumber: null })),
    goods: goods.map((g) => ({ ...g })),
    receipt: null,
    amendments: [],
    incidents: [],
  }
}

/** The guarded write of a decided change, given its claim, audit row and notices. */
export type ChangeWrite = (claim: ClaimToStore | null, audit: AuditAppend, notices: NoticeAppend[]) => GuardedWrite

/**
 * What a rule decided for one handover: the change to write, that the paper record is already there
 * (duplicate), or that the request asks for what the handover already says (unchanged).
 */
export type Decision =
  | { kind: 'duplicate' }
  | { kind: 'unchanged' }
  | {
      kind: 'change'
      write: ChangeWrite
      after: HandoverAggregate
      action: string
      audited: { before: unknown; after: unknown }
      /** The notices the change raises, given the handover's view after it. */
      notices?: (after: HandoverView) => NewNotice[]
    }

/** A state transition's write (transitionWrite), as a decision carries it. */
const viaTransition = (t: HandoverTransition): ChangeWrite => (claim, audit, notices) => transitionWrite(claim, t, audit, notices)

/** Read, decide, write — again if the handover moved in between. */
export async function changeHandover(
  q: Queryable,
  ctx: WriteContext,
  id: string,
  back: BackEntry,
  decide: (h: HandoverAggregate) => Decision,
): Promise<HandoverOutcome> {
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const read = await readForChange(q, ctx.claim, id)
    const replay = replayOf<HandoverView>(ctx.claim, read.stored)
    if (replay) return replay
    if (!read.handover) throw notFound('HANDOVER_NOT_FOUND', `No handover ${id}`)
    const decision = decide(read.handover)
    if (decision.kind !== 'change' && ctx.claim?.decides) {
      // An approved step that finds nothing to change (the handover already says what was asked)
      // applies nothing, so it approves nothing: the supervisor rejects the request instead.
      throw conflict('APPROVAL_NOTHING_TO_APPLY', 'The handover already says what this request asks for: reject the request')
    }
    if (decision.kind !== 'change') {
      const current = handoverView(read.handover)
      const settled = await settleUnchanged(q, ctx, decision.kind === 'duplicate' ? { kind: 'duplicate', existing: current } : { kind: 'unchanged', view: current })
      if (settled) return settled
      continue
    }
    // Every rule of the request held (decide): now whether this actor may write a record this old.
    assertMayBackdate(ctx, back)
    const view = handoverView(decision.after)
    const change: Change = { entityType: HANDOVER_ENTITY, entityId: id, action: decision.action, ...decision.audited, backEntry: back }
    const outcome: StoredOutcome<HandoverView> = { kind: 'updated', view }
    const write = decision.write(claimStoring(ctx.claim, outcome), auditAppendOf(ctx, change), decision.notices?.(view) ?? [])
    const result = await runGuardedWrite(q, write)
    if (result === 'applied') return { ...outcome, changes: [countOf(change)] }
    if (result === 'in_use') throw keyInUse()
  }
  throw contended()
}

/** What identifies one paper receipt: its time and content; the order of the seal lines and the officer do not. */
function receiptContentHash(receivedAt: string, seals: ReceiptInput['containers'] & object, discrepancies: string[], note: string | null) {
  const sorted = [...seals]
    .map((s) => ({ containerNumber: s.containerNumber, sealState: s.sealState, newSealNumber: s.newSealNumber ?? null }))
    .sort((a, b) => a.containerNumber.localeCompare(b.containerNumber))
  return hashOf({ receivedAt, seals: sorted, discrepancies, note })
}

export async function receiveHandover(q: Queryable, ctx: WriteContext, id: string, input: ReceiptInput): Promise<HandoverOutcome> {
  const back = await resolveBackEntry(q, ctx, input)
  const seals = input.containers ?? []
  fail(checkSealEntries(seals))
  const discrepancies = input.discrepancies ?? []
  const note = input.note ?? null
  // When the goods arrived, which may be hours before an officer types the receipt in: lateness
  // (on time / late against dueAt) is judged on this, never on the typing time.
  fail([timeProblem(input.arrivedAt, 'arrivedAt')].filter((p) => p !== null))
  const arrivedAt = input.arrivedAt === undefined ? back.occurredAt : new Date(input.arrivedAt).toISOString()
  if (Date.parse(arrivedAt) > Date.parse(ctx.now) + CLOCK_SKEW_MS) {
    fail([{ field: 'arrivedAt', code: 'ARRIVED_AT_IN_FUTURE', message: 'goods cannot have arrived later than now' }])
  }
  const contentHash = receiptContentHash(arrivedAt, seals, discrepancies, note)
  return changeHandover(q, ctx, id, back, (h) => {
    assertActsFor(ctx.actor, h.destinationOffice, 'record the arrival of this handover')
    if (!isAllowed(h.status, 'receive')) {
      // A paper receipt typed in twice is the same record, not a second arrival.
      if (back.origin === 'paper' && h.receipt?.contentHash === contentHash) return { kind: 'duplicate' }
      throw illegalTransition(h.status, 'receive')
    }
    const problems = checkSealsAgainstContainers(seals, h.containers.map((c) => c.containerNumber))
    if (Date.parse(arrivedAt) < Date.parse(h.handedOverAt)) {
      const field = input.arrivedAt === undefined ? 'paperRecordedAt' : 'arrivedAt'
      problems.push({ field, code: 'RECEIVED_BEFORE_HANDOVER', message: 'goods cannot arrive before they were handed over' })
    }
    fail(problems)
    const discrepant = seals.some((s) => s.sealState !== 'intact') || discrepancies.length > 0
    const to = transition(h.status, 'receive', discrepant ? 'ARRIVED_WITH_DISCREPANCY' : 'ARRIVED')
    const sealOf = new Map(seals.map((s) => [s.containerNumber, s]))
    const receipt = { receivedAt: arrivedAt, receivedBy: back.originalOfficer, enteredBy: ctx.actor.officerId, origin: back.origin, discrepancies, note, contentHash }
    const after: HandoverAggregate = {
      ...h,
      status: to,
      version: h.version + 1,
      receipt,
      containers: h.containers.map((c) => {
        const s = sealOf.get(c.containerNumber)
        return s ? { ...c, sealState: s.sealState, newSealNumber: s.newSealNumber ?? null } : c
      }),
    }
    const afterView = handoverView(after)
    return {
      kind: 'change',
      action: 'receive',
      after,
      write: viaTransition({
        id,
        fromVersion: h.version,
        status: to,
        columns: {},
        receipt: {
          ...receipt,
          seals: seals.map((s) => ({ containerNumber: s.containerNumber, sealState: s.sealState, newSealNumber: s.newSealNumber ?? null })),
        },
      }),
      audited: {
        before: { status: h.status, version: h.version },
        after: { status: to, version: h.version + 1, receipt: afterView.receipt, containers: afterView.containers },
      },
      notices: (view) => [arrivedNotice(view)],
    }
  })
}

interface SimpleTransition {
  action: HandoverAction
  /** The office whose officer may take the action. */
  actingOffice: (h: HandoverAggregate) => string
  what: string
  to: (h: HandoverAggregate) => HandoverStatus
  columns: (back: BackEntry) => TransitionColumns
  /** For a paper re-entry: true when the handover already holds this record (same time and content; the officer is not compared). */
  alreadyRecorded: (h: HandoverAggregate, back: BackEntry) => boolean
  /** The notices the transition raises (none by default). */
  notices?: (after: HandoverView, before: HandoverAggregate) => NewNotice[]
  /** True when, from this handover's state, only a supervisor of the acting office may take the action. */
  needsSupervisor?: (h: HandoverAggregate) => boolean
}

async function applySimpleTransition(
  q: Queryable,
  ctx: WriteContext,
  id: string,
  input: BackEntryInput,
  t: SimpleTransition,
): Promise<HandoverOutcome> {
  const back = await resolveBackEntry(q, ctx, input)
  return changeHandover(q, ctx, id, back, (h) => {
    assertActsFor(ctx.actor, t.actingOffice(h), t.what)
    if (!isAllowed(h.status, t.action)) {
      if (back.origin === 'paper' && t.alreadyRecorded(h, back)) return { kind: 'duplicate' }
      throw illegalTransition(h.status, t.action)
    }
    if (t.needsSupervisor?.(h)) assertSupervisorOf(ctx.actor, t.actingOffice(h), t.what)
    const to = transition(h.status, t.action, t.to(h))
    const columns = t.columns(back)
    return {
      kind: 'change',
      action: t.action,
      after: { ...h, ...columns, status: to, version: h.version + 1 },
      write: viaTransition({ id, fromVersion: h.version, status: to, columns }),
      audited: { before: { status: h.status, version: h.version }, after: { status: to, version: h.version + 1, ...columns } },
      notices: t.notices && ((view) => t.notices?.(view, h) ?? []),
    }
  })
}

export function closeHandover(q: Queryable, ctx: WriteContext, id: string, input: CloseHandoverInput): Promise<HandoverOutcome> {
  return applySimpleTransition(q, ctx, id, input, {
    action: 'close',
    actingOffice: (h) => h.destinationOffice,
    what: 'close this handover',
    to: () => 'CLOSED',
    columns: (back) => ({ closedAt: back.occurredAt, closedBy: back.originalOfficer }),
    alreadyRecorded: (h, back) => h.status === 'CLOSED' && h.closedAt === back.occurredAt,
  })
}

export function cancelHandover(q: Queryable, ctx: WriteContext, id: string, input: CancelHandoverInput): Promise<HandoverOutcome> {
  return applySimpleTransition(q, ctx, id, input, {
    action: 'cancel',
    actingOffice: (h) => h.departureOffice,
    what: 'cancel this handover',
    to: () => 'CANCELLED',
    columns: (back) => ({ cancelledAt: back.occurredAt, cancelledBy: back.originalOfficer, cancelReason: input.reason }),
    alreadyRecorded: (h, back) => h.status === 'CANCELLED' && h.cancelledAt === back.occurredAt && h.cancelReason === input.reason,
    notices: (view) => [cancelledNotice(view)],
    // Past its time limit the handover is a case to verify; cancelling it would close the case.
    needsSupervisor: (h) => h.status === 'OVERDUE',
  })
}

export function openVerification(q: Queryable, ctx: WriteContext, id: string, input: OpenVerificationInput): Promise<HandoverOutcome> {
  return applySimpleTransition(q, ctx, id, input, {
    action: 'openVerification',
    actingOffice: (h) => h.departureOffice,
    what: 'open a verification of this handover',
    to: () => 'UNDER_VERIFICATION',
    columns: (back) => ({
      verificationOpenedAt: back.occurredAt,
      verificationOpenedBy: back.originalOfficer,
      verificationNote: input.note ?? null,
    }),
    alreadyRecorded: (h, back) => h.verificationOpenedAt === back.occurredAt && h.verificationNote === (input.note ?? null),
    notices: verificationOpenedNotices,
  })
}

export function recordVerificationResult(
  q: Queryable,
  ctx: WriteContext,
  id: string,
  input: VerificationResultInput,
): Promise<HandoverOutcome> {
  const outcome: VerificationOutcome = input.outcome
  return applySimpleTransition(q, ctx, id, input, {
    action: 'recordVerificationResult',
    actingOffice: (h) => h.departureOffice,
    what: 'record the result of the verification of this handover',
    to: () => outcome,
    columns: (back) => ({
      verificationOutcome: outcome,
      verificationExplanation: input.explanation,
      verificationDecidedAt: back.occurredAt,
      verificationDecidedBy: back.originalOfficer,
    }),
    alreadyRecorded: (h, back) =>
      h.status === outcome && h.verificationExplanation === input.explanation && h.verificationDecidedAt === back.occurredAt,
    notices: verificationDecidedNotices,
    needsSupervisor: () => true,
  })
}
