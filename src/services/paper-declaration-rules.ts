// Rules of paper declarations that a JSON schema cannot express. Pure functions: the service and the
// unit tests use them.
import { conflict, invalid, type FieldProblem } from '../domain/errors.ts'
import type { PaperDeclaration, Status } from '../domain/paper-declaration.ts'
import type { DeclarationContentInput } from '../schemas/paper-declaration-schemas.ts'
import { canonicalJson } from './canonical-json.ts'
import { isCountryCode } from './paper-declaration-country-codes.ts'
import type { BackEntry } from './write-context.ts'

/** Vietnam keeps UTC+7 all year; a receipt year is the year on the office's calendar. */
const VIETNAM_OFFSET_MS = 7 * 3600_000
/** Clocks of officers' workstations drift; the same allowance as backEntryOf. */
const CLOCK_SKEW_MS = 5 * 60_000

// Quantities carry at most 3 decimals and values 4 (the scales of the numeric columns): a finer
// number would be rounded on storage and a re-entry of the same form would then look different.
const QUANTITY_DECIMALS = 3
const VALUE_DECIMALS = 4

const NEXT_STATUSES: Record<Status, readonly Status[]> = {
  REGISTERED: ['RELEASED', 'CLEARED', 'CANCELLED'],
  RELEASED: ['CLEARED'],
  CLEARED: [],
  CANCELLED: [],
}

const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'))

const ID_PATTERN = /^[0-9]{2}[A-Z0-9]{2}-\d{4}-[1-9]\d{0,7}$/

/** The id is the paper registration key: office, receipt year, receipt number (02CI-2025-123). */
export function declarationIdOf(office: string, receiptYear: number, receiptNumber: number): string {
  return `${office}-${receiptYear}-${receiptNumber}`
}

export const isDeclarationId = (value: string) => ID_PATTERN.test(value)

export function vietnamYearOf(instant: string): number {
  return new Date(Date.parse(instant) + VIETNAM_OFFSET_MS).getUTCFullYear()
}

/** Fractional digits of a number as written in JSON (1.5 → 1, 1e-7 → 7). */
export function decimalsOf(n: number): number {
  const m = /^-?\d+(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n))
  if (!m) return Number.POSITIVE_INFINITY
  return Math.max(0, (m[1]?.length ?? 0) - Number(m[2] ?? 0))
}

/** Millisecond ISO time: what JS dates can carry, so stored times and pagination cursors agree. */
const normaliseInstant = (value: string) => new Date(value).toISOString()

/**
 * Infinity must not reach SQL. A body's `1e400` parses to Infinity, which Ajv refuses (strictNumbers),
 * and a back-entry CSV cell "1e400" is refused when its numbers are read; this holds for any other
 * caller of the service (a job, a future import) that bypasses both.
 */
export function checkFinite(numbers: Record<string, number | undefined>): void {
  const problems: FieldProblem[] = []
  for (const [field, n] of Object.entries(numbers)) {
    if (n !== undefined && !Number.isFinite(n)) problems.push({ field, code: 'FIELD_TYPE', message: 'must be a finite number' })
  }
  if (problems.length > 0) throw invalid(problems)
}

/**
 * Field rules of the content of a create or an update; throws one 400 naming every problem.
 * `receipt.field` names the field to blame for a year mismatch (receiptYear on create; on update
 * the key is fixed and registeredAt is what the client sent).
 */
export function checkContent(input: DeclarationContentInput, receipt: { year: number; field: string }, now: string): void {
  const numbers: Record<string, number> = { channel: input.channel }
  input.goodsLines.forEach((l, i) => Object.assign(numbers, { [`goodsLines.${i}.quantity`]: l.quantity, [`goodsLines.${i}.value`]: l.value }))
  checkFinite(numbers)
  const problems: FieldProblem[] = []
  const registeredAt = Date.parse(input.registeredAt)
  if (registeredAt > Date.parse(now) + CLOCK_SKEW_MS) {
    problems.push({ field: 'registeredAt', code: 'REGISTERED_AT_IN_FUTURE', message: 'a declaration cannot be registered in the future' })
  } else if (vietnamYearOf(input.registeredAt) !== receipt.year) {
    problems.push({ field: receipt.field, code: 'RECEIPT_YEAR_MISMATCH', message: 'the receipt year must be the year of registeredAt (Vietnam time)' })
  }
  if (input.status === 'CANCELLED' && input.cancelReason === undefined) {
    problems.push({ field: 'cancelReason', code: 'FIELD_REQUIRED', message: 'a cancellation needs a reason' })
  }
  if (input.status !== 'CANCELLED' && input.cancelReason !== undefined) {
    problems.push({ field: 'cancelReason', code: 'FIELD_NOT_ALLOWED', message: 'only a cancellation carries a reason' })
  }
  input.goodsLines.forEach((line, i) => {
    const at = `goodsLines.${i}`
    if (!isCountryCode(line.originCountry)) {
      problems.push({ field: `${at}.originCountry`, code: 'INVALID_COUNTRY_CODE', message: 'use an ISO 3166-1 alpha-2 code, e.g. VN' })
    }
    if (!CURRENCIES.has(line.currency)) {
      problems.push({ field: `${at}.currency`, code: 'INVALID_CURRENCY_CODE', message: 'use an ISO 4217 code, e.g. USD' })
    }
    if (decimalsOf(line.quantity) > QUANTITY_DECIMALS) {
      problems.push({ field: `${at}.quantity`, code: 'FIELD_PRECISION', message: `at most ${QUANTITY_DECIMALS} decimals` })
    }
    if (decimalsOf(line.value) > VALUE_DECIMALS) {
      problems.push({ field: `${at}.value`, code: 'FIELD_PRECISION', message: `at most ${VALUE_DECIMALS} decimals` })
    }
  })
  if (problems.length > 0) throw invalid(problems)
}

/** A paper record is made at the registration or later; this also keeps year-0 times out of the database. */
export function checkPaperTime(backEntry: BackEntry, registeredAt: string): void {
  if (backEntry.origin === 'paper' && Date.parse(backEntry.occurredAt) < Date.parse(registeredAt)) {
    throw invalid([{ field: 'paperRecordedAt', code: 'PAPER_TIME_BEFORE_REGISTRATION', message: 'a paper record cannot predate the registration' }])
  }
}

/** An update may keep the status or move it forward; a cancelled declaration is closed for edits. */
export function checkTransition(from: Status, to: Status): void {
  if (from === 'CANCELLED') {
    throw conflict('ILLEGAL_TRANSITION', 'A cancelled declaration cannot be changed', { from, action: 'update' })
  }
  if (from !== to && !NEXT_STATUSES[from].includes(to)) {
    throw conflict('ILLEGAL_TRANSITION', `A declaration cannot go from ${from} to ${to}`, { from, to })
  }
}

type Content = Omit<PaperDeclaration, 'id' | 'office' | 'receiptYear' | 'receiptNumber' | 'version' | 'origin' | 'recordedAt' | 'recordedBy' | 'enteredAt' | 'enteredBy' | 'updatedAt' | 'updatedBy' | 'goodsLines'> & {
  goodsLines: DeclarationContentInput['goodsLines']
}

/** The declaration's own fields as the input gives them (defaults applied), without goods lines. */
export function contentFieldsOfInput(input: DeclarationContentInput): Omit<Content, 'goodsLines'> {
  return {
    formType: input.formType,
    declarationNumber: input.declarationNumber ?? null,
    declarantName: input.declarantName,
    taxCode: input.taxCode,
    procedureType: input.procedureType,
    channel: input.channel,
    inspectionResult: input.inspectionResult ?? null,
    status: input.status ?? 'REGISTERED',
    cancelReason: input.cancelReason ?? null,
    registeredAt: normaliseInstant(input.registeredAt),
  }
}

function contentOfInput(input: DeclarationContentInput): Content {
  return { ...contentFieldsOfInput(input), goodsLines: input.goodsLines.map((l) => ({ ...l })) }
}

function contentOfRecord(d: PaperDeclaration): Content {
  const { id: _id, office: _o, receiptYear: _y, receiptNumber: _n, version: _v, origin: _or, recordedAt: _ra, recordedBy: _rb,
    enteredAt: _ea, enteredBy: _eb, updatedAt: _ua, updatedBy: _ub, goodsLines, ...rest } = d
  return { ...rest, goodsLines: goodsLines.map(({ lineNo: _l, ...line }) => line) }
}

/**
 * Whether a re-entered paper form says what the stored declaration says. Who entered it and when
 * (origin, paper time, officer) are not compared: two officers typing the same form are the case
 * this recognises.
 */
export function sameContent(input: DeclarationContentInput, stored: PaperDeclaration): boolean {
  return canonicalJson(contentOfInput(input)) === canonicalJson(contentOfRecord(stored))
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$/

/**
 * A search bound: a calendar day (YYYY-MM-DD, Vietnam time; `from` is its first instant and `to`
 * its last) or an RFC 3339 date-time. Returns a millisecond ISO instant or null when absent.
 */
export function searchBoundOf(raw: string | undefined, bound: 'from' | 'to'): string | null {
  if (raw === undefined || raw === '') return null
  const day = DATE_ONLY.exec(raw)
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])]
    const start = Date.UTC(y, m - 1, d)
    const check = new Date(start)
    if (check.getUTCFullYear() === y && check.getUTCMonth() === m - 1 && check.getUTCDate() === d) {
      const first = start - VIETNAM_OFFSET_MS
      return new Date(bound === 'from' ? first : first + 86_400_000 - 1).toISOString()
    }
  } else if (DATE_TIME.test(raw) && !Number.isNaN(Date.parse(raw))) {
    const instant = normaliseInstant(raw)
    // PostgreSQL has no year 0 and JS writes years past 9999 with a sign: both would fail in SQL.
    if (/^\d{4}-/.test(instant) && !instant.startsWith('0000')) return instant
  }
  throw invalid([{ field: `querystring.${bound}`, code: 'INVALID_DATE_TIME', message: 'use YYYY-MM-DD or an RFC 3339 date-time' }])
}

export function checkSearchRange(from: string | null, to: string | null): void {
  if (from !== null && to !== null && from > to) {
    throw invalid([{ field: 'querystring.from', code: 'DATE_RANGE_INVERTED', message: 'from must not be after to' }])
  }
}
