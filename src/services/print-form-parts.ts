// Parts every printed form shares, as pdfmake nodes: the agency header beside the national motto
// with the place-and-date line, the form code, field rows, bordered grids, signature blocks, the QR
// code that leads to the record's verification, and the footer with the print time and page.
import { agencyLines, cityOf, type PrintNames } from './print-names.ts'
import { placeAndDateLine, vietnamTime } from './vietnam-time.ts'

export type PdfNode = Record<string, unknown> | string

export function formHeader(names: PrintNames, office: string, formCode: string, numberLine: string, dateIso: string): PdfNode[] {
  const agency = agencyLines(names, office)
  return [
    { text: formCode, alignment: 'right', italics: true, fontSize: 9, margin: [0, 0, 0, 4] },
    {
      columns: [
        {
          width: '42%',
          alignment: 'center',
          fontSize: 10,
          stack: [
            ...(agency.parent ? [{ text: agency.parent }] : []),
            { text: agency.office, bold: true },
            { text: '———————', margin: [0, 0, 0, 2] },
            { text: numberLine },
          ],
        },
        {
          width: '58%',
          alignment: 'center',
          fontSize: 10,
          stack: [
            { text: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', bold: true },
            { text: 'Độc lập - Tự do - Hạnh phúc', bold: true },
            { text: '———————', margin: [0, 0, 0, 2] },
            { text: placeAndDateLine(cityOf(names, office), dateIso), italics: true },
          ],
        },
      ],
      columnGap: 8,
      margin: [0, 0, 0, 14],
    },
  ]
}

export function title(text: string, subtitle?: string): PdfNode[] {
  return [
    { text, bold: true, fontSize: 14, alignment: 'center' },
    ...(subtitle ? [{ text: subtitle, alignment: 'center', margin: [0, 2, 0, 0] }] : []),
    { text: '', margin: [0, 0, 0, 8] },
  ]
}

export const heading = (text: string): PdfNode => ({ text, bold: true, fontSize: 11.5, margin: [0, 10, 0, 4] })

/** Label–value rows without borders, as on the form. */
export function fieldRows(rows: Array<[string, string]>): PdfNode {
  return {
    table: { widths: ['36%', '64%'], body: rows.map(([label, value]) => [{ text: label }, { text: value || '—' }]) },
    layout: 'noBorders',
    margin: [0, 0, 0, 4],
  }
}

/** A bordered grid with a bold header row, repeated on each page it runs over. */
export function grid(headers: string[], rows: string[][], widths?: Array<string | number>): PdfNode {
  return {
    table: {
      headerRows: 1,
      widths: widths ?? headers.map(() => '*'),
      body: [headers.map((h) => ({ text: h, bold: true, fontSize: 9.5 })), ...rows.map((r) => r.map((c) => ({ text: c, fontSize: 9.5 })))],
    },
    margin: [0, 0, 0, 6],
  }
}

export function signatureBlocks(blocks: Array<{ role: string; hint: string; name: string }>): PdfNode {
  return {
    columns: blocks.map((b) => ({
      width: '*',
      alignment: 'center',
      stack: [
        { text: b.role, bold: true },
        { text: b.hint, italics: true, fontSize: 9 },
        { text: '', margin: [0, 0, 0, 48] },
        { text: b.name },
      ],
    })),
    columnGap: 10,
    margin: [0, 18, 0, 0],
    unbreakable: true,
  }
}

export function verificationBlock(verifyUrl: string, caption: string): PdfNode {
  return {
    columns: [
      { width: 96, qr: verifyUrl, fit: 96, eccLevel: 'M' },
      {
        width: '*',
        fontSize: 8.5,
        stack: [
          { text: 'Kiểm tra tính xác thực', bold: true },
          { text: caption },
          { text: 'Quét mã QR hoặc mở địa chỉ:' },
          { text: verifyUrl, fontSize: 7 },
        ],
      },
    ],
    columnGap: 10,
    margin: [0, 18, 0, 0],
    unbreakable: true,
  }
}

export function footer(printedAt: string, documentLabel: string) {
  return (currentPage: number, pageCount: number): PdfNode => ({
    columns: [
      { text: `${documentLabel} – in lúc ${vietnamTime(printedAt)}`, fontSize: 8 },
      { text: `Trang ${currentPage}/${pageCount}`, alignment: 'right', fontSize: 8 },
    ],
    margin: [40, 10, 40, 0],
  })
}
