// SQL of office notices (table notices, migrations/007_notices.sql).
import type { Queryable } from './database.ts'

export interface NoticeRow {
  id: string
  office: string
  kind: string
  entity_type: string
  entity_id: string
  message: string
  details: unknown
  created_at: Date
}

/** One notice per (kind, record): raising it again (a re-run after a failover) does nothing. */
export async function insertNotice(
  q: Queryable,
  n: { office: string; kind: string; entityType: string; entityId: string; message: string; details: unknown },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO notices (office, kind, entity_type, entity_id, message, details)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (kind, entity_type, entity_id) DO NOTHING`,
    [n.office, n.kind, n.entityType, n.entityId, n.message, JSON.stringify(n.details ?? {})],
  )
  return (rowCount ?? 0) > 0
}

/** limit + 1 rows of an office, newest first, after the keyset cursor. */
export async function noticesOf(q: Queryable, office: string, after: { at: string; id: string } | null, limit: number): Promise<NoticeRow[]> {
  const { rows } = await q.query<NoticeRow>(
    `SELECT id, office, kind, entity_type, entity_id, message, details, created_at FROM notices
      WHERE office = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [office, after?.at ?? null, after?.id ?? null, limit + 1],
  )
  return rows
}
