// What each list and report exports: its columns with Vietnamese headers, and its rows read page by
// page through the same service the list uses (same filters, same office rules).
import type { Queryable } from '../db/database.ts'
import type { ConfirmationView } from './gate-views.ts'
import type { HandoverListItem } from '../db/handover-search-repository.ts'
import type { PaperDeclarationSummary } from '../domain/paper-declaration.ts'
import type { ConfirmationSearchInput } from '../schemas/gate-schemas.ts'
import type { HandoverSearchInput } from '../schemas/handover-schemas.ts'
import type { DeclarationSearchInput } from '../schemas/paper-declaration-schemas.ts'
import { searchConfirmations } from './gate-confirmation-service.ts'
import { GATE_SEAL_STATE_LABELS } from './gate-print-service.ts'
import { incomingList, overdueList, searchHandoverList } from './handover-query-service.ts'
import { STATUS_LABELS } from './handover-print.ts'
import type { Actor } from '../domain/actor.ts'
import { listNotices } from './notice-service.ts'
import { searchPaperDeclarations } from './paper-declaration-service.ts'
import { DAILY_REPORT_HEADERS, dailyReport } from './report-service.ts'
import { allPages, EXPORT_PAGE_SIZE, type ExportColumn, type ExportTable } from './table-export.ts'
import { vietnamDay } from './vietnam-time.ts'

type Read = <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>
type Page<T> = { items: T[]; nextCursor: string | null }

async function pagedRows<T>(read: Read, page: (q: Queryable, cursor: string | undefined) => Promise<Page<T>>): Promise<AsyncIterable<T>> {
  const first = await read((q) => page(q, undefined))
  return allPages(first, (cursor) => read((q) => page(q, cursor)))
}

const ORIGIN: Record<string, string> = { online: 'Trực tuyến', paper: 'Nhập lại từ giấy' }
const stamp = (now: string) => vietnamDay(now)

const handoverColumns: Array<ExportColumn<HandoverListItem>> = [
  { header: 'Số biên bản', width: 24, value: (h) => h.handoverNumber },
  { header: 'Trạng thái', width: 22, value: (h) => STATUS_LABELS[h.status] ?? h.status },
  { header: 'Chi cục nơi đi', value: (h) => h.departureOffice },
  { header: 'Chi cục nơi đến', value: (h) => h.destinationOffice },
  { header: 'Số tờ khai', width: 28, value: (h) => h.declarationNumbers.join(', ') },
  { header: 'Số container', width: 28, value: (h) => h.containerNumbers.join(', ') },
  { header: 'Phương tiện', width: 22, value: (h) => h.vehicle },
  { header: 'Thời gian bàn giao', kind: 'time', value: (h) => h.handedOverAt },
  { header: 'Thời hạn hàng đến', kind: 'time', value: (h) => h.dueAt },
  { header: 'Nguồn', value: (h) => ORIGIN[h.origin] ?? h.origin },
  { header: 'Số biên bản giấy', value: (h) => h.paperNumber },
]

export async function handoverSearchExport(read: Read, actor: Actor, query: Omit<HandoverSearchInput, 'limit' | 'cursor'>, now: string) {
  const rows = await pagedRows(read, (q, cursor) => searchHandoverList(q, actor, { ...query, limit: EXPORT_PAGE_SIZE, cursor }))
  return { title: 'Biên bản bàn giao', fileBase: `bien-ban-ban-giao-${stamp(now)}`, columns: handoverColumns, rows } satisfies ExportTable<HandoverListItem>
}

export async function overdueExport(read: Read, actor: Actor, query: { office?: string }, now: string) {
  const rows = await pagedRows(read, (q, cursor) => overdueList(q, actor, { ...query, limit: EXPORT_PAGE_SIZE, cursor }, now))
  return { title: 'Quá thời hạn', fileBase: `bien-ban-qua-han-${stamp(now)}`, columns: handoverColumns, rows } satisfies ExportTable<HandoverListItem>
}

export async function incomingExport(read: Read, actor: Actor, query: { office?: string }, now: string) {
  const rows = await pagedRows(read, (q, cursor) => incomingList(q, actor, { ...query, limit: EXPORT_PAGE_SIZE, cursor }))
  return { title: 'Hàng sắp đến', fileBase: `hang-sap-den-${stamp(now)}`, columns: handoverColumns, rows } satisfies ExportTable<HandoverListItem>
}

const GATE_STATUS: Record<string, string> = { CONFIRMED: 'Đã xác nhận', HELD: 'Tạm dừng (niêm phong không khớp)', CANCELLED: 'Đã hủy' }

const confirmationColumns: Array<ExportColumn<ConfirmationView>> = [
  { header: 'Số tờ khai', value: (c) => c.declarationNumber },
  { header: 'Chi cục giám sát', value: (c) => c.office },
  { header: 'Loại', value: (c) => (c.kind === 'container' ? 'Container' : 'Hàng rời') },
  { header: 'Số container', value: (c) => c.containerNumber },
  { header: 'Số lô', value: (c) => c.lotNumber },
  { header: 'Số niêm phong hãng tàu', value: (c) => c.carrierSeal },
  { header: 'Số niêm phong hải quan', value: (c) => c.customsSeal },
  { header: 'Số lượng', kind: 'number', value: (c) => c.quantity },
  { header: 'Trọng lượng', kind: 'number', value: (c) => c.weight },
  { header: 'Thời gian qua KVGS', kind: 'time', value: (c) => c.passedAt },
  { header: 'Công chức xác nhận', value: (c) => c.officerId },
  { header: 'Nguồn', value: (c) => ORIGIN[c.origin] ?? c.origin },
  { header: 'Số chứng từ giấy', value: (c) => c.paperReference },
  { header: 'Trạng thái', value: (c) => GATE_STATUS[c.status] ?? c.status },
  { header: 'Lý do hủy', width: 30, value: (c) => c.cancellation?.reason },
  { header: 'Tình trạng niêm phong', value: (c) => (c.sealState === null ? null : (GATE_SEAL_STATE_LABELS[c.sealState] ?? c.sealState)) },
  { header: 'Số niêm phong hãng tàu thực tế', value: (c) => c.sealsFound?.carrierSeal },
  { header: 'Số niêm phong hải quan thực tế', value: (c) => c.sealsFound?.customsSeal },
  { header: 'Ghi chú niêm phong', width: 30, value: (c) => c.sealNote },
  { header: 'Lãnh đạo cho qua', value: (c) => c.release?.releasedBy },
  { header: 'Lý do cho qua', width: 30, value: (c) => c.release?.reason },
]

export async function confirmationExport(read: Read, actor: Actor, query: Omit<ConfirmationSearchInput, 'limit' | 'cursor'>, now: string) {
  const rows = await pagedRows(read, (q, cursor) => searchConfirmations(q, actor, { ...query, limit: EXPORT_PAGE_SIZE, cursor }))
  return { title: 'Xác nhận qua KVGS', fileBase: `xac-nhan-qua-kvgs-${stamp(now)}`, columns: confirmationColumns, rows } satisfies ExportTable<ConfirmationView>
}

const PAPER_STATUS: Record<string, string> = { REGISTERED: 'Đã đăng ký', RELEASED: 'Giải phóng hàng', CLEARED: 'Thông quan', CANCELLED: 'Đã hủy' }

const paperColumns: Array<ExportColumn<PaperDeclarationSummary>> = [
  { header: 'Chi cục', value: (d) => d.office },
  { header: 'Năm tiếp nhận', kind: 'number', value: (d) => d.receiptYear },
  { header: 'Số tiếp nhận', kind: 'number', value: (d) => d.receiptNumber },
  { header: 'Loại tờ khai', value: (d) => (d.formType === 'import' ? 'Nhập khẩu (HQ/2015/NK)' : 'Xuất khẩu (HQ/2015/XK)') },
  { header: 'Số tờ khai', value: (d) => d.declarationNumber },
  { header: 'Người khai', width: 30, value: (d) => d.declarantName },
  { header: 'Mã số thuế', value: (d) => d.taxCode },
  { header: 'Mã loại hình', value: (d) => d.procedureType },
  { header: 'Luồng', kind: 'number', value: (d) => d.channel },
  { header: 'Trạng thái', value: (d) => PAPER_STATUS[d.status] ?? d.status },
  { header: 'Số dòng hàng', kind: 'number', value: (d) => d.goodsLineCount },
  { header: 'Thời gian đăng ký', kind: 'time', value: (d) => d.registeredAt },
  { header: 'Người nhập', value: (d) => d.enteredBy },
  { header: 'Thời gian nhập', kind: 'time', value: (d) => d.enteredAt },
]

export async function paperDeclarationExport(read: Read, actor: Actor, query: Omit<DeclarationSearchInput, 'limit' | 'cursor'>, now: string) {
  const rows = await pagedRows(read, (q, cursor) => searchPaperDeclarations(q, actor, { ...query, limit: EXPORT_PAGE_SIZE, cursor }))
  return { title: 'Tờ khai giấy', fileBase: `to-khai-giay-${stamp(now)}`, columns: paperColumns, rows } satisfies ExportTable<PaperDeclarationSummary>
}

type Notice = Awaited<ReturnType<typeof listNotices>>['items'][number]
const noticeColumns: Array<ExportColumn<Notice>> = [
  { header: 'Thời gian', kind: 'time', value: (n) => n.createdAt },
  { header: 'Chi cục', value: (n) => n.office },
  { header: 'Loại thông báo', value: (n) => n.kind },
  { header: 'Nội dung', width: 60, value: (n) => n.message },
  { header: 'Hồ sơ', value: (n) => `${n.entityType} ${n.entityId}` },
  { header: 'Đã đọc lúc', kind: 'time', value: (n) => n.readAt },
  { header: 'Người đọc', value: (n) => n.readBy },
]

export async function noticeExport(read: Read, actor: Actor, query: { office?: string; unread?: boolean; entityId?: string }, now: string) {
  const rows = await pagedRows(read, (q, cursor) => listNotices(q, actor, { ...query, limit: EXPORT_PAGE_SIZE, cursor }))
  return { title: 'Thông báo', fileBase: `thong-bao-${stamp(now)}`, columns: noticeColumns, rows } satisfies ExportTable<Notice>
}

type DailyRow = Awaited<ReturnType<typeof dailyReport>>['days'][number]

export async function dailyReportExport(read: Read, actor: Actor, query: { office?: string; from?: string; to?: string }, now: string) {
  const report = await read((q) => dailyReport(q, actor, query, now))
  const columns: Array<ExportColumn<DailyRow>> = DAILY_REPORT_HEADERS.map(([key, header]) =>
    key === 'day' ? { header, kind: 'day', value: (r) => r.day } : { header, kind: 'number', value: (r) => r[key] },
  )
  async function* rows() {
    yield* report.days
  }
  return {
    title: `Báo cáo ${report.office}`,
    fileBase: `bao-cao-${report.office}-${report.from}-${report.to}`,
    columns,
    rows: rows(),
  } satisfies ExportTable<DailyRow>
}
