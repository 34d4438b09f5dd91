// SQL of paper declarations (tables paper_declarations and paper_declaration_goods_lines): records in
// the app's naming straight from SQL, and the read and guarded write of a create or an update.
import type { GoodsLine, PaperDeclaration, PaperDeclarationSummary } from '../domain/paper-declaration.ts'
import type { IdempotencyClaim, Origin } from '../domain/write.ts'
import type { Queryable } from './database.ts'
import type { StoredClaim } from './handover-repository.ts'
import {
  guardedWrite,
  isoOf,
  SqlParams,
  STORED_COLUMN,
  storedOutcomeCte,
  type AuditAppend,
  type ClaimToStore,
  type GuardedWrite,
} from './write-statement.ts'

/** The editable content of a declaration. */
export type DeclarationContent = Pick<PaperDeclaration,
  'formType' | 'declarationNumber' | 'declarantName' | 'taxCode' | 'procedureType' | 'channel' | 'inspectionResult' | 'status' |
  'cancelReason' | 'registeredAt'>

/** A goods line as sent (numbered 1..n when written). */
export type GoodsLineContent = Omit<GoodsLine, 'lineNo'>

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

const HEADER = `d.id, d.office, d.receipt_year AS "receiptYear", d.receipt_number AS "receiptNumber", d.form_type AS "formType",
  d.declaration_number AS "declarationNumber", d.declarant_name AS "declarantName", d.tax_code AS "taxCode",
  d.procedure_type AS "procedureType", d.channel, d.inspection_result AS "inspectionResult", d.status,
  d.cancel_reason AS "cancelReason", ${isoOf('d.registered_at')} AS "registeredAt", d.version, d.origin,
  ${isoOf('d.recorded_at')} AS "recordedAt", d.recorded_by AS "recordedBy", ${isoOf('d.entered_at')} AS "enteredAt",
  d.entered_by AS "enteredBy", ${isoOf('d.updated_at')} AS "updatedAt", d.updated_by AS "updatedBy"`

const DECLARATION = `SELECT ${HEADER},
  (SELECT coalesce(json_agg(json_build_object('lineNo', g.line_no, 'hsCode', g.hs_code, 'description', g.description,
            'quantity', g.quantity::float8, 'unit', g.unit, 'value', g.value::float8, 'currency', g.currency,
            'originCountry', g.origin_country) ORDER BY g.line_no), '[]')
     FROM paper_declaration_goods_lines g WHERE g.declaration_id = d.id) AS "goodsLines"
FROM paper_declarations d`

export async function findDeclaration(q: Queryable, id: string): Promise<PaperDeclaration | null> {
  const { rows } = await q.query<PaperDeclaration>({ name: 'paper-declaration', text: `${DECLARATION} WHERE d.id = $1`, values: [id] })
  return rows[0] ?? null
}

export interface DeclarationRead {
  stored: StoredClaim | null
  declaration: PaperDeclaration | null
  /** Another declaration holding the declaration number asked for, if any. */
  numberHolder: string | null
}

/** The read of a create or an update: the key's stored outcome, the declaration, who holds the number. */
export async function readForDeclarationWrite(
  q: Queryable,
  claim: IdempotencyClaim | null,
  id: string,
  declarationNumber: string | null,
): Promise<DeclarationRead> {
  const p = new SqlParams()
  const stored = storedOutcomeCte(p, claim)
  const i = p.add(id)
  const text = `WITH ${stored}
SELECT ${STORED_COLUMN}, (SELECT row_to_json(x) FROM (${DECLARATION} WHERE d.id = ${i}) x) AS declaration,
  (SELECT n.id FROM paper_declarations n WHERE n.declaration_number = ${p.add(declarationNumber)} AND n.id <> ${i}) AS "numberHolder"`
  const { rows } = await q.query<DeclarationRead>({ name: `paper-declaration-read-${claim ? 'k' : 'n'}`, text, values: p.values })
  return rows[0] as DeclarationRead
}

function goodsLinesCte(p: SqlParams, lines: GoodsLineContent[]): string {
  return `lines AS (
    INSERT INTO paper_declaration_goods_lines (declaration_id, line_no, hs_code, description, quantity, unit, value, currency, origin_country)
    SELECT changed.id, l.*
      FROM changed, unnest(${p.add(lines.map((_, i) => i + 1), 'smallint[]')}, ${p.add(lines.map((l) => l.hsCode), 'text[]')},
                           ${p.add(lines.map((l) => l.description), 'text[]')}, ${p.add(lines.map((l) => String(l.quantity)), 'numeric[]')},
                           ${p.add(lines.map((l) => l.unit), 'text[]')}, ${p.add(lines.map((l) => String(l.value)), 'numeric[]')},
                           ${p.add(lines.map((l) => l.currency), 'text[]')}, ${p.add(lines.map((l) => l.originCountry), 'text[]')})
                    AS l (line_no, hs_code, description, quantity, unit, value, currency, origin_country)
    ON CONFLICT (declaration_id, line_no) DO UPDATE
      SET hs_code = EXCLUDED.hs_code, description = EXCLUDED.description, quantity = EXCLUDED.quantity, unit = EXCLUDED.unit,
          value = EXCLUDED.value, currency = EXCLUDED.currency, origin_country = EXCLUDED.origin_country)`
}

export interface NewDeclaration extends DeclarationContent {
  id: string
  office: string
  receiptYear: number
  receiptNumber: number
  origin: Origin
  recordedAt: string
  recordedBy: string
  enteredAt: string
  enteredBy: string
}

/**
 * The create, with its goods lines. The paper registration key is the id and the declaration number
 * is unique: either taken meanwhile makes the insert do nothing (the write is stale, read again).
 */
export function createDeclarationWrite(claim: ClaimToStore | null, d: NewDeclaration, lines: GoodsLineContent[], audit: AuditAppend): GuardedWrite {
  const p = new SqlParams()
  const recordedAt = p.add(d.recordedAt, 'timestamptz')
  const recordedBy = p.add(d.recordedBy)
  const ctes = `changed AS (
    INSERT INTO paper_declarations (id, office, receipt_year, receipt_number, form_type, declaration_number,
      declarant_name, tax_code, procedure_type, channel, inspection_result, status, cancel_reason, registered_at,
      origin, recorded_at, recorded_by, entered_at, entered_by, updated_at, updated_by)
    SELECT ${p.add(d.id)}, ${p.add(d.office)}, ${p.add(d.receiptYear)}::smallint, ${p.add(d.receiptNumber)}::integer, ${p.add(d.formType)},
      ${p.add(d.declarationNumber)}, ${p.add(d.declarantName)}, ${p.add(d.taxCode)}, ${p.add(d.procedureType)}, ${p.add(d.channel)}::smallint,
      ${p.add(d.inspectionResult)}, ${p.add(d.status)}, ${p.add(d.cancelReason)}, ${p.add(d.registeredAt, 'timestamptz')},
      ${p.add(d.origin)}, ${recordedAt}, ${recordedBy}, ${p.add(d.enteredAt, 'timestamptz')}, ${p.add(d.enteredBy)}, ${recordedAt}, ${recordedBy}
      FROM claim
    ON CONFLICT DO NOTHING
    RETURNING id),
  ${goodsLinesCte(p, lines)}`
  return guardedWrite('paper-declaration-create', p, claim, ctes, [audit])
}

/** The update of the version that was read, its goods lines replaced as a whole (numbered 1..n). */
export function updateDeclarationWrite(
  claim: ClaimToStore | null,
  id: string,
  fromVersion: number,
  c: DeclarationContent,
  lines: GoodsLineContent[],
  stamp: { at: string; by: string },
  audit: AuditAppend,
): GuardedWrite {
  const p = new SqlParams()
  const ctes = `changed AS (
    UPDATE paper_declarations SET form_type = ${p.add(c.formType)}, declaration_number = ${p.add(c.declarationNumber)},
      declarant_name = ${p.add(c.declarantName)}, tax_code = ${p.add(c.taxCode)}, procedure_type = ${p.add(c.procedureType)},
      channel = ${p.add(c.channel)}::smallint, inspection_result = ${p.add(c.inspectionResult)}, status = ${p.add(c.status)},
      cancel_reason = ${p.add(c.cancelReason)}, registered_at = ${p.add(c.registeredAt, 'timestamptz')}, version = version + 1,
      updated_at = ${p.add(stamp.at, 'timestamptz')}, updated_by = ${p.add(stamp.by)}
      FROM claim
     WHERE id = ${p.add(id)} AND version = ${p.add(fromVersion)}
    RETURNING paper_declarations.id),
  gone AS (
    DELETE FROM paper_declaration_goods_lines g USING changed
     WHERE g.declaration_id = changed.id AND g.line_no > ${p.add(lines.length)}),
  ${goodsLinesCte(p, lines)}`
  return guardedWrite('paper-declaration-update', p, claim, ctes, [audit])
}

/** One page (limit + 1 rows, to know whether another follows), newest registration first. */
export async function searchDeclarations(q: Queryable, f: SearchFilter): Promise<PaperDeclarationSummary[]> {
  const { rows } = await q.query<PaperDeclarationSummary>(
    `SELECT ${HEADER},
            (SELECT count(*)::int FROM paper_declaration_goods_lines g WHERE g.declaration_id = d.id) AS "goodsLineCount"
       FROM paper_declarations d
      WHERE ($1::text IS NULL OR d.office = $1)
        AND ($2::text IS NULL OR d.declaration_number = $2)
        AND ($3::text IS NULL OR d.tax_code = $3)
        AND ($4::text IS NULL OR d.status = $4)
        AND ($5::timestamptz IS NULL OR d.registered_at >= $5)
        AND ($6::timestamptz IS NULL OR d.registered_at <= $6)
        AND ($7::timestamptz IS NULL OR (d.registered_at, d.id) < ($7::timestamptz, $8::text))
      ORDER BY d.registered_at DESC, d.id DESC
      LIMIT $9`,
    [f.office, f.declarationNumber, f.taxCode, f.status, f.from, f.to, f.after?.at ?? null, f.after?.id ?? null, f.limit + 1],
  )
  return rows
}
