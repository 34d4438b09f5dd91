// Writes on handovers. Every handler goes through sendWrite (Idempotency-Key, one transaction, the
// stored response) and calls one service function.
import type { FastifyInstance } from 'fastify'
import type { Static } from '@sinclair/typebox'
import { errorResponses } from '../../../common-schemas.ts'
import { scanOverdueHandovers } from '../../../../services/overdue-scan-service.ts'
import { sendWrite } from '../../../write-route.ts'
import {
  cancelHandover,
  closeHandover,
  createHandover,
  openVerification,
  receiveHandover,
  recordVerificationResult,
} from '../../../../services/handover-service.ts'
import {
  CancelBody,
  CloseBody,
  CreateHandoverBody,
  HandoverWriteResult,
  IdParams,
  OpenVerificationBody,
  OverdueScanBody,
  OverdueScanResult,
  ReceiptBody,
  VerificationResultBody,
} from './handover-schemas.ts'

const tags = ['handovers']
const transitionResponses = { 200: HandoverWriteResult, ...errorResponses }

export default async function handoverWriteRoutes(app: FastifyInstance) {
  // A command with nothing to say (close, open a verification) may be sent without a body; it is
  // then validated as {} so a missing required field is named instead of "body must be object".
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined || request.body === null) request.body = {}
  })

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Lập biên bản bàn giao hàng hóa — hand goods over at the departure office',
        description:
          'The departure office is the actor\'s office. A paper record (origin=paper) carries paperNumber and is ' +
          'recognised when entered again: 200 with duplicate=true, or 409 PAPER_RECORD_CONFLICT if its content differs.',
        body: CreateHandoverBody,
        response: { 201: HandoverWriteResult, ...transitionResponses },
      },
    },
    (request, reply) =>
      sendWrite(request, reply, (ctx) => createHandover(ctx, request.body as Static<typeof CreateHandoverBody>)),
  )

  app.post(
    '/:id/receipt',
    {
      schema: {
        tags,
        summary: 'Tiếp nhận hàng tại Chi cục Hải quan nơi đến — record arrival, seal states and discrepancies',
        params: IdParams,
        body: ReceiptBody,
        response: transitionResponses,
      },
    },
    (request, reply) => {
      const { id } = request.params as Static<typeof IdParams>
      return sendWrite(request, reply, (ctx) => receiveHandover(ctx, id, request.body as Static<typeof ReceiptBody>))
    },
  )

  app.post(
    '/:id/close',
    {
      schema: {
        tags,
        summary: 'Hoàn thành biên bản — close an arrived handover (destination office)',
        params: IdParams,
        body: CloseBody,
        response: transitionResponses,
      },
    },
    (request, reply) => {
      const { id } = request.params as Static<typeof IdParams>
      return sendWrite(request, reply, (ctx) => closeHandover(ctx, id, request.body as Static<typeof CloseBody>))
    },
  )

  app.post(
    '/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Hủy biên bản — cancel before arrival, with a reason (departure office)',
        params: IdParams,
        body: CancelBody,
        response: transitionResponses,
      },
    },
    (request, reply) => {
      const { id } = request.params as Static<typeof IdParams>
      return sendWrite(request, reply, (ctx) => cancelHandover(ctx, id, request.body as Static<typeof CancelBody>))
    },
  )

  app.post(
    '/:id/verification',
    {
      schema: {
        tags,
        summary: 'Mở xác minh — open a verification of an overdue handover (departure office)',
        params: IdParams,
        body: OpenVerificationBody,
        response: transitionResponses,
      },
    },
    (request, reply) => {
      const { id } = request.params as Static<typeof IdParams>
      return sendWrite(request, reply, (ctx) => openVerification(ctx, id, request.body as Static<typeof OpenVerificationBody>))
    },
  )

  app.post(
    '/:id/verification/result',
    {
      schema: {
        tags,
        summary: 'Kết quả xác minh — RESOLVED or VIOLATION, with an explanation (departure office)',
        params: IdParams,
        body: VerificationResultBody,
        response: transitionResponses,
      },
    },
    (request, reply) => {
      const { id } = request.params as Static<typeof IdParams>
      return sendWrite(request, reply, (ctx) =>
        recordVerificationResult(ctx, id, request.body as Static<typeof VerificationResultBody>),
      )
    },
  )

  app.post(
    '/overdue-scan',
    {
      config: { roles: ['supervisor', 'admin'] },
      schema: {
        tags,
        summary: 'Quét biên bản quá thời hạn — mark handovers past their time limit OVERDUE',
        description:
          'What the scheduled job does, on demand: a supervisor scans the handovers leaving their office, an admin all ' +
          'offices. At most `limit` (default 500) per call; `more` says whether to call again.',
        body: OverdueScanBody,
        response: { 200: OverdueScanResult, ...errorResponses },
      },
    },
    (request, reply) => {
      const body = request.body as Static<typeof OverdueScanBody>
      return sendWrite(request, reply, async (ctx) => ({
        status: 200,
        body: await scanOverdueHandovers(ctx, {
          departureOffice: ctx.actor.role === 'admin' ? null : ctx.actor.office,
          limit: body.limit,
        }),
      }))
    },
  )
}
