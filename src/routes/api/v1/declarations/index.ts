// /api/v1/paper-declarations: paper declarations (tờ khai giấy, forms HQ/2015/NK and HQ/2015/XK).
// POST creates (idempotent on office + receipt year + receipt number), PUT replaces with If-Match,
// GET reads one (ETag, If-None-Match) or searches with keyset pagination.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { PaperDeclaration } from '../../../../domain/paper-declaration.ts'
import type { StoredOutcome } from '../../../../domain/write.ts'
import { EXPORT_PRODUCES, ExportFile, ExportQuery } from '../../../../schemas/common-schemas.ts'
import { sendExport } from '../../../export-route.ts'
import { sendOutcome, writeContextOf } from '../../../write-door.ts'
import { paperDeclarationExport } from '../../../../services/export-tables.ts'
import {
  createPaperDeclaration,
  getPaperDeclaration,
  searchPaperDeclarations,
  updatePaperDeclaration,
} from '../../../../services/paper-declaration-service.ts'
import { entityTagOf, ifNoneMatchHolds, tagVersionedAnswers, versionsFromIfMatch, withCurrentTagOnConflict } from '../../../entity-tags.ts'
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
} from '../../../../schemas/paper-declaration-schemas.ts'

const TAGS = ['paper-declarations']

// Fastify sends no body with a 304 (RFC 9110 §15.4.5); the schema documents the answer.
const NotModified = Type.Null({ description: 'Not modified: the declaration is still at the version of If-None-Match' })

const declarationBody = (o: StoredOutcome<PaperDeclaration>, view: PaperDeclaration) => ({ ...view, duplicate: o.kind === 'duplicate' })

const paperDeclarationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  tagVersionedAnswers(app)

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
    async (request, reply) =>
      sendOutcome(request, reply, await createPaperDeclaration(app.db, writeContextOf(request), request.body), declarationBody),
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
      const versions = versionsFromIfMatch(request.headers['if-match'])
      const outcome = await withCurrentTagOnConflict(() =>
        updatePaperDeclaration(app.db, writeContextOf(request), request.params.id, versions, request.body),
      )
      return sendOutcome(request, reply, outcome)
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
        response: { 200: DeclarationView, 304: NotModified, ...readErrorResponses },
      },
    },
    async (request, reply) => {
      const declaration = await app.db.readFresh((q) => getPaperDeclaration(q, request.actor, request.params.id))
      if (ifNoneMatchHolds(request.headers['if-none-match'], declaration.version)) {
        return reply.code(304).header('etag', entityTagOf(declaration.version)).send(null)
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
    async (request) => app.db.read((q) => searchPaperDeclarations(q, request.actor, request.query)),
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
      const { format, ...query } = request.query
      return sendExport(reply, await paperDeclarationExport((fn) => app.db.read(fn), request.actor, query, new Date().toISOString()), format)
    },
  )
}

export default paperDeclarationRoutes
