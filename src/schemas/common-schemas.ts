// Schema pieces every resource uses: the error body, back-entry fields, pagination, identifiers.
import { Type, type TObject, type TProperties } from '@sinclair/typebox'

/** Objects reject unknown fields everywhere (a 400 FIELD_UNKNOWN names the field). */
export const Strict = <T extends TProperties>(properties: T, options: { description?: string } = {}): TObject<T> =>
  Type.Object(properties, { additionalProperties: false, ...options })

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'Stable machine-readable code, e.g. HANDOVER_NOT_FOUND' }),
    message: Type.String(),
    requestId: Type.String(),
    details: Type.Optional(Type.Unknown()),
    omittedDetails: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Problems found beyond those listed in details (a 400 lists the first 100, in at most 64 KB)' }),
    ),
  },
  { $id: 'ErrorBody', title: 'ErrorBody' },
)

export const DeclarationNumber = Type.String({ format: 'declaration-number', description: 'Số tờ khai: 12 digits' })
export const OfficeCode = Type.String({
  format: 'office-code',
  'x-registered-office': true,
  description: 'Mã hải quan: 4 characters, e.g. 02CI, registered in the office registry (UNKNOWN_OFFICE otherwise)',
})
/** An office code for a new record: registered and in use today (OFFICE_OUT_OF_USE for a code whose valid_to has passed). */
export const OfficeCodeInUse = Type.String({
  ...OfficeCode,
  'x-office-in-use': true,
  description: 'Mã hải quan of an office in use: registered, and not past its valid_to (OFFICE_OUT_OF_USE otherwise)',
})
export const ContainerNumber = Type.String({
  format: 'container-number',
  // As typed, with room for separators; also under the router's limit for a path parameter (100).
  maxLength: 40,
  'x-normalize': 'container-number',
  description: 'ISO 6346 with a valid check digit; lower case, spaces and a dash are accepted and removed ("msku 907032-3" is MSKU9070323)',
})
export const TaxCode = Type.String({
  format: 'tax-code',
  description: 'Mã số thuế: 10 digits or NNNNNNNNNN-NNN (check digit verified), or an individual\'s 12-digit personal identification number',
})
export const HsCode = Type.String({ format: 'hs-code', description: 'HS code, 8 digits (AHTN)' })
export const ProcedureType = Type.String({ format: 'procedure-type', description: 'Mã loại hình, e.g. A11' })
export const DateTime = Type.String({ format: 'date-time' })
export const SealNumber = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9#/-]+$' })
export const Quantity = Type.Number({ exclusiveMinimum: 0, maximum: 1e12 })
export const ShortText = Type.String({ minLength: 1, maxLength: 200 })
export const LongText = Type.String({ maxLength: 2000 })

/** Back-entry after an outage: a paper record keeps its original time and officer. */
export const BackEntryFields = {
  origin: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('paper')], { description: 'online (default) or paper back-entry' })),
  paperRecordedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the paper record was made (required for origin=paper)' })),
  paperOfficer: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Officer who made the paper record' })),
}

export const DEFAULT_PAGE_SIZE = 50
const MAX_PAGE_SIZE = 200

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
}

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  422: ErrorBody,
}

/** A signed link to a print (GET …/print-link): opens without a bearer header until expiresAt. */
export const PrintLinkBody = Type.Object({
  url: Type.String({ description: 'The print as a page; open it in any browser' }),
  pdfUrl: Type.String({ description: 'The print as a PDF laid out as the paper form' }),
  expiresAt: Type.String({ description: 'After this time the link answers 401 PRINT_LINK_EXPIRED' }),
})

const ExportFormatSchema = Type.Unsafe<'csv' | 'xlsx'>({ type: 'string', enum: ['csv', 'xlsx'], default: 'csv', description: 'csv (UTF-8, Excel-ready) or xlsx' })
// Optional in the contract: a request without it gets the default, csv (schemathesis: the document said
// required while the server took a request without it). Typed as present, since validation fills in the
// default before a handler reads it (useDefaults).
const ExportFormat = Type.Optional(ExportFormatSchema) as unknown as typeof ExportFormatSchema

/** The query of a list's export: the list's filters (no page size or cursor: every row) and the format. */
export function ExportQuery<T extends TProperties>(listQuery: TObject<T>) {
  const { limit: _limit, cursor: _cursor, ...filters } = listQuery.properties as TProperties
  return Strict({
    ...filters,
    format: ExportFormat,
  })
}

/** The media types of an export (the `produces` of its route). */
export const EXPORT_PRODUCES = ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']

/** An export's 200: the file, streamed. */
export const ExportFile = {
  description: 'The file, streamed as it is read: Vietnamese headers, times in Vietnam time',
  content: {
    'text/csv': { schema: Type.String() },
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: Type.String({ format: 'binary' }) },
  },
}
