// SQL of the gate confirmations (table gate_confirmations).
import type { Queryable } from './database.ts'

export type ConfirmationKind = 'container' | 'lot'

export interface GateConfirmationRow {
  id: string
  declaration_number: string
  office: string
  kind: ConfirmationKind
  entry_ref: string
  carrier_seal: string | null
  customs_seal: string | null
  quantity: string | null
  weight: string | null
  passed_at: Date
  officer_id: string
  entered_by: string
  origin: 'online' | 'paper'
  paper_reference: string | null
  recorded_at: Date
  status: 'CONFIRMED' | 'CANCELLED'
  cancel_reason: string | null
  cancelled_at: Date | null
  cancelled_by: string | null
  cancel_origin: 'online' | 'paper' | null
  cancel_recorded_at: Date | null
}

export interface NewConfirmation {
  declarationNumber: string
  office: string
  kind: ConfirmationKind
  entryRef: string
  carrierSeal: string | null
  customsSeal: string | null
  quantity: number | null
  weight: number | null
  passedAt: string
  officerId: string
  enteredBy: string
  origin: 'online' | 'paper'
  paperReference: string | null
  recordedAt: string
}

/**
 * Inserts a confirmation unless it would be a second active confirmation of a container or a
 * second entry of the same paper form (the unique indexes); null then — the caller reads the
 * existing one. DO NOTHING without a target covers both indexes, and a concurrent duplicate waits
 * for the first transaction instead of failing with a unique violation.
 */
export async function insertConfirmation(q: Queryable, c: NewConfirmation): Promise<GateConfirmationRow | null> {
  const { rows } = await q.query<GateConfirmationRow>(
    `INSERT INTO gate_confirmations (declaration_number, office, kind, entry_ref, carrier_seal, customs_seal, quantity,
       weight, passed_at, officer_id, entered_by, origin, paper_reference, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8::numeric, $9, $10, $11, $12, $13, $14)
     ON CONFLICT DO NOTHING
     RETURNING *`,
    [
      c.declarationNumber, c.office, c.kind, c.entryRef, c.carrierSeal, c.customsSeal,
      c.quantity === null ? null : String(c.quantity), c.weight === null ? null : String(c.weight),
      c.passedAt, c.officerId, c.enteredBy, c.origin, c.paperReference, c.recordedAt,
    ],
  )
  return rows[0] ?? null
}

export async function findActiveContainerConfirmation(
  q: Queryable,
  declarationNumber: string,
  containerNumber: string,
): Promise<GateConfirmationRow | null> {
  const { rows } = await q.query<GateConfirmationRow>(
    `SELECT * FROM gate_confirmations
      WHERE declaration_number = $1 AND kind = 'container' AND entry_ref = $2 AND status = 'CONFIRMED'`,
    [declarationNumber, containerNumber],
  )
  return rows[0] ?? null
}

export async function findByPaperReference(
  q: Queryable,
  declarationNumber: string,
  kind: ConfirmationKind,
  entryRef: string,
  paperReference: string,
): Promise<GateConfirmationRow | null> {
  const { rows } = await q.query<GateConfirmationRow>(
    `SELECT * FROM gate_confirmations
      WHERE declaration_number = $1 AND kind = $2 AND entry_ref = $3 AND paper_reference = $4`,
    [declarationNumber, kind, entryRef, paperReference],
  )
  return rows[0] ?? null
}

export async function findConfirmation(q: Queryable, id: string, lock = false): Promise<GateConfirmationRow | null> {
  const { rows } = await q.query<GateConfirmationRow>(
    `SELECT * FROM gate_confirmations WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  )
  return rows[0] ?? null
}

/** The active confirmations of a declaration's entries, oldest pass first. */
export async function activeConfirmationsOf(q: Queryable, declarationNumber: string): Promise<GateConfirmationRow[]> {
  const { rows } = await q.query<GateConfirmationRow>(
    `SELECT * FROM gate_confirmations WHERE declaration_number = $1 AND status = 'CONFIRMED'
      ORDER BY passed_at, id`,
    [declarationNumber],
  )
  return rows
}

export async function markCancelled(
  q: Queryable,
  id: string,
  c: { reason: string; cancelledAt: string; cancelledBy: string; origin: 'online' | 'paper'; recordedAt: string },
): Promise<GateConfirmationRow> {
  const { rows } = await q.query<GateConfirmationRow>(
    `UPDATE gate_confirmations SET status = 'CANCELLED', cancel_reason = $2, cancelled_at = $3, cancelled_by = $4,
            cancel_origin = $5, cancel_recorded_at = $6
      WHERE id = $1 RETURNING *`,
    [id, c.reason, c.cancelledAt, c.cancelledBy, c.origin, c.recordedAt],
  )
  return rows[0] as GateConfirmationRow
}

export interface ConfirmationFilter {
  office: string | null
  declarationNumber: string | null
  containerNumber: string | null
  sealNumber: string | null
  status: 'CONFIRMED' | 'CANCELLED' | null
  from: string | null
  to: string | null
  after: { at: string; id: string } | null
  limit: number
}

/** Newest pass first; keyset on (passed_at, id). Fetches limit + 1 rows so the caller knows if there is more. */
export async function searchConfirmations(q: Queryable, f: ConfirmationFilter): Promise<GateConfirmationRow[]> {
  const where: string[] = []
  const values: unknown[] = []
  const param = (v: unknown) => {
    values.push(v)
    return `$${values.length}`
  }
  if (f.office !== null) where.push(`office = ${param(f.office)}`)
  if (f.declarationNumber !== null) where.push(`declaration_number = ${param(f.declarationNumber)}`)
  if (f.containerNumber !== null) where.push(`kind = 'container' AND entry_ref = ${param(f.containerNumber)}`)
  if (f.sealNumber !== null) {
    const p = param(f.sealNumber)
    where.push(`(carrier_seal = ${p} OR customs_seal = ${p})`)
  }
  if (f.status !== null) where.push(`status = ${param(f.status)}`)
  if (f.from !== null) where.push(`passed_at >= ${param(f.from)}`)
  if (f.to !== null) where.push(`passed_at < ${param(f.to)}`)
  if (f.after !== null) where.push(`(passed_at, id) < (${param(f.after.at)}::timestamptz, ${param(f.after.id)}::uuid)`)
  const { rows } = await q.query<GateConfirmationRow>(
    `SELECT * FROM gate_confirmations ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY passed_at DESC, id DESC LIMIT ${param(f.limit + 1)}`,
    values,
  )
  return rows
}
