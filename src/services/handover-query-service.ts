// Reads of handovers: one by id (either end of it, or an admin), the search, and an office's
// overdue list. Lists are limited to the actor's office unless the actor is an admin.
import type { Actor } from '../domain/actor.ts'
import { invalid, notFound, type FieldProblem } from '../domain/errors.ts'
import type { Queryable } from '../db/database.ts'
import { findHandoverAggregate } from '../db/handover-repository.ts'
import { incomingHandovers, overdueHandovers, searchHandovers, type HandoverListItem } from '../db/handover-search-repository.ts'
import { DEFAULT_PAGE_SIZE } from '../schemas/common-schemas.ts'
import type { HandoverSearchInput, OverdueListInput } from '../schemas/handover-schemas.ts'
import { assertCanRead, listOfficeFor } from './handover-access.ts'
import { timeProblem } from './handover-validation.ts'
import { handoverView, type HandoverView } from './handover-views.ts'
import { decodeIdCursor, pageOf } from './pagination.ts'

/** A handover's view, or null: without an access check (a print link checked it when it was issued). */
export async function loadHandoverView(q: Queryable, id: string): Promise<HandoverView | null> {
  const found = await findHandoverAggregate(q, id)
  return found && handoverView(found)
}

export async function getHandover(q: Queryable, actor: Actor, id: string): Promise<HandoverView> {
  const found = await findHandoverAggregate(q, id)
  if (!found) throw notFound('HANDOVER_NOT_FOUND', `No handover ${id}`)
  assertCanRead(actor, found)
  return handoverView(found)
}

export async function searchHandoverList(
  q: Queryable,
  actor: Actor,
  query: HandoverSearchInput,
): Promise<{ items: HandoverListItem[]; nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE
  const problems = [timeProblem(query.from, 'querystring.from'), timeProblem(query.to, 'querystring.to')].filter(
    (p): p is FieldProblem => p !== null,
  )
  if (problems.length) throw invalid(problems)
  const from = query.from === undefined ? undefined : new Date(query.from).toISOString()
  const to = query.to === undefined ? undefined : new Date(query.to).toISOString()
  if (from && to && from > to) {
    throw invalid([{ field: 'querystring.from', code: 'DATE_RANGE_INVERTED', message: '`from` must not be after `to`' }])
  }
  const office = listOfficeFor(actor, query.office)
  const rows = await searchHandovers(
    q,
    {
      office,
      declarationNumber: query.declarationNumber,
      containerNumber: query.containerNumber,
      sealNumber: query.sealNumber,
      handoverNumber: query.handoverNumber,
      status: query.status,
      from,
      to,
      after: decodeIdCursor(query.cursor),
    },
    limit,
  )
  return pageOf(rows, limit, (h) => ({ at: h.handedOverAt, id: h.id }))
}

/** The overdue list of an office (the actor's own by default), oldest time limit first. */
export async function overdueList(
  q: Queryable,
  actor: Actor,
  query: OverdueListInput,
  now: string,
): Promise<{ items: HandoverListItem[]; nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE
  const office = listOfficeFor(actor, query.office) ?? actor.office
  const rows = await overdueHandovers(q, office, now, decodeIdCursor(query.cursor), limit)
  return pageOf(rows, limit, (h) => ({ at: h.dueAt, id: h.id }))
}

/** What is coming to an office (the actor's own by default): not received yet, oldest time limit first. */
export async function incomingList(
  q: Queryable,
  actor: Actor,
  query: OverdueListInput,
): Promise<{ items: HandoverListItem[]; nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE
  const office = listOfficeFor(actor, query.office) ?? actor.office
  const rows = await incomingHandovers(q, office, decodeIdCursor(query.cursor), limit)
  return pageOf(rows, limit, (h) => ({ at: h.dueAt, id: h.id }))
}
