// SQL of bulk back-entry batches and their rows (migrations/006_back_entry.sql).
import type { Queryable } from './database.ts'

export interface BatchRow {
  id: string
  office: string
  content_hash: string
  format: 'csv' | 'json'
  file_name: string | null
  uploaded_by: string
  uploader: unknown
  total_rows: number
  status: 'pending' | 'processing' | 'done'
  created_at: Date
  started_at: Date | null
  finished_at: Date | null
}

export interface RowToStore {
  rowNo: number
  kind: string
  originalTime: string | null
  originalOfficer: string | null
  data: unknown
  status: 'pending' | 'rejected'
  errorCode: string | null
  errorMessage: string | null
  errorDetails: unknown
}

export interface PendingRow {
  row_no: number
  kind: string
  original_time: Date | null
  original_officer: string | null
  data: Record<string, unknown>
}

export interface ReportRow {
  row_no: number
  kind: string
  status: string
  error_code: string | null
  error_message: string | null
  error_details: unknown
  entity_type: string | null
  entity_id: string | null
  processed_at: Date | null
}

const BATCH_COLUMNS = `id, office, content_hash, format, file_name, uploaded_by, uploader, total_rows, status,
  created_at, started_at, finished_at`

/** Inserts the batch unless the office already uploaded the same content; false when it had. */
export async function insertBatchIfAbsent(
  q: Queryable,
  b: { office: string; contentHash: string; format: string; fileName: string | null; uploadedBy: string; uploader: unknown; totalRows: number },
): Promise<{ id: string; inserted: boolean }> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO back_entry_batches (office, content_hash, format, file_name, uploaded_by, uploader, total_rows)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (office, content_hash) DO NOTHING
     RETURNING id`,
    [b.office, b.contentHash, b.format, b.fileName, b.uploadedBy, JSON.stringify(b.uploader), b.totalRows],
  )
  if (rows[0]) return { id: rows[0].id, inserted: true }
  const existing = await q.query<{ id: string }>(
    'SELECT id FROM back_entry_batches WHERE office = $1 AND content_hash = $2',
    [b.office, b.contentHash],
  )
  return { id: (existing.rows[0] as { id: string }).id, inserted: false }
}

/** All rows in one statement: a 10,000-row batch is one round trip, not 10,000. */
export async function insertRows(q: Queryable, batchId: string, rows: RowToStore[]): Promise<void> {
  const payload = rows.map((r) => ({
    row_no: r.rowNo,
    kind: r.kind,
    original_time: r.originalTime,
    original_officer: r.originalOfficer,
    data: r.data,
    status: r.status,
    error_code: r.errorCode,
    error_message: r.errorMessage,
    error_details: r.errorDetails ?? null,
    processed_at: r.status === 'rejected' ? new Date().toISOString() : null,
  }))
  await q.query(
    `INSERT INTO back_entry_rows (batch_id, row_no, kind, original_time, original_officer, data, status,
                                  error_code, error_message, error_details, processed_at)
     SELECT $1, r.row_no, r.kind, r.original_time, r.original_officer, r.data, r.status,
            r.error_code, r.error_message, r.error_details, r.processed_at
       FROM jsonb_to_recordset($2::jsonb) AS r(row_no int, kind text, original_time timestamptz,
            original_officer text, data jsonb, status text, error_code text, error_message text,
            error_details jsonb, processed_at timestamptz)`,
    [batchId, JSON.stringify(payload)],
  )
}

export async function findBatch(q: Queryable, id: string): Promise<BatchRow | null> {
  const { rows } = await q.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM back_entry_batches WHERE id = $1`, [id])
  return rows[0] ?? null
}

export async function rowCounts(q: Queryable, batchId: string): Promise<Record<string, number>> {
  const { rows } = await q.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM back_entry_rows WHERE batch_id = $1 GROUP BY status',
    [batchId],
  )
  return Object.fromEntries(rows.map((r) => [r.status, r.n]))
}

/**
 * Serialises the processing of one batch (held to COMMIT of the row's transaction): rows are applied
 * in file order, so a receipt row finds the handover created by an earlier row of the same file.
 */
export async function lockBatchProcessing(q: Queryable, batchId: string): Promise<void> {
  await q.query("SELECT pg_advisory_xact_lock(hashtextextended('back-entry:' || $1, 0))", [batchId])
}

export async function nextPendingRow(q: Queryable, batchId: string): Promise<PendingRow | null> {
  const { rows } = await q.query<PendingRow>(
    `SELECT row_no, kind, original_time, original_officer, data FROM back_entry_rows
      WHERE batch_id = $1 AND status = 'pending' ORDER BY row_no LIMIT 1 FOR UPDATE`,
    [batchId],
  )
  return rows[0] ?? null
}

export async function setRowOutcome(
  q: Queryable,
  batchId: string,
  rowNo: number,
  o: { status: 'accepted' | 'duplicate' | 'rejected'; entityType?: string | null; entityId?: string | null; errorCode?: string | null; errorMessage?: string | null; errorDetails?: unknown },
): Promise<void> {
  await q.query(
    `UPDATE back_entry_rows SET status = $3, entity_type = $4, entity_id = $5, error_code = $6, error_message = $7,
            error_details = $8, processed_at = now()
      WHERE batch_id = $1 AND row_no = $2 AND status = 'pending'`,
    [batchId, rowNo, o.status, o.entityType ?? null, o.entityId ?? null, o.errorCode ?? null, o.errorMessage ?? null,
      o.errorDetails === undefined ? null : JSON.stringify(o.errorDetails)],
  )
}

export async function markBatchStarted(q: Queryable, batchId: string): Promise<void> {
  await q.query(
    "UPDATE back_entry_batches SET status = 'processing', started_at = now() WHERE id = $1 AND status = 'pending'",
    [batchId],
  )
}

/** Marks the batch done when no row is pending; true when it is done. */
export async function markBatchDoneIfComplete(q: Queryable, batchId: string): Promise<boolean> {
  const { rows } = await q.query<{ status: string }>(
    `UPDATE back_entry_batches b SET status = 'done', finished_at = COALESCE(b.finished_at, now()),
            started_at = COALESCE(b.started_at, now())
      WHERE b.id = $1
        AND NOT EXISTS (SELECT 1 FROM back_entry_rows r WHERE r.batch_id = b.id AND r.status = 'pending')
     RETURNING status`,
    [batchId],
  )
  return rows.length > 0
}

export async function unfinishedBatchIds(q: Queryable, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    "SELECT id FROM back_entry_batches WHERE status <> 'done' ORDER BY created_at LIMIT $1",
    [limit],
  )
  return rows.map((r) => r.id)
}

export async function reportRows(
  q: Queryable,
  batchId: string,
  afterRowNo: number,
  limit: number,
  status: string | null,
): Promise<ReportRow[]> {
  const { rows } = await q.query<ReportRow>(
    `SELECT row_no, kind, status, error_code, error_message, error_details, entity_type, entity_id, processed_at
       FROM back_entry_rows
      WHERE batch_id = $1 AND row_no > $2 AND ($4::text IS NULL OR status = $4)
      ORDER BY row_no LIMIT $3`,
    [batchId, afterRowNo, limit, status],
  )
  return rows
}
