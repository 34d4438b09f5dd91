// Confirming that goods passed the supervision area (xác nhận hàng qua KVGS): a container once, a
// bulk lot in several passes up to its total and never beyond; a confirmation can be cancelled with
// a reason. A container whose seals do not match the list is held instead of passed, until a
// supervisor of the office releases it or cancels the hold (gate-seal-rules.ts). Natural keys make
// the confirmations idempotent without an Idempotency-Key: the live record of a container, and the
// paper form number of a back-entered pass. Each write is one read and one guarded statement
// (db/gate-confirmation-repository.ts).
import { randomUUID } from 'node:crypto'
import type { Actor } from '../domain/actor.ts'
import { conflict, invalid, notFound, type FieldProblem } from '../domain/errors.ts'
import {
  GATE_CONFIRMATION_ENTITY,
  PASSABLE_STATUSES,
  type ConfirmationKind,
  type GateConfirmationRecord,
  type GateDecision,
  type GateDeclarationRecord,
} from '../domain/gate.ts'
import { viewOf, type ChangeCount, type StoredOutcome, type WriteOutcome } from '../domain/write.ts'
import type { Queryable } from '../db/database.ts'
import {
  activeConfirmationsOf,
  cancelWrite,
  containerConfirmationWrite,
  lotConfirmationWrite,
  readConfirmationForChange,
  readForConfirmation,
  releaseWrite,
  searchConfirmations as searchConfirmationRecords,
  type ConfirmRead,
  type LotTotals,
  type NewConfirmation,
} from '../db/gate-confirmation-repository.ts'
import { containersOf } from '../db/gate-declaration-repository.ts'
import { claimOnlyWrite, runGuardedWrite, runGuardedWriteRow, type GuardedResult } from '../db/write-statement.ts'
import type {
  AllContainersConfirmationInput,
  CancelConfirmationInput,
  ConfirmationSearchInput,
  ContainerConfirmationInput,
  LotConfirmationInput,
  ReleaseInput,
} from '../schemas/gate-schemas.ts'
import { auditAppendOf, countOf, type Change } from './audit-service.ts'
import { assertActsFor, assertMayRead } from './gate-declaration-service.ts'
import {
  answerToEarlier,
  earlierRefusal,
  gateTransition,
  isMismatch,
  type GateAction,
  needsSupervisor,
  sealFindingOf,
  sealFindingProblems,
} from './gate-seal-rules.ts'
import { assertSupervisorOf } from './handover-access.ts'
import { gateHoldNotice } from './notice-service.ts'
import { confirmationView, lotView, type ConfirmationView, type LotView } from './gate-views.ts'
import { claimStoring, contended, keyInUse, MAX_WRITE_ATTEMPTS, replayOf } from './idempotency-service.ts'
import { DEFAULT_PAGE_SIZE } from '../schemas/common-schemas.ts'
import { decodeCursor, pageOf } from './pagination.ts'
import { assertMayBackdate, paperEntryOf } from './paper-entry.ts'
import type { BackEntry, WriteContext } from './write-context.ts'

export type ContainerConfirmationOutcome = WriteOutcome<ConfirmationView>
export type LotConfirmation = ConfirmationView & { lot: Omit<LotView, 'confirmations'> }
export type LotConfirmationOutcome = WriteOutcome<LotConfirmation>

// Clock skew between a gate terminal and the service; beyond it a pass time is a typo.
const FUTURE_SLACK_MS = 5 * 60_000

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

function declarationForConfirming(ctx: WriteContext, declarationNumber: string, read: ConfirmRead): GateDeclarationRecord {
  if (!read.declaration) throw notFound('GATE_DECLARATION_NOT_FOUND', `Declaration ${declarationNumber} has no eligible list`)
  assertActsFor(ctx.actor, read.declaration.office)
  return read.declaration
}

function assertPassable(declaration: Pick<GateDeclarationRecord, 'declarationNumber' | 'status'>): void {
  if (!PASSABLE_STATUSES.includes(declaration.status)) {
    throw conflict(
      'DECLARATION_NOT_CLEARED',
      `Declaration ${declaration.declarationNumber} is ${declaration.status}: its goods may not pass the supervision area`,
      { status: declaration.status, passableStatuses: PASSABLE_STATUSES },
    )
  }
}

function refuseProblems(problems: FieldProblem[]): void {
  if (problems.length > 0) throw invalid(problems)
}

/** Stores an outcome that changed nothing under the claim; null when the key was stored meanwhile. */
async function settleUnchanged<V>(q: Queryable, ctx: WriteContext, outcome: StoredOutcome<V>): Promise<WriteOutcome<V> | null> {
  const claim = claimStoring(ctx.claim, outcome)
  const result: GuardedResult = claim === null ? 'applied' : await runGuardedWrite(q, claimOnlyWrite(claim))
  if (result === 'in_use') throw keyInUse()
  return result === 'applied' ? { ...outcome, changes: [] } : null
}

function newConfirmation(
  ctx: WriteContext,
  declaration: GateDeclarationRecord,
  kind: ConfirmationKind,
  entryRef: string,
  fields: Pick<
    NewConfirmation,
    | 'carrierSeal' | 'customsSeal' | 'quantity' | 'weight' | 'passedAt' | 'paperReference'
    | 'status' | 'sealState' | 'carrierSealFound' | 'customsSealFound' | 'sealNote' | 'heldAt'
  >,
  backEntry: BackEntry,
): NewConfirmation {
  return {
    id: randomUUID(),
    declarationNumber: declaration.declarationNumber,
    office: declaration.office,
    kind,
    entryRef,
    ...fields,
    officerId: backEntry.originalOfficer,
    enteredBy: ctx.actor.officerId,
    origin: backEntry.origin,
    recordedAt: ctx.now,
  }
}

const recordOf = (c: NewConfirmation): GateConfirmationRecord => ({
  ...c,
  releaseReason: null,
  releasedAt: null,
  releasedBy: null,
  releaseOrigin: null,
  releaseRecordedAt: null,
  cancelReason: null,
  cancelledAt: null,
  cancelledBy: null,
  cancelOrigin: null,
  cancelRecordedAt: null,
})

function changeOf(action: string, before: ConfirmationView | null, after: ConfirmationView, backEntry: BackEntry): Change {
  return { entityType: GATE_CONFIRMATION_ENTITY, entityId: after.id, action, before, after, backEntry }
}

/**
 * Confirms a container passed — or, when the seals found do not match the list, holds it (status
 * HELD, not a pass) and tells the office. `unstatedStandsAsIs`: a request that states nothing about
 * the seals answers a held container as it stands (a whole declaration's confirmation) instead of
 * refusing (a tap on the container itself: 409 GATE_CONTAINER_HELD).
 */
export async function confirmContainer(
  q: Queryable,
  ctx: WriteContext,
  declarationNumber: string,
  containerNumber: string,
  input: ContainerConfirmationInput,
  unstatedStandsAsIs = false,
): Promise<ContainerConfirmationOutcome> {
  const backEntry = await paperEntryOf(q, ctx, input)
  const paperReference = paperReferenceOf(backEntry, input.paperReference, false)
  const passedAt = passedAtOf(ctx, backEntry, input.passedAt)
  refuseProblems(sealFindingProblems(input))
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const read = await readForConfirmation(q, ctx.claim, declarationNumber, 'container', containerNumber, paperReference)
    const replay = replayOf<ConfirmationView>(ctx.claim, read.stored)
    if (replay) return replay
    const declaration = declarationForConfirming(ctx, declarationNumber, read)
    if (!read.container) {
      throw notFound('GATE_CONTAINER_NOT_FOUND', `Container ${containerNumber} is not on the eligible list of declaration ${declarationNumber}`)
    }
    const { finding, problems } = sealFindingOf(input, read.container)
    refuseProblems(problems)
    // A repeated confirmation is recognised before the status check: the goods did pass, and a
    // retry must get the same answer even if the declaration's status changed since. A request that
    // contradicts the container's record (a tap on a held container) is refused instead.
    if (read.earlier) {
      const answer = answerToEarlier(read.earlier, finding, unstatedStandsAsIs)
      if (answer !== 'duplicate') throw earlierRefusal(answer, containerNumber, read.earlier)
      const settled = await settleUnchanged(q, ctx, { kind: 'duplicate', existing: confirmationView(read.earlier) })
      if (settled) return settled
      continue
    }
    assertMayBackdate(ctx, backEntry)
    assertPassable(declaration)
    const held = isMismatch(finding.sealState)
    const confirmation = newConfirmation(ctx, declaration, 'container', containerNumber, {
      carrierSeal: read.container.carrierSeal,
      customsSeal: read.container.customsSeal,
      quantity: null,
      weight: null,
      passedAt,
      paperReference,
      status: held ? 'HELD' : 'CONFIRMED',
      sealState: finding.sealState,
      carrierSealFound: finding.carrierSealFound,
      customsSealFound: finding.customsSealFound,
      sealNote: finding.sealNote,
      heldAt: held ? passedAt : null,
    }, backEntry)
    const view = confirmationView(recordOf(confirmation))
    const change = changeOf(held ? 'hold_container' : 'confirm_container', null, view, backEntry)
    const outcome: StoredOutcome<ConfirmationView> = { kind: 'created', view }
    const notices = held ? [gateHoldNotice(view)] : []
    const write = containerConfirmationWrite(claimStoring(ctx.claim, outcome), declaration.contentHash, confirmation, auditAppendOf(ctx, change), notices)
    const result = await runGuardedWrite(q, write)
    if (result === 'applied') return { ...outcome, changes: [countOf(change)] }
    if (result === 'in_use') throw keyInUse()
    // The list changed, or the container was confirmed concurrently: read again.
  }
  throw conflict('GATE_CONFIRMATION_CONTENDED', 'The container is being confirmed and cancelled at the same time; retry')
}

function samePaperPass(c: GateConfirmationRecord, input: LotConfirmationInput, passedAt: string): boolean {
  return c.quantity === input.quantity && (c.weight === null ? input.weight === undefined : c.weight === input.weight) && c.passedAt === passedAt
}

export async function confirmLot(
  q: Queryable,
  ctx: WriteContext,
  declarationNumber: string,
  lotNumber: string,
  input: LotConfirmationInput,
): Promise<LotConfirmationOutcome> {
  const backEntry = await paperEntryOf(q, ctx, input)
  const paperReference = paperReferenceOf(backEntry, input.paperReference, true)
  const passedAt = passedAtOf(ctx, backEntry, input.passedAt)
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const read = await readForConfirmation(q, ctx.claim, declarationNumber, 'lot', lotNumber, paperReference)
    const replay = replayOf<LotConfirmation>(ctx.claim, read.stored)
    if (replay) return replay
    const declaration = declarationForConfirming(ctx, declarationNumber, read)
    const lot = read.lot
    if (!lot) throw notFound('GATE_LOT_NOT_FOUND', `Lot ${lotNumber} is not on the eligible list of declaration ${declarationNumber}`)
    const { confirmations: _none, ...lotState } = lotView(lot, [])
    if (read.earlier) {
      if (!samePaperPass(read.earlier, input, passedAt)) {
        throw conflict(
          'PAPER_REFERENCE_CONFLICT',
          `Paper form ${paperReference} was already entered for lot ${lotNumber} with other figures; check the form`,
          { confirmationId: read.earlier.id },
        )
      }
      const settled = await settleUnchanged(q, ctx, { kind: 'duplicate', existing: { ...confirmationView(read.earlier), lot: lotState } })
      if (settled) return settled
      continue
    }
    assertMayBackdate(ctx, backEntry)
    assertPassable(declaration)
    if (input.quantity > lot.quantityRemaining) {
      throw conflict(
        'QUANTITY_EXCEEDS_REMAINING',
        `Lot ${lotNumber} has ${lot.quantityRemaining} ${lot.quantityUnit} left to pass; ${input.quantity} is more than that`,
        { remaining: lot.quantityRemaining, requested: input.quantity, unit: lot.quantityUnit },
      )
    }
    const confirmation = newConfirmation(ctx, declaration, 'lot', lotNumber, {
      carrierSeal: null,
      customsSeal: null,
      quantity: input.quantity,
      weight: input.weight ?? null,
      passedAt,
      paperReference,
      status: 'CONFIRMED',
      sealState: null,
      carrierSealFound: null,
      customsSealFound: null,
      sealNote: null,
      heldAt: null,
    }, backEntry)
    const view = confirmationView(recordOf(confirmation))
    const change = changeOf('confirm_lot', null, view, backEntry)
    // The running totals after this pass come from the statement, which adds it under the lot's lock
    // (and stores them in the outcome it keeps for a replay).
    const { quantityPassed: _p, quantityRemaining: _r, weightPassed: _w, fullyPassed: _f, ...fixed } = lotState
    const pending = { kind: 'created' as const, view: { ...view, lot: fixed } }
    const write = lotConfirmationWrite(claimStoring(ctx.claim, pending), declaration.contentHash, confirmation, auditAppendOf(ctx, change))
    const { result, row } = await runGuardedWriteRow<{ totals: LotTotals | null }>(q, write)
    if (result === 'applied' && row?.totals) {
      const { confirmations: _empty, ...after } = lotView({ ...lot, ...row.totals }, [])
      return { kind: 'created', view: { ...view, lot: after }, changes: [countOf(change)] }
    }
    if (result === 'in_use') throw keyInUse()
    // Another pass of this lot, or a list change, came first: read again (the remaining quantity too).
  }
  throw contended()
}

/** A gate record a cancellation or a release acts on, with its declaration as read. */
interface ChangeTarget {
  found: GateConfirmationRecord
  office: string
  declarationStatus: string
  listHash: string
}

/**
 * Reads the record a cancellation or a release acts on: the key's stored answer (a replay), or the
 * record, which must exist and belong to the actor's office.
 */
async function readToChange(q: Queryable, ctx: WriteContext, id: string): Promise<{ replay: WriteOutcome<ConfirmationView> } | ChangeTarget> {
  const read = await readConfirmationForChange(q, ctx.claim, id)
  const replay = replayOf<ConfirmationView>(ctx.claim, read.stored)
  if (replay) return { replay }
  const { confirmation: found, office, declarationStatus, listHash } = read
  if (!found || office === null || declarationStatus === null || listHash === null) {
    throw notFound('GATE_CONFIRMATION_NOT_FOUND', `No gate confirmation ${id}`)
  }
  assertActsFor(ctx.actor, office)
  return { found, office, declarationStatus, listHash }
}

/** The step each decision is for a supervisor, in the words of a SUPERVISOR_REQUIRED refusal. */
const SUPERVISOR_STEP: Record<GateAction, string> = {
  cancel: 'cancel the hold of a container stopped at the gate for its seals',
  release: 'let a container held for its seals pass',
}

/** The record after a decision, as the write statement will leave it. */
function decided(found: GateConfirmationRecord, action: GateAction, d: GateDecision): GateConfirmationRecord {
  return action === 'cancel'
    ? { ...found, status: 'CANCELLED', cancelReason: d.reason, cancelledAt: d.at, cancelledBy: d.by, cancelOrigin: d.origin, cancelRecordedAt: d.recordedAt }
    : {
        ...found,
        status: 'CONFIRMED',
        passedAt: d.at,
        releaseReason: d.reason,
        releasedAt: d.at,
        releasedBy: d.by,
        releaseOrigin: d.origin,
        releaseRecordedAt: d.recordedAt,
      }
}

/**
 * A decision on a live gate record, with its reason: cancelling it (a pass made by mistake — the
 * officer's; a hold, so that the container does not pass — a supervisor's) or releasing a hold (a
 * supervisor's: the container passes now, its hold and the seals found stay on the record). The
 * request is checked whole before the supervisor's step is asked for: a bad request is a 400, a
 * record in another state a 409, whoever sends it.
 */
async function decideOnConfirmation(
  q: Queryable,
  ctx: WriteContext,
  id: string,
  action: GateAction,
  input: CancelConfirmationInput | ReleaseInput,
): Promise<WriteOutcome<ConfirmationView>> {
  const backEntry = await paperEntryOf(q, ctx, input)
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const read = await readToChange(q, ctx, id)
    if ('replay' in read) return read.replay
    const { found, office } = read
    gateTransition(found.status, action)
    const from = found.status as 'CONFIRMED' | 'HELD'
    if (action === 'release') {
      if (found.heldAt !== null && Date.parse(backEntry.occurredAt) < Date.parse(found.heldAt)) {
        throw invalid([{ field: 'paperRecordedAt', code: 'RELEASE_BEFORE_HOLD', message: 'a container is released after it was held' }])
      }
      assertPassable({ declarationNumber: found.declarationNumber, status: read.declarationStatus })
    }
    assertMayBackdate(ctx, backEntry)
    if (needsSupervisor(from, action)) assertSupervisorOf(ctx.actor, office, SUPERVISOR_STEP[action])
    const decision: GateDecision = {
      reason: input.reason.trim(),
      at: backEntry.occurredAt,
      by: backEntry.originalOfficer,
      origin: backEntry.origin,
      recordedAt: ctx.now,
    }
    const view = confirmationView(decided(found, action, decision))
    const change = changeOf(action, confirmationView(found), view, backEntry)
    const outcome: StoredOutcome<ConfirmationView> = { kind: 'updated', view }
    const claim = claimStoring(ctx.claim, outcome)
    const audit = auditAppendOf(ctx, change)
    const write =
      action === 'cancel'
        ? cancelWrite(claim, id, from, decision, audit)
        : releaseWrite(claim, id, found.declarationNumber, read.listHash, decision, audit)
    const result = await runGuardedWrite(q, write)
    if (result === 'applied') return { ...outcome, changes: [countOf(change)] }
    if (result === 'in_use') throw keyInUse()
    // Decided meanwhile, or (a release) the list changed: read again.
  }
  throw contended()
}

export const cancelConfirmation = (q: Queryable, ctx: WriteContext, id: string, input: CancelConfirmationInput) =>
  decideOnConfirmation(q, ctx, id, 'cancel', input)

export const releaseConfirmation = (q: Queryable, ctx: WriteContext, id: string, input: ReleaseInput) =>
  decideOnConfirmation(q, ctx, id, 'release', input)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export async function searchConfirmations(q: Queryable, actor: Actor, query: ConfirmationSearchInput) {
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
  const limit = query.limit ?? DEFAULT_PAGE_SIZE
  const rows = await searchConfirmationRecords(q, {
    office,
    declarationNumber: query.declarationNumber ?? null,
    containerNumber: query.containerNumber ?? null,
    sealNumber: query.sealNumber ?? null,
    status: query.status ?? null,
    sealState: query.sealState ?? null,
    from,
    to,
    after: cursor === null ? null : { at: new Date(cursor.at).toISOString(), id: cursor.id },
    limit,
  })
  return pageOf(rows.map(confirmationView), limit, (c) => ({ at: c.passedAt, id: c.id }))
}

/** Every container of a declaration confirmed by one request: each container's confirmation, and which were new. */
export interface AllContainersConfirmation {
  declarationNumber: string
  confirmations: Array<ConfirmationView & { alreadyConfirmed: boolean }>
  /** How many containers this request confirmed (the others were confirmed before). */
  confirmed: number
  /** How many containers this request held for their seals. */
  held: number
}

type SealFindingOfContainer = NonNullable<AllContainersConfirmationInput['sealFindings']>[number]

/** Each container named once in the findings: request-only problems, found before anything is read. */
function findingListProblems(findings: SealFindingOfContainer[]): FieldProblem[] {
  const seen = new Set<string>()
  return findings.flatMap((f, i) => {
    const problems = sealFindingProblems(f, `sealFindings.${i}.`)
    if (seen.has(f.containerNumber)) problems.push({ field: `sealFindings.${i}.containerNumber`, code: 'DUPLICATE_CONTAINER_NUMBER' })
    seen.add(f.containerNumber)
    return problems
  })
}

/**
 * Confirms at once every container on a declaration's eligible list (xác nhận cả tờ khai), as a gate
 * officer does when the whole convoy passes together. Each container is confirmed as by its own
 * request, recognised by its natural key (a container passes once), so a retry after a failover in
 * the middle confirms the rest and repeats nothing; the request's own answer is stored under its
 * Idempotency-Key once all are confirmed.
 */
export async function confirmAllContainers(
  q: Queryable,
  ctx: WriteContext,
  declarationNumber: string,
  input: AllContainersConfirmationInput,
): Promise<WriteOutcome<AllContainersConfirmation>> {
  const { sealFindings = [], ...common } = input
  refuseProblems(findingListProblems(sealFindings))
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const read = await readForConfirmation(q, ctx.claim, declarationNumber, 'container', '', null)
    const replay = replayOf<AllContainersConfirmation>(ctx.claim, read.stored)
    if (replay) return replay
    declarationForConfirming(ctx, declarationNumber, read)
    const containers = await containersOf(q, declarationNumber)
    if (containers.length === 0) {
      throw conflict('GATE_NO_CONTAINERS', `Declaration ${declarationNumber} lists no containers: confirm its lots one by one`)
    }
    // Every finding is checked against the list, and against the containers' records, before any
    // container is confirmed: a refused request writes nothing.
    const listed = new Map(containers.map((c) => [c.containerNumber, c]))
    const stated = new Map<string, ContainerConfirmationInput>()
    const problems: FieldProblem[] = []
    sealFindings.forEach(({ containerNumber, ...finding }, i) => {
      const entry = listed.get(containerNumber)
      if (!entry) {
        problems.push({ field: `sealFindings.${i}.containerNumber`, code: 'CONTAINER_NOT_ON_LIST', message: `${containerNumber} is not on the eligible list` })
        return
      }
      problems.push(...sealFindingOf(finding, entry, `sealFindings.${i}.`).problems)
      stated.set(containerNumber, { ...common, ...finding })
    })
    refuseProblems(problems)
    for (const earlier of await activeConfirmationsOf(q, declarationNumber)) {
      const finding = earlier.kind === 'container' ? stated.get(earlier.entryRef) : undefined
      const entry = listed.get(earlier.entryRef)
      if (!finding || !entry) continue
      const answer = answerToEarlier(earlier, sealFindingOf(finding, entry).finding, true)
      if (answer !== 'duplicate') throw earlierRefusal(answer, earlier.entryRef, earlier)
    }
    const each = { ...ctx, claim: null }
    const confirmations: AllContainersConfirmation['confirmations'] = []
    const changes: ChangeCount[] = []
    for (const c of containers) {
      const single = stated.get(c.containerNumber) ?? common
      const outcome = await confirmContainer(q, each, declarationNumber, c.containerNumber, single, true)
      if (outcome.kind === 'replayed') throw new Error('a confirmation without a claim cannot be a replay')
      confirmations.push({ ...viewOf(outcome), alreadyConfirmed: outcome.kind === 'duplicate' })
      changes.push(...outcome.changes)
    }
    const fresh = confirmations.filter((c) => !c.alreadyConfirmed)
    const view = {
      declarationNumber,
      confirmations,
      confirmed: fresh.filter((c) => c.status === 'CONFIRMED').length,
      held: fresh.filter((c) => c.status === 'HELD').length,
    }
    const outcome: StoredOutcome<AllContainersConfirmation> = fresh.length > 0 ? { kind: 'created', view } : { kind: 'unchanged', view }
    const claim = claimStoring(ctx.claim, outcome)
    const result: GuardedResult = claim === null ? 'applied' : await runGuardedWrite(q, claimOnlyWrite(claim))
    if (result === 'in_use') throw keyInUse()
    if (result === 'applied') return { ...outcome, changes }
    // taken: the same request was answered meanwhile; read its stored answer.
  }
  throw contended()
}
