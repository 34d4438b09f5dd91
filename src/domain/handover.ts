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

export const HANDOVER_ACTIONS = [
  'receive',
  'close',
  'markOverdue',
  'openVerification',
  'recordVerificationResult',
  'cancel',
  'amend',
  'extend',
  'correctReceipt',
  'recordIncident',
] as const
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

/**
 * What can happen to goods on the road (sự cố trên đường vận chuyển): a customs seal replaced with a
 * new one (thay niêm phong), the goods transshipped to another vehicle (chuyển tải), the vehicle
 * changed (thay đổi phương tiện vận chuyển).
 */
export const INCIDENT_KINDS = ['SEAL_REPLACED', 'TRANSSHIPPED', 'VEHICLE_CHANGED'] as const
export type IncidentKind = (typeof INCIDENT_KINDS)[number]

/** Each kind as officers write it on paper, notices and prints. */
export const INCIDENT_KIND_LABELS: Readonly<Record<IncidentKind, string>> = {
  SEAL_REPLACED: 'Thay niêm phong hải quan',
  TRANSSHIPPED: 'Chuyển tải sang phương tiện khác',
  VEHICLE_CHANGED: 'Thay đổi phương tiện vận chuyển',
}

/** A customs seal replaced en route: the container's seal before, and the one it carries from then on. */
export interface IncidentSeal {
  containerNumber: string
  oldSeal: string
  newSeal: string
}

/** One en-route incident, recorded by the office where it happened; it made `version` of the handover. */
export interface IncidentRecord {
  version: number
  kind: IncidentKind
  occurredAt: string
  place: string
  /** The office where it happened, whose officer recorded it: either end, or an office along the route. */
  office: string
  recordedBy: string
  recordedAt: string
  reason: string
  note: string | null
  /** The customs seals replaced (empty when none was). */
  seals: IncidentSeal[]
  /** The vehicle before and after a transshipment or vehicle change (null for a seal replacement). */
  previousVehicle: string | null
  vehicle: string | null
  /** The containers moved to the other vehicle (a transshipment of part of the goods); empty otherwise. */
  containerNumbers: string[]
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

/** A handover with its containers, goods lines, receipt, amendments and incidents: one row of the aggregate query. */
export interface HandoverAggregate extends HandoverRecord {
  containers: ContainerRecord[]
  goods: GoodsLineRecord[]
  receipt: ReceiptRecord | null
  /** Oldest first. */
  amendments: AmendmentRecord[]
  /** En-route incidents, oldest first. */
  incidents: IncidentRecord[]
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
