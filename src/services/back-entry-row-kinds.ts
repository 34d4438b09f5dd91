// How each kind of back-entry row is applied: through the same service call as the online route, so
// a paper record entered in bulk obeys exactly the rules (office scoping, transitions, natural-key
// dedup) of one entered by hand. Row shapes are validated before they get here
// (routes/api/v1/back-entry/row-schemas.ts); `input` carries origin 'paper', paperRecordedAt and
// paperOfficer from the row's originalTime and originalOfficer.
import type { Queryable } from '../db/database.ts'
import { findByPaperNumber } from '../db/handover-repository.ts'
import { searchHandovers } from '../db/handover-search-repository.ts'
import { invalid, notFound } from '../errors.ts'
import { confirmContainer, confirmLot, GATE_CONFIRMATION_ENTITY, type ContainerConfirmationInput, type LotConfirmationInput } from './gate-confirmation-service.ts'
import { createPaperDeclaration, ENTITY_TYPE as PAPER_DECLARATION_ENTITY } from './paper-declaration-service.ts'
import type { CreateDeclarationInput } from './paper-declaration-types.ts'
import { createHandover, ENTITY_TYPE as HANDOVER_ENTITY, receiveHandover, type CreateHandoverInput, type ReceiptInput } from './handover-service.ts'
import type { WriteContext } from './write-context.ts'

export interface AppliedRow {
  /** True when the service recognised the record as already entered (its natural key). */
  duplicate: boolean
  entityType: string
  entityId: string
}

export interface RowKind {
  apply(ctx: WriteContext, input: Record<string, unknown>): Promise<AppliedRow>
}

/** Every kind the upload format names; those missing from ROW_KINDS are rejected as not supported. */
export const ROW_KIND_NAMES = ['handover', 'receipt', 'gate-container', 'gate-lot', 'paper-declaration'] as const
export type RowKindName = (typeof ROW_KIND_NAMES)[number]

interface HandoverReference {
  handoverId?: string
  handoverNumber?: string
  departureOffice?: string
  paperNumber?: string
}

/**
 * A receipt row names its handover by id, by number, or (a handover that was itself made on paper)
 * by departure office and paper form number: during an outage the destination office has the paper
 * minutes, not the id.
 */
async function handoverIdOf(q: Queryable, ref: HandoverReference): Promise<string> {
  if (ref.handoverId) return ref.handoverId
  if (ref.handoverNumber) {
    const [h] = await searchHandovers(q, { office: null, handoverNumber: ref.handoverNumber, after: null }, 1)
    if (!h) throw notFound('HANDOVER_NOT_FOUND', `No handover ${ref.handoverNumber}`)
    return h.id
  }
  if (ref.departureOffice && ref.paperNumber) {
    const h = await findByPaperNumber(q, ref.departureOffice, ref.paperNumber)
    if (!h) throw notFound('HANDOVER_NOT_FOUND', `No handover of office ${ref.departureOffice} with paper number ${ref.paperNumber}`)
    return h.id
  }
  throw invalid([
    { field: 'handoverId', code: 'HANDOVER_REFERENCE_REQUIRED', message: 'give handoverId, handoverNumber, or departureOffice with paperNumber' },
  ])
}

export const ROW_KINDS: Partial<Record<string, RowKind>> = {
  handover: {
    async apply(ctx, input) {
      const { body } = await createHandover(ctx, input as unknown as CreateHandoverInput)
      return { duplicate: body.duplicate, entityType: HANDOVER_ENTITY, entityId: body.id }
    },
  },
  receipt: {
    async apply(ctx, input) {
      const { handoverId, handoverNumber, departureOffice, paperNumber, ...receipt } = input as HandoverReference
      const id = await handoverIdOf(ctx.tx, { handoverId, handoverNumber, departureOffice, paperNumber })
      const { body } = await receiveHandover(ctx, id, receipt as ReceiptInput)
      return { duplicate: body.duplicate, entityType: HANDOVER_ENTITY, entityId: body.id }
    },
  },
  'paper-declaration': {
    async apply(ctx, input) {
      const { body } = await createPaperDeclaration(ctx, input as unknown as CreateDeclarationInput)
      return { duplicate: body.duplicate, entityType: PAPER_DECLARATION_ENTITY, entityId: body.id }
    },
  },
  'gate-container': {
    async apply(ctx, input) {
      const { declarationNumber, containerNumber, ...rest } = input as { declarationNumber: string; containerNumber: string }
      const result = await confirmContainer(ctx, declarationNumber, containerNumber, rest as ContainerConfirmationInput)
      return { duplicate: !result.created, entityType: GATE_CONFIRMATION_ENTITY, entityId: result.confirmation.id }
    },
  },
  'gate-lot': {
    async apply(ctx, input) {
      const { declarationNumber, lotNumber, ...rest } = input as { declarationNumber: string; lotNumber: string }
      const result = await confirmLot(ctx, declarationNumber, lotNumber, rest as unknown as LotConfirmationInput)
      return { duplicate: !result.created, entityType: GATE_CONFIRMATION_ENTITY, entityId: result.confirmation.id }
    },
  },
}
