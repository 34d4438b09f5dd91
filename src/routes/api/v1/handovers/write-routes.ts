// Writes on handovers. Each handler builds its WriteContext at the write door, calls one service
// function once, and answers its outcome through the door's adapter (routes/write-door.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody, errorResponses } from '../../../../schemas/common-schemas.ts'
import type { StoredOutcome } from '../../../../domain/write.ts'
import { scanOverdueHandovers } from '../../../../services/overdue-scan-service.ts'
import type { HandoverView } from '../../../../services/handover-views.ts'
import { sendOutcome, writeContextOf } from '../../../write-door.ts'
import { versionsFromIfMatch, withCurrentTagOnConflict } from '../../../entity-tags.ts'
import { amendHandover } from '../../../../services/handover-amendment-service.ts'
import { correctReceipt } from '../../../../services/receipt-correction-service.ts'
import { recordIncident } from '../../../../services/handover-incident-service.ts'
import {
  cancelHandover,
  closeHandover,
  createHandover,
  openVerification,
  receiveHandover,
  recordVerificationResult,
} from '../../../../services/handover-service.ts'
import {
  AmendmentBody,
  AmendmentHeaders,
  CancelBody,
  CloseBody,
  CreateHandoverBody,
  HandoverWriteResult,
  IdParams,
  IncidentBody,
  OpenVerificationBody,
  OverdueScanBody,
  OverdueScanResult,
  ReceiptBody,
  ReceiptCorrectionBody,
  VerificationResultBody,
} from '../../../../schemas/handover-schemas.ts'

const tags = ['handovers']
const transitionResponses = { 200: HandoverWriteResult, ...errorResponses }

/** A handover write answers the handover, and whether it was a paper record already entered. */
export const handoverBody = (o: StoredOutcome<HandoverView>, view: HandoverView) => ({ ...view, duplicate: o.kind === 'duplicate' })

const handoverWriteRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
    async (request, reply) =>
      sendOutcome(request, reply, await createHandover(app.db, writeContextOf(request), request.body), handoverBody),
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
    async (request, reply) =>
      sendOutcome(request, reply, await receiveHandover(app.db, writeContextOf(request), request.params.id, request.body), handoverBody),
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
    async (request, reply) =>
      sendOutcome(request, reply, await closeHandover(app.db, writeContextOf(request), request.params.id, request.body), handoverBody),
  )

  app.post(
    '/:id/amendments',
    {
      schema: {
        tags,
        summary: 'Sửa đổi biên bản trước khi tiếp nhận — amend containers, seals, goods, vehicle, route or time limit (departure office)',
        description:
          'Before the destination records receipt (status HANDED_OVER). Send the fields to change (a list replaces the ' +
          'whole list) with a reason and If-Match: the ETag of the version you read (missing: 428; stale: 412 with the ' +
          'current ETag). The handover keeps its number and moves to the next version; `amendments` lists every ' +
          'version with what changed, and the destination office gets a HANDOVER_AMENDED notice. Asking for what the ' +
          'handover already says answers 200 and writes nothing. A later dueAt is an extension: a supervisor of the ' +
          'departure office grants it (403 SUPERVISOR_REQUIRED, asked once the request is otherwise valid), also of an ' +
          'OVERDUE handover — its time limit and nothing else — which is then HANDED_OVER again.',
        params: IdParams,
        headers: AmendmentHeaders,
        body: AmendmentBody,
        // A missing If-Match is 428, a stale one 412 (schemathesis: a 428 the document did not list).
        response: { ...transitionResponses, 412: ErrorBody, 428: ErrorBody },
      },
    },
    async (request, reply) => {
      const versions = versionsFromIfMatch(request.headers['if-match'])
      const outcome = await withCurrentTagOnConflict(() =>
        amendHandover(app.db, writeContextOf(request), request.params.id, versions, request.body),
      )
      return sendOutcome(request, reply, outcome, handoverBody)
    },
  )

  app.post(
    '/:id/receipt/corrections',
    {
      schema: {
        tags,
        summary: 'Điều chỉnh biên bản tiếp nhận — correct a recorded receipt (a supervisor of the destination office)',
        description:
          'Until the handover is closed (ARRIVED or ARRIVED_WITH_DISCREPANCY). Send what the receipt should have said — ' +
          'arrivedAt, the seal state of every container, the whole list of discrepancies, the note — with a reason and ' +
          'If-Match (missing: 428; stale: 412 with the current ETag). Only a supervisor of the destination office ' +
          'corrects a receipt (403 SUPERVISOR_REQUIRED, asked once the request is otherwise valid) and is named as ' +
          'approver; the status follows the corrected seals and discrepancies, the handover moves to the next version, ' +
          '`amendments` lists the correction (kind receipt_correction) and the departure office gets a ' +
          'HANDOVER_RECEIPT_CORRECTED notice. Asking for what the receipt already says answers 200 and writes nothing.',
        params: IdParams,
        headers: AmendmentHeaders,
        body: ReceiptCorrectionBody,
        response: { ...transitionResponses, 412: ErrorBody, 428: ErrorBody },
      },
    },
    async (request, reply) => {
      const versions = versionsFromIfMatch(request.headers['if-match'])
      const outcome = await withCurrentTagOnConflict(() =>
        correctReceipt(app.db, writeContextOf(request), request.params.id, versions, request.body),
      )
      return sendOutcome(request, reply, outcome, handoverBody)
    },
  )

  app.post(
    '/:id/incidents',
    {
      schema: {
        tags,
        summary: 'Ghi nhận sự cố trên đường vận chuyển — a seal replaced, goods transshipped, the vehicle changed (the office where it happened)',
        description:
          'While the goods are on the road (HANDED_OVER or OVERDUE; else 409 ILLEGAL_TRANSITION). Recorded by an officer ' +
          'of the office where it happened, named in `office`: either end of the handover or any office along the route ' +
          '(another office than your own: 403 OFFICE_FORBIDDEN, asked once the request is otherwise valid). SEAL_REPLACED ' +
          'names `seals` — each container with the customs seal it carries now (`oldSeal`) and the new one; TRANSSHIPPED ' +
          'the `vehicle` the goods went onto (and `containerNumbers` when only some moved, `seals` when re-sealed); ' +
          'VEHICLE_CHANGED the new `vehicle`. The handover takes the new seals and vehicle and moves to the next version; ' +
          '`incidents` lists every incident with what it replaced, who recorded it, where and when; the departure and ' +
          'destination offices get a HANDOVER_INCIDENT notice, and the recording office may read and print the handover. ' +
          'The same incident sent again answers 200 and writes nothing.',
        params: IdParams,
        body: IncidentBody,
        response: transitionResponses,
      },
    },
    async (request, reply) =>
      sendOutcome(request, reply, await recordIncident(app.db, writeContextOf(request), request.params.id, request.body), handoverBody),
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
    async (request, reply) =>
      sendOutcome(request, reply, await cancelHandover(app.db, writeContextOf(request), request.params.id, request.body), handoverBody),
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
    async (request, reply) =>
      sendOutcome(request, reply, await openVerification(app.db, writeContextOf(request), request.params.id, request.body), handoverBody),
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
    async (request, reply) =>
      sendOutcome(request, reply, await recordVerificationResult(app.db, writeContextOf(request), request.params.id, request.body), handoverBody),
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
    async (request, reply) => {
      const departureOffice = request.actor.role === 'admin' ? null : request.actor.office
      const outcome = await scanOverdueHandovers(app.db, writeContextOf(request), { departureOffice, limit: request.body.limit })
      return sendOutcome(request, reply, outcome)
    },
  )
}

export default handoverWriteRoutes
