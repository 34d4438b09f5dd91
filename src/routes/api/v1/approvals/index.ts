// /api/v1/approvals: the supervisor's queue (phê duyệt). Officers ask for a supervisor's step on a
// handover (handovers/approval-request-routes.ts); a supervisor of the office approves — the step is
// applied as asked — or rejects with a note.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DEFAULT_PAGE_SIZE, ErrorBody, errorResponses, Strict } from '../../../../schemas/common-schemas.ts'
import { Approval, ApprovalPage, ApprovalParams, ApprovalQuery, RejectBody } from '../../../../schemas/approval-schemas.ts'
import { HandoverWriteResult } from '../../../../schemas/handover-schemas.ts'
import { approveRequest, getApproval, listApprovals, rejectRequest } from '../../../../services/approval-service.ts'
import { handoverBody } from '../handovers/write-routes.ts'
import { tagVersionedAnswers, withCurrentTagOnConflict } from '../../../entity-tags.ts'
import { sendOutcome, writeContextOf } from '../../../write-door.ts'

const tags = ['approvals']

const approvalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // An approval answers the handover's next version, with its ETag as the direct step does.
  tagVersionedAnswers(app)
  // A decision may be sent without a body (approve); it is then validated as {}.
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && (request.body === undefined || request.body === null)) request.body = {}
  })

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Danh sách đề nghị phê duyệt — an office\'s approval requests, oldest first (status=PENDING: the supervisor\'s queue)',
        querystring: ApprovalQuery,
        response: { 200: ApprovalPage, ...errorResponses },
      },
    },
    async (request) => {
      const { limit = DEFAULT_PAGE_SIZE, ...query } = request.query
      return app.db.read((q) => listApprovals(q, request.actor, { ...query, limit }))
    },
  )

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Một đề nghị phê duyệt — one approval request of your office',
        params: ApprovalParams,
        response: { 200: Approval, ...errorResponses },
      },
    },
    async (request) => app.db.read((q) => getApproval(q, request.actor, request.params.id)),
  )

  app.post(
    '/:id/approve',
    {
      schema: {
        tags,
        summary: 'Phê duyệt — approve: the step is applied as the officer asked, by you (a supervisor of the office)',
        description:
          'Answers what the direct step answers: the handover\'s next version (with its ETag), the supervisor named as ' +
          'approver; the request is APPROVED in the same statement. The step\'s rules are checked now, on the handover ' +
          'as it stands: refused (e.g. 412 VERSION_CONFLICT when the handover changed since the officer read it, 409 ' +
          'ILLEGAL_TRANSITION), the request stays PENDING — reject it and let the officer ask again. Only a supervisor ' +
          'of the office (403 SUPERVISOR_REQUIRED), not the one who asked (403 APPROVAL_OWN_REQUEST); decided already: ' +
          '409 APPROVAL_DECIDED.',
        params: ApprovalParams,
        body: Strict({}),
        response: { 200: HandoverWriteResult, ...errorResponses, 412: ErrorBody },
      },
    },
    async (request, reply) => {
      const outcome = await withCurrentTagOnConflict(() => approveRequest(app.db, writeContextOf(request), request.params.id))
      return sendOutcome(request, reply, outcome, handoverBody)
    },
  )

  app.post(
    '/:id/reject',
    {
      schema: {
        tags,
        summary: 'Không phê duyệt — reject a request with a note (a supervisor of the office)',
        description:
          'The request becomes REJECTED with your note; the office is told (APPROVAL_REJECTED notice). Only a supervisor ' +
          'of the office (403 SUPERVISOR_REQUIRED), not the one who asked (403 APPROVAL_OWN_REQUEST); decided already: ' +
          '409 APPROVAL_DECIDED.',
        params: ApprovalParams,
        body: RejectBody,
        response: { 200: Approval, ...errorResponses },
      },
    },
    async (request, reply) => sendOutcome(request, reply, await rejectRequest(app.db, writeContextOf(request), request.params.id, request.body.note)),
  )
}

export default approvalRoutes
