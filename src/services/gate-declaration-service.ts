// The eligible list of a declaration (danh sách container / hàng hóa đủ điều kiện qua KVGS). In
// production VNACCS supplies it; here an officer or an integration registers it with a PUT, which
// may be repeated: the same content is a no-op, new content replaces the list except for entries
// already confirmed at the gate, which must stay exactly as they passed.
import { createHash } from 'node:crypto'
import type { Actor } from '../domain/actor.ts'
import { conflict, forbidden, invalid, notFound, type FieldProblem } from '../domain/errors.ts'
import { GATE_DECLARATION_ENTITY, type GateContainerRecord, type GateDeclarationRecord, type GateLotRecord } from '../domain/gate.ts'
import type { WriteOutcome } from '../domain/write.ts'
import type { Queryable } from '../db/database.ts'
import { activeConfirmationsOf } from '../db/gate-confirmation-repository.ts'
import {
  containersOf,
  declarationsListingContainer,
  findDeclaration,
  insertDeclarationIfAbsent,
  insertEntries,
  lotsOf,
  replaceEntries,
  updateDeclarationHeader,
  type ContainerEntry,
  type DeclarationHeader,
  type LotEntry,
} from '../db/gate-declaration-repository.ts'
import type { EligibleListInput } from '../schemas/gate-schemas.ts'
import { canonicalJson } from './canonical-json.ts'
import { declarationView, type DeclarationView } from './gate-views.ts'
import { claimedTransaction } from './idempotency-service.ts'
import { assertMayBackdate, paperEntryOf } from './paper-entry.ts'
import type { WriteContext } from './write-context.ts'

/** "#####" on the form means the container carries no such seal. */
export const NO_SEAL = '#####'

/** What a list says: the header's content (not its hash or history) and its entries. */
type ListContent = Omit<DeclarationHeader, 'declarationNumber' | 'contentHash' | 'at' | 'officerId'> & {
  containers: ContainerEntry[]
  lots: LotEntry[]
}

export function assertActsFor(actor: Actor, office: string): void {
  if (actor.office !== office) {
    throw forbidden('OFFICE_FORBIDDEN', `You act for office ${actor.office}; this belongs to supervising office ${office}`)
  }
}

/** Officers and supervisors read their own office's records; admins read everything. */
export function assertMayRead(actor: Actor, office: string): void {
  if (actor.role !== 'admin') assertActsFor(actor, office)
}

const seal = (value: string | undefined) => (value === undefined || value === NO_SEAL ? null : value)

export function contentOf(input: EligibleListInput): ListContent {
  return {
    office: input.office,
    locationCode: input.locationCode,
    traderName: input.traderName,
    traderTaxCode: input.traderTaxCode,
    status: input.status,
    declarationDate: input.declarationDate,
    procedureType: input.procedureType,
    channel: input.channel,
    goodsManagementNumber: input.goodsManagementNumber ?? null,
    containers: (input.containers ?? []).map((c) => ({
      containerNumber: c.containerNumber,
      carrierSeal: seal(c.carrierSeal),
      customsSeal: seal(c.customsSeal),
    })),
    lots: (input.lots ?? []).map((l) => ({
      lotNumber: l.lotNumber,
      description: l.description,
      quantity: l.quantity,
      quantityUnit: l.quantityUnit,
      totalWeight: l.totalWeight,
      weightUnit: l.weightUnit,
    })),
  }
}

function storedContentOf(d: GateDeclarationRecord, containers: GateContainerRecord[], lots: GateLotRecord[]): ListContent {
  return {
    office: d.office,
    locationCode: d.locationCode,
    traderName: d.traderName,
    traderTaxCode: d.traderTaxCode,
    status: d.status,
    declarationDate: d.declarationDate,
    procedureType: d.procedureType,
    channel: d.channel,
    goodsManagementNumber: d.goodsManagementNumber,
    containers: containers.map(({ containerNumber, carrierSeal, customsSeal }) => ({ containerNumber, carrierSeal, customsSeal })),
    lots: lots.map((l) => ({
      lotNumber: l.lotNumber,
      description: l.description,
      quantity: l.quantity,
      quantityUnit: l.quantityUnit,
      totalWeight: l.totalWeight,
      weightUnit: l.weightUnit,
    })),
  }
}

export function contentHashOf(content: ListContent): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex')
}

/** Rules a schema cannot express; all problems at once so the officer fixes the form in one go. */
export function checkListRules(content: ListContent, now: string): void {
  const problems: FieldProblem[] = []
  if (content.containers.length === 0 && content.lots.length === 0) {
    problems.push({ field: 'containers', code: 'ELIGIBLE_LIST_EMPTY', message: 'list at least one container or one bulk lot' })
  }
  const seenContainers = new Set<string>()
  content.containers.forEach((c, i) => {
    if (seenContainers.has(c.containerNumber)) problems.push({ field: `containers.${i}.containerNumber`, code: 'DUPLICATE_CONTAINER_NUMBER' })
    seenContainers.add(c.containerNumber)
  })
  const seenLots = new Set<string>()
  content.lots.forEach((l, i) => {
    if (seenLots.has(l.lotNumber)) problems.push({ field: `lots.${i}.lotNumber`, code: 'DUPLICATE_LOT_NUMBER' })
    seenLots.add(l.lotNumber)
  })
  // One day of slack: the date is Vietnam's calendar day, the clock is UTC.
  const latest = new Date(Date.parse(now) + 86_400_000).toISOString().slice(0, 10)
  if (content.declarationDate > latest) {
    problems.push({ field: 'declarationDate', code: 'DECLARATION_DATE_IN_FUTURE' })
  }
  if (problems.length > 0) throw invalid(problems)
}

function headerOf(declarationNumber: string, content: ListContent, hash: string, at: string, officerId: string): DeclarationHeader {
  return {
    declarationNumber,
    office: content.office,
    locationCode: content.locationCode,
    traderName: content.traderName,
    traderTaxCode: content.traderTaxCode,
    status: content.status,
    declarationDate: content.declarationDate,
    procedureType: content.procedureType,
    channel: content.channel,
    goodsManagementNumber: content.goodsManagementNumber,
    contentHash: hash,
    at,
    officerId,
  }
}

/** Entries with an active confirmation that the new list would remove or change. */
function confirmedEntriesTouched(
  content: ListContent,
  storedContainers: GateContainerRecord[],
  storedLots: GateLotRecord[],
  confirmedContainers: Set<string>,
): Array<{ containerNumber?: string; lotNumber?: string; change: 'removed' | 'changed' }> {
  const touched: Array<{ containerNumber?: string; lotNumber?: string; change: 'removed' | 'changed' }> = []
  for (const c of storedContainers) {
    if (!confirmedContainers.has(c.containerNumber)) continue
    const next = content.containers.find((n) => n.containerNumber === c.containerNumber)
    if (!next) touched.push({ containerNumber: c.containerNumber, change: 'removed' })
    else if (next.carrierSeal !== c.carrierSeal || next.customsSeal !== c.customsSeal) {
      touched.push({ containerNumber: c.containerNumber, change: 'changed' })
    }
  }
  for (const l of storedLots) {
    if (l.quantityPassed === 0) continue
    const next = content.lots.find((n) => n.lotNumber === l.lotNumber)
    if (!next) touched.push({ lotNumber: l.lotNumber, change: 'removed' })
    else if (
      next.description !== l.description ||
      next.quantity !== l.quantity ||
      next.quantityUnit !== l.quantityUnit ||
      next.totalWeight !== l.totalWeight ||
      next.weightUnit !== l.weightUnit
    ) {
      touched.push({ lotNumber: l.lotNumber, change: 'changed' })
    }
  }
  return touched
}

export type RegisterOutcome = WriteOutcome<DeclarationView>

/**
 * Registers or replaces a list, in one transaction: a rare write (once per declaration and its
 * corrections) that must see every confirmation committed before it and hold off those in flight.
 */
export async function registerEligibleList(
  q: Queryable,
  ctx: WriteContext,
  declarationNumber: string,
  input: EligibleListInput,
): Promise<RegisterOutcome> {
  assertActsFor(ctx.actor, input.office)
  const content = contentOf(input)
  checkListRules(content, ctx.now)
  const backEntry = await paperEntryOf(q, ctx, input)
  assertMayBackdate(ctx, backEntry)
  const hash = contentHashOf(content)
  const header = headerOf(declarationNumber, content, hash, backEntry.occurredAt, backEntry.originalOfficer)
  const change = (action: string, before: ListContent | null) => ({
    entityType: GATE_DECLARATION_ENTITY, entityId: declarationNumber, action, before, after: content, backEntry,
  })

  return claimedTransaction(q, ctx, async (tx) => {
    if (await insertDeclarationIfAbsent(tx, header)) {
      await insertEntries(tx, declarationNumber, content.containers, content.lots)
      return { outcome: { kind: 'created', view: await loadView(tx, declarationNumber) }, changes: [change('register', null)] }
    }
    // Taken FOR UPDATE: waits for confirmations in flight (they hold it FOR SHARE), and they wait for this change.
    const existing = (await findDeclaration(tx, declarationNumber, true)) as GateDeclarationRecord
    assertActsFor(ctx.actor, existing.office)
    if (existing.contentHash === hash) {
      return { outcome: { kind: 'unchanged', view: await loadView(tx, declarationNumber) }, changes: [] }
    }
    const storedContainers = await containersOf(tx, declarationNumber)
    const storedLots = await lotsOf(tx, declarationNumber)
    const active = await activeConfirmationsOf(tx, declarationNumber)
    const confirmedContainers = new Set(active.filter((c) => c.kind === 'container').map((c) => c.entryRef))
    const touched = confirmedEntriesTouched(content, storedContainers, storedLots, confirmedContainers)
    if (touched.length > 0) {
      throw conflict(
        'GATE_ENTRY_ALREADY_CONFIRMED',
        'Entries already confirmed at the gate cannot be removed or changed; cancel their confirmations first',
        { entries: touched },
      )
    }
    const before = storedContentOf(existing, storedContainers, storedLots)
    await updateDeclarationHeader(tx, header)
    await replaceEntries(tx, declarationNumber, content.containers, content.lots, [...confirmedContainers])
    return { outcome: { kind: 'updated', view: await loadView(tx, declarationNumber) }, changes: [change('update_list', before)] }
  })
}

export async function loadView(q: Queryable, declarationNumber: string): Promise<DeclarationView> {
  const d = await findDeclaration(q, declarationNumber)
  if (!d) throw notFound('GATE_DECLARATION_NOT_FOUND', `Declaration ${declarationNumber} has no eligible list`)
  const containers = await containersOf(q, declarationNumber)
  const lots = await lotsOf(q, declarationNumber)
  const active = await activeConfirmationsOf(q, declarationNumber)
  return declarationView(d, containers, lots, active)
}

/** A container as the gate finds it: each eligible list (of the actor's office) that names it. */
export interface GateEntry {
  declarationNumber: string
  office: string
  locationCode: string
  traderName: string
  status: string
  passable: boolean
  declarationDate: string
  container: DeclarationView['containers'][number]
}

/** Lists searched for one container; a box is on one or a few declarations in a lifetime. */
const MAX_ENTRIES = 20

export async function findGateEntries(q: Queryable, actor: Actor, containerNumber: string): Promise<{ containerNumber: string; entries: GateEntry[] }> {
  const declarations = await declarationsListingContainer(q, containerNumber, actor.role === 'admin' ? null : actor.office, MAX_ENTRIES)
  const entries: GateEntry[] = []
  for (const declarationNumber of declarations) {
    const v = await loadView(q, declarationNumber)
    const container = v.containers.find((c) => c.containerNumber === containerNumber)
    if (!container) continue
    entries.push({
      declarationNumber: v.declarationNumber, office: v.office, locationCode: v.locationCode, traderName: v.traderName,
      status: v.status, passable: v.passable, declarationDate: v.declarationDate, container,
    })
  }
  return { containerNumber, entries }
}

export async function getEligibleList(q: Queryable, actor: Actor, declarationNumber: string): Promise<DeclarationView> {
  const view = await loadView(q, declarationNumber)
  assertMayRead(actor, view.office)
  return view
}
