// Request and response schemas of /api/v1/gate (xác nhận hàng qua khu vực giám sát).
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import {
  BackEntryFields,
  ContainerNumber,
  DateTime,
  DeclarationNumber,
  OfficeCode,
  OfficeCodeInUse,
  PageQuery,
  ProcedureType,
  Quantity,
  SealNumber,
  ShortText,
  Strict,
  TaxCode,
} from './common-schemas.ts'
import {
  CONFIRMATION_STATUSES,
  DECLARATION_STATUSES,
  GATE_SEAL_STATES,
  type ConfirmationStatus,
  type DeclarationStatus,
  type GateSealState,
} from '../domain/gate.ts'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

// An enum keyword (not a union of literals) so a wrong value reports one FIELD_NOT_ALLOWED_VALUE.
const DeclarationStatusSchema = Type.Unsafe<DeclarationStatus>({
  type: 'string',
  enum: [...DECLARATION_STATUSES],
  description: 'Trạng thái tờ khai: CLEARED (thông quan), RELEASED (giải phóng hàng), BROUGHT_TO_STORAGE (đưa hàng về bảo quản) may pass; NOT_CLEARED, CANCELLED may not',
})
const Channel = Type.Unsafe<1 | 2 | 3>({ type: 'integer', enum: [1, 2, 3], description: 'Luồng: 1 xanh, 2 vàng, 3 đỏ' })
const LocationCode = Type.String({ pattern: '^[A-Z0-9]{4,12}$', description: 'Mã địa điểm giám sát (MaDDGS), e.g. 02CIC03' })
const LotNumber = Type.String({ pattern: '^[A-Za-z0-9._/-]{1,40}$', description: 'Số lô hàng' })
const Unit = Type.String({ pattern: '^[A-Z0-9]{1,10}$', description: 'Unit code (UN/ECE Rec. 20), e.g. TNE, KGM, PCE, BAG' })
const PaperReference = Type.String({ pattern: '^[A-Za-z0-9._/-]{1,40}$', description: 'Number on the paper form (natural key of a paper back-entry)' })
const Seal = Type.String({ ...SealNumber, description: 'Seal number; "#####" = none' })

export const DeclarationParams = Strict({ declarationNumber: DeclarationNumber })
export const ContainerParams = Strict({ declarationNumber: DeclarationNumber, containerNumber: ContainerNumber })
export const LotParams = Strict({ declarationNumber: DeclarationNumber, lotNo: LotNumber })
export const ConfirmationParams = Strict({ id: Type.String({ format: 'uuid' }) })

export const EligibleListBody = Strict({
  office: Type.String({ ...OfficeCodeInUse, description: 'Chi cục hải quan giám sát: must be your own office' }),
  locationCode: LocationCode,
  traderName: Type.String({ ...ShortText, description: 'Tên doanh nghiệp xuất nhập khẩu' }),
  traderTaxCode: TaxCode,
  status: DeclarationStatusSchema,
  declarationDate: Type.String({ format: 'date', description: 'Ngày tờ khai (YYYY-MM-DD)' }),
  procedureType: ProcedureType,
  channel: Channel,
  goodsManagementNumber: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._/-]{1,50}$', description: 'Số quản lý hàng hóa' })),
  containers: Type.Optional(
    Type.Array(
      Strict({ containerNumber: ContainerNumber, carrierSeal: Type.Optional(Seal), customsSeal: Type.Optional(Seal) }),
      { maxItems: 500, description: 'Danh sách container đủ điều kiện qua KVGS' },
    ),
  ),
  lots: Type.Optional(
    Type.Array(
      Strict({
        lotNumber: LotNumber,
        description: Type.String({ ...ShortText, description: 'Mô tả hàng hóa' }),
        quantity: Quantity,
        quantityUnit: Unit,
        totalWeight: Quantity,
        weightUnit: Unit,
      }),
      { maxItems: 200, description: 'Hàng rời / hàng không đóng container: đủ điều kiện qua KVGS theo lô' },
    ),
  ),
  ...BackEntryFields,
})

const GateSealStateSchema = Type.Unsafe<GateSealState>({
  type: 'string',
  enum: [...GATE_SEAL_STATES],
  description:
    'Tình trạng niêm phong tại cổng: INTACT (nguyên vẹn, as on the list), BROKEN (bị hỏng / bị cắt), MISSING (không còn niêm phong), ' +
    'DIFFERENT_NUMBER (số niêm phong khác danh sách). Anything but INTACT holds the container (status HELD) until a supervisor decides.',
})
/** The seals of one container as found at the gate; absent: nothing stated (the seals are taken as on the list). */
const sealFindingProperties = {
  sealState: Type.Optional(GateSealStateSchema),
  sealsFound: Type.Optional(
    Strict(
      { carrierSeal: Type.Optional(Seal), customsSeal: Type.Optional(Seal) },
      { description: 'Số niêm phong thực tế: the numbers read on the container; numbers that differ from the list make it DIFFERENT_NUMBER' },
    ),
  ),
  sealNote: Type.Optional(
    Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S', description: 'Ghi chú: what was found; required when the seals are not intact' }),
  ),
}

const PassedAt = Type.String({ ...DateTime, description: 'When the container passed (or was held); default now (paper: paperRecordedAt)' })

export const ContainerConfirmationBody = Strict({
  passedAt: Type.Optional(PassedAt),
  paperReference: Type.Optional(PaperReference),
  ...sealFindingProperties,
  ...BackEntryFields,
})

export const AllContainersConfirmationBody = Strict({
  passedAt: Type.Optional(PassedAt),
  paperReference: Type.Optional(PaperReference),
  sealFindings: Type.Optional(
    Type.Array(Strict({ containerNumber: ContainerNumber, ...sealFindingProperties }), {
      maxItems: 500,
      description: 'The containers whose seals the officer states, each once; the others are taken as on the list',
    }),
  ),
  ...BackEntryFields,
})

export const LotConfirmationBody = Strict({
  quantity: Type.Number({ ...Quantity, description: 'Quantity that passed in this lot, in the unit of the lot' }),
  weight: Type.Optional(Type.Number({ ...Quantity, description: 'Weight that passed, in the weight unit of the lot' })),
  passedAt: Type.Optional(Type.String({ ...DateTime, description: 'When it passed; default now (paper: paperRecordedAt)' })),
  paperReference: Type.Optional(PaperReference),
  ...BackEntryFields,
})

export const CancelBody = Strict({
  reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S', description: 'Lý do hủy xác nhận' }),
  ...BackEntryFields,
})

export const ReleaseBody = Strict({
  reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S', description: 'Lý do cho qua: the supervisor\'s decision on the seals found' }),
  ...BackEntryFields,
})

export const ConfirmationSearchQuery = Strict({
  office: Type.Optional(OfficeCode),
  declarationNumber: Type.Optional(DeclarationNumber),
  containerNumber: Type.Optional(ContainerNumber),
  sealNumber: Type.Optional(SealNumber),
  status: Type.Optional(
    Type.Unsafe<ConfirmationStatus>({ type: 'string', enum: [...CONFIRMATION_STATUSES], description: 'HELD: stopped at the gate for its seals' }),
  ),
  sealState: Type.Optional({ ...GateSealStateSchema, description: 'The seal state stated at the gate' }),
  from: Type.Optional(Type.String({ ...DateTime, description: 'Passed at or after (inclusive)' })),
  to: Type.Optional(Type.String({ ...DateTime, description: 'Passed before (exclusive)' })),
  ...PageQuery,
})

export const Confirmation = Type.Object({
  id: Type.String(),
  declarationNumber: Type.String(),
  office: Type.String(),
  kind: Type.String({ description: 'container or lot' }),
  containerNumber: Nullable(Type.String()),
  lotNumber: Nullable(Type.String()),
  carrierSeal: Nullable(Type.String()),
  customsSeal: Nullable(Type.String()),
  quantity: Nullable(Type.Number()),
  weight: Nullable(Type.Number()),
  passedAt: Type.String(),
  officerId: Type.String({ description: 'Officer who confirmed (for paper: the officer on the form)' }),
  enteredBy: Type.String(),
  origin: Type.String(),
  paperReference: Nullable(Type.String()),
  recordedAt: Type.String(),
  status: Type.String({ description: 'CONFIRMED (passed), HELD (stopped at the gate for its seals, not passed) or CANCELLED' }),
  sealState: Nullable(Type.String({ description: 'The seals as stated at the gate (INTACT, BROKEN, MISSING, DIFFERENT_NUMBER); null: nothing stated' })),
  sealsFound: Nullable(
    Type.Object(
      { carrierSeal: Nullable(Type.String()), customsSeal: Nullable(Type.String()) },
      { description: 'The seal numbers read on the container (null: none read); carrierSeal and customsSeal above are the list\'s' },
    ),
  ),
  sealNote: Nullable(Type.String({ description: 'What the officer noted about the seals' })),
  heldAt: Nullable(Type.String({ description: 'When the container was held for its seals; a released one passed at passedAt' })),
  release: Nullable(
    Type.Object(
      {
        reason: Type.String(),
        releasedAt: Type.String(),
        releasedBy: Type.String({ description: 'The supervisor who let it pass' }),
        origin: Type.String(),
        recordedAt: Type.String(),
      },
      { description: 'The supervisor\'s decision that a held container passes' },
    ),
  ),
  cancellation: Nullable(
    Type.Object({
      reason: Type.String(),
      cancelledAt: Type.String(),
      cancelledBy: Type.String(),
      origin: Type.String(),
      recordedAt: Type.String(),
    }),
  ),
}, { title: 'GateConfirmation' })

const lotStateProperties = {
  lotNumber: Type.String(),
  description: Type.String(),
  quantity: Type.Number(),
  quantityUnit: Type.String(),
  totalWeight: Type.Number(),
  weightUnit: Type.String(),
  quantityPassed: Type.Number(),
  quantityRemaining: Type.Number(),
  weightPassed: Type.Number(),
  fullyPassed: Type.Boolean(),
}

export const EligibleList = Type.Object({
  declarationNumber: Type.String(),
  office: Type.String(),
  locationCode: Type.String(),
  traderName: Type.String(),
  traderTaxCode: Type.String(),
  status: Type.String(),
  passable: Type.Boolean({ description: 'Whether the status lets goods pass the supervision area' }),
  declarationDate: Type.String(),
  procedureType: Type.String(),
  channel: Type.Integer(),
  goodsManagementNumber: Nullable(Type.String()),
  registeredAt: Type.String(),
  registeredBy: Type.String(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
  containers: Type.Array(
    Type.Object({
      containerNumber: Type.String(),
      carrierSeal: Nullable(Type.String()),
      customsSeal: Nullable(Type.String()),
      confirmed: Type.Boolean(),
      confirmation: Nullable(Confirmation),
      held: Type.Boolean({ description: 'Held at the gate for its seals: not passed, waiting for a supervisor' }),
      hold: Nullable({ ...Confirmation, description: 'The hold (status HELD), while the container is held' }),
    }, { title: 'GateListContainer' }),
  ),
  lots: Type.Array(Type.Object({ ...lotStateProperties, confirmations: Type.Array(Confirmation) }, { title: 'GateListLot' })),
}, { title: 'GateEligibleList' })

export const RegisterResponse = Type.Object({
  ...EligibleList.properties,
  outcome: Type.String({ description: 'created, updated or unchanged (same content as registered: nothing written)' }),
}, { title: 'GateRegisterResult' })

export const ContainerConfirmationResponse = Type.Object({
  ...Confirmation.properties,
  alreadyConfirmed: Type.Boolean({
    description: 'True when this container (or paper form) was recorded before — passed, or held (see status): nothing was written',
  }),
}, { title: 'GateContainerConfirmationResult' })

export const AllContainersConfirmationResponse = Type.Object({
  declarationNumber: Type.String(),
  confirmations: Type.Array(ContainerConfirmationResponse, { description: 'One per container of the eligible list, in list order' }),
  confirmed: Type.Integer({ description: 'How many this request confirmed; the others had passed before (alreadyConfirmed)' }),
  held: Type.Integer({ description: 'How many this request held for their seals (status HELD: not passed)' }),
})

export const LotConfirmationResponse = Type.Object({
  ...Confirmation.properties,
  alreadyConfirmed: Type.Boolean({ description: 'True when this paper form was entered before: nothing was written' }),
  lot: Type.Object(lotStateProperties),
})

export const GateEntries = Type.Object({
  containerNumber: Type.String(),
  entries: Type.Array(
    Type.Object({
      declarationNumber: Type.String(),
      office: Type.String(),
      locationCode: Type.String(),
      traderName: Type.String(),
      status: Type.String(),
      passable: Type.Boolean({ description: 'Whether the declaration\'s status lets its goods pass' }),
      declarationDate: Type.String(),
      container: EligibleList.properties.containers.items,
    }),
    { description: 'Each eligible list of your office (all offices for admins) naming the container, newest declaration first' },
  ),
})

export const ContainerLookupParams = Strict({ containerNumber: ContainerNumber })

export const ConfirmationPage = Type.Object({ items: Type.Array(Confirmation), nextCursor: Nullable(Type.String()) })

export type EligibleListInput = Static<typeof EligibleListBody>
export type ContainerConfirmationInput = Static<typeof ContainerConfirmationBody>
export type AllContainersConfirmationInput = Static<typeof AllContainersConfirmationBody>
export type ReleaseInput = Static<typeof ReleaseBody>
export type LotConfirmationInput = Static<typeof LotConfirmationBody>
export type CancelConfirmationInput = Static<typeof CancelBody>
export type ConfirmationSearchInput = Static<typeof ConfirmationSearchQuery>
