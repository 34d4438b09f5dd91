// /api/v1/notices: what an office is told about handovers it sends or receives (thông báo), newest
// first; an officer marks a notice read.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { DEFAULT_PAGE_SIZE, errorResponses, EXPORT_PRODUCES, ExportFile, ExportQuery, OfficeCode, PageQuery, Strict } from '../../../../schemas/common-schemas.ts'
import { sendExport } from '../../../export-route.ts'
import { noticeExport } from '../../../../services/export-tables.ts'
import { listNotices, markNoticeRead, NOTICE_KINDS } from '../../../../services/notice-service.ts'
import { sendOutcome, writeContextOf } from '../../../write-door.ts'

const NoticeQuery = Strict({
  office: Type.Optional({ ...OfficeCode, description: 'Default: your office (admins may read any office)' }),
  unread: Type.Optional(Type.Boolean({ description: 'true: only the notices nobody of the office has marked read' })),
  entityId: Type.Optional(Type.String({ format: 'uuid', description: 'Only the notices about this record (e.g. a handover id)' })),
  ...PageQuery,
})

const kinds = Object.entries(NOTICE_KINDS).map(([kind, what]) => `${kind} (${what})`).join('; ')
const Notice = Type.Object({
  id: Type.String(),
  office: Type.String({ description: 'The office told' }),
  kind: Type.String({ description: kinds }),
  entityType: Type.String(),
  entityId: Type.String(),
  entityVersion: Type.Integer({ description: 'The version of the record the notice is about' }),
  message: Type.String({ description: 'In Vietnamese then English; times in Vietnam time' }),
  details: Type.Unknown({ description: 'The record\'s facts; times as ISO 8601 with +07:00' }),
  createdAt: Type.String(),
  readAt: Type.Union([Type.String(), Type.Null()], { description: 'When an officer of the office marked it read' }),
  readBy: Type.Union([Type.String(), Type.Null()]),
}, { title: 'Notice' })
const NoticePage = Type.Object({ items: Type.Array(Notice), nextCursor: Type.Union([Type.String(), Type.Null()]) })
const NoticeParams = Strict({ id: Type.String({ format: 'uuid', description: 'Notice id' }) })

const noticeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['notices'],
        summary: 'Thông báo — notices for an office about the handovers it sends and receives, newest first',
        querystring: NoticeQuery,
        response: { 200: NoticePage, ...errorResponses },
      },
    },
    async (request) => {
      const { limit = DEFAULT_PAGE_SIZE, ...query } = request.query
      return app.db.read((q) => listNotices(q, request.actor, { ...query, limit }))
    },
  )

  app.post(
    '/:id/read',
    {
      schema: {
        tags: ['notices'],
        summary: 'Đánh dấu đã đọc — mark a notice of your office read',
        description: 'Idempotent: marking a notice read again answers it as it is (who read it first, and when).',
        params: NoticeParams,
        response: { 200: Notice, ...errorResponses },
      },
    },
    async (request, reply) => sendOutcome(request, reply, await markNoticeRead(app.db, writeContextOf(request), request.params.id)),
  )

  const NoticeExportQuery = ExportQuery(NoticeQuery)
  app.get(
    '/export',
    {
      schema: {
        tags: ['notices'],
        summary: 'Xuất thông báo — the office\'s notices as CSV or XLSX',
        querystring: NoticeExportQuery,
        produces: EXPORT_PRODUCES,
        response: { 200: ExportFile, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query
      return sendExport(reply, await noticeExport((fn) => app.db.read(fn), request.actor, query, new Date().toISOString()), format)
    },
  )
}

export default noticeRoutes
