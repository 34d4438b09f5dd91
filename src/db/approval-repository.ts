// SQL of approval requests (table approval_requests, migrations/019_approval_requests.sql): an
// officer's request is one guarded insert; a rejection one guarded update of a pending request. An
// approval is the step's own statement, which marks the request APPROVED (write-statement.ts,
// IdempotencyClaim.decides).
import type { ApprovalRecord, ApprovalStatus } from '../domain/approval.ts'
import type { IdempotencyClaim } from '../domain/write.ts'
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
  type NoticeAppend,
} from './write-statement.ts'

/** A request with the number of the handover it is about, for the supervisor's queue. */
export interface ApprovalRow extends ApprovalRecord {
  handoverNumber: string
}

const APPROVAL_ROW = `r.id, r.office, r.step, r.handover_id AS "handoverId", h.handover_number AS "handoverNumber",
  r.handover_version AS "handoverVersion", r.request, r.requested_by AS "requestedBy", ${isoOf('r.requested_at')} AS "requestedAt",
  r.status, r.decided_by AS "decidedBy", ${isoOf('r.decided_at')} AS "decidedAt", r.decision_note AS "decisionNote"`
const FROM_APPROVALS = 'approval_requests r JOIN handovers h ON h.id = r.handover_id'

export interface ApprovalRead {
  stored: StoredClaim | null
  approval: ApprovalRow | null
}

/** The read of a decision: the key's stored outcome and the request as it stands. */
export async function readForApprovalDecision(q: Queryable, claim: IdempotencyClaim | null, id: string): Promise<ApprovalRead> {
  const p = new SqlParams()
  const stored = storedOutcomeCte(p, claim)
  const text = `WITH ${stored}
SELECT ${STORED_COLUMN}, (SELECT row_to_json(x) FROM (SELECT ${APPROVAL_ROW} FROM ${FROM_APPROVALS} WHERE r.id = ${p.add(id, 'uuid')}) x) AS approval`
  const { rows } = await q.query<ApprovalRead>({ name: `approval-read-decision-${claim ? 'k' : 'n'}`, text, values: p.values })
  return rows[0] as ApprovalRead
}

export async function approvalById(q: Queryable, id: string): Promise<ApprovalRow | null> {
  const { rows } = await q.query<ApprovalRow>({ name: 'approval-by-id', text: `SELECT ${APPROVAL_ROW} FROM ${FROM_APPROVALS} WHERE r.id = $1::uuid`, values: [id] })
  return rows[0] ?? null
}

/** The pending request of a handover for a step, if one waits. */
export async function pendingApprovalOf(q: Queryable, handoverId: string, step: string): Promise<ApprovalRow | null> {
  const { rows } = await q.query<ApprovalRow>({
    name: 'approval-pending-of',
    text: `SELECT ${APPROVAL_ROW} FROM ${FROM_APPROVALS} WHERE r.handover_id = $1::uuid AND r.step = $2 AND r.status = 'PENDING'`,
    values: [handoverId, step],
  })
  return rows[0] ?? null
}

export interface ApprovalFilter {
  office: string | null
  status: ApprovalStatus | null
  handoverId: string | null
  after: { at: string; id: string } | null
  limit: number
}

/** Requests oldest first (the queue's order: the longest waiting on top); limit + 1 rows so the caller knows whether there is more. */
export async function approvalsOf(q: Queryable, f: ApprovalFilter): Promise<ApprovalRow[]> {
  const p = new SqlParams()
  const where: string[] = []
  if (f.office !== null) where.push(`r.office = ${p.add(f.office)}`)
  if (f.status !== null) where.push(`r.status = ${p.add(f.status)}`)
  if (f.handoverId !== null) where.push(`r.handover_id = ${p.add(f.handoverId, 'uuid')}`)
  if (f.after !== null) where.push(`(r.requested_at, r.id) > (${p.add(f.after.at)}::timestamptz, ${p.add(f.after.id)}::uuid)`)
  const { rows } = await q.query<ApprovalRow>(
    `SELECT ${APPROVAL_ROW} FROM ${FROM_APPROVALS} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.requested_at, r.id LIMIT ${p.add(f.limit + 1)}`,
    p.values,
  )
  return rows
}

/**
 * An officer's request, with its audit row and the notice to the deciding office. A second pending
 * request for the same handover and step meets the unique index: stale, and the caller reads it.
 */
export function approvalRequestWrite(claim: ClaimToStore | null, a: ApprovalRecord, audit: AuditAppend, notices: NoticeAppend[]): GuardedWrite {
  const p = new SqlParams()
  const change = `changed AS (
    INSERT INTO approval_requests (id, office, step, handover_id, handover_version, request, requested_by, requested_at)
    SELECT ${p.add(a.id, 'uuid')}, ${p.add(a.office)}, ${p.add(a.step)}, ${p.add(a.handoverId, 'uuid')}, ${p.add(a.handoverVersion, 'int')},
           ${p.add(JSON.stringify(a.request), 'jsonb')}, ${p.add(a.requestedBy)}, ${p.add(a.requestedAt, 'timestamptz')}
      FROM claim
    ON CONFLICT DO NOTHING
    RETURNING id)`
  return guardedWrite('approval-request', p, claim, change, [audit], notices)
}

/** A supervisor's rejection of a request still pending (the guard), with its note, audit row and notice. */
export function approvalRejectWrite(
  claim: ClaimToStore | null,
  r: { id: string; decidedBy: string; decidedAt: string; note: string },
  audit: AuditAppend,
  notices: NoticeAppend[],
): GuardedWrite {
  const p = new SqlParams()
  const change = `changed AS (
    UPDATE approval_requests SET status = 'REJECTED', decided_by = ${p.add(r.decidedBy)}, decided_at = ${p.add(r.decidedAt, 'timestamptz')},
           decision_note = ${p.add(r.note)}
      FROM claim
     WHERE id = ${p.add(r.id, 'uuid')} AND status = 'PENDING'
    RETURNING approval_requests.id)`
  return guardedWrite('approval-reject', p, claim, change, [audit], notices)
}
