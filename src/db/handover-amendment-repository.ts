// SQL of the corrections that make a new version of a handover: an amendment before receipt
// (containers, seals, goods, vehicle, route, time limit), the extension of an overdue handover's
// time limit, which also puts it back in transit, and a correction of the recorded receipt (seal
// states, discrepancies, note, arrival time). One guarded write
// (write-statement.ts): the handover moves to the next version only if it is still at the version
// read, its amendment row records what changed, and replaced lists are deleted and written again.
import type { AmendmentRecord, HandoverStatus, SealState } from '../domain/handover.ts'
import {
  guardedWrite,
  SqlParams,
  type AuditAppend,
  type ClaimToStore,
  type GuardedWrite,
  type NoticeAppend,
} from './write-statement.ts'

export interface HandoverAmendment {
  id: string
  /** The version the amendment was decided on; the write does nothing if the handover moved since. */
  fromVersion: number
  record: AmendmentRecord
  /** Columns of handovers the amendment sets. */
  columns: { vehicle?: string; route?: string; dueAt?: string }
  /** The status the change leads to, when it changes it (an extension puts an overdue handover back in transit). */
  status?: HandoverStatus
  /** The new container list, replacing the old one (with its seals), when amended. */
  containers?: Array<{ containerNumber: string; carrierSeal: string; customsSeal: string }>
  /** The new goods lines, replacing the old ones, when amended. */
  goods?: Array<{ description: string; quantity: number; unit: string; marks: string | null }>
}

const COLUMNS: Record<keyof HandoverAmendment['columns'], { name: string; cast: string }> = {
  vehicle: { name: 'vehicle', cast: 'text' },
  route: { name: 'route', cast: 'text' },
  dueAt: { name: 'due_at', cast: 'timestamptz' },
}

/** The amendment row of a change, FROM changed. */
export function amendmentRowCte(p: SqlParams, a: AmendmentRecord): string {
  return `amendment AS (
    INSERT INTO handover_amendments (handover_id, version, kind, amended_at, amended_by, entered_by, origin, reason, changes,
      approved_by, approved_at)
    SELECT changed.id, ${p.add(a.version)}, ${p.add(a.kind)}, ${p.add(a.amendedAt, 'timestamptz')}, ${p.add(a.amendedBy)},
           ${p.add(a.enteredBy)}, ${p.add(a.origin)}, ${p.add(a.reason)}, ${p.add(JSON.stringify(a.changes), 'jsonb')},
           ${p.add(a.approvedBy)}, ${p.add(a.approvedAt, 'timestamptz')}
      FROM changed)`
}

export function amendmentWrite(claim: ClaimToStore | null, a: HandoverAmendment, audit: AuditAppend, notices: NoticeAppend[]): GuardedWrite {
  const p = new SqlParams()
  const sets = ['version = version + 1', 'updated_at = now()']
  if (a.status !== undefined) sets.push(`status = ${p.add(a.status)}`)
  for (const [field, value] of Object.entries(a.columns) as Array<[keyof HandoverAmendment['columns'], string]>) {
    const column = COLUMNS[field]
    if (!column) throw new Error(`not an amendable column: ${field}`)
    sets.push(`${column.name} = ${p.add(value, column.cast)}`)
  }
  const ctes = [
    `changed AS (
    UPDATE handovers SET ${sets.join(', ')} FROM claim
     WHERE id = ${p.add(a.id, 'uuid')} AND version = ${p.add(a.fromVersion)}
    RETURNING handovers.id)`,
    amendmentRowCte(p, a.record),
  ]
  // A replaced list is deleted and inserted again. The insert reads the delete's row count, so the
  // old rows are gone before the new ones meet the unique (handover, position) and (handover,
  // container) indexes — a reordered list would otherwise collide with itself.
  if (a.containers) {
    const c = a.containers
    ctes.push(`old_containers AS (DELETE FROM handover_containers o USING changed WHERE o.handover_id = changed.id RETURNING 1)`)
    ctes.push(`containers AS (
    INSERT INTO handover_containers (handover_id, position, container_number, carrier_seal, customs_seal)
    SELECT changed.id, n.ord - 1, n.number, n.carrier, n.customs
      FROM changed, (SELECT count(*) FROM old_containers) AS gone,
           unnest(${p.add(c.map((x) => x.containerNumber))}::text[], ${p.add(c.map((x) => x.carrierSeal))}::text[],
                  ${p.add(c.map((x) => x.customsSeal))}::text[]) WITH ORDINALITY AS n(number, carrier, customs, ord))`)
  }
  if (a.goods) {
    const g = a.goods
    ctes.push(`old_goods AS (DELETE FROM handover_goods_lines o USING changed WHERE o.handover_id = changed.id RETURNING 1)`)
    ctes.push(`goods AS (
    INSERT INTO handover_goods_lines (handover_id, position, description, quantity, unit, marks)
    SELECT changed.id, n.ord - 1, n.description, n.quantity, n.unit, n.marks
      FROM changed, (SELECT count(*) FROM old_goods) AS gone,
           unnest(${p.add(g.map((x) => x.description))}::text[], ${p.add(g.map((x) => x.quantity))}::numeric[],
                  ${p.add(g.map((x) => x.unit))}::text[], ${p.add(g.map((x) => x.marks))}::text[])
           WITH ORDINALITY AS n(description, quantity, unit, marks, ord))`)
  }
  return guardedWrite('handover-amend', p, claim, ctes.join(',\n  '), [audit], notices)
}

export interface ReceiptCorrection {
  id: string
  /** The version the correction was decided on; the write does nothing if the handover moved since. */
  fromVersion: number
  record: AmendmentRecord
  /** ARRIVED or ARRIVED_WITH_DISCREPANCY, as the corrected receipt says. */
  status: HandoverStatus
  /** The receipt's columns the correction sets. */
  receipt: { receivedAt?: string; discrepancies?: string[]; note?: string | null }
  /** Every container's seal state as corrected, when corrected. */
  seals?: Array<{ containerNumber: string; sealState: SealState; newSealNumber: string | null }>
}

export function receiptCorrectionWrite(claim: ClaimToStore | null, c: ReceiptCorrection, audit: AuditAppend, notices: NoticeAppend[]): GuardedWrite {
  const p = new SqlParams()
  const ctes = [
    `changed AS (
    UPDATE handovers SET status = ${p.add(c.status)}, version = version + 1, updated_at = now() FROM claim
     WHERE id = ${p.add(c.id, 'uuid')} AND version = ${p.add(c.fromVersion)}
    RETURNING handovers.id)`,
    amendmentRowCte(p, c.record),
  ]
  const sets: string[] = []
  if (c.receipt.receivedAt !== undefined) sets.push(`received_at = ${p.add(c.receipt.receivedAt, 'timestamptz')}`)
  if (c.receipt.discrepancies !== undefined) sets.push(`discrepancies = ${p.add(JSON.stringify(c.receipt.discrepancies), 'jsonb')}`)
  if (c.receipt.note !== undefined) sets.push(`note = ${p.add(c.receipt.note)}`)
  if (sets.length > 0) {
    ctes.push(`receipt AS (UPDATE handover_receipts r SET ${sets.join(', ')} FROM changed WHERE r.handover_id = changed.id RETURNING 1)`)
  }
  if (c.seals) {
    const s = c.seals
    ctes.push(`seals AS (
    UPDATE handover_containers hc SET seal_state = s.state, new_seal_number = s.new_seal
      FROM changed, unnest(${p.add(s.map((x) => x.containerNumber))}::text[], ${p.add(s.map((x) => x.sealState))}::text[],
                           ${p.add(s.map((x) => x.newSealNumber))}::text[]) AS s(number, state, new_seal)
     WHERE hc.handover_id = changed.id AND hc.container_number = s.number
    RETURNING 1)`)
  }
  return guardedWrite('handover-receipt-correction', p, claim, ctes.join(',\n  '), [audit], notices)
}
