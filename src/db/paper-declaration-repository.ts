// SQL of paper declarations (tables paper_declarations and paper_declaration_goods_lines).
import type { Queryable } from './database.ts'
import { sqlState } from './failover-errors.ts'

export interface GoodsLineRow {
  line_no: number
  hs_code: string
  description: string
  quantity: string
  unit: string
  value: string
  currency: string
  origin_country: string
}

export interface PaperDeclarationRow {
  id: string
  office: string
  receipt_year: number
  receipt_number: number
  form_type: 'import' | 'export'
  declaration_number: string | null
  declarant_name: string
  tax_code: string
  procedure_type: string
  channel: number
  inspection_result: string | null
  status: string
  cancel_reason: string | null
  registered_at: Date
  version: number
  origin: 'online' | 'paper'
  recorded_at: Date
  recorded_by: string
  entered_at: Date
  entered_by: string
  updated_at: Date
  updated_by: string
}

/** The editable content of a declaration, as columns. */
export interface DeclarationContentColumns {
  formType: string
  declarationNumber: string | null
  declarantName: string
  taxCode: string
  procedureType: string
  channel: number
  inspectionResult: string | null
  status: string
  cancelReason: string | null
  registeredAt: string
}

export interface GoodsLineColumns {
  hsCode: string
  description: string
  quantity: number
  unit: string
  value: number
  currency: string
  originCountry: string
}

export interface NewDeclarationColumns extends DeclarationContentColumns {
  id: string
  office: string
  receiptYear: number
  receiptNumber: number
  origin: 'online' | 'paper'
  recordedAt: string
  recordedBy: string
  enteredAt: string
  enteredBy: string
}

export interface ChangeStamp {
  at: string
  by: string
}

export interface SearchFilter {
  office: string | null
  declarationNumber: string | null
  taxCode: string | null
  status: string | null
  from: string | null
  to: string | null
  after: { at: string; id: string } | null
  limit: number
}

/** A unique constraint other than the primary key refused the row: the declaration number is taken. */
export class DeclarationNumberTakenError extends Error {
  constructor(cause: unknown) {
    super('declaration number already belongs to another paper declaration', { cause })
  }
}

const COLUMNS = `id, office, receipt_year, receipt_number, form_type, declaration_number, declarant_name, tax_code,
  procedure_type, channel, inspection_result, status, cancel_reason, registered_at, version, origin,
  recorded_at, recorded_by, entered_at, entered_by, updated_at, updated_by`

function rethrowDeclarationNumberTaken(err: unknown): never {
  if (sqlState(err) === '23505' && (err as { constraint?: string }).constraint === 'paper_declarations_declaration_number_key') {
    throw new DeclarationNumberTakenError(err)
  }
  throw err
}

/**
 * Makes concurrent entries of one paper form take turns until COMMIT. Without it, two entries
 * carrying the same declaration number race on that unique index (not the ON CONFLICT arbiter)
 * and the loser sees a unique violation instead of the duplicate it is.
 */
export async function lockRegistrationKey(q: Queryable, id: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`paper_declaration\n${id}`])
}

/** Inserts the declaration unless its paper registration key (the id) is already taken; false then. */
export async function insertDeclarationIfAbsent(q: Queryable, d: NewDeclarationColumns): Promise<boolean> {
  try {
    const { rowCount } = await q.query(
      `INSERT INTO paper_declarations (id, office, receipt_year, receipt_number, form_type, declaration_number,
         declarant_name, tax_code, procedure_type, channel, inspection_result, status, cancel_reason, registered_at,
         origin, recorded_at, recorded_by, entered_at, entered_by, updated_at, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $16, $17)
       ON CONFLICT (id) DO NOTHING`,
      [
        d.id, d.office, d.receiptYear, d.receiptNumber, d.formType, d.declarationNumber, d.declarantName, d.taxCode,
        d.procedureType, d.channel, d.inspectionResult, d.status, d.cancelReason, d.registeredAt,
        d.origin, d.recordedAt, d.recordedBy, d.enteredAt, d.enteredBy,
      ],
    )
    return rowCount === 1
  } catch (err) {
    rethrowDeclarationNumberTaken(err)
  }
}

export async function updateDeclaration(
  q: Queryable,
  id: string,
  c: DeclarationContentColumns,
  stamp: ChangeStamp,
): Promise<void> {
  try {
    await q.query(
      `UPDATE paper_declarations SET form_type = $2, declaration_number = $3, declarant_name = $4, tax_code = $5,
         procedure_type = $6, channel = $7, inspection_result = $8, status = $9, cancel_reason = $10,
         registered_at = $11, version = version + 1, updated_at = $12, updated_by = $13
       WHERE id = $1`,
      [
        id, c.formType, c.declarationNumber, c.declarantName, c.taxCode, c.procedureType, c.channel,
        c.inspectionResult, c.status, c.cancelReason, c.registeredAt, stamp.at, stamp.by,
      ],
    )
  } catch (err) {
    rethrowDeclarationNumberTaken(err)
  }
}

/** Replaces the goods lines as a whole; numbered 1..n in the given order. */
export async function replaceGoodsLines(q: Queryable, declarationId: string, lines: GoodsLineColumns[]): Promise<void> {
  await q.query('DELETE FROM paper_declaration_goods_lines WHERE declaration_id = $1', [declarationId])
  await q.query(
    `INSERT INTO paper_declaration_goods_lines
       (declaration_id, line_no, hs_code, description, quantity, unit, value, currency, origin_country)
     SELECT $1, l.*
       FROM unnest($2::smallint[], $3::text[], $4::text[], $5::numeric[], $6::text[], $7::numeric[], $8::text[], $9::text[])
         AS l (line_no, hs_code, description, quantity, unit, value, currency, origin_country)`,
    [
      declarationId,
      lines.map((_, i) => i + 1),
      lines.map((l) => l.hsCode),
      lines.map((l) => l.description),
      lines.map((l) => String(l.quantity)),
      lines.map((l) => l.unit),
      lines.map((l) => String(l.value)),
      lines.map((l) => l.currency),
      lines.map((l) => l.originCountry),
    ],
  )
}

/** The row, locked until the end of the transaction (writers of one declaration take turns). */
export async function lockDeclaration(q: Queryable, id: string): Promise<PaperDeclarationRow | null> {
  const { rows } = await q.query<PaperDeclarationRow>(`SELECT ${COLUMNS} FROM paper_declarations WHERE id = $1 FOR UPDATE`, [id])
  return rows[0] ?? null
}

export async function findDeclaration(q: Queryable, id: string): Promise<PaperDeclarationRow | null> {
  const { rows } = await q.query<PaperDeclarationRow>(`SELECT ${COLUMNS} FROM paper_declarations WHERE id = $1`, [id])
  return rows[0] ?? null
}

export async function goodsLinesOf(q: Queryable, declarationId: string): Promise<GoodsLineRow[]> {
  const { rows } = await q.query<GoodsLineRow>(
    `SELECT line_no, hs_code, description, quantity::text, unit, value::text, currency, origin_country
       FROM paper_declaration_goods_lines WHERE declaration_id = $1 ORDER BY line_no`,
    [declarationId],
  )
  return rows
}

/** One page (limit + 1 rows, to know whether another follows), newest registration first. */
export async function searchDeclarations(q: Queryable, f: SearchFilter): Promise<Array<PaperDeclarationRow & { goods_line_count: number }>> {
  const { rows } = await q.query<PaperDeclarationRow & { goods_line_count: number }>(
    `SELECT ${COLUMNS},
            (SELECT count(*)::int FROM paper_declaration_goods_lines g WHERE g.declaration_id = d.id) AS goods_line_count
       FROM paper_declarations d
      WHERE ($1::text IS NULL OR office = $1)
        AND ($2::text IS NULL OR declaration_number = $2)
        AND ($3::text IS NULL OR tax_code = $3)
        AND ($4::text IS NULL OR status = $4)
        AND ($5::timestamptz IS NULL OR registered_at >= $5)
        AND ($6::timestamptz IS NULL OR registered_at <= $6)
        AND ($7::timestamptz IS NULL OR (registered_at, id) < ($7::timestamptz, $8::text))
      ORDER BY registered_at DESC, id DESC
      LIMIT $9`,
    [f.office, f.declarationNumber, f.taxCode, f.status, f.from, f.to, f.after?.at ?? null, f.after?.id ?? null, f.limit + 1],
  )
  return rows
}
