// Paper declarations (tờ khai giấy): create (idempotent on the paper registration key), update with
// optimistic concurrency, read, search. See docs/api.md, "Paper declarations".
import type { Queryable } from '../db/database.ts'
import {
  DeclarationNumberTakenError,
  findDeclaration,
  goodsLinesOf,
  insertDeclarationIfAbsent,
  lockDeclaration,
  lockRegistrationKey,
  replaceGoodsLines,
  searchDeclarations,
  updateDeclaration,
  type GoodsLineRow,
  type PaperDeclarationRow,
} from '../db/paper-declaration-repository.ts'
import { AppError, conflict, forbidden, invalid, notFound } from '../errors.ts'
import { recordChange } from './audit-service.ts'
import type { Actor } from './jwt-service.ts'
import { decodeCursor, pageOf } from './pagination.ts'
import {
  checkContent,
  checkFinite,
  checkPaperTime,
  checkSearchRange,
  checkTransition,
  declarationIdOf,
  isDeclarationId,
  sameContent,
  searchBoundOf,
  contentFieldsOfInput,
} from './paper-declaration-rules.ts'
import type {
  CreateDeclarationInput,
  FormType,
  PaperDeclaration,
  PaperDeclarationSummary,
  SearchInput,
  Status,
  UpdateDeclarationInput,
} from './paper-declaration-types.ts'
import { backEntryOf, type WriteContext } from './write-context.ts'

export const ENTITY_TYPE = 'paper_declaration'

const declarationNotFound = (id: string) => notFound('PAPER_DECLARATION_NOT_FOUND', `No paper declaration ${id}`)

const officeForbidden = (office: string) =>
  forbidden('OFFICE_FORBIDDEN', `You act for your own office only; this paper declaration belongs to office ${office}`)

const declarationNumberTaken = (number: string | undefined) =>
  conflict('DECLARATION_NUMBER_TAKEN', `Declaration number ${number} already belongs to another paper declaration`, {
    declarationNumber: number,
  })

function headerOf(row: PaperDeclarationRow): Omit<PaperDeclaration, 'goodsLines'> {
  return {
    id: row.id,
    office: row.office,
    receiptYear: row.receipt_year,
    receiptNumber: row.receipt_number,
    formType: row.form_type as FormType,
    declarationNumber: row.declaration_number,
    declarantName: row.declarant_name,
    taxCode: row.tax_code,
    procedureType: row.procedure_type,
    channel: row.channel,
    inspectionResult: row.inspection_result,
    status: row.status as Status,
    cancelReason: row.cancel_reason,
    registeredAt: row.registered_at.toISOString(),
    version: row.version,
    origin: row.origin,
    recordedAt: row.recorded_at.toISOString(),
    recordedBy: row.recorded_by,
    enteredAt: row.entered_at.toISOString(),
    enteredBy: row.entered_by,
    updatedAt: row.updated_at.toISOString(),
    updatedBy: row.updated_by,
  }
}

function viewOf(row: PaperDeclarationRow, lines: GoodsLineRow[]): PaperDeclaration {
  return {
    ...headerOf(row),
    goodsLines: lines.map((l) => ({
      lineNo: l.line_no,
      hsCode: l.hs_code,
      description: l.description,
      quantity: Number(l.quantity),
      unit: l.unit,
      value: Number(l.value),
      currency: l.currency,
      originCountry: l.origin_country,
    })),
  }
}

async function load(q: Queryable, row: PaperDeclarationRow): Promise<PaperDeclaration> {
  return viewOf(row, await goodsLinesOf(q, row.id))
}

async function loadById(q: Queryable, id: string): Promise<PaperDeclaration> {
  const row = await findDeclaration(q, id)
  if (!row) throw declarationNotFound(id)
  return load(q, row)
}


/**
 * Creates a paper declaration. Entering the same paper form again (same office, receipt year and
 * number) answers the stored declaration with duplicate: true when it says the same, and 409 when
 * it says something else — with or without an Idempotency-Key.
 */
export async function createPaperDeclaration(
  ctx: WriteContext,
  input: CreateDeclarationInput,
): Promise<{ status: number; body: PaperDeclaration & { duplicate: boolean } }> {
  checkFinite({ receiptYear: input.receiptYear, receiptNumber: input.receiptNumber })
  checkContent(input, { year: input.receiptYear, field: 'receiptYear' }, ctx.now)
  if (input.office !== ctx.actor.office) throw officeForbidden(input.office)
  const backEntry = backEntryOf(ctx, input)
  const columns = contentFieldsOfInput(input)
  checkPaperTime(backEntry, columns.registeredAt)
  const id = declarationIdOf(input.office, input.receiptYear, input.receiptNumber)

  await lockRegistrationKey(ctx.tx, id)
  let inserted: boolean
  try {
    inserted = await insertDeclarationIfAbsent(ctx.tx, {
      ...columns,
      id,
      office: input.office,
      receiptYear: input.receiptYear,
      receiptNumber: input.receiptNumber,
      origin: backEntry.origin,
      recordedAt: backEntry.occurredAt,
      recordedBy: backEntry.originalOfficer,
      enteredAt: ctx.now,
      enteredBy: ctx.actor.officerId,
    })
  } catch (err) {
    if (err instanceof DeclarationNumberTakenError) throw declarationNumberTaken(input.declarationNumber)
    throw err
  }

  if (!inserted) {
    const existing = await loadById(ctx.tx, id)
    if (!sameContent(input, existing)) {
      throw conflict(
        'DECLARATION_RECEIPT_TAKEN',
        `Receipt ${input.receiptNumber}/${input.receiptYear} of office ${input.office} is already a different paper declaration`,
        { id, version: existing.version },
      )
    }
    return { status: 200, body: { ...existing, duplicate: true } }
  }

  await replaceGoodsLines(ctx.tx, id, input.goodsLines)
  const created = await loadById(ctx.tx, id)
  await recordChange(ctx, { entityType: ENTITY_TYPE, entityId: id, action: 'create', before: null, after: created, backEntry })
  return { status: 201, body: { ...created, duplicate: false } }
}

/**
 * Replaces the content of a declaration (goods lines as a whole) if the caller saw the current
 * version; every success moves the version on by one.
 */
export async function updatePaperDeclaration(
  ctx: WriteContext,
  id: string,
  expectedVersions: number[],
  input: UpdateDeclarationInput,
): Promise<{ status: number; body: PaperDeclaration }> {
  const row = await lockDeclaration(ctx.tx, id)
  if (!row) throw declarationNotFound(id)
  if (row.office !== ctx.actor.office) throw officeForbidden(row.office)
  if (!expectedVersions.includes(row.version)) {
    throw new AppError(
      412,
      'VERSION_CONFLICT',
      `The declaration is at version ${row.version}; read it again and apply your change to that version`,
      { currentVersion: row.version },
      // The entity tag of the current version, so a client can re-read conditionally.
      { etag: `"${row.version}"` },
    )
  }
  checkContent(input, { year: row.receipt_year, field: 'registeredAt' }, ctx.now)
  checkTransition(row.status as Status, input.status)
  const backEntry = backEntryOf(ctx, input)
  const columns = contentFieldsOfInput(input)
  checkPaperTime(backEntry, columns.registeredAt)

  const before = await load(ctx.tx, row)
  try {
    await updateDeclaration(ctx.tx, id, columns, { at: backEntry.occurredAt, by: backEntry.originalOfficer })
  } catch (err) {
    if (err instanceof DeclarationNumberTakenError) throw declarationNumberTaken(input.declarationNumber)
    throw err
  }
  await replaceGoodsLines(ctx.tx, id, input.goodsLines)
  const after = await loadById(ctx.tx, id)
  await recordChange(ctx, { entityType: ENTITY_TYPE, entityId: id, action: 'update', before, after, backEntry })
  return { status: 200, body: after }
}

function checkReadable(actor: Actor, office: string): void {
  if (actor.role !== 'admin' && actor.office !== office) throw officeForbidden(office)
}

export async function getPaperDeclaration(q: Queryable, actor: Actor, id: string): Promise<PaperDeclaration> {
  const row = isDeclarationId(id) ? await findDeclaration(q, id) : null
  if (!row) throw declarationNotFound(id)
  checkReadable(actor, row.office)
  return load(q, row)
}

const invalidCursor = () =>
  invalid([{ field: 'querystring.cursor', code: 'INVALID_CURSOR', message: 'use the nextCursor of a previous page' }])

/** Officers and supervisors search their own office; admins any office, or all when none is given. */
export async function searchPaperDeclarations(
  q: Queryable,
  actor: Actor,
  input: SearchInput,
): Promise<{ items: PaperDeclarationSummary[]; nextCursor: string | null }> {
  checkFinite({ 'querystring.limit': input.limit })
  const from = searchBoundOf(input.from, 'from')
  const to = searchBoundOf(input.to, 'to')
  checkSearchRange(from, to)
  const cursor = decodeCursor(input.cursor)
  let after: { at: string; id: string } | null = null
  if (cursor) {
    const at = new Date(cursor.at).toISOString()
    // A forged cursor must answer 400, not reach SQL as an unparseable time.
    if (!isDeclarationId(cursor.id) || !/^\d{4}-/.test(at) || at.startsWith('0000')) throw invalidCursor()
    after = { at, id: cursor.id }
  }
  let office = input.office ?? null
  if (actor.role !== 'admin') {
    if (office !== null && office !== actor.office) throw officeForbidden(office)
    office = actor.office
  }
  const rows = await searchDeclarations(q, {
    office,
    declarationNumber: input.declarationNumber ?? null,
    taxCode: input.taxCode ?? null,
    status: input.status ?? null,
    from,
    to,
    after,
    limit: input.limit,
  })
  const page = pageOf(rows, input.limit, (r) => ({ at: r.registered_at.toISOString(), id: r.id }))
  return {
    items: page.items.map((r) => ({ ...headerOf(r), goodsLineCount: r.goods_line_count })),
    nextCursor: page.nextCursor,
  }
}
