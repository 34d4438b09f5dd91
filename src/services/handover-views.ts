// The JSON shapes of a handover that clients see (detail and list item), built from the stored
// records. One place, so the GET, the write responses, the audit entry and the print page agree.
import type {
  AmendmentRecord,
  ContainerRecord,
  GoodsLineRecord,
  HandoverAggregate,
  HandoverRecord,
  IncidentRecord,
  ReceiptRecord,
  VerificationOutcome,
} from '../domain/handover.ts'

/** What a view shows of the handover's own columns, as the record has them. */
type ViewedColumns = Pick<HandoverRecord,
  'id' | 'handoverNumber' | 'status' | 'version' | 'departureOffice' | 'departurePlace' | 'destinationOffice' | 'destinationPlace' |
  'declarationNumbers' | 'vehicle' | 'route' | 'declarantName' | 'handedOverAt' | 'dueAt' | 'handedOverBy' | 'origin' | 'enteredBy' |
  'paperNumber' | 'overdueAt'>

export interface HandoverView extends ViewedColumns {
  containers: ContainerRecord[]
  goodsLines: GoodsLineRecord[]
  receipt: Omit<ReceiptRecord, 'contentHash'> | null
  verification: {
    openedAt: string
    openedBy: string
    note: string | null
    outcome: VerificationOutcome | null
    explanation: string | null
    decidedAt: string | null
    decidedBy: string | null
  } | null
  cancellation: { cancelledAt: string; cancelledBy: string; reason: string } | null
  closure: { closedAt: string; closedBy: string } | null
  /** Every correction that made a new version (amendments), oldest first. */
  amendments: AmendmentRecord[]
  /** Every incident on the road, oldest first; each made a new version too. */
  incidents: IncidentRecord[]
}

export function handoverView(h: HandoverAggregate): HandoverView {
  const { containers, goods, receipt } = h
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
    amendments: h.amendments.map((a) => ({ ...a })),
    incidents: h.incidents.map((i) => ({ ...i, seals: i.seals.map((s) => ({ ...s })), containerNumbers: [...i.containerNumbers] })),
  }
}
