// The handover minutes (BIÊN BẢN BÀN GIAO HÀNG HÓA, form 10/BBBG/GSQL) as a PDF laid out like the
// paper form: agency header, place and date, both offices and officers by name, every declaration,
// container and seal, goods, vehicle, route and time limit, the incidents on the road, the
// destination's receipt, signature blocks, and a QR code that leads to the record's verification.
import type { HandoverView } from './handover-views.ts'
import { amendmentLines, INCIDENTS_HEADING, incidentLines, STATUS_LABELS, SEAL_STATE_LABELS } from './handover-print.ts'
import { officeLabel, officerLabel, type PrintNames } from './print-names.ts'
import {
  fieldRows,
  footer,
  formHeader,
  grid,
  heading,
  signatureBlocks,
  title,
  verificationBlock,
  type PdfNode,
} from './print-form-parts.ts'
import { renderPdf } from './pdf-renderer.ts'
import { formatNumber, vietnamTime } from './vietnam-time.ts'

const HANDOVER_FORM_CODE = 'Mẫu số 10/BBBG/GSQL'

export interface PrintContext {
  names: PrintNames
  verifyUrl: string
  printedAt: string
}

function containers(h: HandoverView): PdfNode {
  if (h.containers.length === 0) return { text: 'Không có container.', italics: true }
  return grid(
    ['STT', 'Số container', 'Số niêm phong hãng vận chuyển', 'Số niêm phong hải quan', 'Tình trạng niêm phong khi đến', 'Số niêm phong mới'],
    h.containers.map((c, i) => [
      String(i + 1),
      c.containerNumber,
      c.carrierSeal,
      c.customsSeal,
      c.sealState ? (SEAL_STATE_LABELS[c.sealState] ?? c.sealState) : '',
      c.newSealNumber ?? '',
    ]),
    [24, '*', '*', '*', '*', '*'],
  )
}

function goods(h: HandoverView): PdfNode[] {
  if (h.goodsLines.length === 0) return []
  return [
    heading('Hàng hóa không đóng container'),
    grid(
      ['STT', 'Tên hàng, mô tả', 'Số lượng', 'Đơn vị tính', 'Ký, mã hiệu'],
      h.goodsLines.map((g, i) => [String(i + 1), g.description, formatNumber(g.quantity), g.unit, g.marks ?? '']),
      [24, '*', 60, 60, '*'],
    ),
  ]
}

function amendments(h: HandoverView, names: PrintNames): PdfNode[] {
  if (h.amendments.length === 0) return []
  return [
    heading('Lịch sử sửa đổi biên bản'),
    { ul: amendmentLines(h, names).map((a) => [a.heading, { ul: a.changes }]) },
  ]
}

function incidents(h: HandoverView, names: PrintNames): PdfNode[] {
  if (h.incidents.length === 0) return []
  return [heading(INCIDENTS_HEADING), { ul: incidentLines(h, names).map((i) => [i.heading, { ul: i.details }]) }]
}

function receipt(h: HandoverView, names: PrintNames): PdfNode[] {
  const r = h.receipt
  const head = heading('Phần xác nhận của Chi cục Hải quan nơi đến')
  if (!r) return [head, { text: 'Chưa tiếp nhận.', italics: true }]
  return [
    head,
    fieldRows([
      ['Thời gian tiếp nhận', vietnamTime(r.receivedAt)],
      ['Công chức tiếp nhận', officerLabel(names, r.receivedBy)],
      ['Sai khác', r.discrepancies.length ? r.discrepancies.join('; ') : 'Không có'],
      ['Ghi chú', r.note ?? ''],
      ...(r.origin === 'paper' ? ([['Nguồn', `Nhập lại từ chứng từ giấy bởi ${officerLabel(names, r.enteredBy)}`]] as Array<[string, string]>) : []),
    ]),
  ]
}

function afterwards(h: HandoverView, names: PrintNames): PdfNode[] {
  const rows: Array<[string, string]> = []
  if (h.overdueAt) rows.push(['Quá thời hạn lúc', vietnamTime(h.overdueAt)])
  if (h.verification) {
    const v = h.verification
    rows.push(['Xác minh mở lúc', `${vietnamTime(v.openedAt)} bởi ${officerLabel(names, v.openedBy)}`])
    if (v.note) rows.push(['Nội dung xác minh', v.note])
    if (v.outcome) {
      rows.push(['Kết quả xác minh', `${STATUS_LABELS[v.outcome] ?? v.outcome}: ${v.explanation ?? ''}`])
      rows.push(['Kết luận lúc', `${vietnamTime(v.decidedAt)} bởi ${officerLabel(names, v.decidedBy)}`])
    }
  }
  if (h.cancellation) {
    rows.push(['Hủy biên bản', `${vietnamTime(h.cancellation.cancelledAt)} bởi ${officerLabel(names, h.cancellation.cancelledBy)}`])
    rows.push(['Lý do hủy', h.cancellation.reason])
  }
  if (h.closure) rows.push(['Hoàn thành lúc', `${vietnamTime(h.closure.closedAt)} bởi ${officerLabel(names, h.closure.closedBy)}`])
  return rows.length ? [heading('Theo dõi sau bàn giao'), fieldRows(rows)] : []
}

function handoverPdfDefinition(h: HandoverView, ctx: PrintContext): object {
  const { names } = ctx
  const paper = h.paperNumber ? `Nhập lại từ biên bản giấy số ${h.paperNumber}` : undefined
  return {
    pageSize: 'A4',
    pageMargins: [40, 36, 40, 48],
    info: { title: `Biên bản bàn giao hàng hóa ${h.handoverNumber}`, subject: HANDOVER_FORM_CODE, creator: 'tqdt-ha' },
    footer: footer(ctx.printedAt, `Biên bản ${h.handoverNumber}, phiên bản ${h.version}`),
    content: [
      ...formHeader(names, h.departureOffice, HANDOVER_FORM_CODE, `Số: ${h.handoverNumber}`, h.handedOverAt),
      ...title('BIÊN BẢN BÀN GIAO HÀNG HÓA', paper),
      {
        text: `Hôm nay, hồi ${vietnamTime(h.handedOverAt)}${h.departurePlace ? `, tại ${h.departurePlace}` : ''}, chúng tôi gồm:`,
        margin: [0, 0, 0, 4],
      },
      fieldRows([
        ['Chi cục Hải quan nơi đi (bàn giao)', `${officeLabel(names, h.departureOffice)}${h.departurePlace ? ` — ${h.departurePlace}` : ''}`],
        ['Công chức bàn giao', officerLabel(names, h.handedOverBy)],
        ['Chi cục Hải quan nơi đến (tiếp nhận)', `${officeLabel(names, h.destinationOffice)} — ${h.destinationPlace}`],
        ['Người khai hải quan', h.declarantName ?? ''],
      ]),
      { text: 'Tiến hành bàn giao hàng hóa chịu sự giám sát hải quan như sau:', margin: [0, 4, 0, 4] },
      fieldRows([
        ['Số tờ khai hải quan', h.declarationNumbers.join(', ')],
        ['Phương tiện vận chuyển', h.vehicle],
        ['Tuyến đường vận chuyển', h.route],
        ['Thời gian bàn giao', vietnamTime(h.handedOverAt)],
        ['Thời hạn hàng đến nơi đến', vietnamTime(h.dueAt)],
        ['Trạng thái', STATUS_LABELS[h.status] ?? h.status],
        ['Phiên bản hồ sơ', String(h.version)],
        ...(h.origin === 'paper' ? ([['Người nhập lại', officerLabel(names, h.enteredBy)]] as Array<[string, string]>) : []),
      ]),
      heading('Danh sách container và niêm phong'),
      containers(h),
      ...goods(h),
      ...amendments(h, names),
      ...incidents(h, names),
      ...receipt(h, names),
      ...afterwards(h, names),
      signatureBlocks([
        { role: 'Công chức hải quan nơi đi', hint: '(ký, đóng dấu công chức)', name: officerLabel(names, h.handedOverBy) },
        { role: 'Người khai hải quan / người vận chuyển', hint: '(ký, ghi rõ họ tên)', name: h.declarantName ?? '' },
        { role: 'Công chức hải quan nơi đến', hint: '(ký, đóng dấu công chức)', name: officerLabel(names, h.receipt?.receivedBy ?? null) },
      ]),
      verificationBlock(ctx.verifyUrl, `Biên bản ${h.handoverNumber}, phiên bản ${h.version}, in lúc ${vietnamTime(ctx.printedAt)}.`),
    ],
  }
}

export const renderHandoverPdf = (h: HandoverView, ctx: PrintContext): Promise<Buffer> => renderPdf(handoverPdfDefinition(h, ctx))
