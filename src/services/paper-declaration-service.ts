// Paper declarations (tờ khai giấy): create (idempotent on the paper registration key), update with
// optimistic concurrency, read, search. See docs/api.md, "Paper declarations". A write is one read and
// one guarded statement (db/paper-declaration-repository.ts).
import type { Actor } from '../domain/actor.ts'
import { conflict, forbidden, invalid, notFound, preconditionFailed } from '../domain/errors.ts'
import { PAPER_DECLARATION_ENTITY, type PaperDeclaration, type PaperDeclarationSummary, type Status } from '../domain/paper-declaration.ts'
import type { StoredOutcome, WriteOutcome } from '../domain/write.ts'
import type { Queryable } from '../db/database.ts'
import {
  createDeclarationWrite,
  findDeclaration,
  readForDeclarationWrite,
  searchDeclarations,
  updateDeclarationWrite,
} from '../db/paper-declaration-repository.ts'
import { claimOnlyWrite, runGuardedWrite, type GuardedResult } from '../db/write-statement.ts'
import type { CreateDeclarationInput, DeclarationSearchInput, UpdateDeclarationInput } from '../schemas/paper-declaration-schemas.ts'
import { auditAppendOf, countOf, type Change } from './audit-service.ts'
import { claimStoring, contended, keyInUse, MAX_WRITE_ATTEMPTS, replayOf } from './idempotency-service.ts'
import { DEFAULT_PAGE_SIZE } from '../schemas/common-schemas.ts'
import { decodeCursor, pageOf } from './pagination.ts'
import {
  checkContent,
  checkFinite,
  checkPaperTime,
  checkSearchRange,
  checkTransition,
  contentFieldsOfInput,
  declarationIdOf,
  isDeclarationId,
  sameContent,
  searchBoundOf,
} from './paper-declaration-rules.ts'
import { assertMayBackdate, paperEntryOf } from './paper-entry.ts'
import type { BackEntry, WriteContext } from './write-context.ts'

export type DeclarationOutcome = WriteOutcome<PaperDeclaration>

const declarationNotFound = (id: string) => notFound('PAPER_DECLARATION_NOT_FOUND', `No paper declaration ${id}`)

const officeForbidden = (office: string) =>
  forbidden('OFFICE_FORBIDDEN', `You act for your own office only; this paper declaration belongs to office ${office}`)

const declarationNumberTaken = (number: string | null | undefined) =>
  conflict('DECLARATION_NUMBER_TAKEN', `Declaration number ${number} already belongs to another paper declaration`, {
    declarationNumber: number,
  })

const linesOf = (input: { goodsLines: CreateDeclarationInput['goodsLines'] }) => input.goodsLines.map((l, i) => ({ lineNo: i + 1, ...l }))

function change(id: string, action: string, before: PaperDeclaration | null, after: PaperDeclaration, backEntry: BackEntry): Change {
  return { entityType: PAPER_DECLARATION_ENTITY, entityId: id, action, before, after, backEntry }
}

/**
 * Creates a paper declaration. Entering the same paper form again (same office, receipt year and
 * number) answers the stored declaration with duplicate: true when it says the same, and 409 when
 * it says something else — with or without an Idempotency-Key.
 */
export async function createPaperDeclaration(q: Queryable, ctx: WriteContext, input: CreateDeclarationInput): Promise<DeclarationOutcome> {
  checkFinite({ receiptYear: input.receiptYear, receiptNumber: input.receiptNumber })
  checkContent(input, { year: input.receiptYear, field: 'receiptYear' }, ctx.now)
  if (input.office !== ctx.actor.office) throw officeForbidden(input.office)
  const backEntry = await paperEntryOf(q, ctx, input)
  const columns = contentFieldsOfInput(input)
  checkPaperTime(backEntry, columns.registeredAt)
  const id = declarationIdOf(input.office, input.receiptYear, input.receiptNumber)
  const created: PaperDeclaration = {
    id,
    office: input.office,
    receiptYear: input.receiptYear,
    receiptNumber: input.receiptNumber,
    ...columns,
    goodsLines: linesOf(input),
    version: 1,
    origin: backEntry.origin,
    recordedAt: backEntry.occurredAt,
    recordedBy: backEntry.originalOfficer,
    enteredAt: ctx.now,
    enteredBy: ctx.actor.officerId,
    updatedAt: backEntry.occurredAt,
    updatedBy: backEntry.originalOfficer,
  }

  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const read = await readForDeclarationWrite(q, ctx.claim, id, columns.declarationNumber)
    const replay = replayOf<PaperDeclaration>(ctx.claim, read.stored)
    if (replay) return replay
    const existing = read.declaration
    if (existing) {
      if (!sameContent(input, existing)) {
        throw conflict(
          'DECLARATION_RECEIPT_TAKEN',
          `Receipt ${input.receiptNumber}/${input.receiptYear} of office ${input.office} is already a different paper declaration`,
          { id, version: existing.version },
        )
      }
      const settled = await settleUnchanged(q, ctx, { kind: 'duplicate', existing })
      if (settled) return settled
      continue
    }
    if (read.numberHolder !== null) throw declarationNumberTaken(input.declarationNumber)
    assertMayBackdate(ctx, backEntry)
    const made = change(id, 'create', null, created, backEntry)
    const outcome: StoredOutcome<PaperDeclaration> = { kind: 'created', view: created }
    const { goodsLines: _lines, ...header } = created
    const write = createDeclarationWrite(claimStoring(ctx.claim, outcome), header, input.goodsLines, auditAppendOf(ctx, made))
    const result = await runGuardedWrite(q, write)
    if (result === 'applied') return { ...outcome, changes: [countOf(made)] }
    if (result === 'in_use') throw keyInUse()
  }
  throw contended()
}

/**
 * Replaces the content of a declaration (goods lines as a whole) if the caller saw the current
 * version; every success moves the version on by one.
 */
export async function updatePaperDeclaration(
  q: Queryable,
  ctx: WriteContext,
  id: string,
  expectedVersions: number[],
  input: UpdateDeclarationInput,
): Promise<DeclarationOutcome> {
  const columns = contentFieldsOfInput(input)
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const read = await readForDeclarationWrite(q, ctx.claim, id, columns.declarationNumber)
    const replay = replayOf<PaperDeclaration>(ctx.claim, read.stored)
    if (replay) return replay
    const before = read.declaration
    if (!before) throw declarationNotFound(id)
    if (before.office !== ctx.actor.office) throw officeForbidden(before.office)
    if (!expectedVersions.includes(before.version)) {
      throw preconditionFailed(
        'VERSION_CONFLICT',
        `The declaration is at version ${before.version}; read it again and apply your change to that version`,
        { currentVersion: before.version },
      )
    }
    checkContent(input, { year: before.receiptYear, field: 'registeredAt' }, ctx.now)
    checkTransition(before.status, input.status)
    const backEntry = await paperEntryOf(q, ctx, input)
    checkPaperTime(backEntry, columns.registeredAt)
    if (read.numberHolder !== null) throw declarationNumberTaken(input.declarationNumber)
    assertMayBackdate(ctx, backEntry)
    const after: PaperDeclaration = {
      ...before,
      ...columns,
      status: columns.status as Status,
      goodsLines: linesOf(input),
      version: before.version + 1,
      updatedAt: backEntry.occurredAt,
      updatedBy: backEntry.originalOfficer,
    }
    const made = change(id, 'update', before, after, backEntry)
    const outcome: StoredOutcome<PaperDeclaration> = { kind: 'updated', view: after }
    const stamp = { at: backEntry.occurredAt, by: backEntry.originalOfficer }
    const write = updateDeclarationWrite(claimStoring(ctx.claim, outcome), id, before.version, columns, input.goodsLines, stamp, auditAppendOf(ctx, made))
    const result = await runGuardedWrite(q, write)
    if (result === 'applied') return { ...outcome, changes: [countOf(made)] }
    if (result === 'in_use') throw keyInUse()
  }
  throw contended()
}

/** Stores a duplicate's answer under the claim; null when the key was stored meanwhile. */
async function settleUnchanged(q: Queryable, ctx: WriteContext, outcome: StoredOutcome<PaperDeclaration>): Promise<DeclarationOutcome | null> {
  const claim = claimStoring(ctx.claim, outcome)
  const result: GuardedResult = claim === null ? 'applied' : await runGuardedWrite(q, claimOnlyWrite(claim))
  if (result === 'in_use') throw keyInUse()
  return result === 'applied' ? { ...outcome, changes: [] } : null
}

function checkReadable(actor: Actor, office: string): void {
  if (actor.role !== 'admin' && actor.office !== office) throw officeForbidden(office)
}

export async function getPaperDeclaration(q: Queryable, actor: Actor, id: string): Promise<PaperDeclaration> {
  const declaration = isDeclarationId(id) ? await findDeclaration(q, id) : null
  if (!declaration) throw declarationNotFound(id)
  checkReadable(actor, declaration.office)
  return declaration
}

const invalidCursor = () =>
  invalid([{ field: 'querystring.cursor', code: 'INVALID_CURSOR', message: 'use the nextCursor of a previous page' }])

/** Officers and supervisors search their own office; admins any office, or all when none is given. */
export async function searchPaperDeclarations(
  q: Queryable,
  actor: Actor,
  input: DeclarationSearchInput,
): Promise<{ items: PaperDeclarationSummary[]; nextCursor: string | null }> {
  const limit = input.limit ?? DEFAULT_PAGE_SIZE
  checkFinite({ 'querystring.limit': limit })
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
    limit,
  })
  return pageOf(rows, limit, (r) => ({ at: r.registeredAt, id: r.id }))
}
