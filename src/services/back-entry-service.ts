// Bulk back-entry of paper-period records: an officer uploads a batch, a job applies each row once
// through the same services as the online routes (origin 'paper', with the row's original time and
// officer), and the batch's progress and per-row report can be read at any time.
//
// Exactly once per row: a row's effect and its status are written in one transaction, and a row is
// taken only while its status is 'pending'. A run interrupted anywhere (node killed, failover) leaves
// every row either fully applied and marked, or untouched and pending; the next run resumes at the
// first pending row, and a run over a finished batch changes nothing.
import type { Actor } from '../domain/actor.ts'
import { DomainError, forbidden, invalid, notFound } from '../domain/errors.ts'
import type { ChangeCount, WriteOutcome } from '../domain/write.ts'
import type { Database, Queryable } from '../db/database.ts'
import {
  findBatch,
  insertBatchIfAbsent,
  insertRows,
  lockBatchProcessing,
  markBatchDoneIfComplete,
  markBatchStarted,
  nextPendingRow,
  reportRows,
  rowCounts,
  setRowOutcome,
  unfinishedBatchIds,
  type BatchRow,
  type PendingRow,
} from '../db/back-entry-repository.ts'
import { isFailoverError, isRetryableTransactionError, sqlState } from '../db/failover-errors.ts'
import type { ParsedRow, RowProblem } from './back-entry-parser.ts'
import { ROW_KINDS } from './back-entry-row-kinds.ts'
import { claimedTransaction } from './idempotency-service.ts'
import { encodeCursor, decodeCursor } from './pagination.ts'
import { backEntryOf, type WriteContext } from './write-context.ts'

export const BATCH_ENTITY = 'back_entry_batch'

export interface UploadInput {
  format: 'csv' | 'json'
  fileName: string | null
  contentHash: string
  /** Rows as read, each with the problem found by validation (null when the row may be applied). */
  rows: ParsedRow[]
}

export interface BatchProgress {
  id: string
  office: string
  status: BatchRow['status']
  format: BatchRow['format']
  fileName: string | null
  uploadedBy: string
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  total: number
  /** Rows by outcome so far; pending rows are still to be applied. */
  counts: { pending: number; accepted: number; duplicate: number; rejected: number }
  processed: number
  /** Processed rows of the total, 0–100, one decimal. */
  percentage: number
}

const batchNotFound = (id: string) => notFound('BACK_ENTRY_BATCH_NOT_FOUND', `No back-entry batch ${id}`)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function progressOf(batch: BatchRow, counts: Record<string, number>): BatchProgress {
  const pending = counts.pending ?? 0
  const accepted = counts.accepted ?? 0
  const duplicate = counts.duplicate ?? 0
  const rejected = counts.rejected ?? 0
  const processed = accepted + duplicate + rejected
  const total = batch.total_rows
  return {
    id: batch.id,
    office: batch.office,
    status: batch.status,
    format: batch.format,
    fileName: batch.file_name,
    uploadedBy: batch.uploaded_by,
    createdAt: batch.created_at.toISOString(),
    startedAt: batch.started_at?.toISOString() ?? null,
    finishedAt: batch.finished_at?.toISOString() ?? null,
    total,
    counts: { pending, accepted, duplicate, rejected },
    processed,
    percentage: total === 0 ? 100 : Math.floor((processed / total) * 1000) / 10,
  }
}

/**
 * Stores an uploaded batch. The same content uploaded again by the same office is recognised: the
 * existing batch is answered (duplicate) and nothing is stored or applied again.
 */
export function uploadBatch(q: Queryable, ctx: WriteContext, input: UploadInput): Promise<WriteOutcome<BatchProgress>> {
  if (input.rows.length === 0) {
    throw invalid([{ field: 'body', code: 'EMPTY_BATCH', message: 'the batch has no rows' }])
  }
  return claimedTransaction(q, ctx, async (tx) => {
    const { id, inserted } = await insertBatchIfAbsent(tx, {
      office: ctx.actor.office,
      contentHash: input.contentHash,
      format: input.format,
      fileName: input.fileName,
      uploadedBy: ctx.actor.officerId,
      uploader: ctx.actor,
      totalRows: input.rows.length,
    })
    if (inserted) {
      await insertRows(
        tx,
        id,
        input.rows.map((r) => ({
          rowNo: r.rowNo,
          kind: r.kind,
          originalTime: r.problem ? null : r.originalTime,
          originalOfficer: r.originalOfficer,
          data: r.data,
          status: r.problem ? 'rejected' : 'pending',
          errorCode: r.problem?.code ?? null,
          errorMessage: r.problem?.message ?? null,
          errorDetails: r.problem?.details ?? null,
        })),
      )
    }
    const batch = (await findBatch(tx, id)) as BatchRow
    const progress = progressOf(batch, await rowCounts(tx, id))
    if (!inserted) return { outcome: { kind: 'duplicate', existing: progress }, changes: [] }
    const after = { id, office: ctx.actor.office, format: input.format, fileName: input.fileName, totalRows: input.rows.length, contentHash: input.contentHash }
    return {
      outcome: { kind: 'accepted', view: progress },
      changes: [{ entityType: BATCH_ENTITY, entityId: id, action: 'upload', before: null, after, backEntry: backEntryOf(ctx, {}) }],
    }
  })
}

function assertMayRead(actor: Actor, batch: BatchRow): void {
  if (actor.role !== 'admin' && actor.office !== batch.office) {
    throw forbidden('OFFICE_FORBIDDEN', `This batch belongs to office ${batch.office}; you act for your own office only`)
  }
}

async function readableBatch(q: Queryable, actor: Actor, id: string): Promise<BatchRow> {
  const batch = UUID.test(id) ? await findBatch(q, id) : null
  if (!batch) throw batchNotFound(id)
  assertMayRead(actor, batch)
  return batch
}

export async function getBatchProgress(q: Queryable, actor: Actor, id: string): Promise<BatchProgress> {
  const batch = await readableBatch(q, actor, id)
  return progressOf(batch, await rowCounts(q, id))
}

export interface ReportItem {
  rowNo: number
  kind: string
  status: 'pending' | 'accepted' | 'duplicate' | 'rejected'
  code: string | null
  reason: string | null
  details: unknown
  entityType: string | null
  entityId: string | null
  processedAt: string | null
}

/** The per-row report, in file order, a page at a time (cursor: the last row number seen). */
export async function getBatchReport(
  q: Queryable,
  actor: Actor,
  id: string,
  query: { limit: number; cursor?: string; status?: string },
): Promise<BatchProgress & { items: ReportItem[]; nextCursor: string | null }> {
  const batch = await readableBatch(q, actor, id)
  const cursor = decodeCursor(query.cursor)
  let after = 0
  if (cursor) {
    after = Number(cursor.id)
    if (!Number.isInteger(after) || after < 0 || cursor.at !== batch.created_at.toISOString()) {
      throw invalid([{ field: 'querystring.cursor', code: 'INVALID_CURSOR', message: 'use the nextCursor of a previous page' }])
    }
  }
  const rows = await reportRows(q, id, after, query.limit + 1, query.status ?? null)
  const items = rows.slice(0, query.limit).map((r) => ({
    rowNo: r.row_no,
    kind: r.kind,
    status: r.status as ReportItem['status'],
    code: r.error_code,
    reason: r.error_message,
    details: r.error_details,
    entityType: r.entity_type,
    entityId: r.entity_id,
    processedAt: r.processed_at?.toISOString() ?? null,
  }))
  const last = items[items.length - 1]
  const nextCursor = rows.length > query.limit && last ? encodeCursor({ at: batch.created_at.toISOString(), id: String(last.rowNo) }) : null
  return { ...progressOf(batch, await rowCounts(q, id)), items, nextCursor }
}

export interface RowOutcome {
  status: 'accepted' | 'duplicate' | 'rejected'
  code?: string
  changes: ChangeCount[]
}

export interface ProcessOptions {
  /** Rows dated further back are applied only for a supervisor's upload (config.paperBackdatingDays). */
  paperBackdatingDays: number
  /** Stop after this many rows (tests; a time-sliced run). */
  maxRows?: number
  signal?: AbortSignal
  onRow?: (outcome: RowOutcome) => void
}

// Errors that say "try again later" rather than "this row is wrong": the row stays pending and the
// job is retried (pg-boss), so the row is applied once the database is back.
function isTransient(err: unknown): boolean {
  if (err instanceof DomainError) return err.kind === 'unavailable'
  return isFailoverError(err) || isRetryableTransactionError(err) || sqlState(err) === '57014'
}

function problemOf(err: unknown): RowProblem {
  if (err instanceof DomainError) return { code: err.code, message: err.message, details: err.details as RowProblem['details'] }
  return { code: 'INTERNAL_ERROR', message: 'The row could not be applied because of an unexpected error; it has been logged' }
}

async function applyRow(tx: Queryable, batch: BatchRow, row: PendingRow, paperBackdatingDays: number, log?: (err: unknown) => void): Promise<RowOutcome> {
  const kind = ROW_KINDS[row.kind as keyof typeof ROW_KINDS]
  if (!kind) {
    await setRowOutcome(tx, batch.id, row.row_no, { status: 'rejected', errorCode: 'ROW_KIND_NOT_SUPPORTED', errorMessage: `Rows of kind "${row.kind}" cannot be back-entered yet` })
    return { status: 'rejected', code: 'ROW_KIND_NOT_SUPPORTED', changes: [] }
  }
  const ctx: WriteContext = {
    actor: batch.uploader as Actor,
    requestId: `back-entry:${batch.id}:${row.row_no}`,
    now: new Date().toISOString(),
    // Exactly once comes from the row's own status, written in the same transaction.
    claim: null,
    paperBackdatingDays,
  }
  const input = {
    ...row.data,
    origin: 'paper' as const,
    paperRecordedAt: row.original_time?.toISOString(),
    paperOfficer: row.original_officer ?? undefined,
  }
  // A rejected row must leave no partial effect but still record its rejection in this transaction.
  await tx.query('SAVEPOINT back_entry_row')
  try {
    const result = await kind.apply(tx, ctx, input)
    await tx.query('RELEASE SAVEPOINT back_entry_row')
    const status = result.duplicate ? 'duplicate' : 'accepted'
    await setRowOutcome(tx, batch.id, row.row_no, { status, entityType: result.entityType, entityId: result.entityId })
    return { status, changes: result.changes }
  } catch (err) {
    if (isTransient(err)) throw err
    await tx.query('ROLLBACK TO SAVEPOINT back_entry_row')
    if (!(err instanceof DomainError)) log?.(err)
    const problem = problemOf(err)
    await setRowOutcome(tx, batch.id, row.row_no, { status: 'rejected', errorCode: problem.code, errorMessage: problem.message, errorDetails: problem.details })
    return { status: 'rejected', code: problem.code, changes: [] }
  }
}

/** Applies the pending rows of a batch in file order; returns whether the batch is finished. */
export async function processBatch(db: Database, batchId: string, options: ProcessOptions & { log?: (err: unknown) => void }): Promise<{ done: boolean; processed: number }> {
  const batch = await db.readFresh((q) => findBatch(q, batchId))
  if (!batch) return { done: true, processed: 0 }
  if (batch.status === 'pending') await db.write((tx) => markBatchStarted(tx, batchId), { idempotent: true })
  let processed = 0
  for (;;) {
    if (options.signal?.aborted || (options.maxRows !== undefined && processed >= options.maxRows)) {
      return { done: false, processed }
    }
    // Idempotent: run again after a COMMIT lost in a failover, it finds the row no longer pending
    // and takes the next one.
    const outcome = await db.write(
      async (tx) => {
        await lockBatchProcessing(tx, batchId)
        const row = await nextPendingRow(tx, batchId)
        return row ? applyRow(tx, batch, row, options.paperBackdatingDays, options.log) : null
      },
      { idempotent: true },
    )
    if (!outcome) break
    processed++
    options.onRow?.(outcome)
  }
  const done = await db.write((tx) => markBatchDoneIfComplete(tx, batchId), { idempotent: true })
  return { done, processed }
}

/** The scheduled backstop: resumes every batch left unfinished (a lost job, a dead node). */
export async function processUnfinishedBatches(db: Database, options: ProcessOptions & { log?: (err: unknown) => void }): Promise<number> {
  const ids = await db.readFresh((q) => unfinishedBatchIds(q, 100))
  let processed = 0
  for (const id of ids) {
    if (options.signal?.aborted) break
    processed += (await processBatch(db, id, options)).processed
  }
  return processed
}
