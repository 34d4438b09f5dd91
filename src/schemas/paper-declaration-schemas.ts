// TypeBox schemas of /api/v1/paper-declarations (tờ khai giấy): bodies reject unknown fields, and
// the response schemas feed the OpenAPI document.
import { Type, type Static } from '@sinclair/typebox'
import { SEARCH_BOUND_PATTERN } from '../domain/search-bound-pattern.ts'
import {
  BackEntryFields,
  DateTime,
  DeclarationNumber,
  ErrorBody,
  HsCode,
  OfficeCode,
  OfficeCodeInUse,
  PageQuery,
  ProcedureType,
  Quantity,
  Strict,
  TaxCode,
  errorResponses,
} from './common-schemas.ts'
import { CHANNELS, CREATE_STATUSES, FORM_TYPES, STATUSES, type Status } from '../domain/paper-declaration.ts'

// A plain `enum` keyword, so a wrong value answers FIELD_NOT_ALLOWED_VALUE (a union of literals
// would answer FIELD_SHAPE as well).
const Enum = <T extends string | number>(values: readonly T[], description: string) =>
  Type.Unsafe<T>({ type: typeof values[0] === 'number' ? 'integer' : 'string', enum: [...values], description })

// PostgreSQL text cannot hold NUL (the insert would fail with a 500), and control characters have
// no place on a form: refused up front as FIELD_FORMAT. Multi-line texts keep tab and line breaks.
const SingleLine = (minLength: number, maxLength: number, description: string) =>
  Type.String({ minLength, maxLength, pattern: '^[^\\x00-\\x1f\\x7f]*$', description })
const MultiLine = (minLength: number, maxLength: number, description: string) =>
  Type.String({ minLength, maxLength, pattern: '^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$', description })

const ID_PATTERN = '^[0-9]{2}[A-Z0-9]{2}-[0-9]{4}-[1-9][0-9]{0,7}$'

/** VNACCS takes at most 50 goods lines per declaration; a longer paper form is split the same way. */
const MAX_GOODS_LINES = 50

const GoodsLineBody = Strict({
  hsCode: HsCode,
  description: MultiLine(1, 500, 'Mô tả hàng hóa'),
  quantity: { ...Quantity, description: 'Lượng hàng: > 0, at most 3 decimals' },
  unit: Type.String({ pattern: '^[A-Z0-9]{2,3}$', description: 'Đơn vị tính: UN/ECE Rec. 20 code, e.g. KGM, PCE, SET' }),
  value: Type.Number({ minimum: 0, maximum: 1e15, description: 'Trị giá: ≥ 0, at most 4 decimals' }),
  // Checked against ISO lists by the service, so every wrong code answers the same code.
  currency: Type.String({ maxLength: 8, description: 'Mã tiền tệ: ISO 4217, e.g. USD (else INVALID_CURRENCY_CODE)' }),
  originCountry: Type.String({ maxLength: 8, description: 'Xuất xứ: ISO 3166-1 alpha-2, e.g. VN (else INVALID_COUNTRY_CODE)' }),
})

const contentFields = {
  formType: Enum(FORM_TYPES, 'import = HQ/2015/NK (tờ khai hàng nhập khẩu), export = HQ/2015/XK (tờ khai hàng xuất khẩu)'),
  declarationNumber: Type.Optional({ ...DeclarationNumber, description: 'Số tờ khai (12 digits), when assigned' }),
  declarantName: SingleLine(1, 300, 'Người khai hải quan'),
  taxCode: TaxCode,
  procedureType: ProcedureType,
  channel: Enum(CHANNELS, 'Luồng: 1 xanh (green), 2 vàng (yellow), 3 đỏ (red)'),
  inspectionResult: Type.Optional(MultiLine(1, 2000, 'Kết quả kiểm tra')),
  cancelReason: Type.Optional(MultiLine(1, 500, 'Lý do hủy: required with status CANCELLED, refused otherwise')),
  registeredAt: { ...DateTime, description: 'Ngày đăng ký (tiếp nhận); its year (Vietnam time) is the receipt year' },
  goodsLines: Type.Array(GoodsLineBody, { minItems: 1, maxItems: MAX_GOODS_LINES, description: 'Dòng hàng; an update replaces them all' }),
  ...BackEntryFields,
  paperOfficer: Type.Optional(SingleLine(1, 40, 'Officer who made the paper record (default: you)')),
}

export const CreateBody = Strict({
  office: OfficeCodeInUse,
  receiptYear: Type.Integer({ minimum: 2015, maximum: 2100, description: 'Năm tiếp nhận' }),
  receiptNumber: Type.Integer({ minimum: 1, maximum: 99_999_999, description: 'Số tiếp nhận (per office and year)' }),
  status: Type.Optional(Enum(CREATE_STATUSES, 'Trạng thái at entry (default REGISTERED)')),
  ...contentFields,
})
export type CreateDeclarationInput = Static<typeof CreateBody>

export const UpdateBody = Strict({
  status: Enum(STATUSES, 'Trạng thái: REGISTERED → RELEASED → CLEARED, REGISTERED → CLEARED, REGISTERED → CANCELLED'),
  ...contentFields,
})
export type UpdateDeclarationInput = Static<typeof UpdateBody>
/** Everything an update may replace (the paper registration key and the office never change); a create's status is optional. */
export type DeclarationContentInput = Omit<UpdateDeclarationInput, 'status'> & { status?: Status }

export const IdParams = Strict({
  id: Type.String({ pattern: ID_PATTERN, description: 'office-receiptYear-receiptNumber, e.g. 02CI-2025-123' }),
})

// The shape searchBoundOf (services/paper-declaration-rules.ts) reads: a day, or an RFC 3339 date-time
// (or nothing). Published so a client sees it; a day that is not in the calendar stays its refusal.
const SearchBound = (description: string) =>
  Type.String({
    maxLength: 40,
    pattern: SEARCH_BOUND_PATTERN,
    description,
  })

export const SearchQuery = Strict({
  office: Type.Optional(OfficeCode),
  declarationNumber: Type.Optional(DeclarationNumber),
  taxCode: Type.Optional(TaxCode),
  status: Type.Optional(Enum(STATUSES, 'Trạng thái')),
  from: Type.Optional(SearchBound('Registered on or after: YYYY-MM-DD (Vietnam time) or a date-time')),
  to: Type.Optional(SearchBound('Registered on or before: YYYY-MM-DD (whole day) or a date-time')),
  ...PageQuery,
})
export type DeclarationSearchInput = Static<typeof SearchQuery>

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])

const header = {
  id: Type.String(),
  office: Type.String(),
  receiptYear: Type.Integer(),
  receiptNumber: Type.Integer(),
  formType: Type.String(),
  declarationNumber: Nullable(Type.String()),
  declarantName: Type.String(),
  taxCode: Type.String(),
  procedureType: Type.String(),
  channel: Type.Integer(),
  inspectionResult: Nullable(Type.String()),
  status: Type.String(),
  cancelReason: Nullable(Type.String()),
  registeredAt: Type.String(),
  version: Type.Integer({ description: 'Sent back as If-Match: "<version>" to update' }),
  origin: Type.String({ description: 'online, or paper (back-entry after an outage)' }),
  recordedAt: Type.String({ description: 'When the record was made (the paper time for a back-entry)' }),
  recordedBy: Type.String({ description: 'Who made it (the paper officer for a back-entry)' }),
  enteredAt: Type.String({ description: 'When it was entered into the system' }),
  enteredBy: Type.String({ description: 'The officer who entered it' }),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
}

const GoodsLineView = Type.Object({
  lineNo: Type.Integer(),
  hsCode: Type.String(),
  description: Type.String(),
  quantity: Type.Number(),
  unit: Type.String(),
  value: Type.Number(),
  currency: Type.String(),
  originCountry: Type.String(),
})

export const DeclarationView = Type.Object({ ...header, goodsLines: Type.Array(GoodsLineView) })
export const CreatedView = Type.Object({
  ...header,
  goodsLines: Type.Array(GoodsLineView),
  duplicate: Type.Boolean({ description: 'true: this paper form was already entered with the same content' }),
})
export const SearchPage = Type.Object({
  items: Type.Array(Type.Object({ ...header, goodsLineCount: Type.Integer() })),
  nextCursor: Nullable(Type.String()),
})

export const readErrorResponses = errorResponses
export const writeErrorResponses = { ...errorResponses, 412: ErrorBody, 428: ErrorBody }

// Documentation only: the handlers parse these (a schema cannot say "required, else 428").
export const UpdateHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'Required: "<version>", the ETag of the declaration you read (else 428; stale → 412)' })),
  'idempotency-key': Type.Optional(Type.String({ description: 'Optional: a retry with the same key and body answers the stored response' })),
})
export const CreateHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: 'Optional: a retry with the same key and body answers the stored response' })),
})
export const ReadHeaders = Type.Object({
  'if-none-match': Type.Optional(Type.String({ description: 'The ETag you hold: 304 when the declaration is unchanged' })),
})
