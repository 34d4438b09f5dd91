// SQL of office notices (table notices, migrations/007_notices.sql).
import type { Queryable } from './database.ts'
import { isoOf } from './write-statement.ts'

export interface NoticeRecord {
  id: string
  office: string
  kind: string
  entityType: string
  entityId: string
  message: string
  details: unknown
  createdAt: string
}

export type NewNotice = Omit<NoticeRecord, 'id' | 'createdAt'>

/** One notice per (kind, record): raising it again (a re-run after a failover) does nothing. Returns how many were new. */
export async function insertNotices(q: Queryable, notices: NewNotice[]): Promise<number> {
  if (notices.length === 0) return 0
  const { rowCount } = await q.query(
    `INSERT INTO notices (office, kind, entity_type, entity_id, message, details)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
     ON CONFLICT (kind, entity_type, entity_id) DO NOTHING`,
    [
      notices.map((n) => n.office),
      notices.map((n) => n.kind),
      notices.map((n) => n.entityType),
      notices.map((n) => n.entityId),
      notices.map((n) => n.message),
      notices.map((n) => JSON.stringify(n.details ?? {})),
    ],
  )
  return rowCount ?? 0
}

export async function noticesOf(q: Queryable, office: string, after: { at: string; id: string } | null, limit: number): Promise<NoticeRecord[]> {
  const { rows } = await q.query<NoticeRecord>(
    `SELECT n.id, n.office, n.kind, n.entity_type AS "entityType", n.entity_id AS "entityId", n.message, n.details,
            ${isoOf('n.created_at')} AS "createdAt"
       FROM notices n
      WHERE n.office = $1 AND ($2::timestamptz IS NULL OR (n.created_at, n.id) < ($2::timestamptz, $3::uuid))
      ORDER BY n.created_at DESC, n.id DESC LIMIT $4`,
    [office, after?.at ?? null, after?.id ?? null, limit + 1],
  )
  return rows
}
