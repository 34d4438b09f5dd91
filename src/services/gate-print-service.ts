// The printable eligible list (danh sách container / hàng hóa đủ điều kiện qua khu vực giám sát) with
// the labels officers know from the VNACCS printout. Every value is escaped: trader names and seal
// numbers come from outside.
import { escapeHtml as e } from './html-escape.ts'
import type { ConfirmationView, ContainerView, DeclarationView } from './gate-views.ts'
import { NO_SEAL } from './gate-declaration-service.ts'
import { formatNumber, vietnamTime } from './vietnam-time.ts'
import { printLinksBar, type HtmlPrintOptions } from './handover-print.ts'
import { noNames, officeLabel, officerLabel, type PrintNames } from './print-names.ts'

export const CONTAINER_LIST_TITLE = 'DANH SÁCH CONTAINER ĐỦ ĐIỀU KIỆN QUA KHU VỰC GIÁM SÁT'
export const GOODS_LIST_TITLE = 'DANH SÁCH HÀNG HÓA ĐỦ ĐIỀU KIỆN QUA KHU VỰC GIÁM SÁT'

const DECLARATION_STATUS_LABELS: Record<string, string> = {
  CLEARED: 'Thông quan',
  RELEASED: 'Giải phóng hàng',
  BROUGHT_TO_STORAGE: 'Đưa hàng về bảo quản',
  NOT_CLEARED: 'Chưa thông quan',
  CANCELLED: 'Đã hủy',
}
const CHANNEL_LABELS: Record<number, string> = { 1: 'Xanh', 2: 'Vàng', 3: 'Đỏ' }

const formatDate = (ymd: string) => ymd.split('-').reverse().join('/')

/** The seal states at the gate as officers name them (tình trạng niêm phong). */
export const GATE_SEAL_STATE_LABELS: Record<string, string> = {
  INTACT: 'Nguyên vẹn',
  BROKEN: 'Bị hỏng',
  MISSING: 'Không còn niêm phong',
  DIFFERENT_NUMBER: 'Số niêm phong khác danh sách',
}

/** The seals found at the gate, when the officer stated them. */
function sealFindingText(c: ConfirmationView): string | null {
  if (c.sealState === null) return null
  const parts = [`niêm phong khi kiểm tra: ${GATE_SEAL_STATE_LABELS[c.sealState] ?? c.sealState}`]
  if (c.sealsFound?.carrierSeal) parts.push(`số niêm phong hãng tàu thực tế ${c.sealsFound.carrierSeal}`)
  if (c.sealsFound?.customsSeal) parts.push(`số niêm phong hải quan thực tế ${c.sealsFound.customsSeal}`)
  if (c.sealNote) parts.push(`ghi chú: ${c.sealNote}`)
  return parts.join(', ')
}

/** One confirmation as the printed list states it; the officer by name when names are known. */
export function confirmationLine(c: ConfirmationView, unit: string | null, officer: (id: string) => string = (id) => id): string {
  const parts = [`Đã qua KVGS lúc ${vietnamTime(c.passedAt)}`]
  if (c.quantity !== null) parts.push(`số lượng ${formatNumber(c.quantity)} ${unit ?? ''}`.trimEnd())
  parts.push(`công chức ${officer(c.officerId)}`)
  if (c.origin === 'paper') parts.push(`nhập lại từ chứng từ giấy${c.paperReference ? ` số ${c.paperReference}` : ''}`)
  const seals = sealFindingText(c)
  if (seals) parts.push(seals)
  if (c.release) {
    parts.push(`tạm dừng lúc ${vietnamTime(c.heldAt ?? c.release.releasedAt)}, lãnh đạo ${officer(c.release.releasedBy)} cho qua: ${c.release.reason}`)
  }
  return parts.join(' – ')
}

/** A container held at the gate for its seals: not passed, waiting for the supervisor. */
export function holdLine(c: ConfirmationView, officer: (id: string) => string = (id) => id): string {
  return [
    `TẠM DỪNG tại cổng lúc ${vietnamTime(c.heldAt ?? c.passedAt)}, chưa qua KVGS`,
    sealFindingText(c),
    `công chức ${officer(c.officerId)}`,
    'chờ lãnh đạo Chi cục quyết định',
  ].filter((p): p is string => p !== null).join(' – ')
}

/** What the list says of a container in its last column: its pass, its hold, or nothing yet. */
export function containerStateLine(c: ContainerView, officer: (id: string) => string = (id) => id): string {
  if (c.confirmation) return confirmationLine(c.confirmation, null, officer)
  if (c.hold) return holdLine(c.hold, officer)
  return 'Chưa xác nhận'
}

/** The header rows of the list, as label and value. */
export function headerRows(v: DeclarationView, office: (code: string) => string = (code) => code): Array<[string, string]> {
  return [
    ['Chi cục hải quan giám sát', office(v.office)],
    ['Mã địa điểm giám sát', v.locationCode],
    ['Tên doanh nghiệp xuất nhập khẩu', v.traderName],
    ['Mã số thuế', v.traderTaxCode],
    ['Số tờ khai', v.declarationNumber],
    ['Ngày tờ khai', formatDate(v.declarationDate)],
    ['Trạng thái tờ khai', DECLARATION_STATUS_LABELS[v.status] ?? v.status],
    ['Mã loại hình', v.procedureType],
    ['Luồng', `${v.channel} – ${CHANNEL_LABELS[v.channel] ?? ''}`],
    ['Số quản lý hàng hóa', v.goodsManagementNumber ?? ''],
  ]
}

function headerTable(v: DeclarationView, names: PrintNames): string {
  return `<table class="info">${headerRows(v, (code) => officeLabel(names, code)).map(([label, value]) => `<tr><th>${e(label)}</th><td>${e(value)}</td></tr>`).join('')}</table>`
}

function containerSection(v: DeclarationView, names: PrintNames): string {
  const rows = v.containers
    .map(
      (c, i) => `<tr${c.held ? ' class="held"' : ''}><td>${i + 1}</td><td>${e(c.containerNumber)}</td><td>${e(c.carrierSeal ?? NO_SEAL)}</td>` +
        `<td>${e(c.customsSeal ?? NO_SEAL)}</td><td>${e(containerStateLine(c, (id) => officerLabel(names, id)))}</td></tr>`,
    )
    .join('')
  return `<section><h1>${CONTAINER_LIST_TITLE}</h1>${headerTable(v, names)}
<table class="entries"><thead><tr><th>STT</th><th>Số container</th><th>Số niêm phong hãng tàu</th>
<th>Số niêm phong hải quan</th><th>Xác nhận của công chức hải quan</th></tr></thead><tbody>${rows}</tbody></table></section>`
}

function lotSection(v: DeclarationView, names: PrintNames): string {
  const confirmationText = (c: ConfirmationView, unit: string) => e(confirmationLine(c, unit, (id) => officerLabel(names, id)))
  const rows = v.lots
    .map((l, i) => {
      const passes = l.confirmations.map((c) => `<li>${confirmationText(c, l.quantityUnit)}</li>`).join('')
      return `<tr><td>${i + 1}</td><td>${e(l.lotNumber)}</td><td>${e(l.description)}</td><td>${e(formatNumber(l.quantity))}</td>` +
        `<td>${e(l.quantityUnit)}</td><td>${e(formatNumber(l.totalWeight))}</td><td>${e(l.weightUnit)}</td>` +
        `<td>${e(formatNumber(l.quantityPassed))}</td><td>${e(formatNumber(l.quantityRemaining))}</td>` +
        `<td>${passes ? `<ul>${passes}</ul>` : 'Chưa xác nhận'}</td></tr>`
    })
    .join('')
  return `<section><h1>${GOODS_LIST_TITLE}</h1>${headerTable(v, names)}
<table class="entries"><thead><tr><th>STT</th><th>Số lô</th><th>Mô tả hàng hóa</th><th>Số lượng</th><th>Đơn vị tính</th>
<th>Trọng lượng</th><th>Đơn vị tính trọng lượng</th><th>Số lượng đã qua khu vực giám sát</th><th>Số lượng còn lại</th>
<th>Xác nhận của công chức hải quan</th></tr></thead><tbody>${rows}</tbody></table></section>`
}

export function renderEligibleList(v: DeclarationView, printedAt: string, options: HtmlPrintOptions = {}): string {
  const names = options.names ?? noNames()
  const sections = [v.containers.length > 0 ? containerSection(v, names) : '', v.lots.length > 0 ? lotSection(v, names) : ''].filter(Boolean)
  const title = v.containers.length > 0 ? CONTAINER_LIST_TITLE : GOODS_LIST_TITLE
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>${e(title)} – Số tờ khai ${e(v.declarationNumber)}</title>
<style>
body{font-family:"Times New Roman",serif;font-size:12pt;margin:1.5cm}
h1{font-size:14pt;text-align:center}
table{border-collapse:collapse;width:100%;margin-bottom:1em}
table.entries th,table.entries td{border:1px solid #000;padding:3px 5px;vertical-align:top}
table.info th{text-align:left;font-weight:normal;width:35%}
section+section{page-break-before:always}
ul{margin:0;padding-left:1em}
tr.held td{font-weight:bold}
.signature{margin-top:2em;text-align:right}
@media print{.no-print{display:none}}
</style></head><body>
${printLinksBar(options)}
${sections.join('\n')}
<p>Ngày in: ${e(vietnamTime(printedAt))}</p>
<p class="signature">Công chức hải quan giám sát<br>(ký, ghi rõ họ tên)</p>
</body></html>
`
}
