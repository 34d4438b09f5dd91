// Approval requests (phê duyệt): what an officer sends to ask for a supervisor's step, and the queue.
import { Type, type Static } from '@sinclair/typebox'
import { APPROVAL_STATUSES, APPROVAL_STEPS } from '../domain/approval.ts'
import { DateTime, OfficeCode, PageQuery, Strict } from './common-schemas.ts'
import { Reason, StringEnum, VerificationResultBody } from './handover-schemas.ts'

export const ApprovalStatus = StringEnum(APPROVAL_STATUSES, 'PENDING (waits for a supervisor), APPROVED (the step was applied) or REJECTED')
export const ApprovalStep = StringEnum(APPROVAL_STEPS, 'The supervisor\'s step asked for')

export const ExtensionRequestBody = Strict({
  reason: { ...Reason, description: 'Lý do gia hạn: why the time limit should be extended' },
  dueAt: { ...DateTime, description: 'The new time limit: later than the current one and still ahead' },
})
export const CancellationRequestBody = Strict({ reason: { ...Reason, description: 'Lý do hủy: why the overdue handover should be cancelled' } })
export const VerificationResultRequestBody = Strict({
  outcome: VerificationResultBody.properties.outcome,
  explanation: VerificationResultBody.properties.explanation,
})

export const ApprovalParams = Strict({ id: Type.String({ format: 'uuid', description: 'Approval request id (uuid)' }) })
export const RejectBody = Strict({ note: { ...Reason, description: 'Why the request is rejected: the officer reads it' } })

export const ApprovalQuery = Strict({
  office: Type.Optional({ ...OfficeCode, description: 'Default: your office (admins may read any office)' }),
  status: Type.Optional(ApprovalStatus),
  handoverId: Type.Optional(Type.String({ format: 'uuid', description: 'Only the requests about this handover' })),
  ...PageQuery,
})

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(schema: T) => Type.Union([schema, Type.Null()])

export const Approval = Type.Object({
  id: Type.String(),
  office: Type.String({ description: 'The office whose supervisor decides' }),
  step: ApprovalStep,
  handoverId: Type.String(),
  handoverNumber: Type.String(),
  handoverVersion: Type.Integer({ description: 'The version the request was made on (If-Match for an extension or a receipt correction); approved on that version only' }),
  request: Type.Record(Type.String(), Type.Unknown(), { description: 'The step as asked: applied as it stands when approved' }),
  requestedBy: Type.String(),
  requestedAt: Type.String(),
  status: ApprovalStatus,
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Type.String()),
  decisionNote: Nullable(Type.String({ description: 'Why it was rejected' })),
}, { title: 'ApprovalRequest' })
export const ApprovalPage = Type.Object({ items: Type.Array(Approval), nextCursor: Type.Union([Type.String(), Type.Null()]) })

export type ExtensionRequestInput = Static<typeof ExtensionRequestBody>
