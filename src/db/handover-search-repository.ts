// SQL of the handover lists: the search (newest first) and an office's overdue list (oldest time
// limit first), both keyset-paginated. An office is either end of a handover; each end has its own
// ordered index, so the query runs one LIMITed branch per end and merges them rather than sorting
// every handover of a busy office.
import type { HandoverStatus } from '../domain/handover.ts'
import { preparedShape, type Queryable } from './database.ts'
import { isoOf, SqlParams } from './write-statement.ts'

/** A handover as a list shows it, with its container numbers in position order. */
export interface HandoverListItem {
  id: string
  handoverNumber: string
  status: HandoverStatus
  departureOffice: string
  destinationOffice: string
  declarationNumbers: string[]
  containerNumbers: string[]
  vehicle: string
  handedOverAt: string
  dueAt: string
  origin: 'online' | 'paper'
  paperNumber: string | null
}

// The outer ORDER BY of a UNION sorts the branches' output columns: the times' ISO text (fixed width,
// years 2000–9999) sorts as the times do.
const LIST_ITEM = `h.id, h.handover_number AS "handoverNumber", h.status, h.departure_office AS "departureOffice",
  h.destination_office AS "destinationOffice", h.declaration_numbers AS "declarationNumbers",
  ARRAY(SELECT c.container_number FROM handover_containers c WHERE c.handover_id = h.id ORDER BY c.position) AS "containerNumbers",
  h.vehicle, ${isoOf('h.handed_over_at')} AS "handedOverAt", ${isoOf('h.due_at')} AS "dueAt", h.origin, h.paper_number AS "paperNumber"`

export interface HandoverSearchFilter {
  office: string | null
  declarationNumber?: string
  containerNumber?: string
  sealNumber?: string
  handoverNumber?: string
  status?: HandoverStatus
  from?: string
  to?: string
  after: { at: string; id: string } | null
}

/** limit + 1 rows, newest first, so the caller can tell whether there is a next page. */
export async function searchHandovers(q: Queryable, f: HandoverSearchFilter, limit: number): Promise<HandoverListItem[]> {
  const b = new SqlParams()
  const common: string[] = []
  if (f.declarationNumber) common.push(`h.declaration_numbers @> ARRAY[${b.add(f.declarationNumber)}]::text[]`)
  if (f.handoverNumber) common.push(`h.handover_number = ${b.add(f.handoverNumber)}`)
  if (f.containerNumber) {
    common.push(`h.id IN (SELECT c.handover_id FROM handover_containers c WHERE c.container_number = ${b.add(f.containerNumber)})`)
  }
  if (f.sealNumber) {
    const s = b.add(f.sealNumber)
    common.push(`h.id IN (SELECT c.handover_id FROM handover_containers c
                            WHERE c.carrier_seal = ${s} OR c.customs_seal = ${s} OR c.new_seal_number = ${s})`)
  }
  if (f.status) common.push(`h.status = ${b.add(f.status)}`)
  if (f.from) common.push(`h.handed_over_at >= ${b.add(f.from)}::timestamptz`)
  if (f.to) common.push(`h.handed_over_at <= ${b.add(f.to)}::timestamptz`)
  if (f.after) common.push(`(h.handed_over_at, h.id) < (${b.add(f.after.at)}::timestamptz, ${b.add(f.after.id)}::uuid)`)
  const lim = b.add(limit + 1)
  const branch = (extra: string[]) => {
    const where = [...extra, ...common]
    return `SELECT ${LIST_ITEM} FROM handovers h ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
             ORDER BY h.handed_over_at DESC, h.id DESC LIMIT ${lim}`
  }
  let sql: string
  if (f.office) {
    const o = b.add(f.office)
    sql = `(${branch([`h.departure_office = ${o}`])})
           UNION ALL
           (${branch([`h.destination_office = ${o}`, `h.departure_office <> ${o}`])})
           ORDER BY "handedOverAt" DESC, id DESC LIMIT ${lim}`
  } else {
    sql = branch([])
  }
  // Planning this UNION was ~0.7 ms against ~0.1 ms to run it (docs/benchmarks.md): a search led by
  // a number that picks a handful of rows is planned once per connection and shape.
  const keyed = Boolean(f.containerNumber || f.declarationNumber || f.handoverNumber || f.sealNumber)
  const { rows } = keyed
    ? await q.query<HandoverListItem>(preparedShape('handover-search', sql, b.values))
    : await q.query<HandoverListItem>(sql, b.values)
  return rows
}

/**
 * What is coming to an office: handovers to it not received yet (HANDED_OVER, OVERDUE,
 * UNDER_VERIFICATION), oldest time limit first — the partial index handovers_open_destination.
 */
export async function incomingHandovers(
  q: Queryable,
  office: string,
  after: { at: string; id: string } | null,
  limit: number,
): Promise<HandoverListItem[]> {
  const b = new SqlParams()
  const where = [`h.destination_office = ${b.add(office)}`, `h.status IN ('HANDED_OVER', 'OVERDUE', 'UNDER_VERIFICATION')`]
  if (after) where.push(`(h.due_at, h.id) > (${b.add(after.at)}::timestamptz, ${b.add(after.id)}::uuid)`)
  const { rows } = await q.query<HandoverListItem>(
    `SELECT ${LIST_ITEM} FROM handovers h WHERE ${where.join(' AND ')} ORDER BY h.due_at, h.id LIMIT ${b.add(limit + 1)}`,
    b.values,
  )
  return rows
}

/**
 * An office's overdue list (either end): OVERDUE and UNDER_VERIFICATION, and HANDED_OVER past its
 * time limit that the scheduled scan has not marked yet. Oldest time limit first.
 */
export async function overdueHandovers(
  q: Queryable,
  office: string,
  now: string,
  after: { at: string; id: string } | null,
  limit: number,
): Promise<HandoverListItem[]> {
  const b = new SqlParams()
  const o = b.add(office)
  const n = b.add(now)
  const lim = b.add(limit + 1)
  // The status list matches the partial indexes' predicate word for word, so the planner uses them.
  const common = [
    `h.status IN ('HANDED_OVER', 'OVERDUE', 'UNDER_VERIFICATION')`,
    `(h.status <> 'HANDED_OVER' OR h.due_at <= ${n}::timestamptz)`,
  ]
  if (after) common.push(`(h.due_at, h.id) > (${b.add(after.at)}::timestamptz, ${b.add(after.id)}::uuid)`)
  const branch = (end: string) =>
    `SELECT ${LIST_ITEM} FROM handovers h WHERE ${[end, ...common].join(' AND ')} ORDER BY h.due_at, h.id LIMIT ${lim}`
  const { rows } = await q.query<HandoverListItem>(
    `(${branch(`h.departure_office = ${o}`)})
     UNION ALL
     (${branch(`h.destination_office = ${o} AND h.departure_office <> ${o}`)})
     ORDER BY "dueAt", id LIMIT ${lim}`,
    b.values,
  )
  return rows
}
