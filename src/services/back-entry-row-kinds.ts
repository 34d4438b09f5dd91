// How each kind of back-entry row is applied: through the same service call as the online route, so
// a paper record entered in bulk obeys exactly the rules (office scoping, transitions, natural-key
// dedup) of one entered by hand. Row shapes are validated before they get here
// (routes/api/v1/back-entry/row-schemas.ts); `input` carries origin 'paper', paperRecordedAt and
// paperOfficer from the row's originalTime and originalOfficer.
import { invalid, notFound } from '../domain/errors.ts'
import { GATE_CONFIRMATION_ENTITY } from '../domain/gate.ts'
import { HANDOVER_ENTITY } from '../domain/handover.ts'
import { PAPER_DECLARATION_ENTITY } from '../domain/paper-declaration.ts'
import type { ChangeCount, WriteOutcome } from '../domain/write.ts'
import type { Queryable } from '../db/database.ts'
import { findByPaperNumber } from '../db/handover-repository.ts'
import { searchHandovers } from '../db/handover-search-repository.ts'
import type { RowKindName } from '../schemas/back-entry-row-schemas.ts'
import type { ContainerConfirmationInput, LotConfirmationInput } from '../schemas/gate-schemas.ts'
import type { CreateHandoverInput, ReceiptInput } from '../schemas/handover-schemas.ts'
import type { CreateDeclarationInput } from '../schemas/paper-declaration-schemas.ts'
import { confirmContainer, confirmLot } from './gate-confirmation-service.ts'
import { createHandover, receiveHandover } from './handover-service.ts'
import { createPaperDeclaration } from './paper-declaration-service.ts'
import type { WriteContext } from './write-context.ts'

export interface AppliedRow {
  /** True when the service recognised the record as already entered (its natural key). */
  duplicate: boolean
  entityType: string
  entityId: string
  changes: ChangeCount[]
}

/**
 * How one kind of row is applied, inside the row's transaction `tx`. The row's data was checked
 * against its kind's schema at upload (schemas/back-entry-row-schemas.ts) and is read back from the
 * batch as stored JSON, hence the typed reading below.
 */
export interface RowKind {
  apply(tx: Queryable, ctx: WriteContext, input: Record<string, unknown>): Promise<AppliedRow>
}

interface HandoverReference {
  handoverId?: string
  handoverNumber?: string
  departureOffice?: string
  paperNumber?: string
}

/** A row's result: a back-entry row carries no idempotency claim, so its outcome is never a replay. */
function appliedOf<V extends { id: string }>(entityType: string, outcome: WriteOutcome<V>): AppliedRow {
  if (outcome.kind === 'replayed') throw new Error('a back-entry row has no idempotency claim to replay')
  const view = outcome.kind === 'duplicate' ? outcome.existing : outcome.view
  return { duplicate: outcome.kind === 'duplicate', entityType, entityId: view.id, changes: outcome.changes }
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

export const ROW_KINDS: Partial<Record<RowKindName, RowKind>> = {
  handover: {
    async apply(tx, ctx, input) {
      return appliedOf(HANDOVER_ENTITY, await createHandover(tx, ctx, input as unknown as CreateHandoverInput))
    },
  },
  receipt: {
    async apply(tx, ctx, input) {
      const { handoverId, handoverNumber, departureOffice, paperNumber, ...receipt } = input as HandoverReference
      const id = await handoverIdOf(tx, { handoverId, handoverNumber, departureOffice, paperNumber })
      return appliedOf(HANDOVER_ENTITY, await receiveHandover(tx, ctx, id, receipt as ReceiptInput))
    },
  },
  'paper-declaration': {
    async apply(tx, ctx, input) {
      return appliedOf(PAPER_DECLARATION_ENTITY, await createPaperDeclaration(tx, ctx, input as unknown as CreateDeclarationInput))
    },
  },
  'gate-container': {
    async apply(tx, ctx, input) {
      const { declarationNumber, containerNumber, ...rest } = input as { declarationNumber: string; containerNumber: string }
      return appliedOf(GATE_CONFIRMATION_ENTITY, await confirmContainer(tx, ctx, declarationNumber, containerNumber, rest as ContainerConfirmationInput))
    },
  },
  'gate-lot': {
    async apply(tx, ctx, input) {
      const { declarationNumber, lotNumber, ...rest } = input as { declarationNumber: string; lotNumber: string }
      const outcome = await confirmLot(tx, ctx, declarationNumber, lotNumber, rest as unknown as LotConfirmationInput)
      return appliedOf(GATE_CONFIRMATION_ENTITY, outcome)
    },
  },
}
