// Asking for a supervisor's step on a handover (đề nghị phê duyệt): one route per step, each with the
// direct step's body. The request waits in /api/v1/approvals for a supervisor of the office.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { viewOf, type WriteOutcome } from '../../../../domain/write.ts'
import { ErrorBody, errorResponses } from '../../../../schemas/common-schemas.ts'
import {
  Approval,
  CancellationRequestBody,
  ExtensionRequestBody,
  VerificationResultRequestBody,
} from '../../../../schemas/approval-schemas.ts'
import { AmendmentHeaders, IdParams, ReceiptCorrectionBody } from '../../../../schemas/handover-schemas.ts'
import { requestApproval, type ApprovalView } from '../../../../services/approval-service.ts'
import { versionsFromIfMatch, withCurrentTagOnConflict } from '../../../entity-tags.ts'
import { sendOutcome, writeContextOf } from '../../../write-door.ts'

const tags = ['approvals']
const asked = { 201: Approval, ...errorResponses }
const askedWithVersion = { ...asked, 412: ErrorBody, 428: ErrorBody }
const WAITS =
  'The request waits, exactly as sent, in GET /api/v1/approvals?status=PENDING for a supervisor of the office, who is ' +
  'told by an APPROVAL_REQUESTED notice; approving applies the step with every rule of the direct step, checked again ' +
  'then. 201 with the request (Location: /api/v1/approvals/{id}); another request for the same step still waiting: ' +
  '409 APPROVAL_ALREADY_PENDING naming it.'

/** A step that names the version read (If-Match), as its direct form does: `ask` is called with the versions named. */
async function askForVersion(
  request: FastifyRequest,
  reply: FastifyReply,
  ask: (versions: number[]) => Promise<WriteOutcome<ApprovalView>>,
) {
  const versions = versionsFromIfMatch(request.headers['if-match'])
  const outcome = await withCurrentTagOnConflict(() => ask(versions))
  return sendOutcome(request, reply, locate(reply, outcome))
}

/** The request's own address, on the first answer and on a replay. */
function locate(reply: FastifyReply, outcome: WriteOutcome<ApprovalView>): WriteOutcome<ApprovalView> {
  const view = viewOf(outcome.kind === 'replayed' ? outcome.original : outcome)
  reply.header('location', `/api/v1/approvals/${view.id}`)
  return outcome
}

const approvalRequestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/:id/approval-requests/extension',
    {
      schema: {
        tags,
        summary: 'Đề nghị gia hạn thời hạn — ask a supervisor to extend the time limit (departure office)',
        description: `Of a handover in transit or overdue: a later dueAt than the current (else 400 NOT_AN_EXTENSION), with a reason and If-Match (missing: 428; stale: 412 with the current ETag). ${WAITS}`,
        params: IdParams,
        headers: AmendmentHeaders,
        body: ExtensionRequestBody,
        response: askedWithVersion,
      },
    },
    async (request, reply) =>
      askForVersion(request, reply, (versions) =>
        requestApproval(app.db, writeContextOf(request), 'extension', request.params.id, versions, request.body),
      ),
  )

  app.post(
    '/:id/approval-requests/cancellation',
    {
      schema: {
        tags,
        summary: 'Đề nghị hủy biên bản quá hạn — ask a supervisor to cancel an overdue handover (departure office)',
        description: `Only an OVERDUE handover's cancellation waits for a supervisor (one in transit: 409 APPROVAL_NOT_NEEDED, cancel it yourself). ${WAITS}`,
        params: IdParams,
        body: CancellationRequestBody,
        response: asked,
      },
    },
    async (request, reply) =>
      sendOutcome(request, reply, locate(reply, await requestApproval(app.db, writeContextOf(request), 'cancellation', request.params.id, null, request.body))),
  )

  app.post(
    '/:id/approval-requests/verification-result',
    {
      schema: {
        tags,
        summary: 'Đề nghị phê duyệt kết quả xác minh — ask a supervisor to record the verification result (departure office)',
        description: `Of a handover UNDER_VERIFICATION: the outcome and the explanation the officer prepared. ${WAITS}`,
        params: IdParams,
        body: VerificationResultRequestBody,
        response: asked,
      },
    },
    async (request, reply) =>
      sendOutcome(
        request,
        reply,
        locate(reply, await requestApproval(app.db, writeContextOf(request), 'verification_result', request.params.id, null, request.body)),
      ),
  )

  app.post(
    '/:id/approval-requests/receipt-correction',
    {
      schema: {
        tags,
        summary: 'Đề nghị điều chỉnh biên bản tiếp nhận — ask a supervisor to correct the recorded receipt (destination office)',
        description: `Of a received handover not yet closed: what the receipt should have said, as for the direct correction, with a reason and If-Match (missing: 428; stale: 412 with the current ETag). ${WAITS}`,
        params: IdParams,
        headers: AmendmentHeaders,
        body: ReceiptCorrectionBody,
        response: askedWithVersion,
      },
    },
    async (request, reply) =>
      askForVersion(request, reply, (versions) =>
        requestApproval(app.db, writeContextOf(request), 'receipt_correction', request.params.id, versions, request.body),
      ),
  )
}

export default approvalRequestRoutes
