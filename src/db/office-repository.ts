// SQL of the office registry (migrations/008_office_registry.sql) and of the names printed for
// offices and officers. Columns are aliased to the app's names in SQL.
import type { Queryable } from './database.ts'

export interface OfficeRecord {
  code: string
  name: string
  parentCode: string | null
  /** The office above, for the agency header of a printed form. */
  parentName: string | null
  city: string
  validFrom: string
  validTo: string | null
}

const OFFICE_SELECT = `SELECT o.code, o.name, o.parent_code AS "parentCode", p.name AS "parentName", o.city,
    to_char(o.valid_from, 'YYYY-MM-DD') AS "validFrom", to_char(o.valid_to, 'YYYY-MM-DD') AS "validTo"
  FROM offices o LEFT JOIN offices p ON p.code = o.parent_code`

export async function allOffices(q: Queryable): Promise<OfficeRecord[]> {
  const { rows } = await q.query<OfficeRecord>(`${OFFICE_SELECT} ORDER BY o.code`)
  return rows
}

/** An office code and the days it is in use (YYYY-MM-DD; validTo is the first day it no longer is). */
export interface OfficeValidity {
  code: string
  validFrom: string
  validTo: string | null
}

/** Every registered code, historical ones included, with the days it is in use. */
export async function allOfficeValidity(q: Queryable): Promise<OfficeValidity[]> {
  const { rows } = await q.query<OfficeValidity>(
    `SELECT code, to_char(valid_from, 'YYYY-MM-DD') AS "validFrom", to_char(valid_to, 'YYYY-MM-DD') AS "validTo" FROM offices`,
  )
  return rows
}

export async function officesByCode(q: Queryable, codes: string[]): Promise<Map<string, OfficeRecord>> {
  const { rows } = await q.query<OfficeRecord>({
    name: 'offices-by-code',
    text: `${OFFICE_SELECT} WHERE o.code = ANY($1::text[])`,
    values: [codes],
  })
  return new Map(rows.map((r) => [r.code, r]))
}

export interface OfficeUpsert {
  code: string
  name: string
  parentCode: string | null
  city: string
  validFrom: string
  validTo: string | null
}

/** Adds or updates offices; parents first within one call, so a file may list a parent after its child. */
export async function upsertOffices(q: Queryable, offices: OfficeUpsert[]): Promise<void> {
  if (offices.length === 0) return
  await q.query(
    `INSERT INTO offices (code, name, parent_code, city, valid_from, valid_to)
     SELECT o.code, o.name, NULL, o.city, o.valid_from::date, o.valid_to::date
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS o(code, name, city, valid_from, valid_to)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, city = EXCLUDED.city,
       valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to`,
    [
      offices.map((o) => o.code),
      offices.map((o) => o.name),
      offices.map((o) => o.city),
      offices.map((o) => o.validFrom),
      offices.map((o) => o.validTo),
    ],
  )
  await q.query(
    `UPDATE offices SET parent_code = p.parent FROM unnest($1::text[], $2::text[]) AS p(code, parent)
      WHERE offices.code = p.code`,
    [offices.map((o) => o.code), offices.map((o) => o.parentCode)],
  )
}

/** Officers' names by id (the names printed in signature blocks); unknown ids are absent. */
export async function officerNames(q: Queryable, ids: string[]): Promise<Map<string, string>> {
  const { rows } = await q.query<{ id: string; name: string }>({
    name: 'officer-names',
    text: 'SELECT id, name FROM officers WHERE id = ANY($1::text[])',
    values: [ids],
  })
  return new Map(rows.map((r) => [r.id, r.name]))
}
