// GET /api/v1/notices: notices raised for an office by background work (thông báo), newest first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { DEFAULT_PAGE_SIZE, errorResponses, EXPORT_PRODUCES, ExportFile, ExportQuery, OfficeCode, PageQuery, Strict } from '../../../../schemas/common-schemas.ts'
import { sendExport } from '../../../export-route.ts'
import { noticeExport } from '../../../../services/export-tables.ts'
import { listNotices } from '../../../../services/notice-service.ts'

const NoticeQuery = Strict({
  office: Type.Optional({ ...OfficeCode, description: 'Default: your office (admins may read any office)' }),
  ...PageQuery,
})

const NoticePage = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      office: Type.String(),
      kind: Type.String({ description: 'e.g. HANDOVER_OVERDUE: a handover passed its time limit without arriving' }),
      entityType: Type.String(),
      entityId: Type.String(),
      message: Type.String(),
      details: Type.Unknown(),
      createdAt: Type.String(),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

const noticeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['notices'],
        summary: 'Thông báo — notices for an office (e.g. handovers past their time limit), newest first',
        querystring: NoticeQuery,
        response: { 200: NoticePage, ...errorResponses },
      },
    },
    async (request) => {
      const { office, limit = DEFAULT_PAGE_SIZE, cursor } = request.query
      return app.db.read((q) => listNotices(q, request.actor, { office, limit, cursor }))
    },
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
