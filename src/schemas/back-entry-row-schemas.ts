// The shape of each kind of back-entry row: the online route's own body schema (so a bulk row is
// held to exactly the same field rules and codes), plus the identifiers that the online route takes
// from its URL. Validated at upload with the app's Ajv for bodies (formats, no type coercion: a CSV
// row's numbers are read from its text first, services/back-entry-parser.ts numbersFromCsvText).
import { Type, type TSchema } from '@sinclair/typebox'
import { DateTime, OfficeCode, Strict } from './common-schemas.ts'
import { CreateBody as PaperDeclarationBody } from './paper-declaration-schemas.ts'
import { ContainerConfirmationBody, ContainerParams, LotConfirmationBody, LotParams } from './gate-schemas.ts'
import { CreateHandoverBody, ReceiptBody } from './handover-schemas.ts'

/** Every kind the upload format names; those the service cannot apply are rejected as not supported. */
export const ROW_KIND_NAMES = ['handover', 'receipt', 'gate-container', 'gate-lot', 'paper-declaration'] as const
export type RowKindName = (typeof ROW_KIND_NAMES)[number]

export const ROW_SCHEMAS: Record<RowKindName, TSchema> = {
  handover: CreateHandoverBody,
  receipt: Strict({
    handoverId: Type.Optional(Type.String({ format: 'uuid', description: 'The handover, by id' })),
    handoverNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Or by its number, e.g. BBBG-02CI-2026-000123' })),
    departureOffice: Type.Optional({ ...OfficeCode, description: 'Or by departure office + paper form number' }),
    paperNumber: CreateHandoverBody.properties.paperNumber,
    ...ReceiptBody.properties,
  }),
  'gate-container': Strict({ ...ContainerParams.properties, ...ContainerConfirmationBody.properties }),
  'gate-lot': Strict({
    declarationNumber: LotParams.properties.declarationNumber,
    lotNumber: LotParams.properties.lotNo,
    ...LotConfirmationBody.properties,
  }),
  'paper-declaration': PaperDeclarationBody,
}

/** The row's own fields: when the paper record was made and by whom. */
export const RowOwnFields = Type.Object({
  originalTime: { ...DateTime, description: 'When the paper record was made (becomes paperRecordedAt)' },
  originalOfficer: Type.String({ minLength: 1, maxLength: 40, description: 'Officer who made the paper record (paperOfficer)' }),
})
