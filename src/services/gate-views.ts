// What the gate endpoints answer: rows of the eligible list and of its confirmations turned into the
// API's shapes (numbers as numbers, times as ISO strings, "none" seals as null).
import type { GateConfirmationRow } from '../db/gate-confirmation-repository.ts'
import type { GateContainerRow, GateDeclarationRow, GateLotRow } from '../db/gate-declaration-repository.ts'

/** Statuses of a declaration (trạng thái tờ khai) and whether its goods may pass the gate. */
export const DECLARATION_STATUSES = ['CLEARED', 'RELEASED', 'BROUGHT_TO_STORAGE', 'NOT_CLEARED', 'CANCELLED'] as const
export type DeclarationStatus = (typeof DECLARATION_STATUSES)[number]
export const PASSABLE_STATUSES: readonly string[] = ['CLEARED', 'RELEASED', 'BROUGHT_TO_STORAGE']

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
  status: 'CONFIRMED' | 'CANCELLED'
  cancellation: { reason: string; cancelledAt: string; cancelledBy: string; origin: string; recordedAt: string } | null
}

export interface ContainerView {
  containerNumber: string
  carrierSeal: string | null
  customsSeal: string | null
  confirmed: boolean
  confirmation: ConfirmationView | null
}

export interface LotView {
  lotNumber: string
  description: string
  quantity: number
  quantityUnit: string
  totalWeight: number
  weightUnit: string
  quantityPassed: number
  quantityRemaining: number
  weightPassed: number
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

const iso = (d: Date) => d.toISOString()
const num = (s: string | null) => (s === null ? null : Number(s))

export function confirmationView(r: GateConfirmationRow): ConfirmationView {
  return {
    id: r.id,
    declarationNumber: r.declaration_number,
    office: r.office,
    kind: r.kind,
    containerNumber: r.kind === 'container' ? r.entry_ref : null,
    lotNumber: r.kind === 'lot' ? r.entry_ref : null,
    carrierSeal: r.carrier_seal,
    customsSeal: r.customs_seal,
    quantity: num(r.quantity),
    weight: num(r.weight),
    passedAt: iso(r.passed_at),
    officerId: r.officer_id,
    enteredBy: r.entered_by,
    origin: r.origin,
    paperReference: r.paper_reference,
    recordedAt: iso(r.recorded_at),
    status: r.status,
    cancellation:
      r.status === 'CANCELLED'
        ? {
            reason: r.cancel_reason ?? '',
            cancelledAt: iso(r.cancelled_at as Date),
            cancelledBy: r.cancelled_by ?? '',
            origin: r.cancel_origin ?? 'online',
            recordedAt: iso(r.cancel_recorded_at as Date),
          }
        : null,
  }
}

export function lotView(l: GateLotRow, confirmations: ConfirmationView[]): LotView {
  const remaining = Number(l.quantity_remaining)
  return {
    lotNumber: l.lot_number,
    description: l.description,
    quantity: Number(l.quantity),
    quantityUnit: l.quantity_unit,
    totalWeight: Number(l.total_weight),
    weightUnit: l.weight_unit,
    quantityPassed: Number(l.quantity_passed),
    quantityRemaining: remaining,
    weightPassed: Number(l.weight_passed),
    fullyPassed: remaining === 0,
    confirmations,
  }
}

export function declarationView(
  d: GateDeclarationRow,
  containers: GateContainerRow[],
  lots: GateLotRow[],
  active: GateConfirmationRow[],
): DeclarationView {
  const views = active.map(confirmationView)
  const byContainer = new Map(views.filter((c) => c.kind === 'container').map((c) => [c.containerNumber, c]))
  return {
    declarationNumber: d.declaration_number,
    office: d.office,
    locationCode: d.location_code,
    traderName: d.trader_name,
    traderTaxCode: d.trader_tax_code,
    status: d.status,
    passable: PASSABLE_STATUSES.includes(d.status),
    declarationDate: d.declaration_date,
    procedureType: d.procedure_type,
    channel: d.channel,
    goodsManagementNumber: d.goods_management_number,
    registeredAt: iso(d.registered_at),
    registeredBy: d.registered_by,
    updatedAt: iso(d.updated_at),
    updatedBy: d.updated_by,
    containers: containers.map((c) => {
      const confirmation = byContainer.get(c.container_number) ?? null
      return {
        containerNumber: c.container_number,
        carrierSeal: c.carrier_seal,
        customsSeal: c.customs_seal,
        confirmed: confirmation !== null,
        confirmation,
      }
    }),
    lots: lots.map((l) => lotView(l, views.filter((c) => c.kind === 'lot' && c.lotNumber === l.lot_number))),
  }
}
