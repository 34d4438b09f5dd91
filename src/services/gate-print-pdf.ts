// The eligible list (danh sách container / hàng hóa đủ điều kiện qua khu vực giám sát) as a PDF laid
// out like the VNACCS printout: agency header, place and date, the declaration's header fields,
// every container with its seals and confirmation, every bulk lot with its passes, the officer's
// signature block, and a QR code that leads to the list's verification.
import type { DeclarationView } from './gate-views.ts'
import { NO_SEAL } from './gate-declaration-service.ts'
import { CONTAINER_LIST_TITLE, GOODS_LIST_TITLE, confirmationLine, containerStateLine, headerRows } from './gate-print-service.ts'
import type { PrintContext } from './handover-print-pdf.ts'
import { officeLabel, officerLabel } from './print-names.ts'
import { fieldRows, footer, formHeader, grid, signatureBlocks, title, verificationBlock, type PdfNode } from './print-form-parts.ts'
import { renderPdf } from './pdf-renderer.ts'
import { formatNumber, vietnamTime } from './vietnam-time.ts'

const GATE_LIST_FORM_CODE = 'Danh sách đủ điều kiện qua KVGS'

function eligibleListPdfDefinition(v: DeclarationView, ctx: PrintContext): object {
  const { names } = ctx
  const officer = (id: string) => officerLabel(names, id)
  const header = fieldRows(headerRows(v, (code) => officeLabel(names, code)))
  const sections: PdfNode[] = []
  if (v.containers.length > 0) {
    sections.push(
      ...title(CONTAINER_LIST_TITLE),
      header,
      grid(
        ['STT', 'Số container', 'Số niêm phong hãng tàu', 'Số niêm phong hải quan', 'Xác nhận của công chức hải quan'],
        v.containers.map((c, i) => [
          String(i + 1),
          c.containerNumber,
          c.carrierSeal ?? NO_SEAL,
          c.customsSeal ?? NO_SEAL,
          containerStateLine(c, officer),
        ]),
        [24, 88, 76, 76, '*'],
      ),
    )
  }
  if (v.lots.length > 0) {
    sections.push(
      ...(sections.length ? [{ text: '', pageBreak: 'before' }] : []),
      ...title(GOODS_LIST_TITLE),
      header,
      grid(
        ['STT', 'Số lô', 'Mô tả hàng hóa', 'Số lượng', 'Trọng lượng', 'Đã qua KVGS', 'Còn lại', 'Xác nhận của công chức hải quan'],
        v.lots.map((l, i) => [
          String(i + 1),
          l.lotNumber,
          l.description,
          `${formatNumber(l.quantity)} ${l.quantityUnit}`,
          `${formatNumber(l.totalWeight)} ${l.weightUnit}`,
          `${formatNumber(l.quantityPassed)} ${l.quantityUnit}`,
          `${formatNumber(l.quantityRemaining)} ${l.quantityUnit}`,
          l.confirmations.length ? l.confirmations.map((c) => confirmationLine(c, l.quantityUnit, officer)).join('\n') : 'Chưa xác nhận',
        ]),
        [20, 40, '*', 50, 50, 50, 44, '*'],
      ),
    )
  }
  return {
    pageSize: 'A4',
    pageMargins: [40, 36, 40, 48],
    info: { title: `${v.containers.length ? CONTAINER_LIST_TITLE : GOODS_LIST_TITLE} – ${v.declarationNumber}`, creator: 'tqdt-ha' },
    footer: footer(ctx.printedAt, `Tờ khai ${v.declarationNumber}`),
    content: [
      ...formHeader(names, v.office, GATE_LIST_FORM_CODE, `Số tờ khai: ${v.declarationNumber}`, ctx.printedAt),
      ...sections,
      { text: `Ngày in: ${vietnamTime(ctx.printedAt)}`, margin: [0, 8, 0, 0] },
      signatureBlocks([{ role: 'Công chức hải quan giám sát', hint: '(ký, ghi rõ họ tên)', name: '' }]),
      verificationBlock(ctx.verifyUrl, `Tờ khai ${v.declarationNumber}, danh sách cập nhật lúc ${vietnamTime(v.updatedAt)}.`),
    ],
  }
}

export const renderEligibleListPdf = (v: DeclarationView, ctx: PrintContext): Promise<Buffer> =>
  renderPdf(eligibleListPdfDefinition(v, ctx))
