// What the gate endpoints answer: rows of the eligible list and of its confirmations turned into the
// API's shapes (numbers as numbers, times as ISO strings, "none" seals as null).
import {
  PASSABLE_STATUSES,
  type ConfirmationStatus,
  type GateConfirmationRecord,
  type GateSealState,
  type GateContainerRecord,
  type GateDeclarationRecord,
  type GateLotRecord,
} from '../domain/gate.ts'

export interface ConfirmationView {
  id: string
  declarationNumber: string
  office: string
  kind: 'container' | 'lot'
  containerNumber: string | null
  lotNumber: string | null
  carrierSeal: string | null
  customsSeal: string | null
  quantity: number | null
  weight: number | null
  passedAt: string
  officerId: string
  enteredBy: string
  origin: 'online' | 'paper'
  paperReference: string | null
  recordedAt: string
  status: ConfirmationStatus
  /** The seals as stated at the gate; null when nothing was stated. */
  sealState: GateSealState | null
  sealsFound: { carrierSeal: string | null; customsSeal: string | null } | null
  sealNote: string | null
  heldAt: string | null
  release: { reason: string; releasedAt: string; releasedBy: string; origin: string; recordedAt: string } | null
  cancellation: { reason: string; cancelledAt: string; cancelledBy: string; origin: string; recordedAt: string } | null
}

export interface ContainerView {
  containerNumber: string
  carrierSeal: string | null
  customsSeal: string | null
  confirmed: boolean
  confirmation: ConfirmationView | null
  /** Held at the gate for its seals: not passed, waiting for a supervisor. */
  held: boolean
  hold: ConfirmationView | null
}

export interface LotView extends GateLotRecord {
  fullyPassed: boolean
  confirmations: ConfirmationView[]
}

export interface DeclarationView {
  declarationNumber: string
  office: string
  locationCode: string
  traderName: string
  traderTaxCode: string
  status: string
  passable: boolean
  declarationDate: string
  procedureType: string
  channel: number
  goodsManagementNumber: string | null
  registeredAt: string
  registeredBy: string
  updatedAt: string
  updatedBy: string
  containers: ContainerView[]
  lots: LotView[]
}

export function confirmationView(r: GateConfirmationRecord): ConfirmationView {
  return {
    id: r.id,
    declarationNumber: r.declarationNumber,
    office: r.office,
    kind: r.kind,
    containerNumber: r.kind === 'container' ? r.entryRef : null,
    lotNumber: r.kind === 'lot' ? r.entryRef : null,
    carrierSeal: r.carrierSeal,
    customsSeal: r.customsSeal,
    quantity: r.quantity,
    weight: r.weight,
    passedAt: r.passedAt,
    officerId: r.officerId,
    enteredBy: r.enteredBy,
    origin: r.origin,
    paperReference: r.paperReference,
    recordedAt: r.recordedAt,
    status: r.status,
    sealState: r.sealState,
    sealsFound:
      r.carrierSealFound === null && r.customsSealFound === null ? null : { carrierSeal: r.carrierSealFound, customsSeal: r.customsSealFound },
    sealNote: r.sealNote,
    heldAt: r.heldAt,
    release:
      r.releaseReason === null
        ? null
        : {
            reason: r.releaseReason,
            releasedAt: r.releasedAt as string,
            releasedBy: r.releasedBy ?? '',
            origin: r.releaseOrigin ?? 'online',
            recordedAt: r.releaseRecordedAt as string,
          },
    cancellation:
      r.status === 'CANCELLED'
        ? {
            reason: r.cancelReason ?? '',
            cancelledAt: r.cancelledAt as string,
            cancelledBy: r.cancelledBy ?? '',
            origin: r.cancelOrigin ?? 'online',
            recordedAt: r.cancelRecordedAt as string,
          }
        : null,
  }
}

export function lotView(l: GateLotRecord, confirmations: ConfirmationView[]): LotView {
  const { lotNumber, description, quantity, quantityUnit, totalWeight, weightUnit, quantityPassed, quantityRemaining, weightPassed } = l
  return {
    lotNumber,
    description,
    quantity,
    quantityUnit,
    totalWeight,
    weightUnit,
    quantityPassed,
    quantityRemaining,
    weightPassed,
    fullyPassed: quantityRemaining === 0,
    confirmations,
  }
}

export function declarationView(
  d: GateDeclarationRecord,
  containers: GateContainerRecord[],
  lots: GateLotRecord[],
  active: GateConfirmationRecord[],
): DeclarationView {
  const views = active.map(confirmationView)
  const containerRecords = (status: ConfirmationStatus) =>
    new Map(views.filter((c) => c.kind === 'container' && c.status === status).map((c) => [c.containerNumber, c]))
  const passed = containerRecords('CONFIRMED')
  const held = containerRecords('HELD')
  return {
    declarationNumber: d.declarationNumber,
    office: d.office,
    locationCode: d.locationCode,
    traderName: d.traderName,
    traderTaxCode: d.traderTaxCode,
    status: d.status,
    passable: PASSABLE_STATUSES.includes(d.status),
    declarationDate: d.declarationDate,
    procedureType: d.procedureType,
    channel: d.channel,
    goodsManagementNumber: d.goodsManagementNumber,
    registeredAt: d.registeredAt,
    registeredBy: d.registeredBy,
    updatedAt: d.updatedAt,
    updatedBy: d.updatedBy,
    containers: containers.map((c) => {
      const confirmation = passed.get(c.containerNumber) ?? null
      const hold = held.get(c.containerNumber) ?? null
      return { ...c, confirmed: confirmation !== null, confirmation, held: hold !== null, hold }
    }),
    lots: lots.map((l) => lotView(l, views.filter((c) => c.kind === 'lot' && c.lotNumber === l.lotNumber))),
  }
}
