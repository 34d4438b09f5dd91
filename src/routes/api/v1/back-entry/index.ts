// /api/v1/back-entry: bulk back-entry of paper-period records (nhập bù hồ sơ giấy sau sự cố).
// POST /batches uploads a CSV or JSON batch; a background job applies its rows; GET /batches/:id
// is the progress and GET /batches/:id/report the per-row outcome.
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { invalid } from '../../../../domain/errors.ts'
import { viewOf } from '../../../../domain/write.ts'
import { validationProblems } from '../../../../errors.ts'
import { DEFAULT_PAGE_SIZE, errorResponses, PageQuery, Strict } from '../../../../schemas/common-schemas.ts'
import { ROW_SCHEMAS, RowOwnFields } from '../../../../schemas/back-entry-row-schemas.ts'
import { sendOutcome, writeContextOf } from '../../../write-door.ts'
import {
  contentHashOf,
  numbersFromCsvText,
  rowsFromCsv,
  rowsFromJson,
  UploadFormatError,
  type JsonUpload,
  type ParsedRow,
} from '../../../../services/back-entry-parser.ts'
import { getBatchProgress, getBatchReport, uploadBatch } from '../../../../services/back-entry-service.ts'
import { BACK_ENTRY_QUEUE } from '../../../../jobs/back-entry-batch-job.ts'

const tags = ['back-entry']

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])

const progressProperties = {
  id: Type.String({ format: 'uuid' }),
  office: Type.String(),
  status: Type.String({ description: 'pending → processing → done' }),
  format: Type.String({ description: 'csv or json' }),
  fileName: Nullable(Type.String()),
  uploadedBy: Type.String(),
  createdAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  total: Type.Integer(),
  counts: Type.Object({
    pending: Type.Integer({ description: 'Still to be applied' }),
    accepted: Type.Integer({ description: 'Applied: the record was entered' }),
    duplicate: Type.Integer({ description: 'Recognised as already entered (natural key): nothing changed' }),
    rejected: Type.Integer({ description: 'Not applied; the report says why' }),
  }),
  processed: Type.Integer({ description: 'accepted + duplicate + rejected' }),
  percentage: Type.Number({ description: 'processed / total × 100, one decimal' }),
}

const BatchProgress = Type.Object(progressProperties)
const UploadResult = Type.Object({
  ...progressProperties,
  duplicate: Type.Boolean({ description: 'true when this office uploaded the same content before: the existing batch, nothing re-applied' }),
})
const ReportPage = Type.Object({
  ...progressProperties,
  items: Type.Array(
    Type.Object({
      rowNo: Type.Integer({ description: 'Data row number (1 = the first row after a CSV header)' }),
      kind: Type.String(),
      status: Type.String({ description: 'pending, accepted, duplicate or rejected' }),
      code: Nullable(Type.String()),
      reason: Nullable(Type.String()),
      details: Type.Unknown(),
      entityType: Nullable(Type.String()),
      entityId: Nullable(Type.String()),
      processedAt: Nullable(Type.String()),
    }),
  ),
  nextCursor: Nullable(Type.String()),
})

const JsonBody = Strict({
  fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  rows: Type.Array(
    Type.Object(
      {
        kind: Type.Optional(Type.Unknown()),
        originalTime: Type.Optional(Type.Unknown()),
        originalOfficer: Type.Optional(Type.Unknown()),
        data: Type.Optional(Type.Unknown()),
      },
      { additionalProperties: false, description: 'Checked row by row: a bad row is rejected in the report, not the whole batch' },
    ),
    { description: 'kind: handover | receipt | gate-container | gate-lot | paper-declaration' },
  ),
})
const UploadQuery = Strict({ fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) })
const IdParams = Strict({ id: Type.String({ format: 'uuid' }) })
const ReportQuery = Strict({
  status: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: ['pending', 'accepted', 'duplicate', 'rejected'] })),
  ...PageQuery,
})

/**
 * Checks each row against its kind's schema with the app's Ajv for bodies (same formats, codes and
 * types as the online routes: a JSON row's "30" is not a number). A CSV row is text: its numbers are
 * read first (numbersFromCsvText). A row that fails is stored as rejected; the rest are applied by
 * the job.
 */
function checkRows(request: FastifyRequest, rows: ParsedRow[], format: 'csv' | 'json'): void {
  const checkOwn = request.compileValidationSchema(RowOwnFields, 'body')
  for (const row of rows) {
    if (row.problem) continue
    const schema = (ROW_SCHEMAS as Record<string, (typeof ROW_SCHEMAS)[keyof typeof ROW_SCHEMAS]>)[row.kind]
    if (!schema) {
      row.problem = {
        code: 'UNKNOWN_ROW_KIND',
        message: `Unknown kind "${row.kind}"`,
        details: [{ field: 'kind', code: 'FIELD_NOT_ALLOWED_VALUE', message: `one of ${Object.keys(ROW_SCHEMAS).join(', ')}` }],
      }
      continue
    }
    const own = { originalTime: row.originalTime ?? undefined, originalOfficer: row.originalOfficer ?? undefined }
    if (!checkOwn(own)) {
      row.problem = { code: 'VALIDATION_FAILED', message: 'The row has invalid fields', details: validationProblems(checkOwn.errors as never, 'body') }
      continue
    }
    const input: Record<string, unknown> = { ...row.data, origin: 'paper', paperRecordedAt: row.originalTime, paperOfficer: row.originalOfficer }
    const unreadNumbers = format === 'csv' ? numbersFromCsvText(schema, input) : []
    const check = request.compileValidationSchema(schema, 'body')
    if (!check(input) || unreadNumbers.length > 0) {
      // A text that is not a number is also Ajv's FIELD_TYPE: listed once, with the cell it holds.
      const named = new Set(unreadNumbers.map((p) => `${p.field} ${p.code}`))
      const others = validationProblems((check.errors ?? []) as never, 'body').filter((p) => !named.has(`${p.field} ${p.code}`))
      row.problem = { code: 'VALIDATION_FAILED', message: 'The row has invalid fields', details: [...unreadNumbers, ...others] }
      continue
    }
    // Keep what the checks changed (CSV text → numbers, container numbers as stored) for the job; the
    // origin fields come from the row.
    const { origin: _o, paperRecordedAt: _p, paperOfficer: _f, ...data } = input
    row.data = data
  }
}

function readUpload(
  request: FastifyRequest,
  fileName: string | undefined,
  maxRows: number,
): { format: 'csv' | 'json'; fileName: string | null; rows: ParsedRow[] } {
  // Without a Content-Type Fastify reads no body, and the per-media-type schemas check nothing.
  if (request.body === undefined || request.body === null) {
    throw invalid([{ field: 'body', code: 'FIELD_REQUIRED', message: 'send the batch as text/csv or application/json' }], 'The request has no batch')
  }
  try {
    if (typeof request.body === 'string') {
      return { format: 'csv', fileName: fileName ?? null, rows: rowsFromCsv(request.body, maxRows) }
    }
    // Either content type's schema has checked the body; a JSON upload is JsonBody.
    const body = request.body as JsonUpload
    return { format: 'json', fileName: body.fileName ?? fileName ?? null, rows: rowsFromJson(body, maxRows) }
  } catch (err) {
    if (err instanceof UploadFormatError) throw invalid([{ field: 'body', code: err.code, message: err.message }], err.message)
    throw err
  }
}

const backEntryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { backEntryMaxBytes, backEntryMaxRows } = app.config
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string', bodyLimit: backEntryMaxBytes }, (_req, body, done) =>
    done(null, body),
  )

  app.post(
    '/batches',
    {
      bodyLimit: backEntryMaxBytes,
      schema: {
        tags,
        summary: 'Nhập bù hàng loạt — upload a batch of paper-period records (CSV or JSON)',
        description:
          `Content-Type text/csv (a header row; columns kind, originalTime, originalOfficer and the record's fields) or ` +
          `application/json ({fileName?, rows: [{kind, originalTime, originalOfficer, data}]}). At most ${backEntryMaxRows} rows ` +
          `and ${backEntryMaxBytes} bytes. Answers 202 with the new batch; the same content uploaded again by the same office ` +
          'answers 200 with the existing batch and duplicate=true, and nothing is applied again. Rows with invalid fields ' +
          'are rejected in the report, the rest are applied by a background job with origin=paper.',
        querystring: UploadQuery,
        body: {
          content: {
            'application/json': { schema: JsonBody },
            'text/csv': { schema: Type.String({ description: 'RFC 4180 CSV, UTF-8' }) },
          },
        },
        response: { 200: UploadResult, 202: UploadResult, ...errorResponses, 413: errorResponses[400], 415: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const upload = readUpload(request, request.query.fileName, backEntryMaxRows)
      // The identity of the batch is its content as read, before its numbers are read from the text.
      const contentHash = contentHashOf(upload.rows)
      checkRows(request, upload.rows, upload.format)
      const outcome = await uploadBatch(app.db, writeContextOf(request), { ...upload, contentHash })
      const batch = viewOf(outcome.kind === 'replayed' ? outcome.original : outcome)
      // Best effort: the job's one-minute schedule resumes any batch this send misses.
      if (batch.status !== 'done') await app.queue?.trySend(BACK_ENTRY_QUEUE, { batchId: batch.id }, { singletonKey: batch.id })
      return sendOutcome(request, reply, outcome, (o, view) => ({ ...view, duplicate: o.kind === 'duplicate' }))
    },
  )

  app.get(
    '/batches/:id',
    {
      schema: {
        tags,
        summary: 'Tiến độ nhập bù — progress of a batch (counts and percentage)',
        params: IdParams,
        response: { 200: BatchProgress, ...errorResponses },
      },
    },
    async (request) => app.db.readFresh((q) => getBatchProgress(q, request.actor, request.params.id)),
  )

  app.get(
    '/batches/:id/report',
    {
      schema: {
        tags,
        summary: 'Báo cáo nhập bù — per row: accepted, duplicate, or rejected with code and reason',
        params: IdParams,
        querystring: ReportQuery,
        response: { 200: ReportPage, ...errorResponses },
      },
    },
    async (request) => {
      const { limit = DEFAULT_PAGE_SIZE, cursor, status } = request.query
      return app.db.readFresh((q) => getBatchReport(q, request.actor, request.params.id, { limit, cursor, status }))
    },
  )
}

export default backEntryRoutes
