// Goods handover use cases (biên bản bàn giao hàng hóa): the departure office hands over, the
// destination office receives and closes, the departure office cancels or verifies an overdue one.
// Each runs inside the request's transaction (ctx.tx), locks the handover row first so concurrent
// transitions take turns, and appends its audit row before returning.
import { createHash, randomUUID } from 'node:crypto'
import {
  containersOf,
  findByPaperNumber,
  findHandover,
  insertHandover,
  insertReceipt,
  lockDueHandovers,
  lockPaperNumber,
  nextSequenceValue,
  receiptOf,
  updateStatus,
  type HandoverRecord,
  type SealState,
  type TransitionColumns,
} from '../db/handover-repository.ts'
import { conflict, invalid, notFound, type FieldProblem } from '../errors.ts'
import { recordChange, stripeOf } from './audit-service.ts'
import { canonicalJson } from './canonical-json.ts'
import { assertActsFor } from './handover-access.ts'
import { loadHandoverView } from './handover-query-service.ts'
import { illegalTransition, isAllowed, transition, type HandoverAction, type HandoverStatus } from './handover-state-machine.ts'
import {
  checkNewHandover,
  checkSealEntries,
  checkSealsAgainstContainers,
  timeProblem,
  type ContainerInput,
  type GoodsLineInput,
  type SealCheckInput,
} from './handover-validation.ts'
import type { HandoverView } from './handover-views.ts'
import { backEntryOf, type BackEntry, type Origin, type WriteContext } from './write-context.ts'

export const ENTITY_TYPE = 'handover'

export interface BackEntryInput {
  origin?: Origin
  paperRecordedAt?: string
  paperOfficer?: string
}

export interface CreateHandoverInput extends BackEntryInput {
  departureOffice?: string
  departurePlace?: string
  destinationOffice: string
  destinationPlace: string
  declarationNumbers: string[]
  containers?: ContainerInput[]
  goodsLines?: GoodsLineInput[]
  vehicle: string
  route: string
  dueAt: string
  declarantName?: string
  paperNumber?: string
}

export interface ReceiptInput extends BackEntryInput {
  containers?: SealCheckInput[]
  discrepancies?: string[]
  note?: string
}

export interface WriteOutcome {
  status: number
  body: HandoverView & { duplicate: boolean }
}

const fail = (problems: FieldProblem[]) => {
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

function resolveBackEntry(ctx: WriteContext, input: BackEntryInput): BackEntry {
  fail([timeProblem(input.paperRecordedAt, 'paperRecordedAt')].filter((p) => p !== null))
  return backEntryOf(ctx, input)
}

async function written(ctx: WriteContext, id: string, status: number, duplicate: boolean): Promise<WriteOutcome> {
  const view = (await loadHandoverView(ctx.tx, id)) as HandoverView
  return { status, body: { ...view, duplicate } }
}

export async function createHandover(ctx: WriteContext, input: CreateHandoverInput): Promise<WriteOutcome> {
  const office = ctx.actor.office
  if (input.departureOffice !== undefined) assertActsFor(ctx.actor, input.departureOffice, 'hand over goods from it')
  const back = resolveBackEntry(ctx, input)
  const problems: FieldProblem[] = []
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
  let contentHash: string | null = null
  if (record.paperNumber !== null) {
    // Who typed the form in, and who signed it, do not make it another form (as for paper declarations).
    const { handedOverBy: _by, ...content } = record
    contentHash = hashOf(content)
    await lockPaperNumber(ctx.tx, office, record.paperNumber)
    const existing = await findByPaperNumber(ctx.tx, office, record.paperNumber)
    if (existing) {
      if (existing.contentHash === contentHash) return written(ctx, existing.id, 200, true)
      throw conflict('PAPER_RECORD_CONFLICT', `Paper form ${record.paperNumber} of ${office} was already entered with different content`, {
        handoverId: existing.id,
        handoverNumber: existing.handoverNumber,
      })
    }
  }
  const id = randomUUID()
  const year = vietnamYearOf(record.handedOverAt)
  const seq = await nextSequenceValue(ctx.tx, office, year)
  await insertHandover(ctx.tx, {
    ...record,
    id,
    handoverNumber: handoverNumberOf(office, year, seq),
    enteredBy: ctx.actor.officerId,
    contentHash,
  })
  const outcome = await written(ctx, id, 201, false)
  const { duplicate: _, ...after } = outcome.body
  await recordChange(ctx, { entityType: ENTITY_TYPE, entityId: id, action: 'create', before: null, after, backEntry: back })
  return outcome
}

async function lockHandover(ctx: WriteContext, id: string): Promise<HandoverRecord> {
  const h = await findHandover(ctx.tx, id, { forUpdate: true })
  if (!h) throw notFound('HANDOVER_NOT_FOUND', `No handover ${id}`)
  return h
}

/** What identifies one paper receipt: its time and content; the order of the seal lines and the officer do not. */
function receiptContentHash(receivedAt: string, seals: SealCheckInput[], discrepancies: string[], note: string | null) {
  const sorted = [...seals]
    .map((s) => ({ containerNumber: s.containerNumber, sealState: s.sealState, newSealNumber: s.newSealNumber ?? null }))
    .sort((a, b) => a.containerNumber.localeCompare(b.containerNumber))
  return hashOf({ receivedAt, seals: sorted, discrepancies, note })
}

export async function receiveHandover(ctx: WriteContext, id: string, input: ReceiptInput): Promise<WriteOutcome> {
  const back = resolveBackEntry(ctx, input)
  const seals = input.containers ?? []
  fail(checkSealEntries(seals))
  const h = await lockHandover(ctx, id)
  assertActsFor(ctx.actor, h.destinationOffice, 'record the arrival of this handover')
  const discrepancies = input.discrepancies ?? []
  const note = input.note ?? null
  const contentHash = receiptContentHash(back.occurredAt, seals, discrepancies, note)
  if (!isAllowed(h.status, 'receive')) {
    // A paper receipt typed in twice is the same record, not a second arrival.
    if (back.origin === 'paper') {
      const existing = await receiptOf(ctx.tx, id)
      if (existing?.contentHash === contentHash) return written(ctx, id, 200, true)
    }
    throw illegalTransition(h.status, 'receive')
  }
  const containerNumbers = ((await containersOf(ctx.tx, [id])).get(id) ?? []).map((c) => c.containerNumber)
  const problems = checkSealsAgainstContainers(seals, containerNumbers)
  if (Date.parse(back.occurredAt) < Date.parse(h.handedOverAt)) {
    problems.push({ field: 'paperRecordedAt', code: 'RECEIVED_BEFORE_HANDOVER', message: 'goods cannot arrive before they were handed over' })
  }
  fail(problems)
  const discrepant = seals.some((s) => s.sealState !== 'intact') || discrepancies.length > 0
  const to = transition(h.status, 'receive', discrepant ? 'ARRIVED_WITH_DISCREPANCY' : 'ARRIVED')
  await insertReceipt(
    ctx.tx,
    id,
    { receivedAt: back.occurredAt, receivedBy: back.originalOfficer, enteredBy: ctx.actor.officerId, origin: back.origin, discrepancies, note, contentHash },
    seals.map((s) => ({ containerNumber: s.containerNumber, sealState: s.sealState as SealState, newSealNumber: s.newSealNumber ?? null })),
  )
  await updateStatus(ctx.tx, id, to)
  const outcome = await written(ctx, id, 200, false)
  await recordChange(ctx, {
    entityType: ENTITY_TYPE,
    entityId: id,
    action: 'receive',
    before: { status: h.status, version: h.version },
    after: { status: to, version: h.version + 1, receipt: outcome.body.receipt, containers: outcome.body.containers },
    backEntry: back,
  })
  return outcome
}

interface SimpleTransition {
  action: HandoverAction
  /** The office whose officer may take the action. */
  actingOffice: (h: HandoverRecord) => string
  what: string
  to: (h: HandoverRecord) => HandoverStatus
  columns: (back: BackEntry) => TransitionColumns
  /** For a paper re-entry: true when the handover already holds this record (same time and content; the officer is not compared). */
  alreadyRecorded: (h: HandoverRecord, back: BackEntry) => boolean
}

async function applySimpleTransition(ctx: WriteContext, id: string, input: BackEntryInput, t: SimpleTransition): Promise<WriteOutcome> {
  const back = resolveBackEntry(ctx, input)
  const h = await lockHandover(ctx, id)
  assertActsFor(ctx.actor, t.actingOffice(h), t.what)
  if (!isAllowed(h.status, t.action)) {
    if (back.origin === 'paper' && t.alreadyRecorded(h, back)) return written(ctx, id, 200, true)
    throw illegalTransition(h.status, t.action)
  }
  const to = transition(h.status, t.action, t.to(h))
  const columns = t.columns(back)
  await updateStatus(ctx.tx, id, to, columns)
  await recordChange(ctx, {
    entityType: ENTITY_TYPE,
    entityId: id,
    action: t.action,
    before: { status: h.status, version: h.version },
    after: { status: to, version: h.version + 1, ...columns },
    backEntry: back,
  })
  return written(ctx, id, 200, false)
}

export function closeHandover(ctx: WriteContext, id: string, input: BackEntryInput): Promise<WriteOutcome> {
  return applySimpleTransition(ctx, id, input, {
    action: 'close',
    actingOffice: (h) => h.destinationOffice,
    what: 'close this handover',
    to: () => 'CLOSED',
    columns: (back) => ({ closed_at: back.occurredAt, closed_by: back.originalOfficer }),
    alreadyRecorded: (h, back) => h.status === 'CLOSED' && h.closedAt === back.occurredAt,
  })
}

export function cancelHandover(ctx: WriteContext, id: string, input: BackEntryInput & { reason: string }): Promise<WriteOutcome> {
  return applySimpleTransition(ctx, id, input, {
    action: 'cancel',
    actingOffice: (h) => h.departureOffice,
    what: 'cancel this handover',
    to: () => 'CANCELLED',
    columns: (back) => ({ cancelled_at: back.occurredAt, cancelled_by: back.originalOfficer, cancel_reason: input.reason }),
    alreadyRecorded: (h, back) =>
      h.status === 'CANCELLED' && h.cancelledAt === back.occurredAt && h.cancelReason === input.reason,
  })
}

export function openVerification(ctx: WriteContext, id: string, input: BackEntryInput & { note?: string }): Promise<WriteOutcome> {
  return applySimpleTransition(ctx, id, input, {
    action: 'openVerification',
    actingOffice: (h) => h.departureOffice,
    what: 'open a verification of this handover',
    to: () => 'UNDER_VERIFICATION',
    columns: (back) => ({
      verification_opened_at: back.occurredAt,
      verification_opened_by: back.originalOfficer,
      verification_note: input.note ?? null,
    }),
    alreadyRecorded: (h, back) => h.verificationOpenedAt === back.occurredAt && h.verificationNote === (input.note ?? null),
  })
}

export function recordVerificationResult(
  ctx: WriteContext,
  id: string,
  input: BackEntryInput & { outcome: 'RESOLVED' | 'VIOLATION'; explanation: string },
): Promise<WriteOutcome> {
  return applySimpleTransition(ctx, id, input, {
    action: 'recordVerificationResult',
    actingOffice: (h) => h.departureOffice,
    what: 'record the result of the verification of this handover',
    to: () => input.outcome,
    columns: (back) => ({
      verification_outcome: input.outcome,
      verification_explanation: input.explanation,
      verification_decided_at: back.occurredAt,
      verification_decided_by: back.originalOfficer,
    }),
    alreadyRecorded: (h, back) =>
      h.status === input.outcome && h.verificationExplanation === input.explanation && h.verificationDecidedAt === back.occurredAt,
  })
}

export const OVERDUE_SCAN_BATCH = 500

export interface OverdueScanResult {
  marked: Array<{ id: string; handoverNumber: string; dueAt: string }>
  /** True when the batch was full: run the scan again. */
  more: boolean
}

/**
 * Marks HANDED_OVER handovers whose time limit has passed as OVERDUE. The scheduled job calls it
 * (all offices); a supervisor's request limits it to handovers leaving their office.
 */
export async function markOverdue(
  ctx: WriteContext,
  now: string,
  options: { departureOffice?: string | null; limit?: number } = {},
): Promise<OverdueScanResult> {
  const limit = options.limit ?? OVERDUE_SCAN_BATCH
  const due = await lockDueHandovers(ctx.tx, now, options.departureOffice ?? null, limit)
  const back: BackEntry = { origin: 'online', occurredAt: now, originalOfficer: ctx.actor.officerId }
  // Audit rows lock their chain head until COMMIT; two scans (two nodes) taking heads in different
  // orders could deadlock, so every scan takes them in stripe order.
  const inStripeOrder = [...due].sort((a, b) => stripeOf(a.id) - stripeOf(b.id))
  for (const h of inStripeOrder) {
    const to = transition(h.status, 'markOverdue', 'OVERDUE')
    await updateStatus(ctx.tx, h.id, to, { overdue_at: now })
    await recordChange(ctx, {
      entityType: ENTITY_TYPE,
      entityId: h.id,
      action: 'markOverdue',
      before: { status: h.status, version: h.version },
      after: { status: to, version: h.version + 1, overdue_at: now, dueAt: h.dueAt },
      backEntry: back,
    })
  }
  return { marked: due.map((h) => ({ id: h.id, handoverNumber: h.handoverNumber, dueAt: h.dueAt })), more: due.length === limit }
}
