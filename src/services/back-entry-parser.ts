// Reads a back-entry upload (CSV or JSON) into rows. Pure functions: no I/O.
//
// CSV (RFC 4180: comma-separated, fields with commas, quotes or line breaks in double quotes, a quote
// inside as two quotes; UTF-8, an optional BOM): the header names the columns. `kind`,
// `originalTime` and `originalOfficer` are the row's own; every other column is a field of the
// record. An empty cell means "not given", so one file can mix kinds. A dotted column name nests
// (`containers.0.containerNumber` is containers[0].containerNumber), and a cell that starts with `[`
// or `{` is read as JSON (a whole `goodsLines` list in one cell). Cells are text: numbersFromCsvText
// reads the numbers of a row where its kind's schema takes one (JSON bodies are never converted).
//
// JSON: {"fileName"?: "...", "rows": [{"kind", "originalTime", "originalOfficer", "data": {...}}]}.
import { createHash } from 'node:crypto'
import type { TSchema } from '@sinclair/typebox'
import { canonicalJson } from './canonical-json.ts'
import type { FieldProblem } from '../domain/errors.ts'

export interface ParsedRow {
  rowNo: number
  kind: string
  originalTime: string | null
  originalOfficer: string | null
  data: Record<string, unknown>
  /** A problem found while reading the row (the row is rejected with it). */
  problem: RowProblem | null
}

export interface RowProblem {
  code: string
  message: string
  details?: FieldProblem[]
}

export class UploadFormatError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

const OWN_COLUMNS = new Set(['kind', 'originalTime', 'originalOfficer'])
const MAX_DEPTH = 6

/** Splits CSV text into records of fields. Throws UploadFormatError on an unterminated quote. */
export function parseCsv(text: string): string[][] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let quoted = false
  let i = 0
  while (i < src.length) {
    const c = src[i] as string
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
      } else {
        field += c
      }
      i++
      continue
    }
    if (c === '"' && field === '') {
      quoted = true
    } else if (c === ',') {
      record.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      record.push(field)
      records.push(record)
      record = []
      field = ''
      if (c === '\r' && src[i + 1] === '\n') i++
    } else {
      field += c
    }
    i++
  }
  if (quoted) throw new UploadFormatError('CSV_UNTERMINATED_QUOTE', 'A quoted CSV field is not closed')
  if (field !== '' || record.length > 0) {
    record.push(field)
    records.push(record)
  }
  return records.filter((r) => r.some((f) => f.trim() !== ''))
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): boolean {
  let node: Record<string, unknown> | unknown[] = target
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string
    const last = i === path.length - 1
    const index = /^\d{1,4}$/.test(key) ? Number(key) : null
    if (key === '' || key === '__proto__' || key === 'constructor' || key === 'prototype') return false
    if (Array.isArray(node) !== (index !== null)) return false
    const slot = (node as Record<string, unknown>)[index ?? key]
    if (last) {
      ;(node as Record<string, unknown>)[index ?? key] = value
      return true
    }
    const wantArray = /^\d{1,4}$/.test(path[i + 1] as string)
    if (slot === undefined) {
      const child = wantArray ? [] : {}
      ;(node as Record<string, unknown>)[index ?? key] = child
      node = child as Record<string, unknown> | unknown[]
    } else if (typeof slot === 'object' && slot !== null && Array.isArray(slot) === wantArray) {
      node = slot as Record<string, unknown> | unknown[]
    } else {
      return false
    }
  }
  return false
}

// Sparse arrays (a column `containers.2.x` without `containers.1.x`) would reach services as holes.
function compactArrays(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compactArrays)
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) (value as Record<string, unknown>)[k] = compactArrays(v)
  }
  return value
}

export function rowsFromCsv(text: string, maxRows: number): ParsedRow[] {
  const records = parseCsv(text)
  const header = records.shift()
  if (!header) throw new UploadFormatError('EMPTY_BATCH', 'The file has no header and no rows')
  const columns = header.map((h) => h.trim())
  for (const required of OWN_COLUMNS) {
    if (!columns.includes(required)) {
      throw new UploadFormatError('CSV_COLUMN_MISSING', `The CSV header needs the column "${required}"`)
    }
  }
  const seen = new Set<string>()
  for (const c of columns) {
    if (c === '') throw new UploadFormatError('CSV_COLUMN_UNNAMED', 'Every CSV column needs a name in the header')
    if (seen.has(c)) throw new UploadFormatError('CSV_COLUMN_DUPLICATE', `The CSV header names "${c}" twice`)
    if (c.split('.').length > MAX_DEPTH) throw new UploadFormatError('CSV_COLUMN_TOO_DEEP', `Column "${c}" nests too deep`)
    seen.add(c)
  }
  if (records.length > maxRows) {
    throw new UploadFormatError('TOO_MANY_ROWS', `A batch holds at most ${maxRows} rows; split the file`)
  }
  return records.map((cells, index) => {
    const own: Record<string, string> = {}
    const data: Record<string, unknown> = {}
    const problems: FieldProblem[] = []
    if (cells.length > columns.length) problems.push({ field: 'row', code: 'CSV_TOO_MANY_FIELDS', message: 'more cells than header columns' })
    columns.forEach((column, i) => {
      const raw = cells[i]
      if (raw === undefined || raw.trim() === '') return
      const cell = raw.trim()
      if (OWN_COLUMNS.has(column)) {
        own[column] = cell
        return
      }
      let value: unknown = cell
      if (cell.startsWith('[') || cell.startsWith('{')) {
        try {
          value = JSON.parse(cell)
        } catch {
          problems.push({ field: column, code: 'CSV_CELL_NOT_JSON', message: 'a cell starting with [ or { must be JSON' })
          return
        }
      }
      if (!setPath(data, column.split('.'), value)) {
        problems.push({ field: column, code: 'CSV_COLUMN_CONFLICT', message: 'this column clashes with another column of the row' })
      }
    })
    compactArrays(data)
    return {
      rowNo: index + 1,
      kind: own.kind ?? '',
      originalTime: own.originalTime ?? null,
      originalOfficer: own.originalOfficer ?? null,
      data,
      problem: problems.length ? { code: 'ROW_UNREADABLE', message: 'The row could not be read', details: problems } : null,
    }
  })
}

export interface JsonUpload {
  fileName?: string
  rows: Array<{ kind?: unknown; originalTime?: unknown; originalOfficer?: unknown; data?: unknown }>
}

export function rowsFromJson(body: JsonUpload, maxRows: number): ParsedRow[] {
  if (body.rows.length > maxRows) {
    throw new UploadFormatError('TOO_MANY_ROWS', `A batch holds at most ${maxRows} rows; split the file`)
  }
  return body.rows.map((row, index) => {
    const data = row.data
    const dataIsObject = typeof data === 'object' && data !== null && !Array.isArray(data)
    return {
      rowNo: index + 1,
      kind: typeof row.kind === 'string' ? row.kind : '',
      originalTime: typeof row.originalTime === 'string' ? row.originalTime : null,
      originalOfficer: typeof row.originalOfficer === 'string' ? row.originalOfficer : null,
      data: dataIsObject ? (data as Record<string, unknown>) : {},
      problem:
        data === undefined || dataIsObject
          ? null
          : { code: 'ROW_UNREADABLE', message: 'The row could not be read', details: [{ field: 'data', code: 'FIELD_TYPE' }] },
    }
  })
}

/** The batch's identity: the same rows (whatever the file's line endings or key order) hash the same. */
export function contentHashOf(rows: ParsedRow[]): string {
  const content = rows.map((r) => [r.kind, r.originalTime, r.originalOfficer, r.data])
  return createHash('sha256').update(canonicalJson(content)).digest('hex')
}

interface SchemaNode {
  type?: unknown
  properties?: Record<string, SchemaNode>
  items?: SchemaNode
  anyOf?: SchemaNode[]
}

// Digits, a decimal point, an exponent. A decimal comma (a Vietnamese spreadsheet writes 25000,5) is
// refused rather than guessed: "1,500" is 1.5 there and 1500 elsewhere. Not "0x1F"; not " " (Number is 0).
const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const MAX_QUOTED_CELL = 40

const typesOf = (schema: SchemaNode): unknown[] =>
  schema.anyOf ? schema.anyOf.flatMap(typesOf) : Array.isArray(schema.type) ? schema.type : [schema.type]

function fromText(schema: SchemaNode, value: unknown, field: string, problems: FieldProblem[]): unknown {
  if (typeof value === 'string') {
    const types = typesOf(schema)
    if (types.includes('string')) return value
    if (types.includes('number') || types.includes('integer')) {
      const n = Number(value)
      if (NUMBER_TEXT.test(value) && Number.isFinite(n)) return n
      const shown = value.length > MAX_QUOTED_CELL ? `${value.slice(0, MAX_QUOTED_CELL - 1)}…` : value
      problems.push({ field, code: 'FIELD_TYPE', message: `must be a number, written with digits and a decimal point (25000.5); the cell holds "${shown}"` })
      return value
    }
    // A list of single values written as one value: a list of one (declarationNumbers = 308557295080).
    if (types.includes('array') && schema.items) return [fromText(schema.items, value, `${field}.0`, problems)]
    return value
  }
  if (Array.isArray(value)) {
    const items = schema.items
    if (items) value.forEach((item, i) => (value[i] = fromText(items, item, `${field}.${i}`, problems)))
    return value
  }
  if (value !== null && typeof value === 'object' && schema.properties) {
    const record = value as Record<string, unknown>
    for (const [key, item] of Object.entries(record)) {
      const property = schema.properties[key]
      if (property) record[key] = fromText(property, item, field ? `${field}.${key}` : key, problems)
    }
  }
  return value
}

/**
 * A CSV row's text where its kind's schema takes a number becomes that number (`30`, `25000.5`, also
 * inside a JSON cell); a text that is not a number is a FIELD_TYPE problem naming its field, and the
 * row is rejected. Changes `data` in place; the fields the schema does not know are left to it.
 */
export function numbersFromCsvText(schema: TSchema, data: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = []
  fromText(schema as SchemaNode, data, '', problems)
  return problems
}
