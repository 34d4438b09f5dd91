// Reads of handovers: one by id (either end of it, or an admin), the search, and an office's
// overdue list. Lists are limited to the actor's office unless the actor is an admin.
import type { Queryable } from '../db/database.ts'
import { containersOf, findHandoverAggregate } from '../db/handover-repository.ts'
import { incomingHandovers, overdueHandovers, searchHandovers } from '../db/handover-search-repository.ts'
import { invalid, notFound, type FieldProblem } from '../errors.ts'
import { assertCanRead, listOfficeFor } from './handover-access.ts'
import type { HandoverStatus } from './handover-state-machine.ts'
import { timeProblem } from './handover-validation.ts'
import { handoverSummary, handoverView, type HandoverSummary, type HandoverView } from './handover-views.ts'
import type { Actor } from './jwt-service.ts'
import { decodeCursor, pageOf, type Cursor } from './pagination.ts'

export async function loadHandoverView(q: Queryable, id: string): Promise<HandoverView | null> {
  const found = await findHandoverAggregate(q, id)
  return found && handoverView(found.handover, found.containers, found.goods, found.receipt)
}

export async function getHandover(q: Queryable, actor: Actor, id: string): Promise<HandoverView> {
  const view = await loadHandoverView(q, id)
  if (!view) throw notFound('HANDOVER_NOT_FOUND', `No handover ${id}`)
  assertCanRead(actor, view)
  return view
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Only a cursor this service made (a canonical ISO time and a uuid) reaches the database; anything
 * else is the same 400 as an undecodable one, never a database error.
 */
function cursorOf(raw: string | undefined): Cursor | null {
  const cursor = decodeCursor(raw)
  if (cursor && (!UUID.test(cursor.id) || timeProblem(cursor.at, 'cursor') || new Date(cursor.at).toISOString() !== cursor.at)) {
    throw invalid([{ field: 'querystring.cursor', code: 'INVALID_CURSOR', message: 'use the nextCursor of a previous page' }])
  }
  return cursor
}

export interface HandoverSearchQuery {
  declarationNumber?: string
  containerNumber?: string
  sealNumber?: string
  handoverNumber?: string
  status?: HandoverStatus
  office?: string
  from?: string
  to?: string
  limit: number
  cursor?: string
}

export async function searchHandoverList(
  q: Queryable,
  actor: Actor,
  query: HandoverSearchQuery,
): Promise<{ items: HandoverSummary[]; nextCursor: string | null }> {
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
      after: cursorOf(query.cursor),
    },
    query.limit,
  )
  const page = pageOf(rows, query.limit, (h) => ({ at: h.handedOverAt, id: h.id }))
  const containers = await containersOf(q, page.items.map((h) => h.id))
  return { items: page.items.map((h) => handoverSummary(h, containers.get(h.id) ?? [])), nextCursor: page.nextCursor }
}

/** The overdue list of an office (the actor's own by default), oldest time limit first. */
export async function overdueList(
  q: Queryable,
  actor: Actor,
  query: { office?: string; limit: number; cursor?: string },
  now: string,
): Promise<{ items: HandoverSummary[]; nextCursor: string | null }> {
  const office = listOfficeFor(actor, query.office) ?? actor.office
  const rows = await overdueHandovers(q, office, now, cursorOf(query.cursor), query.limit)
  const page = pageOf(rows, query.limit, (h) => ({ at: h.dueAt, id: h.id }))
  const containers = await containersOf(q, page.items.map((h) => h.id))
  return { items: page.items.map((h) => handoverSummary(h, containers.get(h.id) ?? [])), nextCursor: page.nextCursor }
}

/** What is coming to an office (the actor's own by default): not received yet, oldest time limit first. */
export async function incomingList(
  q: Queryable,
  actor: Actor,
  query: { office?: string; limit: number; cursor?: string },
): Promise<{ items: HandoverSummary[]; nextCursor: string | null }> {
  const office = listOfficeFor(actor, query.office) ?? actor.office
  const rows = await incomingHandovers(q, office, cursorOf(query.cursor), query.limit)
  const page = pageOf(rows, query.limit, (h) => ({ at: h.dueAt, id: h.id }))
  const containers = await containersOf(q, page.items.map((h) => h.id))
  return { items: page.items.map((h) => handoverSummary(h, containers.get(h.id) ?? [])), nextCursor: page.nextCursor }
}
