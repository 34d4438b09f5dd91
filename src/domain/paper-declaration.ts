// Paper declarations (tờ khai giấy, forms HQ/2015/NK and HQ/2015/XK) as records in the app's naming.
import type { Origin } from './write.ts'

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

export const PAPER_DECLARATION_ENTITY = 'paper_declaration'

export interface GoodsLine {
  lineNo: number
  hsCode: string
  description: string
  quantity: number
  unit: string
  value: number
  currency: string
  originCountry: string
}

/** A paper declaration with its goods lines: the record and the view clients see are the same shape. */
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
