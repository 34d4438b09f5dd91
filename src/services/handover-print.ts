// The printable handover minutes (BIÊN BẢN BÀN GIAO HÀNG HÓA), laid out like paper form 10/BBBG/GSQL
// so officers and drivers recognise it: offices, declarations, containers with their seals, goods,
// vehicle, route, time limit, the incidents on the road, the destination office's receipt and the
// signature blocks. Every value
// is escaped; times print in Vietnamese local time (UTC+7).
import { INCIDENT_KIND_LABELS } from '../domain/handover.ts'
import { escapeHtml as e } from './html-escape.ts'
import type { HandoverView } from './handover-views.ts'
import { vietnamTime } from './vietnam-time.ts'
import { agencyLines, cityOf, noNames, officeLabel, officerLabel, type PrintNames } from './print-names.ts'
import { placeAndDateLine } from './vietnam-time.ts'

/** Names to print instead of codes and ids, and the links a page opened from a print link shows. */
export interface HtmlPrintOptions {
  names?: PrintNames
  pdfUrl?: string
  verifyUrl?: string
}

/** The "download PDF" bar and the verification link of a page opened from a print link (hidden on paper). */
export function printLinksBar(o: HtmlPrintOptions): string {
  if (!o.pdfUrl) return ''
  const verify = o.verifyUrl ? ` · <a href="${e(o.verifyUrl)}">Kiểm tra bản in</a>` : ''
  return `<p class="no-print"><a href="${e(o.pdfUrl)}">Tải bản PDF</a>${verify}</p>`
}

export const SEAL_STATE_LABELS: Record<string, string> = {
  intact: 'Nguyên vẹn',
  broken: 'Bị hỏng',
  replaced: 'Thay thế',
}

export const STATUS_LABELS: Record<string, string> = {
  HANDED_OVER: 'Đã bàn giao',
  ARRIVED: 'Đã đến đích',
  ARRIVED_WITH_DISCREPANCY: 'Đã đến đích, có sai khác',
  CLOSED: 'Đã hoàn thành',
  OVERDUE: 'Quá thời hạn',
  UNDER_VERIFICATION: 'Đang xác minh',
  RESOLVED: 'Đã xác minh, không vi phạm',
  VIOLATION: 'Vi phạm',
  CANCELLED: 'Đã hủy',
}

/** The amendable fields as the form names them. */
const AMENDED_FIELD_LABELS: Record<string, string> = {
  containers: 'Container và niêm phong',
  goodsLines: 'Hàng hóa',
  vehicle: 'Phương tiện vận chuyển',
  route: 'Tuyến đường vận chuyển',
  dueAt: 'Thời hạn hàng đến',
  arrivedAt: 'Thời điểm hàng đến',
  sealStates: 'Tình trạng niêm phong khi đến',
  discrepancies: 'Sai khác',
  note: 'Ghi chú tiếp nhận',
}

function amendedValue(field: string, value: unknown): string {
  if (value === null || value === undefined) return ''
  if (field === 'dueAt' || field === 'arrivedAt') return vietnamTime(value as string)
  if (field === 'sealStates') {
    return (value as Array<{ containerNumber: string; sealState: string; newSealNumber: string | null }>)
      .map((s) => `${s.containerNumber}: ${s.sealState}${s.newSealNumber ? ` (${s.newSealNumber})` : ''}`)
      .join(', ')
  }
  if (field === 'discrepancies') return (value as string[]).join('; ')
  if (field === 'containers') {
    return (value as Array<{ containerNumber: string; carrierSeal: string; customsSeal: string }>)
      .map((c) => `${c.containerNumber} (${c.carrierSeal} / ${c.customsSeal})`)
      .join(', ')
  }
  if (field === 'goodsLines') {
    return (value as Array<{ description: string; quantity: number; unit: string }>).map((g) => `${g.description} ${g.quantity} ${g.unit}`).join('; ')
  }
  return String(value)
}

/**
 * Each earlier version of the handover as one line of the form's amendment history: the version it
 * made, when, by whom, why, and every changed field before → after. The print and the PDF share it.
 */
export function amendmentLines(h: HandoverView, names: PrintNames): Array<{ heading: string; changes: string[] }> {
  return h.amendments.map((a) => ({
    heading:
      `Phiên bản ${a.version}: ${vietnamTime(a.amendedAt)}, ${officerLabel(names, a.amendedBy)}` +
      `${a.approvedBy ? `, phê duyệt: ${officerLabel(names, a.approvedBy)}` : ''}. Lý do: ${a.reason}`,
    changes: Object.entries(a.changes).map(
      ([field, c]) => `${AMENDED_FIELD_LABELS[field] ?? field}: ${amendedValue(field, c.before)} → ${amendedValue(field, c.after)}`,
    ),
  }))
}

function amendmentSection(h: HandoverView, names: PrintNames): string {
  if (h.amendments.length === 0) return ''
  const items = amendmentLines(h, names)
    .map((a) => `<li>${e(a.heading)}<ul>${a.changes.map((c) => `<li>${e(c)}</li>`).join('')}</ul></li>`)
    .join('')
  return `<h2>Lịch sử sửa đổi biên bản</h2><ul>${items}</ul>`
}

/**
 * Each incident on the road as one entry of the form: the version it made, what, when and where as
 * its heading, then the office and officer that recorded it, the reason, the note, and every seal and
 * vehicle before → after. The print and the PDF share it, so the paper carries every field.
 */
export function incidentLines(h: HandoverView, names: PrintNames): Array<{ heading: string; details: string[] }> {
  return h.incidents.map((i) => ({
    heading: `Phiên bản ${i.version}: ${INCIDENT_KIND_LABELS[i.kind]} lúc ${vietnamTime(i.occurredAt)} tại ${i.place}`,
    details: [
      `Chi cục Hải quan ghi nhận: ${officeLabel(names, i.office)}; công chức: ${officerLabel(names, i.recordedBy)}, ghi lúc ${vietnamTime(i.recordedAt)}`,
      `Lý do: ${i.reason}`,
      ...(i.note ? [`Ghi chú: ${i.note}`] : []),
      ...i.seals.map((s) => `Niêm phong hải quan ${s.containerNumber}: ${s.oldSeal} → ${s.newSeal}`),
      ...(i.containerNumbers.length ? [`Container chuyển tải: ${i.containerNumbers.join(', ')}`] : []),
      ...(i.vehicle === null ? [] : [`Phương tiện vận chuyển: ${i.previousVehicle ?? ''} → ${i.vehicle}`]),
    ],
  }))
}

export const INCIDENTS_HEADING = 'Sự cố trên đường vận chuyển'

function incidentSection(h: HandoverView, names: PrintNames): string {
  if (h.incidents.length === 0) return ''
  const items = incidentLines(h, names)
    .map((i) => `<li>${e(i.heading)}<ul>${i.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul></li>`)
    .join('')
  return `<h2>${e(INCIDENTS_HEADING)}</h2><ul>${items}</ul>`
}

const row = (label: string, value: string) => `<tr><th>${e(label)}</th><td>${value}</td></tr>`

function containerTable(h: HandoverView): string {
  if (h.containers.length === 0) return '<p>Không có container.</p>'
  const rows = h.containers
    .map(
      (c, i) =>
        `<tr><td>${i + 1}</td><td>${e(c.containerNumber)}</td><td>${e(c.carrierSeal)}</td><td>${e(c.customsSeal)}</td></tr>`,
    )
    .join('')
  return `<table class="grid"><thead><tr><th>STT</th><th>Số container</th><th>Số niêm phong hãng tàu</th><th>Số niêm phong hải quan</th></tr></thead><tbody>${rows}</tbody></table>`
}

function goodsTable(h: HandoverView): string {
  if (h.goodsLines.length === 0) return ''
  const rows = h.goodsLines
    .map(
      (g, i) =>
        `<tr><td>${i + 1}</td><td>${e(g.description)}</td><td>${e(g.quantity)}</td><td>${e(g.unit)}</td><td>${e(g.marks)}</td></tr>`,
    )
    .join('')
  return `<h2>Hàng hóa không đóng container</h2><table class="grid"><thead><tr><th>STT</th><th>Tên hàng, mô tả</th><th>Số lượng</th><th>Đơn vị tính</th><th>Ký, mã hiệu</th></tr></thead><tbody>${rows}</tbody></table>`
}

function receiptSection(h: HandoverView, names: PrintNames): string {
  const r = h.receipt
  if (!r) return '<h2>Phần xác nhận của Chi cục Hải quan nơi đến</h2><p>Chưa tiếp nhận.</p>'
  const seals = h.containers
    .map(
      (c) =>
        `<tr><td>${e(c.containerNumber)}</td><td>${e(c.sealState ? SEAL_STATE_LABELS[c.sealState] : '')}</td><td>${e(c.newSealNumber)}</td></tr>`,
    )
    .join('')
  const sealTable = h.containers.length
    ? `<table class="grid"><thead><tr><th>Số container</th><th>Tình trạng niêm phong</th><th>Số niêm phong mới</th></tr></thead><tbody>${seals}</tbody></table>`
    : ''
  const discrepancies = r.discrepancies.length
    ? `<ul>${r.discrepancies.map((d) => `<li>${e(d)}</li>`).join('')}</ul>`
    : 'Không có'
  return `<h2>Phần xác nhận của Chi cục Hải quan nơi đến</h2>
<table class="fields">
${row('Thời gian tiếp nhận', e(vietnamTime(r.receivedAt)))}
${row('Công chức tiếp nhận', e(officerLabel(names, r.receivedBy)))}
</table>
${sealTable}
<table class="fields">
${row('Sai khác', discrepancies)}
${row('Ghi chú', e(r.note))}
</table>`
}

export function renderHandoverHtml(h: HandoverView, options: HtmlPrintOptions = {}): string {
  const names = options.names ?? noNames()
  const agency = agencyLines(names, h.departureOffice)
  const paper = h.paperNumber ? ` (nhập lại từ biên bản giấy số ${e(h.paperNumber)})` : ''
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Biên bản bàn giao hàng hóa ${e(h.handoverNumber)}</title>
<style>
body { font-family: "Times New Roman", serif; margin: 2em; }
h1 { text-align: center; font-size: 1.3em; margin-bottom: 0.2em; }
h2 { font-size: 1.05em; margin-top: 1.2em; }
.center { text-align: center; }
.form { text-align: right; font-style: italic; }
table { border-collapse: collapse; width: 100%; }
table.grid th, table.grid td { border: 1px solid #000; padding: 0.25em 0.5em; }
table.fields th { text-align: left; width: 35%; font-weight: normal; vertical-align: top; }
.signatures { display: flex; justify-content: space-between; margin-top: 2em; text-align: center; }
.signatures div { width: 32%; min-height: 7em; }
.header { display: flex; justify-content: space-between; text-align: center; }
.header div { width: 48%; }
@media print { body { margin: 1cm; } .no-print { display: none; } }
</style>
</head>
<body>
${printLinksBar(options)}
<p class="form">Mẫu số 10/BBBG/GSQL</p>
<div class="header">
<div>${agency.parent ? `${e(agency.parent)}<br>` : ''}<strong>${e(agency.office)}</strong></div>
<div><strong>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</strong><br><strong>Độc lập - Tự do - Hạnh phúc</strong><br><em>${e(placeAndDateLine(cityOf(names, h.departureOffice), h.handedOverAt))}</em></div>
</div>
<h1>BIÊN BẢN BÀN GIAO HÀNG HÓA</h1>
<p class="center">Số: ${e(h.handoverNumber)}${paper}</p>
<table class="fields">
${row('Trạng thái', e(STATUS_LABELS[h.status] ?? h.status))}
${row('Chi cục Hải quan nơi đi (bàn giao)', `${e(officeLabel(names, h.departureOffice))}${h.departurePlace ? ` — ${e(h.departurePlace)}` : ''}`)}
${row('Chi cục Hải quan nơi đến (tiếp nhận)', `${e(officeLabel(names, h.destinationOffice))} — ${e(h.destinationPlace)}`)}
${row('Số tờ khai hải quan', h.declarationNumbers.map((d) => e(d)).join(', '))}
${row('Người khai hải quan', e(h.declarantName))}
${row('Phương tiện vận chuyển', e(h.vehicle))}
${row('Tuyến đường vận chuyển', e(h.route))}
${row('Thời gian bàn giao', e(vietnamTime(h.handedOverAt)))}
${row('Thời hạn hàng đến nơi đến', e(vietnamTime(h.dueAt)))}
${row('Công chức bàn giao', e(officerLabel(names, h.handedOverBy)))}
${row('Phiên bản hồ sơ', e(h.version))}
</table>
<h2>Danh sách container và niêm phong</h2>
${containerTable(h)}
${goodsTable(h)}
${amendmentSection(h, names)}
${incidentSection(h, names)}
${receiptSection(h, names)}
<div class="signatures">
<div><strong>Công chức hải quan nơi đi</strong><br>(ký, đóng dấu công chức)</div>
<div><strong>Người khai hải quan / người vận chuyển</strong><br>(ký, ghi rõ họ tên)</div>
<div><strong>Công chức hải quan nơi đến</strong><br>(ký, đóng dấu công chức)</div>
</div>
</body>
</html>
`
}
