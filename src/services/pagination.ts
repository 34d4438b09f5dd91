// Keyset pagination: the cursor is the last row's (sort time, id), opaque to clients (base64url
// JSON). Unlike OFFSET, a page costs the same at row 10 and at row 10 million.
import { invalid } from '../domain/errors.ts'
import { timeProblem } from './handover-validation.ts'

export interface Cursor {
  at: string
  id: string
}


export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url')
}

export function decodeCursor(raw: string | undefined): Cursor | null {
  if (raw === undefined || raw === '') return null
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[]
    if (typeof at === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(at))) return { at, id }
  } catch {
    // fall through to the 400 below
  }
  throw invalid([{ field: 'querystring.cursor', code: 'INVALID_CURSOR', message: 'use the nextCursor of a previous page' }])
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A cursor over rows keyed by (time, uuid). Only a cursor this service made (a canonical ISO time of
 * the years 2000–9999 and a uuid) reaches the database; anything else is the same 400 as an
 * undecodable one, never a database error (a year PostgreSQL's timestamptz refuses was a 500).
 */
export function decodeIdCursor(raw: string | undefined): Cursor | null {
  const cursor = decodeCursor(raw)
  if (cursor && (!UUID.test(cursor.id) || timeProblem(cursor.at, 'cursor') || new Date(cursor.at).toISOString() !== cursor.at)) {
    throw invalid([{ field: 'querystring.cursor', code: 'INVALID_CURSOR', message: 'use the nextCursor of a previous page' }])
  }
  return cursor
}

/** Given limit+1 rows, returns the page and the next cursor (null on the last page). */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => Cursor): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null }
}
