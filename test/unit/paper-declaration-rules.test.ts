import t from 'tap'
import { DomainError } from '../../src/domain/errors.ts'
import {
  checkContent,
  checkTransition,
  decimalsOf,
  declarationIdOf,
  isDeclarationId,
  sameContent,
  searchBoundOf,
  vietnamYearOf,
} from '../../src/services/paper-declaration-rules.ts'
import { STATUSES, type PaperDeclaration, type Status } from '../../src/domain/paper-declaration.ts'

const NOW = '2025-06-01T00:00:00.000Z'

const content = {
  formType: 'import' as const,
  declarantName: 'Công ty ABC',
  taxCode: '0100109106',
  procedureType: 'A11',
  channel: 1 as const,
  registeredAt: '2025-03-14T08:30:00+07:00',
  goodsLines: [{ hsCode: '85171300', description: 'Điện thoại', quantity: 1.5, unit: 'PCE', value: 10, currency: 'USD', originCountry: 'CN' }],
}

const codesOf = (fn: () => void): string[] => {
  try {
    fn()
  } catch (err) {
    const e = err as DomainError
    const problems = Array.isArray(e.details) ? (e.details as Array<{ field: string; code: string }>) : []
    return [e.code, ...problems.map((p) => `${p.field}:${p.code}`)]
  }
  return []
}

t.test('decimals as written in JSON', async (t) => {
  t.equal(decimalsOf(100), 0)
  t.equal(decimalsOf(1.5), 1)
  t.equal(decimalsOf(0.125), 3)
  t.equal(decimalsOf(1e-7), 7)
  t.equal(decimalsOf(1.25e-5), 7)
  t.equal(decimalsOf(1e21), 0)
})

t.test('receipt year on the Vietnam calendar', async (t) => {
  t.equal(vietnamYearOf('2024-12-31T16:59:59Z'), 2024)
  t.equal(vietnamYearOf('2024-12-31T17:00:00Z'), 2025)
})

t.test('the id is the paper registration key', async (t) => {
  t.equal(declarationIdOf('02CI', 2025, 123), '02CI-2025-123')
  t.ok(isDeclarationId('02CI-2025-123'))
  t.notOk(isDeclarationId('02CI-2025-0123'), 'no leading zeros: one key, one id')
  t.notOk(isDeclarationId("02CI-2025-1' OR 1=1"))
})

t.test('content rules name the field and a code', async (t) => {
  const receipt = { year: 2025, field: 'receiptYear' }
  t.same(codesOf(() => checkContent(content, receipt, NOW)), [])
  t.same(codesOf(() => checkContent(content, { year: 2024, field: 'receiptYear' }, NOW)), ['VALIDATION_FAILED', 'receiptYear:RECEIPT_YEAR_MISMATCH'])
  t.same(codesOf(() => checkContent({ ...content, registeredAt: '2025-06-01T00:06:00Z' }, receipt, NOW)), ['VALIDATION_FAILED', 'registeredAt:REGISTERED_AT_IN_FUTURE'])
  t.same(codesOf(() => checkContent({ ...content, registeredAt: '2025-06-01T00:04:00Z' }, receipt, NOW)), [], 'five minutes of clock skew')
  t.same(codesOf(() => checkContent({ ...content, status: 'CANCELLED' }, receipt, NOW)), ['VALIDATION_FAILED', 'cancelReason:FIELD_REQUIRED'])
  t.same(codesOf(() => checkContent({ ...content, cancelReason: 'x' }, receipt, NOW)), ['VALIDATION_FAILED', 'cancelReason:FIELD_NOT_ALLOWED'])
  const badLine = { ...content.goodsLines[0]!, originCountry: 'EU', currency: 'usd', quantity: 0.0001, value: 0.00001 }
  t.same(codesOf(() => checkContent({ ...content, goodsLines: [content.goodsLines[0]!, badLine] }, receipt, NOW)), [
    'VALIDATION_FAILED',
    'goodsLines.1.originCountry:INVALID_COUNTRY_CODE',
    'goodsLines.1.currency:INVALID_CURRENCY_CODE',
    'goodsLines.1.quantity:FIELD_PRECISION',
    'goodsLines.1.value:FIELD_PRECISION',
  ])
})

t.test('status transitions', async (t) => {
  const allowed = new Set(['REGISTERED>RELEASED', 'REGISTERED>CLEARED', 'REGISTERED>CANCELLED', 'RELEASED>CLEARED'])
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      const codes = codesOf(() => checkTransition(from as Status, to as Status))
      const legal = from !== 'CANCELLED' && (from === to || allowed.has(`${from}>${to}`))
      t.same(codes, legal ? [] : ['ILLEGAL_TRANSITION'], `${from} → ${to}`)
    }
  }
})

t.test('same content ignores who entered the form and when', async (t) => {
  const stored: PaperDeclaration = {
    id: '02CI-2025-1', office: '02CI', receiptYear: 2025, receiptNumber: 1, formType: 'import', declarationNumber: null,
    declarantName: 'Công ty ABC', taxCode: '0100109106', procedureType: 'A11', channel: 1, inspectionResult: null,
    status: 'REGISTERED', cancelReason: null, registeredAt: '2025-03-14T01:30:00.000Z',
    goodsLines: [{ lineNo: 1, ...content.goodsLines[0]! }], version: 1, origin: 'paper', recordedAt: '2025-03-14T02:00:00.000Z',
    recordedBy: 'a', enteredAt: '2025-03-20T00:00:00.000Z', enteredBy: 'b', updatedAt: '2025-03-14T02:00:00.000Z', updatedBy: 'a',
  }
  t.ok(sameContent(content, stored))
  t.ok(sameContent({ ...content, origin: 'paper', paperRecordedAt: '2025-03-15T00:00:00Z', paperOfficer: 'z' }, stored))
  t.notOk(sameContent({ ...content, channel: 2 }, stored))
  t.notOk(sameContent({ ...content, declarationNumber: '108557295010' }, stored))
  t.notOk(sameContent({ ...content, goodsLines: [...content.goodsLines, ...content.goodsLines] }, stored))
  t.notOk(sameContent({ ...content, status: 'CLEARED' }, stored))
})

t.test('search bounds: whole Vietnam days or RFC 3339 date-times', async (t) => {
  t.equal(searchBoundOf('2025-01-06', 'from'), '2025-01-05T17:00:00.000Z')
  t.equal(searchBoundOf('2025-01-06', 'to'), '2025-01-06T16:59:59.999Z')
  t.equal(searchBoundOf('2025-01-06T10:00:00+07:00', 'to'), '2025-01-06T03:00:00.000Z')
  t.equal(searchBoundOf(undefined, 'from'), null)
  for (const bad of ['2025-02-30', '2025-13-01', '0000-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', 'yesterday', '2025-01-06T10:00:00']) {
    t.same(codesOf(() => searchBoundOf(bad, 'from')), ['VALIDATION_FAILED', 'querystring.from:INVALID_DATE_TIME'], bad)
  }
})
