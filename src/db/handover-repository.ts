// SQL of the handover aggregate: handovers, their containers, goods lines and receipt
// (migrations/002_handovers.sql). Records come straight from SQL in the app's naming (column
// aliases, times as ISO text), so nothing maps rows by hand. A write is one read here and one
// guarded statement (write-statement.ts).
import type { HandoverAggregate, HandoverRecord, HandoverStatus, SealState, TransitionColumns } from '../domain/handover.ts'
import type { IdempotencyClaim } from '../domain/write.ts'
import type { Queryable } from './database.ts'
import {
  guardedWrite,
  isoOf,
  SqlParams,
  STORED_COLUMN,
  storedOutcomeCte,
  type AuditAppend,
  type ClaimToStore,
  type GuardedWrite,
  type NoticeAppend,
} from './write-statement.ts'

/** The stored outcome of a claim, as the read of a write returns it. */
export interface StoredClaim {
  fingerprint: string
  outcome: unknown
}

/** The columns of a handover in the app's naming (table alias h). */
const HANDOVER_RECORD = `h.id, h.handover_number AS "handoverNumber", h.status, h.version,
  h.departure_office AS "departureOffice", h.departure_place AS "departurePlace",
  h.destination_office AS "destinationOffice", h.destination_place AS "destinationPlace",
  h.declaration_numbers AS "declarationNumbers", h.vehicle, h.route, h.declarant_name AS "declarantName",
  ${isoOf('h.handed_over_at')} AS "handedOverAt", ${isoOf('h.due_at')} AS "dueAt", h.handed_over_by AS "handedOverBy",
  h.origin, h.entered_by AS "enteredBy", h.paper_number AS "paperNumber", h.content_hash AS "contentHash",
  ${isoOf('h.overdue_at')} AS "overdueAt", ${isoOf('h.closed_at')} AS "closedAt", h.closed_by AS "closedBy",
  ${isoOf('h.cancelled_at')} AS "cancelledAt", h.cancelled_by AS "cancelledBy", h.cancel_reason AS "cancelReason",
  ${isoOf('h.verification_opened_at')} AS "verificationOpenedAt", h.verification_opened_by AS "verificationOpenedBy",
  h.verification_note AS "verificationNote", h.verification_outcome AS "verificationOutcome",
  h.verification_explanation AS "verificationExplanation", ${isoOf('h.verification_decided_at')} AS "verificationDecidedAt",
  h.verification_decided_by AS "verificationDecidedBy"`

// The handover with its containers, goods lines, receipt, amendments and incidents in one statement: every round trip
// through HAProxy costs CPU in Node, HAProxy and PostgreSQL alike, and the GET by id is the most
// frequent request (docs/benchmarks.md). The lists come back as JSON built in position order.
const AGGREGATE = `SELECT ${HANDOVER_RECORD},
  (SELECT coalesce(json_agg(json_build_object('containerNumber', c.container_number, 'carrierSeal', c.carrier_seal,
            'customsSeal', c.customs_seal, 'sealState', c.seal_state, 'newSealNumber', c.new_seal_number) ORDER BY c.position), '[]')
     FROM handover_containers c WHERE c.handover_id = h.id) AS containers,
  (SELECT coalesce(json_agg(json_build_object('description', g.description, 'quantity', g.quantity::float8,
            'unit', g.unit, 'marks', g.marks) ORDER BY g.position), '[]')
     FROM handover_goods_lines g WHERE g.handover_id = h.id) AS goods,
  (SELECT json_build_object('receivedAt', ${isoOf('r.received_at')}, 'receivedBy', r.received_by, 'enteredBy', r.entered_by,
            'origin', r.origin, 'discrepancies', r.discrepancies, 'note', r.note, 'contentHash', r.content_hash)
     FROM handover_receipts r WHERE r.handover_id = h.id) AS receipt,
  (SELECT coalesce(json_agg(json_build_object('version', a.version, 'kind', a.kind, 'amendedAt', ${isoOf('a.amended_at')},
            'amendedBy', a.amended_by, 'enteredBy', a.entered_by, 'origin', a.origin, 'reason', a.reason, 'changes', a.changes,
            'approvedBy', a.approved_by, 'approvedAt', ${isoOf('a.approved_at')}) ORDER BY a.version), '[]')
     FROM handover_amendments a WHERE a.handover_id = h.id) AS amendments,
  (SELECT coalesce(json_agg(json_build_object('version', i.version, 'kind', i.kind, 'occurredAt', ${isoOf('i.occurred_at')},
            'place', i.place, 'office', i.office, 'recordedBy', i.recorded_by, 'recordedAt', ${isoOf('i.recorded_at')},
            'reason', i.reason, 'note', i.note, 'seals', i.seals, 'previousVehicle', i.previous_vehicle, 'vehicle', i.vehicle,
            'containerNumbers', i.container_numbers) ORDER BY i.version), '[]')
     FROM handover_incidents i WHERE i.handover_id = h.id) AS incidents
FROM handovers h`

export async function findHandoverAggregate(q: Queryable, id: string): Promise<HandoverAggregate | null> {
  const { rows } = await q.query<HandoverAggregate>({ name: 'handover-aggregate', text: `${AGGREGATE} WHERE h.id = $1`, values: [id] })
  return rows[0] ?? null
}

/** The handover entered from a paper form: the live one, or else the latest cancelled one. */
export async function findByPaperNumber(q: Queryable, office: string, paperNumber: string): Promise<HandoverRecord | null> {
  const { rows } = await q.query<HandoverRecord>(
    `SELECT ${HANDOVER_RECORD} FROM handovers h WHERE h.departure_office = $1 AND h.paper_number = $2
      ORDER BY h.status = 'CANCELLED', h.handed_over_at DESC LIMIT 1`,
    [office, paperNumber],
  )
  return rows[0] ?? null
}

export interface CreateRead {
  stored: StoredClaim | null
  /** The handover already entered from this paper form (office + paper number) and not cancelled, if any. */
  existing: HandoverAggregate | null
  /** The next number of the office's yearly sequence; taken only when there is neither of the above. */
  seq: number | null
}

/** The read of a create: the key's stored outcome, a paper form's earlier entry, or else a new number. */
export async function readForCreate(
  q: Queryable,
  claim: IdempotencyClaim | null,
  office: string,
  year: number,
  paperNumber: string | null,
): Promise<CreateRead> {
  const p = new SqlParams()
  const stored = storedOutcomeCte(p, claim)
  const existing =
    paperNumber === null
      ? `existing AS (${AGGREGATE} WHERE false)`
      : `existing AS (${AGGREGATE} WHERE h.departure_office = ${p.add(office)} AND h.paper_number = ${p.add(paperNumber)}
                      AND h.status <> 'CANCELLED')`
  const text = `WITH ${stored}, ${existing}
SELECT ${STORED_COLUMN}, (SELECT row_to_json(e) FROM existing e) AS existing,
  CASE WHEN NOT EXISTS (SELECT 1 FROM stored) AND NOT EXISTS (SELECT 1 FROM existing)
       THEN next_handover_number(${p.add(office)}, ${p.add(year)}) END AS seq`
  const { rows } = await q.query<{ stored: StoredClaim | null; existing: HandoverAggregate | null; seq: string | null }>({
    name: `handover-read-create-${claim ? 'k' : 'n'}${paperNumber === null ? '' : 'p'}`,
    text,
    values: p.values,
  })
  const row = rows[0] as { stored: StoredClaim | null; existing: HandoverAggregate | null; seq: string | null }
  return { stored: row.stored, existing: row.existing, seq: row.seq === null ? null : Number(row.seq) }
}

export interface ChangeRead {
  stored: StoredClaim | null
  handover: HandoverAggregate | null
}

/** The read of a change to one handover: the key's stored outcome and the handover as it stands. */
export async function readForChange(q: Queryable, claim: IdempotencyClaim | null, id: string): Promise<ChangeRead> {
  const p = new SqlParams()
  const stored = storedOutcomeCte(p, claim)
  const text = `WITH ${stored}
SELECT ${STORED_COLUMN}, (SELECT row_to_json(a) FROM (${AGGREGATE} WHERE h.id = ${p.add(id, 'uuid')}) a) AS handover`
  const { rows } = await q.query<ChangeRead>({ name: `handover-read-change-${claim ? 'k' : 'n'}`, text, values: p.values })
  return rows[0] as ChangeRead
}

export interface NewHandover extends Omit<HandoverRecord, 'status' | 'version' | 'overdueAt' | 'closedAt' | 'closedBy' | 'cancelledAt' |
  'cancelledBy' | 'cancelReason' | 'verificationOpenedAt' | 'verificationOpenedBy' | 'verificationNote' | 'verificationOutcome' |
  'verificationExplanation' | 'verificationDecidedAt' | 'verificationDecidedBy'> {
  containers: Array<{ containerNumber: string; carrierSeal: string; customsSeal: string }>
  goods: Array<{ description: string; quantity: number; unit: string; marks: string | null }>
}

/**
 * The create: the handover, its containers and goods lines, its audit row and event, the stored
 * outcome. A paper form entered concurrently meets the unique index on (office, paper number): the
 * insert then does nothing and the write is stale (the caller reads the winner).
 */
export function createHandoverWrite(claim: ClaimToStore | null, h: NewHandover, audit: AuditAppend, notices: NoticeAppend[]): GuardedWrite {
  const p = new SqlParams()
  const changes = `changed AS (
    INSERT INTO handovers (id, handover_number, status, departure_office, departure_place, destination_office,
      destination_place, declaration_numbers, vehicle, route, declarant_name, handed_over_at, due_at,
      handed_over_by, origin, entered_by, paper_number, content_hash)
    SELECT ${p.add(h.id)}::uuid, ${p.add(h.handoverNumber)}, 'HANDED_OVER', ${p.add(h.departureOffice)}, ${p.add(h.departurePlace)},
      ${p.add(h.destinationOffice)}, ${p.add(h.destinationPlace)}, ${p.add(h.declarationNumbers)}::text[], ${p.add(h.vehicle)},
      ${p.add(h.route)}, ${p.add(h.declarantName)}, ${p.add(h.handedOverAt)}::timestamptz, ${p.add(h.dueAt)}::timestamptz,
      ${p.add(h.handedOverBy)}, ${p.add(h.origin)}, ${p.add(h.enteredBy)}, ${p.add(h.paperNumber)}, ${p.add(h.contentHash)}
      FROM claim
    ON CONFLICT DO NOTHING
    RETURNING id),
  containers AS (
    INSERT INTO handover_containers (handover_id, position, container_number, carrier_seal, customs_seal)
    SELECT changed.id, c.ord - 1, c.number, c.carrier, c.customs
      FROM changed, unnest(${p.add(h.containers.map((c) => c.containerNumber))}::text[],
                           ${p.add(h.containers.map((c) => c.carrierSeal))}::text[],
                           ${p.add(h.containers.map((c) => c.customsSeal))}::text[]) WITH ORDINALITY AS c(number, carrier, customs, ord)),
  goods AS (
    INSERT INTO handover_goods_lines (handover_id, position, description, quantity, unit, marks)
    SELECT changed.id, g.ord - 1, g.description, g.quantity, g.unit, g.marks
      FROM changed, unnest(${p.add(h.goods.map((g) => g.description))}::text[], ${p.add(h.goods.map((g) => g.quantity))}::numeric[],
                           ${p.add(h.goods.map((g) => g.unit))}::text[], ${p.add(h.goods.map((g) => g.marks))}::text[])
                    WITH ORDINALITY AS g(description, quantity, unit, marks, ord))`
  return guardedWrite('handover-create', p, claim, changes, [audit], notices)
}

/** Column names a transition may set (a fixed list: never text from a request). */
const TRANSITION_COLUMNS: Record<keyof TransitionColumns, string> = {
  overdueAt: 'overdue_at',
  closedAt: 'closed_at',
  closedBy: 'closed_by',
  cancelledAt: 'cancelled_at',
  cancelledBy: 'cancelled_by',
  cancelReason: 'cancel_reason',
  verificationOpenedAt: 'verification_opened_at',
  verificationOpenedBy: 'verification_opened_by',
  verificationNote: 'verification_note',
  verificationOutcome: 'verification_outcome',
  verificationExplanation: 'verification_explanation',
  verificationDecidedAt: 'verification_decided_at',
  verificationDecidedBy: 'verification_decided_by',
}

export interface HandoverTransition {
  id: string
  /** The version the change was decided on; the write does nothing if the handover moved since. */
  fromVersion: number
  status: HandoverStatus
  columns: TransitionColumns
  receipt?: {
    receivedAt: string
    receivedBy: string
    enteredBy: string
    origin: string
    discrepancies: string[]
    note: string | null
    contentHash: string
    seals: Array<{ containerNumber: string; sealState: SealState; newSealNumber: string | null }>
  }
}

/** A transition of one handover (and, for an arrival, its receipt and seal states), guarded by its version. */
export function transitionWrite(claim: ClaimToStore | null, t: HandoverTransition, audit: AuditAppend, notices: NoticeAppend[]): GuardedWrite {
  const p = new SqlParams()
  const sets = [`status = ${p.add(t.status)}`, 'version = version + 1', 'updated_at = now()']
  for (const [name, value] of Object.entries(t.columns) as Array<[keyof TransitionColumns, unknown]>) {
    const column = TRANSITION_COLUMNS[name]
    if (!column) throw new Error(`not a transition column: ${name}`)
    sets.push(`${column} = ${p.add(value)}`)
  }
  let changes = `changed AS (
    UPDATE handovers SET ${sets.join(', ')} FROM claim
     WHERE id = ${p.add(t.id)}::uuid AND version = ${p.add(t.fromVersion)}
    RETURNING handovers.id)`
  if (t.receipt) {
    const r = t.receipt
    changes += `,
  receipt AS (
    INSERT INTO handover_receipts (handover_id, received_at, received_by, entered_by, origin, discrepancies, note, content_hash)
    SELECT changed.id, ${p.add(r.receivedAt)}::timestamptz, ${p.add(r.receivedBy)}, ${p.add(r.enteredBy)}, ${p.add(r.origin)},
           ${p.add(JSON.stringify(r.discrepancies))}::jsonb, ${p.add(r.note)}, ${p.add(r.contentHash)} FROM changed),
  seals AS (
    UPDATE handover_containers c SET seal_state = s.state, new_seal_number = s.new_seal
      FROM changed, unnest(${p.add(r.seals.map((s) => s.containerNumber))}::text[], ${p.add(r.seals.map((s) => s.sealState))}::text[],
                           ${p.add(r.seals.map((s) => s.newSealNumber))}::text[]) AS s(number, state, new_seal)
     WHERE c.handover_id = changed.id AND c.container_number = s.number)`
  }
  return guardedWrite('handover-transition', p, claim, changes, [audit], notices)
}

/**
 * The overdue scan's batch, in the scan's transaction: locks up to `limit` handovers still HANDED_OVER
 * whose time limit has passed (SKIP LOCKED: two nodes running the job share the work instead of
 * queueing behind each other). Their notices and audit rows follow in markOverdue.
 */
export async function lockDueHandovers(
  q: Queryable,
  now: string,
  departureOffice: string | null,
  limit: number,
): Promise<HandoverAggregate[]> {
  const { rows } = await q.query<HandoverAggregate>(
    `${AGGREGATE}
      WHERE h.id IN (SELECT d.id FROM handovers d
                      WHERE d.status = 'HANDED_OVER' AND d.due_at <= $1 AND ($2::text IS NULL OR d.departure_office = $2)
                      ORDER BY d.due_at, d.id LIMIT $3 FOR UPDATE SKIP LOCKED)
      ORDER BY h.due_at, h.id`,
    [now, departureOffice, limit],
  )
  return rows
}

/** Marks the locked handovers OVERDUE at `now` (one statement for the whole batch). */
export async function markOverdue(q: Queryable, ids: string[], now: string): Promise<void> {
  await q.query(
    `UPDATE handovers SET status = 'OVERDUE', overdue_at = $2, version = version + 1, updated_at = now()
      WHERE id = ANY($1::uuid[]) AND status = 'HANDED_OVER'`,
    [ids, now],
  )
}
