// Confirming goods pass the customs supervision area (xác nhận hàng qua KVGS): the eligible list of a
// declaration and the gate confirmations, as records in the app's naming.
import type { Origin } from './write.ts'

/** Statuses of a declaration (trạng thái tờ khai) and whether its goods may pass the gate. */
export const DECLARATION_STATUSES = ['CLEARED', 'RELEASED', 'BROUGHT_TO_STORAGE', 'NOT_CLEARED', 'CANCELLED'] as const
export type DeclarationStatus = (typeof DECLARATION_STATUSES)[number]
export const PASSABLE_STATUSES: readonly string[] = ['CLEARED', 'RELEASED', 'BROUGHT_TO_STORAGE']

export const GATE_DECLARATION_ENTITY = 'gate_declaration'
export const GATE_CONFIRMATION_ENTITY = 'gate_confirmation'

export type ConfirmationKind = 'container' | 'lot'
/** CONFIRMED: passed. HELD: stopped at the gate for its seals, until a supervisor decides. CANCELLED. */
export const CONFIRMATION_STATUSES = ['CONFIRMED', 'HELD', 'CANCELLED'] as const
export type ConfirmationStatus = (typeof CONFIRMATION_STATUSES)[number]

/**
 * The seals of a container as the gate officer finds them against the eligible list (tình trạng niêm
 * phong tại cổng): intact, broken, missing, or of another number than the list's.
 */
export const GATE_SEAL_STATES = ['INTACT', 'BROKEN', 'MISSING', 'DIFFERENT_NUMBER'] as const
export type GateSealState = (typeof GATE_SEAL_STATES)[number]

export interface GateDeclarationRecord {
  declarationNumber: string
  office: string
  locationCode: string
  traderName: string
  traderTaxCode: string
  status: string
  /** YYYY-MM-DD */
  declarationDate: string
  procedureType: string
  channel: number
  goodsManagementNumber: string | null
  contentHash: string
  registeredAt: string
  registeredBy: string
  updatedAt: string
  updatedBy: string
}

export interface GateContainerRecord {
  containerNumber: string
  carrierSeal: string | null
  customsSeal: string | null
}

export interface GateLotRecord {
  lotNumber: string
  description: string
  quantity: number
  quantityUnit: string
  totalWeight: number
  weightUnit: string
  quantityPassed: number
  quantityRemaining: number
  weightPassed: number
}

export interface GateConfirmationRecord {
  id: string
  declarationNumber: string
  office: string
  kind: ConfirmationKind
  /** The container number or the lot number. */
  entryRef: string
  carrierSeal: string | null
  customsSeal: string | null
  quantity: number | null
  weight: number | null
  passedAt: string
  officerId: string
  enteredBy: string
  origin: Origin
  paperReference: string | null
  recordedAt: string
  status: ConfirmationStatus
  /** What the officer stated about the seals; null when nothing was stated. */
  sealState: GateSealState | null
  carrierSealFound: string | null
  customsSealFound: string | null
  sealNote: string | null
  /** When the container was held for its seals (null if it never was). */
  heldAt: string | null
  releaseReason: string | null
  releasedAt: string | null
  releasedBy: string | null
  releaseOrigin: Origin | null
  releaseRecordedAt: string | null
  cancelReason: string | null
  cancelledAt: string | null
  cancelledBy: string | null
  cancelOrigin: Origin | null
  cancelRecordedAt: string | null
}

/** A decision on a gate record (a cancellation, a release): why, when, by whom, and how it was recorded. */
export interface GateDecision {
  reason: string
  /** When it was decided: the paper's own time for a paper record. */
  at: string
  by: string
  origin: Origin
  recordedAt: string
}
