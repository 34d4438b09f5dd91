// /api/v1/prints: prints opened from a signed link, without a bearer header (the link is the
// credential), and the verification page the QR code on a printed form leads to.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorBody, Strict } from '../../../../schemas/common-schemas.ts'
import { openPrintPage, openPrintPdf, verificationPage } from '../../../../services/print-service.ts'

const tags = ['prints']
// A JWS in compact form (three base64url parts); 1,000 characters is three times the longest issued.
const SignedToken = (description: string) =>
  Type.String({ minLength: 20, maxLength: 1000, pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$', description })
const LinkQuery = Strict({ t: SignedToken('The signed link token') })
const VerifyQuery = Strict({ c: SignedToken('The verification code of the QR code') })
const linkErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody }
const html = (description: string) => ({ description, content: { 'text/html': { schema: Type.String() } } })

const printRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/page',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Mở bản in — the print as a page, from a signed link (no sign-in); links to the PDF',
        description: 'Answers 401 PRINT_LINK_EXPIRED after the link\'s time, 403 PRINT_LINK_INVALID for an altered link.',
        querystring: LinkQuery,
        produces: ['text/html'],
        response: { 200: html('The printable form'), ...linkErrors },
      },
    },
    async (request, reply) => {
      const { t } = request.query
      const page = await app.db.readFresh((q) => openPrintPage(q, app.printDeps(), t, new Date().toISOString()))
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page)
    },
  )

  app.get(
    '/pdf',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Tải bản PDF — the print as a PDF laid out as the paper form, from a signed link',
        querystring: LinkQuery,
        produces: ['application/pdf'],
        response: {
          // The bytes are sent as a Buffer; the document says what a client receives (a binary string).
          200: { description: 'The form as PDF', content: { 'application/pdf': { schema: Type.Unsafe<Buffer>({ format: 'binary', type: 'string' }) } } },
          ...linkErrors,
        },
      },
    },
    async (request, reply) => {
      const { t } = request.query
      const { pdf, fileName } = await app.db.readFresh((q) => openPrintPdf(q, app.printDeps(), t, new Date().toISOString()))
      return reply
        .type('application/pdf')
        .header('cache-control', 'no-store')
        .header('content-disposition', `inline; filename="${fileName}"`)
        .send(pdf)
    },
  )

  app.get(
    '/verify',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Kiểm tra bản in — where the QR code on a printed form leads: the record now, and whether the paper is current',
        querystring: VerifyQuery,
        produces: ['text/html'],
        response: { 200: html('The verification page'), ...linkErrors },
      },
    },
    async (request, reply) => {
      const { c } = request.query
      const page = await app.db.readFresh((q) => verificationPage(q, app.printDeps(), c))
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page)
    },
  )
}

export default printRoutes
