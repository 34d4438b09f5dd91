// SQL of the handover lists: the search (newest first) and an office's overdue list (oldest time
// limit first), both keyset-paginated. An office is either end of a handover; each end has its own
// ordered index, so the query runs one LIMITed branch per end and merges them rather than sorting
// every handover of a busy office.
import { preparedShape, type Queryable } from './database.ts'
import { HANDOVER_COLUMNS, handoverFromRow, type HandoverRecord } from './handover-repository.ts'
import type { HandoverStatus } from '../services/handover-state-machine.ts'

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

function builder() {
  const values: unknown[] = []
  return {
    values,
    param(v: unknown): string {
      values.push(v)
      return `$${values.length}`
    },
  }
}

/** limit + 1 rows, newest first, so the caller can tell whether there is a next page. */
export async function searchHandovers(q: Queryable, f: HandoverSearchFilter, limit: number): Promise<HandoverRecord[]> {
  const b = builder()
  const common: string[] = []
  if (f.declarationNumber) common.push(`h.declaration_numbers @> ARRAY[${b.param(f.declarationNumber)}]::text[]`)
  if (f.handoverNumber) common.push(`h.handover_number = ${b.param(f.handoverNumber)}`)
  if (f.containerNumber) {
    common.push(`h.id IN (SELECT c.handover_id FROM handover_containers c WHERE c.container_number = ${b.param(f.containerNumber)})`)
  }
  if (f.sealNumber) {
    const s = b.param(f.sealNumber)
    common.push(`h.id IN (SELECT c.handover_id FROM handover_containers c
                            WHERE c.carrier_seal = ${s} OR c.customs_seal = ${s} OR c.new_seal_number = ${s})`)
  }
  if (f.status) common.push(`h.status = ${b.param(f.status)}`)
  if (f.from) common.push(`h.handed_over_at >= ${b.param(f.from)}::timestamptz`)
  if (f.to) common.push(`h.handed_over_at <= ${b.param(f.to)}::timestamptz`)
  if (f.after) common.push(`(h.handed_over_at, h.id) < (${b.param(f.after.at)}::timestamptz, ${b.param(f.after.id)}::uuid)`)
  const lim = b.param(limit + 1)
  const branch = (extra: string[]) => {
    const where = [...extra, ...common]
    return `SELECT ${HANDOVER_COLUMNS} FROM handovers h ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
             ORDER BY h.handed_over_at DESC, h.id DESC LIMIT ${lim}`
  }
  let sql: string
  if (f.office) {
    const o = b.param(f.office)
    sql = `(${branch([`h.departure_office = ${o}`])})
           UNION ALL
           (${branch([`h.destination_office = ${o}`, `h.departure_office <> ${o}`])})
           ORDER BY handed_over_at DESC, id DESC LIMIT ${lim}`
  } else {
    sql = branch([])
  }
  // Planning this UNION was ~0.7 ms against ~0.1 ms to run it (docs/benchmarks.md): a search led by
  // a number that picks a handful of rows is planned once per connection and shape.
  const keyed = Boolean(f.containerNumber || f.declarationNumber || f.handoverNumber || f.sealNumber)
  const { rows } = keyed ? await q.query(preparedShape('handover-search', sql, b.values)) : await q.query(sql, b.values)
  return rows.map(handoverFromRow)
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
): Promise<HandoverRecord[]> {
  const b = builder()
  const where = [`h.destination_office = ${b.param(office)}`, `h.status IN ('HANDED_OVER', 'OVERDUE', 'UNDER_VERIFICATION')`]
  if (after) where.push(`(h.due_at, h.id) > (${b.param(after.at)}::timestamptz, ${b.param(after.id)}::uuid)`)
  const { rows } = await q.query(
    `SELECT ${HANDOVER_COLUMNS} FROM handovers h WHERE ${where.join(' AND ')} ORDER BY h.due_at, h.id LIMIT ${b.param(limit + 1)}`,
    b.values,
  )
  return rows.map(handoverFromRow)
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
): Promise<HandoverRecord[]> {
  const b = builder()
  const o = b.param(office)
  const n = b.param(now)
  const lim = b.param(limit + 1)
  // The status list matches the partial indexes' predicate word for word, so the planner uses them.
  const common = [
    `h.status IN ('HANDED_OVER', 'OVERDUE', 'UNDER_VERIFICATION')`,
    `(h.status <> 'HANDED_OVER' OR h.due_at <= ${n}::timestamptz)`,
  ]
  if (after) common.push(`(h.due_at, h.id) > (${b.param(after.at)}::timestamptz, ${b.param(after.id)}::uuid)`)
  const branch = (end: string) =>
    `SELECT ${HANDOVER_COLUMNS} FROM handovers h WHERE ${[end, ...common].join(' AND ')} ORDER BY h.due_at, h.id LIMIT ${lim}`
  const { rows } = await q.query(
    `(${branch(`h.departure_office = ${o}`)})
     UNION ALL
     (${branch(`h.destination_office = ${o} AND h.departure_office <> ${o}`)})
     ORDER BY due_at, id LIMIT ${lim}`,
    b.values,
  )
  return rows.map(handoverFromRow)
}
