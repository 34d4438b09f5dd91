// SQL of the handover aggregate: handovers, their containers, goods lines and receipt
// (migrations/002_handovers.sql). Rows are mapped to camelCase records with ISO timestamps here so
// no service sees a driver type.
import type { Queryable } from './database.ts'
import type { HandoverStatus } from '../services/handover-state-machine.ts'

export type Origin = 'online' | 'paper'
export type SealState = 'intact' | 'broken' | 'replaced'

export interface ContainerRecord {
  containerNumber: string
  carrierSeal: string
  customsSeal: string
  sealState: SealState | null
  newSealNumber: string | null
}

export interface GoodsLineRecord {
  description: string
  quantity: number
  unit: string
  marks: string | null
}

export interface ReceiptRecord {
  receivedAt: string
  receivedBy: string
  enteredBy: string
  origin: Origin
  discrepancies: string[]
  note: string | null
  contentHash: string
}

export interface HandoverRecord {
  id: string
  handoverNumber: string
  status: HandoverStatus
  version: number
  departureOffice: string
  departurePlace: string | null
  destinationOffice: string
  destinationPlace: string
  declarationNumbers: string[]
  vehicle: string
  route: string
  declarantName: string | null
  handedOverAt: string
  dueAt: string
  handedOverBy: string
  origin: Origin
  enteredBy: string
  paperNumber: string | null
  contentHash: string | null
  overdueAt: string | null
  closedAt: string | null
  closedBy: string | null
  cancelledAt: string | null
  cancelledBy: string | null
  cancelReason: string | null
  verificationOpenedAt: string | null
  verificationOpenedBy: string | null
  verificationNote: string | null
  verificationOutcome: 'RESOLVED' | 'VIOLATION' | null
  verificationExplanation: string | null
  verificationDecidedAt: string | null
  verificationDecidedBy: string | null
}

export const HANDOVER_COLUMNS = `h.id, h.handover_number, h.status, h.version, h.departure_office, h.departure_place,
  h.destination_office, h.destination_place, h.declaration_numbers, h.vehicle, h.route, h.declarant_name,
  h.handed_over_at, h.due_at, h.handed_over_by, h.origin, h.entered_by, h.paper_number, h.content_hash,
  h.overdue_at, h.closed_at, h.closed_by, h.cancelled_at, h.cancelled_by, h.cancel_reason,
  h.verification_opened_at, h.verification_opened_by, h.verification_note, h.verification_outcome,
  h.verification_explanation, h.verification_decided_at, h.verification_decided_by`

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v == null ? null : String(v))

export function handoverFromRow(r: Record<string, unknown>): HandoverRecord {
  return {
    id: r.id as string,
    handoverNumber: r.handover_number as string,
    status: r.status as HandoverStatus,
    version: r.version as number,
    departureOffice: r.departure_office as string,
    departurePlace: (r.departure_place as string | null) ?? null,
    destinationOffice: r.destination_office as string,
    destinationPlace: r.destination_place as string,
    declarationNumbers: r.declaration_numbers as string[],
    vehicle: r.vehicle as string,
    route: r.route as string,
    declarantName: (r.declarant_name as string | null) ?? null,
    handedOverAt: iso(r.handed_over_at) as string,
    dueAt: iso(r.due_at) as string,
    handedOverBy: r.handed_over_by as string,
    origin: r.origin as Origin,
    enteredBy: r.entered_by as string,
    paperNumber: (r.paper_number as string | null) ?? null,
    contentHash: (r.content_hash as string | null) ?? null,
    overdueAt: iso(r.overdue_at),
    closedAt: iso(r.closed_at),
    closedBy: (r.closed_by as string | null) ?? null,
    cancelledAt: iso(r.cancelled_at),
    cancelledBy: (r.cancelled_by as string | null) ?? null,
    cancelReason: (r.cancel_reason as string | null) ?? null,
    verificationOpenedAt: iso(r.verification_opened_at),
    verificationOpenedBy: (r.verification_opened_by as string | null) ?? null,
    verificationNote: (r.verification_note as string | null) ?? null,
    verificationOutcome: (r.verification_outcome as 'RESOLVED' | 'VIOLATION' | null) ?? null,
    verificationExplanation: (r.verification_explanation as string | null) ?? null,
    verificationDecidedAt: iso(r.verification_decided_at),
    verificationDecidedBy: (r.verification_decided_by as string | null) ?? null,
  }
}

/** Next number of the office's yearly sequence; the row stays locked until COMMIT. */
export async function nextSequenceValue(q: Queryable, office: string, year: number): Promise<number> {
  const { rows } = await q.query<{ last_value: number }>({
    name: 'handover-next-number',
    text: `INSERT INTO handover_number_sequences AS s (office, year, last_value) VALUES ($1, $2, 1)
     ON CONFLICT (office, year) DO UPDATE SET last_value = s.last_value + 1
     RETURNING s.last_value`,
    values: [office, year],
  })
  return (rows[0] as { last_value: number }).last_value
}

/** Serialises entries of one paper form (office + paper number) until COMMIT. */
export async function lockPaperNumber(q: Queryable, office: string, paperNumber: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`handover-paper\n${office}\n${paperNumber}`])
}

export async function findByPaperNumber(q: Queryable, office: string, paperNumber: string): Promise<HandoverRecord | null> {
  const { rows } = await q.query(
    `SELECT ${HANDOVER_COLUMNS} FROM handovers h WHERE h.departure_office = $1 AND h.paper_number = $2`,
    [office, paperNumber],
  )
  return rows[0] ? handoverFromRow(rows[0]) : null
}

export interface NewHandover {
  id: string
  handoverNumber: string
  departureOffice: string
  departurePlace: string | null
  destinationOffice: string
  destinationPlace: string
  declarationNumbers: string[]
  vehicle: string
  route: string
  declarantName: string | null
  handedOverAt: string
  dueAt: string
  handedOverBy: string
  origin: Origin
  enteredBy: string
  paperNumber: string | null
  contentHash: string | null
  containers: Array<{ containerNumber: string; carrierSeal: string; customsSeal: string }>
  goods: Array<{ description: string; quantity: number; unit: string; marks: string | null }>
}

// One round trip for the whole aggregate: the containers and goods lines are inserted by CTEs of the
// handover's INSERT (their foreign keys are checked at the end of the statement, when the handover
// row exists). Empty lists unnest to no rows.
export async function insertHandover(q: Queryable, h: NewHandover): Promise<void> {
  await q.query({
    name: 'handover-insert',
    text: `WITH handover AS (
       INSERT INTO handovers (id, handover_number, status, departure_office, departure_place, destination_office,
         destination_place, declaration_numbers, vehicle, route, declarant_name, handed_over_at, due_at,
         handed_over_by, origin, entered_by, paper_number, content_hash)
       VALUES ($1, $2, 'HANDED_OVER', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       RETURNING id
     ), containers AS (
       INSERT INTO handover_containers (handover_id, position, container_number, carrier_seal, customs_seal)
       SELECT handover.id, c.ord - 1, c.number, c.carrier, c.customs
         FROM handover, unnest($18::text[], $19::text[], $20::text[]) WITH ORDINALITY AS c(number, carrier, customs, ord)
     ), goods AS (
       INSERT INTO handover_goods_lines (handover_id, position, description, quantity, unit, marks)
       SELECT handover.id, g.ord - 1, g.description, g.quantity, g.unit, g.marks
         FROM handover, unnest($21::text[], $22::numeric[], $23::text[], $24::text[]) WITH ORDINALITY AS g(description, quantity, unit, marks, ord)
     )
     SELECT 1`,
    values: [
      h.id, h.handoverNumber, h.departureOffice, h.departurePlace, h.destinationOffice, h.destinationPlace,
      h.declarationNumbers, h.vehicle, h.route, h.declarantName, h.handedOverAt, h.dueAt, h.handedOverBy,
      h.origin, h.enteredBy, h.paperNumber, h.contentHash,
      h.containers.map((c) => c.containerNumber),
      h.containers.map((c) => c.carrierSeal),
      h.containers.map((c) => c.customsSeal),
      h.goods.map((g) => g.description),
      h.goods.map((g) => g.quantity),
      h.goods.map((g) => g.unit),
      h.goods.map((g) => g.marks),
    ],
  })
}

export async function findHandover(q: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<HandoverRecord | null> {
  // FOR UPDATE makes concurrent transitions of one handover take turns: the second sees the first's result.
  const { rows } = await q.query(
    `SELECT ${HANDOVER_COLUMNS} FROM handovers h WHERE h.id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  )
  return rows[0] ? handoverFromRow(rows[0]) : null
}

export async function containersOf(q: Queryable, handoverIds: string[]): Promise<Map<string, ContainerRecord[]>> {
  const { rows } = await q.query({
    name: 'handover-containers-of',
    text: `SELECT handover_id, container_number, carrier_seal, customs_seal, seal_state, new_seal_number
       FROM handover_containers WHERE handover_id = ANY($1::uuid[]) ORDER BY handover_id, position`,
    values: [handoverIds],
  })
  const byHandover = new Map<string, ContainerRecord[]>()
  for (const r of rows) {
    const list = byHandover.get(r.handover_id) ?? []
    list.push({
      containerNumber: r.container_number,
      carrierSeal: r.carrier_seal,
      customsSeal: r.customs_seal,
      sealState: r.seal_state ?? null,
      newSealNumber: r.new_seal_number ?? null,
    })
    byHandover.set(r.handover_id, list)
  }
  return byHandover
}

export interface HandoverAggregate {
  handover: HandoverRecord
  containers: ContainerRecord[]
  goods: GoodsLineRecord[]
  receipt: ReceiptRecord | null
}

// The handover with its containers, goods lines and receipt in one statement: every round trip
// through HAProxy costs CPU in Node, HAProxy and PostgreSQL alike, and the GET by id is the most
// frequent request (docs/benchmarks.md). The lists come back as JSON built in position order.
const AGGREGATE_SQL = `
SELECT ${HANDOVER_COLUMNS},
  (SELECT coalesce(json_agg(json_build_object('containerNumber', c.container_number, 'carrierSeal', c.carrier_seal,
            'customsSeal', c.customs_seal, 'sealState', c.seal_state, 'newSealNumber', c.new_seal_number) ORDER BY c.position), '[]')
     FROM handover_containers c WHERE c.handover_id = h.id) AS containers,
  (SELECT coalesce(json_agg(json_build_object('description', g.description, 'quantity', g.quantity::float8,
            'unit', g.unit, 'marks', g.marks) ORDER BY g.position), '[]')
     FROM handover_goods_lines g WHERE g.handover_id = h.id) AS goods,
  r.received_at, r.received_by, r.entered_by AS receipt_entered_by, r.origin AS receipt_origin,
  r.discrepancies AS receipt_discrepancies, r.note AS receipt_note, r.content_hash AS receipt_content_hash
FROM handovers h LEFT JOIN handover_receipts r ON r.handover_id = h.id
WHERE h.id = $1`

export async function findHandoverAggregate(q: Queryable, id: string): Promise<HandoverAggregate | null> {
  const { rows } = await q.query({ name: 'handover-aggregate', text: AGGREGATE_SQL, values: [id] })
  const r = rows[0]
  if (!r) return null
  return {
    handover: handoverFromRow(r),
    containers: r.containers as ContainerRecord[],
    goods: r.goods as GoodsLineRecord[],
    receipt: r.received_at == null ? null : receiptFromRow({
      received_at: r.received_at,
      received_by: r.received_by,
      entered_by: r.receipt_entered_by,
      origin: r.receipt_origin,
      discrepancies: r.receipt_discrepancies,
      note: r.receipt_note,
      content_hash: r.receipt_content_hash,
    }),
  }
}

function receiptFromRow(r: Record<string, unknown>): ReceiptRecord {
  return {
    receivedAt: iso(r.received_at) as string,
    receivedBy: r.received_by as string,
    enteredBy: r.entered_by as string,
    origin: r.origin as Origin,
    discrepancies: r.discrepancies as string[],
    note: (r.note as string | null) ?? null,
    contentHash: r.content_hash as string,
  }
}

export async function receiptOf(q: Queryable, handoverId: string): Promise<ReceiptRecord | null> {
  const { rows } = await q.query(
    `SELECT received_at, received_by, entered_by, origin, discrepancies, note, content_hash
       FROM handover_receipts WHERE handover_id = $1`,
    [handoverId],
  )
  return rows[0] ? receiptFromRow(rows[0]) : null
}

export async function insertReceipt(
  q: Queryable,
  handoverId: string,
  receipt: Omit<ReceiptRecord, 'discrepancies'> & { discrepancies: string[] },
  seals: Array<{ containerNumber: string; sealState: SealState; newSealNumber: string | null }>,
): Promise<void> {
  await q.query(
    `INSERT INTO handover_receipts (handover_id, received_at, received_by, entered_by, origin, discrepancies, note, content_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      handoverId, receipt.receivedAt, receipt.receivedBy, receipt.enteredBy, receipt.origin,
      JSON.stringify(receipt.discrepancies), receipt.note, receipt.contentHash,
    ],
  )
  if (seals.length > 0) {
    await q.query(
      `UPDATE handover_containers c SET seal_state = s.state, new_seal_number = s.new_seal
         FROM unnest($2::text[], $3::text[], $4::text[]) AS s(number, state, new_seal)
        WHERE c.handover_id = $1 AND c.container_number = s.number`,
      [
        handoverId,
        seals.map((s) => s.containerNumber),
        seals.map((s) => s.sealState),
        seals.map((s) => s.newSealNumber),
      ],
    )
  }
}

/** Columns a transition may set besides the status (a fixed list: never text from a request). */
export interface TransitionColumns {
  overdue_at?: string
  closed_at?: string
  closed_by?: string
  cancelled_at?: string
  cancelled_by?: string
  cancel_reason?: string
  verification_opened_at?: string
  verification_opened_by?: string
  verification_note?: string | null
  verification_outcome?: 'RESOLVED' | 'VIOLATION'
  verification_explanation?: string
  verification_decided_at?: string
  verification_decided_by?: string
}

const TRANSITION_COLUMN_NAMES: ReadonlySet<string> = new Set([
  'overdue_at', 'closed_at', 'closed_by', 'cancelled_at', 'cancelled_by', 'cancel_reason',
  'verification_opened_at', 'verification_opened_by', 'verification_note', 'verification_outcome',
  'verification_explanation', 'verification_decided_at', 'verification_decided_by',
])

export async function updateStatus(q: Queryable, id: string, status: HandoverStatus, columns: TransitionColumns = {}): Promise<void> {
  const values: unknown[] = [id, status]
  const sets = ['status = $2', 'version = version + 1', 'updated_at = now()']
  for (const [name, value] of Object.entries(columns)) {
    if (!TRANSITION_COLUMN_NAMES.has(name)) throw new Error(`not a transition column: ${name}`)
    values.push(value)
    sets.push(`${name} = $${values.length}`)
  }
  await q.query(`UPDATE handovers SET ${sets.join(', ')} WHERE id = $1`, values)
}

/**
 * Locks up to `limit` handovers still HANDED_OVER whose time limit has passed. SKIP LOCKED lets two
 * scans (two nodes running the job) share the work instead of queueing behind each other.
 */
export async function lockDueHandovers(
  q: Queryable,
  now: string,
  departureOffice: string | null,
  limit: number,
): Promise<HandoverRecord[]> {
  const { rows } = await q.query(
    `SELECT ${HANDOVER_COLUMNS} FROM handovers h
      WHERE h.status = 'HANDED_OVER' AND h.due_at <= $1 AND ($2::text IS NULL OR h.departure_office = $2)
      ORDER BY h.due_at, h.id LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [now, departureOffice, limit],
  )
  return rows.map(handoverFromRow)
}
