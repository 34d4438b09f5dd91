// The JSON shapes of a handover that clients see (detail and list item), built from the stored
// records. One place, so the GET, the write responses, the audit entry and the print page agree.
import type {
  ContainerRecord,
  GoodsLineRecord,
  HandoverRecord,
  Origin,
  ReceiptRecord,
  SealState,
} from '../db/handover-repository.ts'
import type { HandoverStatus } from './handover-state-machine.ts'

export interface HandoverView {
  id: string
  handoverNumber: string
  status: HandoverStatus
  version: number
  departureOffice: string
  departurePlace: string | null
  destinationOffice: string
  destinationPlace: string
  declarationNumbers: string[]
  containers: Array<{
    containerNumber: string
    carrierSeal: string
    customsSeal: string
    sealState: SealState | null
    newSealNumber: string | null
  }>
  goodsLines: Array<{ description: string; quantity: number; unit: string; marks: string | null }>
  vehicle: string
  route: string
  declarantName: string | null
  handedOverAt: string
  dueAt: string
  handedOverBy: string
  origin: Origin
  enteredBy: string
  paperNumber: string | null
  receipt: {
    receivedAt: string
    receivedBy: string
    enteredBy: string
    origin: Origin
    discrepancies: string[]
    note: string | null
  } | null
  overdueAt: string | null
  verification: {
    openedAt: string
    openedBy: string
    note: string | null
    outcome: 'RESOLVED' | 'VIOLATION' | null
    explanation: string | null
    decidedAt: string | null
    decidedBy: string | null
  } | null
  cancellation: { cancelledAt: string; cancelledBy: string; reason: string } | null
  closure: { closedAt: string; closedBy: string } | null
}

export interface HandoverSummary {
  id: string
  handoverNumber: string
  status: HandoverStatus
  departureOffice: string
  destinationOffice: string
  declarationNumbers: string[]
  containerNumbers: string[]
  vehicle: string
  handedOverAt: string
  dueAt: string
  origin: Origin
  paperNumber: string | null
}

export function handoverView(
  h: HandoverRecord,
  containers: ContainerRecord[],
  goods: GoodsLineRecord[],
  receipt: ReceiptRecord | null,
): HandoverView {
  return {
    id: h.id,
    handoverNumber: h.handoverNumber,
    status: h.status,
    version: h.version,
    departureOffice: h.departureOffice,
    departurePlace: h.departurePlace,
    destinationOffice: h.destinationOffice,
    destinationPlace: h.destinationPlace,
    declarationNumbers: h.declarationNumbers,
    containers: containers.map((c) => ({ ...c })),
    goodsLines: goods.map((g) => ({ ...g })),
    vehicle: h.vehicle,
    route: h.route,
    declarantName: h.declarantName,
    handedOverAt: h.handedOverAt,
    dueAt: h.dueAt,
    handedOverBy: h.handedOverBy,
    origin: h.origin,
    enteredBy: h.enteredBy,
    paperNumber: h.paperNumber,
    receipt: receipt && {
      receivedAt: receipt.receivedAt,
      receivedBy: receipt.receivedBy,
      enteredBy: receipt.enteredBy,
      origin: receipt.origin,
      discrepancies: receipt.discrepancies,
      note: receipt.note,
    },
    overdueAt: h.overdueAt,
    verification: h.verificationOpenedAt
      ? {
          openedAt: h.verificationOpenedAt,
          openedBy: h.verificationOpenedBy as string,
          note: h.verificationNote,
          outcome: h.verificationOutcome,
          explanation: h.verificationExplanation,
          decidedAt: h.verificationDecidedAt,
          decidedBy: h.verificationDecidedBy,
        }
      : null,
    cancellation: h.cancelledAt
      ? { cancelledAt: h.cancelledAt, cancelledBy: h.cancelledBy as string, reason: h.cancelReason as string }
      : null,
    closure: h.closedAt ? { closedAt: h.closedAt, closedBy: h.closedBy as string } : null,
  }
}

export function handoverSummary(h: HandoverRecord, containers: ContainerRecord[]): HandoverSummary {
  return {
    id: h.id,
    handoverNumber: h.handoverNumber,
    status: h.status,
    departureOffice: h.departureOffice,
    destinationOffice: h.destinationOffice,
    declarationNumbers: h.declarationNumbers,
    containerNumbers: containers.map((c) => c.containerNumber),
    vehicle: h.vehicle,
    handedOverAt: h.handedOverAt,
    dueAt: h.dueAt,
    origin: h.origin,
    paperNumber: h.paperNumber,
  }
}
