// TypeBox schemas of /api/v1/handovers: request bodies reject unknown fields (Strict), identifiers
// use the registered formats (a bad container check digit is 400 INVALID_CONTAINER_NUMBER naming
// the field), and response schemas feed the OpenAPI document.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import {
  BackEntryFields,
  ContainerNumber,
  DateTime,
  DeclarationNumber,
  LongText,
  OfficeCode,
  OfficeCodeInUse,
  PageQuery,
  Quantity,
  SealNumber,
  ShortText,
  Strict,
} from './common-schemas.ts'
import { HANDOVER_STATUSES, INCIDENT_KINDS, SEAL_STATES } from '../domain/handover.ts'

/** A string from a fixed list; Ajv reports FIELD_NOT_ALLOWED_VALUE (a union of literals would report its branches). */
export const StringEnum = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) })

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

export const HandoverStatus = StringEnum(HANDOVER_STATUSES, 'Trạng thái biên bản')
export const SealState = StringEnum(SEAL_STATES, 'Tình trạng niêm phong: nguyên vẹn / bị hỏng / thay thế')
const PaperNumber = Type.String({
  minLength: 1,
  maxLength: 40,
  pattern: '^[A-Za-z0-9/._-]+$',
  description: 'Số biên bản giấy (mẫu 10/BBBG/GSQL); required for origin=paper',
})

export const IdParams = Strict({ id: Type.String({ format: 'uuid', description: 'Handover id (uuid)' }) })

const ContainerList = Type.Array(
  Strict({
    containerNumber: ContainerNumber,
    carrierSeal: { ...SealNumber, description: 'Số niêm phong hãng vận chuyển' },
    customsSeal: { ...SealNumber, description: 'Số niêm phong hải quan' },
  }),
  { maxItems: 200 },
)
const GoodsLineList = Type.Array(
  Strict({
    description: Type.String({ minLength: 1, maxLength: 500 }),
    quantity: Quantity,
    unit: Type.String({ minLength: 1, maxLength: 20 }),
    marks: Type.Optional(Type.String({ maxLength: 200 })),
  }),
  { maxItems: 200 },
)
const Vehicle = { ...ShortText, description: 'Phương tiện vận chuyển, e.g. truck plate 51C-123.45' }
const Route = Type.String({ minLength: 1, maxLength: 1000, description: 'Tuyến đường đã đăng ký' })
export const Reason = Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S', description: 'Lý do' })

export const CreateHandoverBody = Strict({
  departureOffice: Type.Optional(OfficeCodeInUse),
  departurePlace: Type.Optional(ShortText),
  destinationOffice: { ...OfficeCodeInUse, description: 'Chi cục Hải quan nơi đến: a registered office in use, not your own' },
  destinationPlace: ShortText,
  declarationNumbers: Type.Array(DeclarationNumber, { minItems: 1, maxItems: 50, uniqueItems: true }),
  containers: Type.Optional(ContainerList),
  goodsLines: Type.Optional(GoodsLineList),
  vehicle: Vehicle,
  route: Route,
  dueAt: { ...DateTime, description: 'Thời hạn: when the goods must reach the destination' },
  declarantName: Type.Optional(ShortText),
  paperNumber: Type.Optional(PaperNumber),
  ...BackEntryFields,
})

/** The seal state of each container as found at the destination. */
const SealStateList = Type.Array(
  Strict({
    containerNumber: ContainerNumber,
    sealState: SealState,
    newSealNumber: Type.Optional({ ...SealNumber, description: 'Required when sealState is replaced' }),
  }),
  { maxItems: 200 },
)
const DiscrepancyList = Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), { maxItems: 100 })

export const ReceiptBody = Strict({
  arrivedAt: Type.Optional({
    ...DateTime,
    description:
      'Thời điểm hàng đến: when the goods actually arrived, if earlier than now (default: now; for a paper receipt, ' +
      'paperRecordedAt). Not in the future, not before the handover; lateness is judged on it. Stored as receipt.receivedAt.',
  }),
  containers: Type.Optional(SealStateList),
  discrepancies: Type.Optional(DiscrepancyList),
  note: Type.Optional(LongText),
  ...BackEntryFields,
})

export const ReceiptCorrectionBody = Strict({
  reason: { ...Reason, description: 'Lý do điều chỉnh: why the recorded receipt is corrected' },
  arrivedAt: Type.Optional({ ...DateTime, description: 'The corrected arrival time: not in the future, not before the handover' }),
  containers: Type.Optional({ ...SealStateList, description: 'The seal state of every container as it should have been recorded' }),
  discrepancies: Type.Optional({ ...DiscrepancyList, description: 'All discrepancies as they should have been recorded (replaces the list)' }),
  note: Type.Optional(LongText),
})

export const AmendmentBody = Strict({
  reason: { ...Reason, description: 'Lý do sửa đổi: why the handover is amended' },
  containers: Type.Optional({ ...ContainerList, description: 'The whole container list as it should be (replaces the old one)' }),
  goodsLines: Type.Optional({ ...GoodsLineList, description: 'All goods lines as they should be (replace the old ones)' }),
  vehicle: Type.Optional(Vehicle),
  route: Type.Optional(Route),
  dueAt: Type.Optional({ ...DateTime, description: 'A new time limit; a later one than the current is an extension' }),
  ...BackEntryFields,
})

/** The customs seals replaced on the road, each with the seal it replaced. */
const IncidentSealList = Type.Array(
  Strict({
    containerNumber: ContainerNumber,
    oldSeal: { ...SealNumber, description: 'Số niêm phong hải quan cũ: the customs seal the container carried, as the handover says' },
    newSeal: { ...SealNumber, description: 'Số niêm phong hải quan mới: the seal it carries from here on' },
  }),
  { minItems: 1, maxItems: 200 },
)
export const IncidentKind = StringEnum(
  INCIDENT_KINDS,
  'SEAL_REPLACED (thay niêm phong hải quan), TRANSSHIPPED (chuyển tải sang phương tiện khác), VEHICLE_CHANGED (thay đổi phương tiện vận chuyển)',
)

export const IncidentBody = Strict({
  kind: IncidentKind,
  office: {
    ...OfficeCodeInUse,
    description: 'Chi cục Hải quan nơi xảy ra sự cố: your own office — either end of the handover, or an office along the route',
  },
  occurredAt: { ...DateTime, description: 'Thời điểm xảy ra: not in the future, not before the handover' },
  place: { ...ShortText, description: 'Địa điểm xảy ra, e.g. "Km 1875+500 QL1A, Biên Hòa"' },
  reason: { ...Reason, description: 'Lý do: what happened, e.g. "Niêm phong bị cắt để kiểm tra", "Xe hỏng"' },
  note: Type.Optional(LongText),
  seals: Type.Optional({
    ...IncidentSealList,
    description: 'The customs seals replaced: required for SEAL_REPLACED, allowed for TRANSSHIPPED (re-sealed after the transshipment)',
  }),
  vehicle: Type.Optional({
    ...Vehicle,
    description: 'Required for TRANSSHIPPED and VEHICLE_CHANGED: the vehicle carrying the goods from here on, as the handover will name it',
  }),
  containerNumbers: Type.Optional(
    Type.Array(ContainerNumber, {
      minItems: 1,
      maxItems: 200,
      description: 'TRANSSHIPPED only: the containers moved to the other vehicle, when not all of them were',
    }),
  ),
})

/** Documentation only: the handler parses If-Match (a schema cannot say "required, else 428"). */
export const AmendmentHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'Required: "<version>", the ETag of the handover you read (else 428; stale → 412)' })),
  'idempotency-key': Type.Optional(Type.String({ description: 'A retry with the same key and body answers the stored response' })),
})

export const CloseBody = Strict({ ...BackEntryFields })
export const CancelBody = Strict({ reason: Type.String({ minLength: 1, maxLength: 1000 }), ...BackEntryFields })
export const OpenVerificationBody = Strict({ note: Type.Optional(LongText), ...BackEntryFields })
export const VerificationResultBody = Strict({
  outcome: StringEnum(['RESOLVED', 'VIOLATION'] as const, 'RESOLVED (no violation) or VIOLATION'),
  explanation: Type.String({ minLength: 1, maxLength: 2000 }),
  ...BackEntryFields,
})
export const OverdueScanBody = Strict({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) })

export const SearchQuery = Strict({
  declarationNumber: Type.Optional(DeclarationNumber),
  containerNumber: Type.Optional(ContainerNumber),
  sealNumber: Type.Optional({ ...SealNumber, description: 'Carrier, customs or replacement seal' }),
  handoverNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  status: Type.Optional(HandoverStatus),
  office: Type.Optional({ ...OfficeCode, description: 'Departure or destination office (admins only for another office)' }),
  from: Type.Optional({ ...DateTime, description: 'Handed over at or after' }),
  to: Type.Optional({ ...DateTime, description: 'Handed over at or before' }),
  ...PageQuery,
})

export const OverdueQuery = Strict({ office: Type.Optional(OfficeCode), ...PageQuery })

const Container = Type.Object({
  containerNumber: Type.String(),
  carrierSeal: Type.String(),
  customsSeal: Type.String(),
  sealState: Nullable(SealState),
  newSealNumber: Nullable(Type.String()),
}, { title: 'HandoverContainer' })

const handoverProperties = {
  id: Type.String(),
  handoverNumber: Type.String({ description: 'Số biên bản, e.g. BBBG-02CI-2026-000123' }),
  status: HandoverStatus,
  version: Type.Integer(),
  departureOffice: Type.String(),
  departurePlace: Nullable(Type.String()),
  destinationOffice: Type.String(),
  destinationPlace: Type.String(),
  declarationNumbers: Type.Array(Type.String()),
  containers: Type.Array(Container),
  goodsLines: Type.Array(
    Type.Object({ description: Type.String(), quantity: Type.Number(), unit: Type.String(), marks: Nullable(Type.String()) }),
  ),
  vehicle: Type.String(),
  route: Type.String(),
  declarantName: Nullable(Type.String()),
  handedOverAt: Type.String(),
  dueAt: Type.String(),
  handedOverBy: Type.String(),
  origin: Type.String(),
  enteredBy: Type.String(),
  paperNumber: Nullable(Type.String()),
  receipt: Nullable(
    Type.Object({
      receivedAt: Type.String(),
      receivedBy: Type.String(),
      enteredBy: Type.String(),
      origin: Type.String(),
      discrepancies: Type.Array(Type.String()),
      note: Nullable(Type.String()),
    }),
  ),
  overdueAt: Nullable(Type.String()),
  verification: Nullable(
    Type.Object({
      openedAt: Type.String(),
      openedBy: Type.String(),
      note: Nullable(Type.String()),
      outcome: Nullable(Type.String()),
      explanation: Nullable(Type.String()),
      decidedAt: Nullable(Type.String()),
      decidedBy: Nullable(Type.String()),
    }),
  ),
  cancellation: Nullable(Type.Object({ cancelledAt: Type.String(), cancelledBy: Type.String(), reason: Type.String() })),
  closure: Nullable(Type.Object({ closedAt: Type.String(), closedBy: Type.String() })),
  amendments: Type.Array(
    Type.Object({
      version: Type.Integer({ description: 'The version this change made' }),
      kind: Type.String({ description: 'amendment (sửa đổi), extension (gia hạn), receipt_correction (điều chỉnh tiếp nhận)' }),
      amendedAt: Type.String(),
      amendedBy: Type.String(),
      enteredBy: Type.String(),
      origin: Type.String(),
      reason: Type.String(),
      changes: Type.Record(Type.String(), Type.Object({ before: Type.Unknown(), after: Type.Unknown() }), {
        description: 'Each changed field with its value before and after',
      }),
      approvedBy: Nullable(Type.String()),
      approvedAt: Nullable(Type.String()),
    }, { title: 'HandoverAmendment' }),
    { description: 'Lịch sử sửa đổi: every correction that made a new version, oldest first' },
  ),
  incidents: Type.Array(
    Type.Object({
      version: Type.Integer({ description: 'The version this incident made' }),
      kind: IncidentKind,
      occurredAt: Type.String(),
      place: Type.String(),
      office: Type.String({ description: 'The office where it happened, whose officer recorded it' }),
      recordedBy: Type.String(),
      recordedAt: Type.String(),
      reason: Type.String(),
      note: Nullable(Type.String()),
      seals: Type.Array(Type.Object({ containerNumber: Type.String(), oldSeal: Type.String(), newSeal: Type.String() })),
      previousVehicle: Nullable(Type.String()),
      vehicle: Nullable(Type.String()),
      containerNumbers: Type.Array(Type.String()),
    }, { title: 'HandoverIncident' }),
    { description: 'Sự cố trên đường vận chuyển: every en-route incident, oldest first' },
  ),
}

export const Handover = Type.Object(handoverProperties, { title: 'Handover' })
export const HandoverWriteResult = Type.Object({
  ...handoverProperties,
  duplicate: Type.Boolean({ description: 'true when this paper record was already entered: the existing record is returned' }),
}, { title: 'HandoverWriteResult' })

export const HandoverPage = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      handoverNumber: Type.String(),
      status: HandoverStatus,
      departureOffice: Type.String(),
      destinationOffice: Type.String(),
      declarationNumbers: Type.Array(Type.String()),
      containerNumbers: Type.Array(Type.String()),
      vehicle: Type.String(),
      handedOverAt: Type.String(),
      dueAt: Type.String(),
      origin: Type.String(),
      paperNumber: Nullable(Type.String()),
    }),
  ),
  nextCursor: Nullable(Type.String()),
})

export const OverdueScanResult = Type.Object({
  marked: Type.Array(Type.Object({ id: Type.String(), handoverNumber: Type.String(), dueAt: Type.String() })),
  more: Type.Boolean(),
  notices: Type.Integer({ description: 'Notices raised: one to each office of every handover marked (departure and destination)' }),
})

export type CreateHandoverInput = Static<typeof CreateHandoverBody>
export type ReceiptInput = Static<typeof ReceiptBody>
export type CloseHandoverInput = Static<typeof CloseBody>
export type AmendmentInput = Static<typeof AmendmentBody>
export type ReceiptCorrectionInput = Static<typeof ReceiptCorrectionBody>
export type IncidentInput = Static<typeof IncidentBody>
export type CancelHandoverInput = Static<typeof CancelBody>
export type OpenVerificationInput = Static<typeof OpenVerificationBody>
export type VerificationResultInput = Static<typeof VerificationResultBody>
export type HandoverSearchInput = Static<typeof SearchQuery>
export type OverdueListInput = Static<typeof OverdueQuery>
