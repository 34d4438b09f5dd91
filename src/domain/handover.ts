// The goods handover (biên bản bàn giao hàng hóa, BBBG) as records: what the repository returns,
// straight from SQL aliases, and what the services reason about.
import type { Origin } from './write.ts'

export const HANDOVER_STATUSES = [
  'HANDED_OVER',
  'ARRIVED',
  'ARRIVED_WITH_DISCREPANCY',
  'CLOSED',
  'OVERDUE',
  'UNDER_VERIFICATION',
  'RESOLVED',
  'VIOLATION',
  'CANCELLED',
] as const
export type HandoverStatus = (typeof HANDOVER_STATUSES)[number]

export const HANDOVER_ACTIONS = ['receive', 'close', 'markOverdue', 'openVerification', 'recordVerificationResult', 'cancel', 'amend', 'extend', 'correctReceipt'] as const
export type HandoverAction = (typeof HANDOVER_ACTIONS)[number]

export const SEAL_STATES = ['intact', 'broken', 'replaced'] as const
export type SealState = (typeof SEAL_STATES)[number]

export type VerificationOutcome = 'RESOLVED' | 'VIOLATION'

export const HANDOVER_ENTITY = 'handover'

export interface ContainerRecord {
  containerNumber: string
  carrierSeal: string
  customsSeal: string
  sealState: SealState | null
  newSealNumber: string | null
}

export interface GoodsLineRecord {
  description: string
  quantity: number
  unit: string
  marks: string | null
}

export interface ReceiptRecord {
  receivedAt: string
  receivedBy: string
  enteredBy: string
  origin: Origin
  discrepancies: string[]
  note: string | null
  contentHash: string
}

/** What the departure office may amend before receipt (sửa đổi biên bản), as the view names the fields. */
export const AMENDABLE_FIELDS = ['containers', 'goodsLines', 'vehicle', 'route', 'dueAt'] as const
export type AmendableField = (typeof AMENDABLE_FIELDS)[number]

export const AMENDMENT_KINDS = ['amendment', 'extension', 'receipt_correction'] as const
export type AmendmentKind = (typeof AMENDMENT_KINDS)[number]

/** One correction of a handover that made a new version: what changed, why, who, and who approved it. */
export interface AmendmentRecord {
  /** The version the change made. */
  version: number
  kind: AmendmentKind
  amendedAt: string
  amendedBy: string
  enteredBy: string
  origin: Origin
  reason: string
  changes: Record<string, { before: unknown; after: unknown }>
  approvedBy: string | null
  approvedAt: string | null
}

/** One row of handovers; times are ISO strings with milliseconds. */
export interface HandoverRecord {
  id: string
  handoverNumber: string
  status: HandoverStatus
  version: number
  departureOffice: string
  departurePlace: string | null
  destinationOffice: string
  destinationPlace: string
  declarationNumbers: string[]
  vehicle: string
  route: string
  declarantName: string | null
  handedOverAt: string
  dueAt: string
  handedOverBy: string
  origin: Origin
  enteredBy: string
  paperNumber: string | null
  contentHash: string | null
  overdueAt: string | null
  closedAt: string | null
  closedBy: string | null
  cancelledAt: string | null
  cancelledBy: string | null
  cancelReason: string | null
  verificationOpenedAt: string | null
  verificationOpenedBy: string | null
  verificationNote: string | null
  verificationOutcome: VerificationOutcome | null
  verificationExplanation: string | null
  verificationDecidedAt: string | null
  verificationDecidedBy: string | null
}

/** A handover with its containers, goods lines, receipt and amendments: one row of the aggregate query. */
export interface HandoverAggregate extends HandoverRecord {
  containers: ContainerRecord[]
  goods: GoodsLineRecord[]
  receipt: ReceiptRecord | null
  /** Oldest first. */
  amendments: AmendmentRecord[]
}

/** The columns a transition may set besides status and version (a fixed list: never text from a request). */
export interface TransitionColumns {
  overdueAt?: string
  closedAt?: string
  closedBy?: string
  cancelledAt?: string
  cancelledBy?: string
  cancelReason?: string
  verificationOpenedAt?: string
  verificationOpenedBy?: string
  verificationNote?: string | null
  verificationOutcome?: VerificationOutcome
  verificationExplanation?: string
  verificationDecidedAt?: string
  verificationDecidedBy?: string
}
