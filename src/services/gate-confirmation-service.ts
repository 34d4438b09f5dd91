// Confirming that goods passed the supervision area (xác nhận hàng qua KVGS): a container once, a
// bulk lot in several passes up to its total and never beyond; a confirmation can be cancelled with
// a reason. Natural keys make the confirmations idempotent without an Idempotency-Key: the active
// confirmation of a container, and the paper form number of a back-entered pass.
import type { Queryable } from '../db/database.ts'
import {
  findActiveContainerConfirmation,
  findByPaperReference,
  findConfirmation,
  insertConfirmation,
  markCancelled,
  searchConfirmations as searchConfirmationRows,
  type GateConfirmationRow,
} from '../db/gate-confirmation-repository.ts'
import {
  addPassedToLot,
  findContainer,
  findDeclaration,
  lockLot,
  subtractPassedFromLot,
  type GateDeclarationRow,
} from '../db/gate-declaration-repository.ts'
import { conflict, invalid, notFound } from '../errors.ts'
import { recordChange } from './audit-service.ts'
import { assertActsFor, assertMayRead } from './gate-declaration-service.ts'
import { confirmationView, lotView, PASSABLE_STATUSES, type ConfirmationView, type LotView } from './gate-views.ts'
import type { Actor } from './jwt-service.ts'
import { decodeCursor, pageOf } from './pagination.ts'
import { backEntryOf, type BackEntry, type Origin, type WriteContext } from './write-context.ts'

export const GATE_CONFIRMATION_ENTITY = 'gate_confirmation'

// Clock skew between a gate terminal and the service; beyond it a pass time is a typo.
const FUTURE_SLACK_MS = 5 * 60_000

interface OriginFields {
  origin?: Origin
  paperRecordedAt?: string
  paperOfficer?: string
}

export interface ContainerConfirmationInput extends OriginFields {
  passedAt?: string
  paperReference?: string
}

export interface LotConfirmationInput extends OriginFields {
  quantity: number
  weight?: number
  passedAt?: string
  paperReference?: string
}

export interface CancelInput extends OriginFields {
  reason: string
}

export interface ConfirmResult {
  /** False when the natural key found an earlier confirmation: nothing was written. */
  created: boolean
  confirmation: ConfirmationView
}

function passedAtOf(ctx: WriteContext, backEntry: BackEntry, passedAt: string | undefined): string {
  const at = passedAt === undefined ? backEntry.occurredAt : new Date(passedAt).toISOString()
  if (Date.parse(at) > Date.parse(ctx.now) + FUTURE_SLACK_MS) {
    throw invalid([{ field: 'passedAt', code: 'PASSED_AT_IN_FUTURE', message: 'goods cannot be confirmed as passed in the future' }])
  }
  return at
}

function paperReferenceOf(backEntry: BackEntry, paperReference: string | undefined, required: boolean): string | null {
  if (backEntry.origin !== 'paper') {
    if (paperReference !== undefined) {
      throw invalid([{ field: 'paperReference', code: 'ONLY_FOR_PAPER_ORIGIN', message: 'a paper form number needs origin "paper"' }])
    }
    return null
  }
  if (paperReference === undefined && required) {
    throw invalid([{ field: 'paperReference', code: 'FIELD_REQUIRED', message: 'a paper lot confirmation needs the number on the paper form' }])
  }
  return paperReference ?? null
}

/** The declaration, locked FOR SHARE so the list cannot change under the confirmation. */
async function declarationForConfirming(ctx: WriteContext, declarationNumber: string): Promise<GateDeclarationRow> {
  const declaration = await findDeclaration(ctx.tx, declarationNumber, 'share')
  if (!declaration) throw notFound('GATE_DECLARATION_NOT_FOUND', `Declaration ${declarationNumber} has no eligible list`)
  assertActsFor(ctx.actor, declaration.office)
  return declaration
}

function assertPassable(declaration: GateDeclarationRow): void {
  if (!PASSABLE_STATUSES.includes(declaration.status)) {
    throw conflict(
      'DECLARATION_NOT_CLEARED',
      `Declaration ${declaration.declaration_number} is ${declaration.status}: its goods may not pass the supervision area`,
      { status: declaration.status, passableStatuses: PASSABLE_STATUSES },
    )
  }
}

async function audit(ctx: WriteContext, action: string, before: GateConfirmationRow | null, after: GateConfirmationRow, backEntry: BackEntry) {
  await recordChange(ctx, {
    entityType: GATE_CONFIRMATION_ENTITY,
    entityId: after.id,
    action,
    before: before ? confirmationView(before) : null,
    after: confirmationView(after),
    backEntry,
  })
}

export async function confirmContainer(
  ctx: WriteContext,
  declarationNumber: string,
  containerNumber: string,
  input: ContainerConfirmationInput,
): Promise<ConfirmResult> {
  const backEntry = backEntryOf(ctx, input)
  const paperReference = paperReferenceOf(backEntry, input.paperReference, false)
  const passedAt = passedAtOf(ctx, backEntry, input.passedAt)
  const declaration = await declarationForConfirming(ctx, declarationNumber)
  const container = await findContainer(ctx.tx, declarationNumber, containerNumber)
  if (!container) {
    throw notFound('GATE_CONTAINER_NOT_FOUND', `Container ${containerNumber} is not on the eligible list of declaration ${declarationNumber}`)
  }
  const existing = async () =>
    (paperReference !== null ? await findByPaperReference(ctx.tx, declarationNumber, 'container', containerNumber, paperReference) : null) ??
    (await findActiveContainerConfirmation(ctx.tx, declarationNumber, containerNumber))

  // A repeated confirmation is recognised before the status check: the goods did pass, and a
  // retry must get the same answer even if the declaration's status changed since.
  const earlier = await existing()
  if (earlier) return { created: false, confirmation: confirmationView(earlier) }
  assertPassable(declaration)
  // A concurrent duplicate makes the INSERT do nothing; its row is then visible. Looping covers
  // the rare case where that row was cancelled in between.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await insertConfirmation(ctx.tx, {
      declarationNumber,
      office: declaration.office,
      kind: 'container',
      entryRef: containerNumber,
      carrierSeal: container.carrier_seal,
      customsSeal: container.customs_seal,
      quantity: null,
      weight: null,
      passedAt,
      officerId: backEntry.originalOfficer,
      enteredBy: ctx.actor.officerId,
      origin: backEntry.origin,
      paperReference,
      recordedAt: ctx.now,
    })
    if (inserted) {
      await audit(ctx, 'confirm_container', null, inserted, backEntry)
      return { created: true, confirmation: confirmationView(inserted) }
    }
    const winner = await existing()
    if (winner) return { created: false, confirmation: confirmationView(winner) }
  }
  throw conflict('GATE_CONFIRMATION_CONTENDED', 'The container is being confirmed and cancelled at the same time; retry')
}

function samePaperPass(row: GateConfirmationRow, input: LotConfirmationInput, passedAt: string): boolean {
  return (
    Number(row.quantity) === input.quantity &&
    (row.weight === null ? input.weight === undefined : Number(row.weight) === input.weight) &&
    row.passed_at.toISOString() === passedAt
  )
}

export async function confirmLot(
  ctx: WriteContext,
  declarationNumber: string,
  lotNumber: string,
  input: LotConfirmationInput,
): Promise<ConfirmResult & { lot: LotView }> {
  const backEntry = backEntryOf(ctx, input)
  const paperReference = paperReferenceOf(backEntry, input.paperReference, true)
  const passedAt = passedAtOf(ctx, backEntry, input.passedAt)
  const declaration = await declarationForConfirming(ctx, declarationNumber)
  // Every pass of this lot queues on this lock, so "remaining" below is exact.
  const lot = await lockLot(ctx.tx, declarationNumber, lotNumber)
  if (!lot) throw notFound('GATE_LOT_NOT_FOUND', `Lot ${lotNumber} is not on the eligible list of declaration ${declarationNumber}`)

  if (paperReference !== null) {
    const earlier = await findByPaperReference(ctx.tx, declarationNumber, 'lot', lotNumber, paperReference)
    if (earlier) {
      if (!samePaperPass(earlier, input, passedAt)) {
        throw conflict(
          'PAPER_REFERENCE_CONFLICT',
          `Paper form ${paperReference} was already entered for lot ${lotNumber} with other figures; check the form`,
          { confirmationId: earlier.id },
        )
      }
      return { created: false, confirmation: confirmationView(earlier), lot: lotView(lot, []) }
    }
  }
  assertPassable(declaration)
  const updated = await addPassedToLot(ctx.tx, declarationNumber, lotNumber, input.quantity, input.weight ?? null)
  if (!updated) {
    throw conflict(
      'QUANTITY_EXCEEDS_REMAINING',
      `Lot ${lotNumber} has ${lot.quantity_remaining} ${lot.quantity_unit} left to pass; ${input.quantity} is more than that`,
      { remaining: Number(lot.quantity_remaining), requested: input.quantity, unit: lot.quantity_unit },
    )
  }
  const inserted = await insertConfirmation(ctx.tx, {
    declarationNumber,
    office: declaration.office,
    kind: 'lot',
    entryRef: lotNumber,
    carrierSeal: null,
    customsSeal: null,
    quantity: input.quantity,
    weight: input.weight ?? null,
    passedAt,
    officerId: backEntry.originalOfficer,
    enteredBy: ctx.actor.officerId,
    origin: backEntry.origin,
    paperReference,
    recordedAt: ctx.now,
  })
  // Cannot happen while the lot lock is held (the paper reference was checked under it); thrown
  // rather than ignored so the lot's total is rolled back with it.
  if (!inserted) throw conflict('PAPER_REFERENCE_CONFLICT', `Paper form ${paperReference} was entered concurrently; retry`)
  await audit(ctx, 'confirm_lot', null, inserted, backEntry)
  return { created: true, confirmation: confirmationView(inserted), lot: lotView(updated, []) }
}

export async function cancelConfirmation(ctx: WriteContext, id: string, input: CancelInput): Promise<ConfirmationView> {
  const backEntry = backEntryOf(ctx, input)
  const found = await findConfirmation(ctx.tx, id)
  if (!found) throw notFound('GATE_CONFIRMATION_NOT_FOUND', `No gate confirmation ${id}`)
  // Same lock order as a confirmation (declaration, then confirmation, then lot): no deadlock.
  await declarationForConfirming(ctx, found.declaration_number)
  const row = (await findConfirmation(ctx.tx, id, true)) as GateConfirmationRow
  if (row.status === 'CANCELLED') {
    throw conflict('ILLEGAL_TRANSITION', 'This confirmation is already cancelled', { from: 'CANCELLED', action: 'cancel' })
  }
  if (row.kind === 'lot') {
    await lockLot(ctx.tx, row.declaration_number, row.entry_ref)
    await subtractPassedFromLot(ctx.tx, row.declaration_number, row.entry_ref, row.quantity as string, row.weight)
  }
  const cancelled = await markCancelled(ctx.tx, id, {
    reason: input.reason.trim(),
    cancelledAt: backEntry.occurredAt,
    cancelledBy: backEntry.originalOfficer,
    origin: backEntry.origin,
    recordedAt: ctx.now,
  })
  await audit(ctx, 'cancel', row, cancelled, backEntry)
  return confirmationView(cancelled)
}

export interface ConfirmationQuery {
  office?: string
  declarationNumber?: string
  containerNumber?: string
  sealNumber?: string
  status?: 'CONFIRMED' | 'CANCELLED'
  from?: string
  to?: string
  limit: number
  cursor?: string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export async function searchConfirmations(q: Queryable, actor: Actor, query: ConfirmationQuery) {
  // An officer's search defaults to their own office; naming another office is refused, not emptied.
  const office = query.office ?? (actor.role === 'admin' ? null : actor.office)
  if (office !== null) assertMayRead(actor, office)
  const from = query.from === undefined ? null : new Date(query.from).toISOString()
  const to = query.to === undefined ? null : new Date(query.to).toISOString()
  if (from !== null && to !== null && from > to) {
    throw invalid([{ field: 'querystring.from', code: 'DATE_RANGE_INVERTED', message: '"from" must not be after "to"' }])
  }
  const cursor = decodeCursor(query.cursor)
  // decodeCursor accepts any time JavaScript parses; PostgreSQL rejects years outside 1–9999.
  const year = cursor === null ? 2000 : new Date(cursor.at).getUTCFullYear()
  if (cursor !== null && (!UUID.test(cursor.id) || year < 1 || year > 9999)) {
    throw invalid([{ field: 'querystring.cursor', code: 'INVALID_CURSOR', message: 'use the nextCursor of a previous page' }])
  }
  const rows = await searchConfirmationRows(q, {
    office,
    declarationNumber: query.declarationNumber ?? null,
    containerNumber: query.containerNumber ?? null,
    sealNumber: query.sealNumber ?? null,
    status: query.status ?? null,
    from,
    to,
    after: cursor === null ? null : { at: new Date(cursor.at).toISOString(), id: cursor.id },
    limit: query.limit,
  })
  return pageOf(rows.map(confirmationView), query.limit, (c) => ({ at: c.passedAt, id: c.id }))
}
