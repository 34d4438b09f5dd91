// Approvals (phê duyệt) as records: a step the rules reserve for a supervisor, asked for by an officer
// of the office that takes it, waiting for a supervisor of that office (migrations/019_approval_requests.sql).

/** The supervisor's steps an officer may ask for, each applied as the direct step would be. */
export const APPROVAL_STEPS = ['extension', 'cancellation', 'verification_result', 'receipt_correction'] as const
export type ApprovalStep = (typeof APPROVAL_STEPS)[number]

export const APPROVAL_STATUSES = ['PENDING', 'APPROVED', 'REJECTED'] as const
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number]

export const APPROVAL_ENTITY = 'approval'

export interface ApprovalRecord {
  id: string
  office: string
  step: ApprovalStep
  handoverId: string
  /** The handover's version the request was made on (the If-Match of the steps that name one). */
  handoverVersion: number
  /** The step's request body, applied as it stands when approved. */
  request: Record<string, unknown>
  requestedBy: string
  requestedAt: string
  status: ApprovalStatus
  decidedBy: string | null
  decidedAt: string | null
  decisionNote: string | null
}

/** The supervisor's decision a write carries when it applies an approved step: it marks the request in the same statement. */
export interface ApprovalDecision {
  approvalId: string
  decidedBy: string
  decidedAt: string
}
