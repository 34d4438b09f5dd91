// The shapes of a paper declaration (tờ khai giấy) as the service takes and returns it.
import type { Origin } from './write-context.ts'

export const FORM_TYPES = ['import', 'export'] as const
export type FormType = (typeof FORM_TYPES)[number]

/**
 * REGISTERED (đã tiếp nhận, đăng ký) → RELEASED (giải phóng hàng) → CLEARED (thông quan);
 * REGISTERED → CLEARED directly; REGISTERED → CANCELLED (hủy, with a reason).
 */
export const STATUSES = ['REGISTERED', 'RELEASED', 'CLEARED', 'CANCELLED'] as const
export type Status = (typeof STATUSES)[number]

/** A paper form re-entered after an outage may already be released or cleared; never cancelled. */
export const CREATE_STATUSES = ['REGISTERED', 'RELEASED', 'CLEARED'] as const

export const CHANNELS = [1, 2, 3] as const

export interface GoodsLineInput {
  hsCode: string
  description: string
  quantity: number
  unit: string
  value: number
  currency: string
  originCountry: string
}

interface BackEntryInput {
  origin?: Origin
  paperRecordedAt?: string
  paperOfficer?: string
}

/** Everything an update may replace (the paper registration key and the office never change). */
export interface DeclarationContentInput extends BackEntryInput {
  formType: FormType
  declarationNumber?: string
  declarantName: string
  taxCode: string
  procedureType: string
  channel: number
  inspectionResult?: string
  status?: Status
  cancelReason?: string
  registeredAt: string
  goodsLines: GoodsLineInput[]
}

export interface CreateDeclarationInput extends DeclarationContentInput {
  office: string
  receiptYear: number
  receiptNumber: number
}

export interface UpdateDeclarationInput extends DeclarationContentInput {
  status: Status
}

export interface GoodsLine extends GoodsLineInput {
  lineNo: number
}

export interface PaperDeclaration {
  id: string
  office: string
  receiptYear: number
  receiptNumber: number
  formType: FormType
  declarationNumber: string | null
  declarantName: string
  taxCode: string
  procedureType: string
  channel: number
  inspectionResult: string | null
  status: Status
  cancelReason: string | null
  registeredAt: string
  goodsLines: GoodsLine[]
  version: number
  origin: Origin
  recordedAt: string
  recordedBy: string
  enteredAt: string
  enteredBy: string
  updatedAt: string
  updatedBy: string
}

export type PaperDeclarationSummary = Omit<PaperDeclaration, 'goodsLines'> & { goodsLineCount: number }

export interface SearchInput {
  office?: string
  declarationNumber?: string
  taxCode?: string
  status?: Status
  from?: string
  to?: string
  limit: number
  cursor?: string
}
