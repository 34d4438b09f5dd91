// Reads of handovers: by id (JSON and the printable minutes), the search and the overdue list.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, EXPORT_PRODUCES, ExportFile, ExportQuery, PrintLinkBody } from '../../../../schemas/common-schemas.ts'
import { Handover, HandoverPage, IdParams, OverdueQuery, SearchQuery } from '../../../../schemas/handover-schemas.ts'
import { sendExport } from '../../../export-route.ts'
import { handoverSearchExport, incomingExport, overdueExport } from '../../../../services/export-tables.ts'
import { getHandover, incomingList, overdueList, searchHandoverList } from '../../../../services/handover-query-service.ts'
import { renderHandoverHtml } from '../../../../services/handover-print.ts'
import { issuePrintLink } from '../../../../services/print-service.ts'

const tags = ['handovers']
const SearchExportQuery = ExportQuery(SearchQuery)
const OverdueExportQuery = ExportQuery(OverdueQuery)

const handoverReadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Tra cứu biên bản bàn giao — search by declaration, container, seal, status, office, date range',
        description: 'Newest first, keyset-paginated (limit, cursor). Limited to the actor\'s office unless admin.',
        querystring: SearchQuery,
        response: { 200: HandoverPage, ...errorResponses },
      },
    },
    async (request) => app.db.read((q) => searchHandoverList(q, request.actor, request.query)),
  )

  app.get(
    '/overdue',
    {
      schema: {
        tags,
        summary: 'Danh sách biên bản quá thời hạn — the overdue list of an office',
        description:
          'OVERDUE and UNDER_VERIFICATION handovers, and HANDED_OVER ones past their time limit, where the office is ' +
          'either end; oldest time limit first. Defaults to the actor\'s office.',
        querystring: OverdueQuery,
        response: { 200: HandoverPage, ...errorResponses },
      },
    },
    async (request) => {
      const now = new Date().toISOString()
      return app.db.read((q) => overdueList(q, request.actor, request.query, now))
    },
  )

  app.get(
    '/incoming',
    {
      schema: {
        tags,
        summary: 'Danh sách hàng sắp đến — handovers coming to an office, not received yet, oldest time limit first',
        description:
          'For the destination office: HANDED_OVER, OVERDUE and UNDER_VERIFICATION handovers whose destination is the office ' +
          '(your own by default; admins any). Keyset-paginated.',
        querystring: OverdueQuery,
        response: { 200: HandoverPage, ...errorResponses },
      },
    },
    async (request) => app.db.read((q) => incomingList(q, request.actor, request.query)),
  )

  app.get(
    '/incoming/export',
    {
      schema: {
        tags,
        summary: 'Xuất danh sách hàng sắp đến — the incoming list as CSV or XLSX',
        querystring: OverdueExportQuery,
        produces: EXPORT_PRODUCES,
        response: { 200: ExportFile, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query
      return sendExport(reply, await incomingExport((fn) => app.db.read(fn), request.actor, query, new Date().toISOString()), format)
    },
  )

  app.get(
    '/export',
    {
      schema: {
        tags,
        summary: 'Xuất danh sách biên bản — the search, every matching handover, as CSV or XLSX',
        description: 'The filters of the search; rows stream as they are read (newest first).',
        querystring: SearchExportQuery,
        produces: EXPORT_PRODUCES,
        response: { 200: ExportFile, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query
      return sendExport(reply, await handoverSearchExport((fn) => app.db.read(fn), request.actor, query, new Date().toISOString()), format)
    },
  )

  app.get(
    '/overdue/export',
    {
      schema: {
        tags,
        summary: 'Xuất danh sách quá hạn — the overdue list as CSV or XLSX',
        querystring: OverdueExportQuery,
        produces: EXPORT_PRODUCES,
        response: { 200: ExportFile, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query
      return sendExport(reply, await overdueExport((fn) => app.db.read(fn), request.actor, query, new Date().toISOString()), format)
    },
  )

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Xem biên bản bàn giao — one handover with containers, goods and receipt',
        params: IdParams,
        response: { 200: Handover, ...errorResponses },
      },
    },
    async (request) => app.db.readFresh((q) => getHandover(q, request.actor, request.params.id)),
  )

  app.get(
    '/:id/print',
    {
      schema: {
        tags,
        summary: 'In biên bản bàn giao hàng hóa — printable HTML (form 10/BBBG/GSQL)',
        params: IdParams,
        produces: ['text/html'],
        response: { 200: { content: { 'text/html': { schema: Type.String() } } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const view = await app.db.readFresh((q) => getHandover(q, request.actor, request.params.id))
      return reply.type('text/html; charset=utf-8').send(renderHandoverHtml(view))
    },
  )

  app.get(
    '/:id/print-link',
    {
      schema: {
        tags,
        summary: 'Liên kết in biên bản — a short-lived signed link to the minutes (page and PDF) that opens without sign-in',
        description: 'For printing from a browser or sending to the print room: the link names this handover and your office, and expires.',
        params: IdParams,
        response: { 200: PrintLinkBody, ...errorResponses },
      },
    },
    async (request) => app.db.readFresh((q) => issuePrintLink(q, app.printDeps(), request.actor, 'handover', request.params.id)),
  )
}

export default handoverReadRoutes
