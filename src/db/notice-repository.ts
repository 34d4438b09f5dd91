// SQL of office notices (table notices, migrations/007_notices.sql and 014). Notices raised by an
// officer's change are written in the change's own statement (write-statement.ts, NoticeAppend);
// those of background work (the overdue scan) in its transaction, here.
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

export interface NoticeRecord {
  id: string
  office: string
  kind: string
  entityType: string
  entityId: string
  entityVersion: number
  message: string
  details: unknown
  createdAt: string
  readAt: string | null
  readBy: string | null
}

export type NewNotice = NoticeAppend

const NOTICE_RECORD = `n.id, n.office, n.kind, n.entity_type AS "entityType", n.entity_id AS "entityId",
  n.entity_version AS "entityVersion", n.message, n.details, ${isoOf('n.created_at')} AS "createdAt",
  ${isoOf('n.read_at')} AS "readAt", n.read_by AS "readBy"`

/** One notice per (office, kind, record, version): raising it again (a re-run after a failover) does nothing. Returns how many were new. */
export async function insertNotices(q: Queryable, notices: NewNotice[]): Promise<number> {
  if (notices.length === 0) return 0
  const { rowCount } = await q.query(
    `INSERT INTO notices (office, kind, entity_type, entity_id, entity_version, message, details)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::jsonb[])
     ON CONFLICT DO NOTHING`,
    [
      notices.map((n) => n.office),
      notices.map((n) => n.kind),
      notices.map((n) => n.entityType),
      notices.map((n) => n.entityId),
      notices.map((n) => n.entityVersion),
      notices.map((n) => n.message),
      notices.map((n) => JSON.stringify(n.details ?? {})),
    ],
  )
  return rowCount ?? 0
}

export interface NoticeFilter {
  office: string
  unread: boolean
  entityId: string | null
  after: { at: string; id: string } | null
  limit: number
}

/** An office's notices, newest first; limit + 1 rows so the caller knows whether there is more. */
export async function noticesOf(q: Queryable, f: NoticeFilter): Promise<NoticeRecord[]> {
  const p = new SqlParams()
  const where = [`n.office = ${p.add(f.office)}`]
  if (f.unread) where.push('n.read_at IS NULL')
  if (f.entityId !== null) where.push(`n.entity_id = ${p.add(f.entityId)}`)
  if (f.after !== null) where.push(`(n.created_at, n.id) < (${p.add(f.after.at)}::timestamptz, ${p.add(f.after.id)}::uuid)`)
  const { rows } = await q.query<NoticeRecord>(
    `SELECT ${NOTICE_RECORD} FROM notices n WHERE ${where.join(' AND ')}
      ORDER BY n.created_at DESC, n.id DESC LIMIT ${p.add(f.limit + 1)}`,
    p.values,
  )
  return rows
}

export interface NoticeRead {
  stored: StoredClaim | null
  notice: NoticeRecord | null
}

/** The read of a mark-read: the key's stored outcome and the notice as it stands. */
export async function readForNoticeMark(q: Queryable, claim: IdempotencyClaim | null, id: string): Promise<NoticeRead> {
  const p = new SqlParams()
  const stored = storedOutcomeCte(p, claim)
  const text = `WITH ${stored}
SELECT ${STORED_COLUMN}, (SELECT row_to_json(x) FROM (SELECT ${NOTICE_RECORD} FROM notices n WHERE n.id = ${p.add(id, 'uuid')}) x) AS notice`
  const { rows } = await q.query<NoticeRead>({ name: `notice-read-mark-${claim ? 'k' : 'n'}`, text, values: p.values })
  return rows[0] as NoticeRead
}

/** Marks a notice read, only if it is still unread (the guard), with its audit row. */
export function markNoticeReadWrite(claim: ClaimToStore | null, id: string, readAt: string, readBy: string, audit: AuditAppend): GuardedWrite {
  const p = new SqlParams()
  const change = `changed AS (
    UPDATE notices SET read_at = ${p.add(readAt, 'timestamptz')}, read_by = ${p.add(readBy)} FROM claim
     WHERE id = ${p.add(id, 'uuid')} AND read_at IS NULL
    RETURNING notices.id)`
  return guardedWrite('notice-mark-read', p, claim, change, [audit])
}
