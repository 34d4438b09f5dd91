// /api/v1/paper-declarations: paper declarations (tờ khai giấy, forms HQ/2015/NK and HQ/2015/XK).
// POST creates (idempotent on office + receipt year + receipt number), PUT replaces with If-Match,
// GET reads one (ETag, If-None-Match) or searches with keyset pagination.
import type { FastifyInstance } from 'fastify'
import { sendWrite } from '../../../write-route.ts'
import { sendExport } from '../../../export-route.ts'
import { EXPORT_PRODUCES, ExportFile, ExportQuery } from '../../../common-schemas.ts'
import { paperDeclarationExport } from '../../../../services/export-tables.ts'
import { DEFAULT_PAGE_SIZE } from '../../../../services/pagination.ts'
import {
  createPaperDeclaration,
  getPaperDeclaration,
  searchPaperDeclarations,
  updatePaperDeclaration,
} from '../../../../services/paper-declaration-service.ts'
import { entityTagOf, ifNoneMatchHolds, versionsFromIfMatch } from './entity-tags.ts'
import {
  CreateBody,
  CreateHeaders,
  CreatedView,
  DeclarationView,
  IdParams,
  ReadHeaders,
  SearchPage,
  SearchQuery,
  UpdateBody,
  UpdateHeaders,
  readErrorResponses,
  writeErrorResponses,
} from './paper-declaration-schemas.ts'

const TAGS = ['paper-declarations']

export default async function paperDeclarationRoutes(app: FastifyInstance) {
  // Every answer that is one declaration carries its ETag, including a replayed Idempotency-Key
  // response (sendWrite sends the stored body; the header is derived from it here).
  app.addHook('preSerialization', async (request, reply, payload) => {
    const body = payload as { id?: unknown; version?: unknown } | null
    if (reply.statusCode < 300 && body && typeof body.version === 'number' && typeof body.id === 'string') {
      reply.header('etag', entityTagOf(body.version))
      if (reply.statusCode === 201) reply.header('location', `${request.url.split('?')[0]?.replace(/\/$/, '')}/${body.id}`)
    }
    return payload
  })

  app.post(
    '/',
    {
      schema: {
        tags: TAGS,
        summary: 'Nhập tờ khai giấy — enter a paper declaration (the same paper form twice answers the first, duplicate: true)',
        headers: CreateHeaders,
        body: CreateBody,
        response: { 200: CreatedView, 201: CreatedView, ...writeErrorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as CreateBody
      return sendWrite(request, reply, (ctx) => createPaperDeclaration(ctx, body))
    },
  )

  app.put(
    '/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Sửa tờ khai giấy — replace a paper declaration (If-Match: "<version>" required; goods lines replaced as a whole)',
        params: IdParams,
        headers: UpdateHeaders,
        body: UpdateBody,
        response: { 200: DeclarationView, ...writeErrorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string }
      const versions = versionsFromIfMatch(request.headers['if-match'])
      const body = request.body as UpdateBody
      return sendWrite(request, reply, (ctx) => updatePaperDeclaration(ctx, id, versions, body))
    },
  )

  app.get(
    '/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Xem tờ khai giấy — one paper declaration with its goods lines (ETag; If-None-Match answers 304)',
        params: IdParams,
        headers: ReadHeaders,
        response: { 200: DeclarationView, ...readErrorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string }
      const declaration = await app.db.readFresh((q) => getPaperDeclaration(q, request.actor, id))
      if (ifNoneMatchHolds(request.headers['if-none-match'], declaration.version)) {
        return reply.code(304).header('etag', entityTagOf(declaration.version)).send()
      }
      return declaration
    },
  )

  app.get(
    '/',
    {
      schema: {
        tags: TAGS,
        summary: 'Tra cứu tờ khai giấy — search by office, declaration number, tax code, status, registration date range',
        querystring: SearchQuery,
        response: { 200: SearchPage, ...readErrorResponses },
      },
    },
    async (request) => {
      const query = request.query as SearchQuery
      return app.db.read((q) => searchPaperDeclarations(q, request.actor, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE }))
    },
  )

  const DeclarationExportQuery = ExportQuery(SearchQuery)
  app.get(
    '/export',
    {
      schema: {
        tags: TAGS,
        summary: 'Xuất danh sách tờ khai giấy — every matching paper declaration as CSV or XLSX',
        querystring: DeclarationExportQuery,
        produces: EXPORT_PRODUCES,
        response: { 200: ExportFile, ...readErrorResponses },
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query as SearchQuery & { format: 'csv' | 'xlsx' }
      return sendExport(reply, await paperDeclarationExport((fn) => app.db.read(fn), request.actor, query, new Date().toISOString()), format)
    },
  )
}
