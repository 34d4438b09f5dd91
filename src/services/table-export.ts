// Lists and reports as spreadsheets officers report in: CSV (UTF-8 with a byte-order mark, so Excel
// shows Vietnamese letters; csv-stringify quotes per RFC 4180) or XLSX (ExcelJS's streaming
// workbook writer: rows leave as they are read, so an export of a year's records does not sit in
// memory). Headers are Vietnamese, times are Vietnam time (dd/MM/yyyy HH:mm in CSV, real date cells
// shown in Vietnam time in XLSX).
import { PassThrough, Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { stringify } from 'csv-stringify'
import ExcelJS from 'exceljs'
import { vietnamTime } from './vietnam-time.ts'

export type ExportFormat = 'csv' | 'xlsx'

export interface ExportColumn<T> {
  header: string
  /** time: an ISO instant; day: a YYYY-MM-DD calendar day; number; text (default). */
  kind?: 'text' | 'number' | 'time' | 'day'
  width?: number
  value(row: T): string | number | null | undefined
}

export interface ExportTable<T> {
  /** Sheet name and the start of the file name. */
  title: string
  fileBase: string
  columns: Array<ExportColumn<T>>
  rows: AsyncIterable<T>
}

/** Excel's last row is 1,048,576; one is the header. */
const XLSX_MAX_ROWS = 1_048_575
// Vietnam has kept UTC+7 all year since 1975: a cell's wall-clock time is the instant plus 7 hours.
const VIETNAM_OFFSET_MS = 7 * 3_600_000

function csvCell<T>(column: ExportColumn<T>, row: T): string {
  const v = column.value(row)
  if (v === null || v === undefined) return ''
  if (column.kind === 'time') return vietnamTime(String(v))
  if (column.kind === 'day') return String(v).split('-').reverse().join('/')
  return String(v)
}

function xlsxCell<T>(column: ExportColumn<T>, row: T): string | number | Date | null {
  const v = column.value(row)
  if (v === null || v === undefined) return null
  if (column.kind === 'time') return new Date(Date.parse(String(v)) + VIETNAM_OFFSET_MS)
  if (column.kind === 'day') return new Date(`${String(v)}T00:00:00Z`)
  if (column.kind === 'number') return Number(v)
  return String(v)
}

async function* csvRecords<T>(table: ExportTable<T>): AsyncGenerator<string[]> {
  yield table.columns.map((c) => c.header)
  for await (const row of table.rows) yield table.columns.map((c) => csvCell(c, row))
}

function csvStream<T>(table: ExportTable<T>): Readable {
  const out = new PassThrough()
  out.write('\uFEFF')
  pipeline(Readable.from(csvRecords(table)), stringify({ record_delimiter: 'windows' }), out).catch((err) => out.destroy(err))
  return out
}

function xlsxStream<T>(table: ExportTable<T>): Readable {
  const out = new PassThrough()
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false })
  const sheet = workbook.addWorksheet(table.title.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] })
  sheet.columns = table.columns.map((c) => ({
    header: c.header,
    width: c.width ?? (c.kind === 'time' ? 17 : c.kind === 'day' ? 11 : Math.max(12, Math.min(40, c.header.length + 2))),
    style: c.kind === 'time' ? { numFmt: 'dd/mm/yyyy hh:mm' } : c.kind === 'day' ? { numFmt: 'dd/mm/yyyy' } : {},
  }))
  sheet.getRow(1).font = { bold: true }
  sheet.getRow(1).commit()
  ;(async () => {
    let count = 0
    for await (const row of table.rows) {
      if (++count > XLSX_MAX_ROWS) throw new Error(`more than ${XLSX_MAX_ROWS} rows: narrow the export or choose CSV`)
      sheet.addRow(table.columns.map((c) => xlsxCell(c, row))).commit()
      // Let the zip stream drain before reading further: memory stays flat however long the export.
      if (out.writableNeedDrain) await new Promise((resolve) => out.once('drain', resolve))
    }
    sheet.commit()
    await workbook.commit()
  })().catch((err) => out.destroy(err))
  return out
}

export function exportStream<T>(table: ExportTable<T>, format: ExportFormat): { stream: Readable; contentType: string; fileName: string } {
  const fileName = `${table.fileBase}.${format}`
  if (format === 'csv') return { stream: csvStream(table), contentType: 'text/csv; charset=utf-8', fileName }
  return { stream: xlsxStream(table), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName }
}

/**
 * Every row of a keyset-paginated list, page after page; the first page is read by the caller
 * (so a refused request is answered with its error before any byte of the file is sent).
 */
export async function* allPages<T>(
  first: { items: T[]; nextCursor: string | null },
  next: (cursor: string) => Promise<{ items: T[]; nextCursor: string | null }>,
): AsyncGenerator<T> {
  let page = first
  for (;;) {
    yield* page.items
    if (page.nextCursor === null) return
    page = await next(page.nextCursor)
  }
}

/** The rows of a list export are read in pages this size. */
export const EXPORT_PAGE_SIZE = 500
