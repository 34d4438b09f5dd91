// Paper declarations (tờ khai giấy): entry, re-entry of the same paper form, validation, office
// scoping, reads with ETag, search with keyset pagination. Updates: paper-declarations-updates.test.ts.
import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { buildTestApp, type TestApp } from '../helper.ts'

const URL = '/api/v1/paper-declarations'
const TAX_CODE = '0100109106' // check digit verified
const OTHER_TAX_CODE = '0312345673'

const line = (over: Record<string, unknown> = {}) => ({
  hsCode: '85171300',
  description: 'Điện thoại di động thông minh',
  quantity: 100,
  unit: 'PCE',
  value: 25000.5,
  currency: 'USD',
  originCountry: 'CN',
  ...over,
})

const declaration = (over: Record<string, unknown> = {}) => ({
  formType: 'import',
  office: '02CI',
  receiptYear: 2025,
  receiptNumber: 123,
  declarantName: 'Công ty TNHH Thương mại ABC',
  taxCode: TAX_CODE,
  procedureType: 'A11',
  channel: 2,
  registeredAt: '2025-03-14T08:30:00+07:00',
  goodsLines: [line()],
  ...over,
})

const create = (api: TestApp, body: unknown, office = '02CI', headers: Record<string, string> = {}) =>
  api.as({ office }, { method: 'POST', url: URL, payload: body as object, headers })

const problemsOf = (res: LightMyRequestResponse) =>
  ((res.json().details ?? []) as Array<{ field: string; code: string }>).map(({ field, code }) => ({ field, code }))

const rowCount = async (api: TestApp) => (await api.sql('SELECT count(*)::int AS n FROM paper_declarations')).rows[0].n as number

t.test('create: 201 with the record, version 1, ETag, Location and an audit row', async (t) => {
  const api = await buildTestApp(t)
  const res = await create(api, declaration({ declarationNumber: '108557295010', inspectionResult: 'Đúng khai báo' }))
  t.equal(res.statusCode, 201)
  const body = res.json()
  t.equal(body.id, '02CI-2025-123', 'the id is the paper registration key')
  t.equal(body.version, 1)
  t.equal(body.duplicate, false)
  t.equal(res.headers.etag, '"1"')
  t.equal(res.headers.location, `${URL}/02CI-2025-123`)
  t.equal(body.status, 'REGISTERED', 'default status')
  t.equal(body.registeredAt, '2025-03-14T01:30:00.000Z')
  t.equal(body.declarationNumber, '108557295010')
  t.equal(body.origin, 'online')
  t.equal(body.recordedBy, '02CI-officer')
  t.equal(body.enteredBy, '02CI-officer')
  t.same(body.goodsLines, [{ lineNo: 1, ...line() }])

  const trail = await api.as('02CI', { url: `/api/v1/audit/paper_declaration/02CI-2025-123` })
  const items = trail.json().items
  t.equal(items.length, 1)
  t.equal(items[0].action, 'create')
  t.equal(items[0].before, null)
  t.equal(items[0].after.version, 1)
})

t.test('re-entering the same paper form: 200 duplicate with the stored record; different content: 409', async (t) => {
  const api = await buildTestApp(t)
  const first = await create(api, declaration())
  t.equal(first.statusCode, 201)

  const again = await create(api, declaration())
  t.equal(again.statusCode, 200)
  t.equal(again.json().duplicate, true)
  t.equal(again.json().id, first.json().id)
  t.equal(again.headers.etag, '"1"')

  // A second officer typing the same form after the outage: who and when are not content.
  const paper = await api.as(
    { office: '02CI', officerId: 'officer-b' },
    { method: 'POST', url: URL, payload: declaration({ origin: 'paper', paperRecordedAt: '2025-03-14T09:00:00+07:00', paperOfficer: 'officer-c' }) },
  )
  t.equal(paper.statusCode, 200)
  t.equal(paper.json().duplicate, true)
  t.equal(paper.json().enteredBy, '02CI-officer', 'the stored record is unchanged')

  const different = await create(api, declaration({ goodsLines: [line({ quantity: 101 })] }))
  t.equal(different.statusCode, 409)
  t.equal(different.json().code, 'DECLARATION_RECEIPT_TAKEN')
  t.same(different.json().details, { id: '02CI-2025-123', version: 1 })

  t.equal(await rowCount(api), 1)
  const trail = await api.as('02CI', { url: `/api/v1/audit/paper_declaration/02CI-2025-123` })
  t.equal(trail.json().items.length, 1, 'duplicates change nothing and are not audited')

  const otherOffice = await create(api, declaration({ office: '03CC' }), '03CC')
  t.equal(otherOffice.statusCode, 201, 'the receipt number is per office')
  const otherYear = await create(api, declaration({ receiptYear: 2024, registeredAt: '2024-12-30T10:00:00+07:00' }))
  t.equal(otherYear.statusCode, 201, 'and per year')
})

t.test('concurrent entries of one paper form: one 201, the rest duplicates or 409, never a 500', async (t) => {
  const api = await buildTestApp(t)
  // Several rounds: the window in which two inserts of one form race on the declaration number's
  // unique index (not the ON CONFLICT arbiter) is short.
  for (let round = 0; round < 15; round++) {
    const same = declaration({ receiptNumber: 100 + round, declarationNumber: `1085572951${String(round).padStart(2, '0')}` })
    const results = await Promise.all(Array.from({ length: 8 }, () => create(api, same)))
    const statuses = results.map((r) => r.statusCode).sort()
    if (statuses.join() !== '200,200,200,200,200,200,200,201') t.fail(`round ${round}: ${statuses.join()} ${results.map((r) => r.json().code ?? '').join()}`)
    t.ok(results.filter((r) => r.statusCode === 200).every((r) => r.json().duplicate === true))
  }

  const differing = await Promise.all(
    Array.from({ length: 10 }, (_, i) => create(api, declaration({ receiptNumber: 8, declarantName: `Công ty ${i}` }))),
  )
  t.same(differing.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409, 409, 409, 409, 409, 409])
  t.ok(differing.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'DECLARATION_RECEIPT_TAKEN'))
  t.equal(await rowCount(api), 16)
})

t.test('a declaration number names one declaration: 409 DECLARATION_NUMBER_TAKEN', async (t) => {
  const api = await buildTestApp(t)
  t.equal((await create(api, declaration({ declarationNumber: '108557295010' }))).statusCode, 201)
  const res = await create(api, declaration({ receiptNumber: 124, declarationNumber: '108557295010' }))
  t.equal(res.statusCode, 409)
  t.equal(res.json().code, 'DECLARATION_NUMBER_TAKEN')
  const racing = await Promise.all(
    [125, 126, 127].map((n) => create(api, declaration({ receiptNumber: n, declarationNumber: '308557295012' }))),
  )
  t.same(racing.map((r) => r.statusCode).sort(), [201, 409, 409])
})

t.test('validation: every rule answers 400 naming the field and a code, and stores nothing', async (t) => {
  const api = await buildTestApp(t)
  const cases: Array<[string, unknown, { field: string; code: string }]> = [
    ['tax code check digit', declaration({ taxCode: '0100109107' }), { field: 'taxCode', code: 'INVALID_TAX_CODE' }],
    ['HS code of 7 digits', declaration({ goodsLines: [line({ hsCode: '8517130' })] }), { field: 'goodsLines.0.hsCode', code: 'INVALID_HS_CODE' }],
    ['procedure type', declaration({ procedureType: 'A1' }), { field: 'procedureType', code: 'INVALID_PROCEDURE_TYPE' }],
    ['declaration number of 11 digits', declaration({ declarationNumber: '10855729501' }), { field: 'declarationNumber', code: 'INVALID_DECLARATION_NUMBER' }],
    ['office code', declaration({ office: 'CI' }), { field: 'office', code: 'INVALID_OFFICE_CODE' }],
    ['unknown field', declaration({ colour: 'red' }), { field: 'colour', code: 'FIELD_UNKNOWN' }],
    ['unknown field of a goods line', declaration({ goodsLines: [line({ weight: 3 })] }), { field: 'goodsLines.0.weight', code: 'FIELD_UNKNOWN' }],
    ['no goods lines', declaration({ goodsLines: [] }), { field: 'goodsLines', code: 'FIELD_TOO_FEW_ITEMS' }],
    ['goods lines missing', { ...declaration(), goodsLines: undefined }, { field: 'goodsLines', code: 'FIELD_REQUIRED' }],
    ['more than 50 goods lines', declaration({ goodsLines: Array.from({ length: 51 }, () => line()) }), { field: 'goodsLines', code: 'FIELD_TOO_MANY_ITEMS' }],
    ['negative quantity', declaration({ goodsLines: [line({ quantity: -1 })] }), { field: 'goodsLines.0.quantity', code: 'FIELD_TOO_SMALL' }],
    ['zero quantity', declaration({ goodsLines: [line({ quantity: 0 })] }), { field: 'goodsLines.0.quantity', code: 'FIELD_TOO_SMALL' }],
    ['huge quantity', declaration({ goodsLines: [line({ quantity: 1e13 })] }), { field: 'goodsLines.0.quantity', code: 'FIELD_TOO_LARGE' }],
    ['quantity with 4 decimals', declaration({ goodsLines: [line({ quantity: 1.2345 })] }), { field: 'goodsLines.0.quantity', code: 'FIELD_PRECISION' }],
    ['negative value', declaration({ goodsLines: [line({ value: -0.01 })] }), { field: 'goodsLines.0.value', code: 'FIELD_TOO_SMALL' }],
    ['huge value', declaration({ goodsLines: [line({ value: 2e15 })] }), { field: 'goodsLines.0.value', code: 'FIELD_TOO_LARGE' }],
    ['value with 5 decimals', declaration({ goodsLines: [line({ value: 1.23456 })] }), { field: 'goodsLines.0.value', code: 'FIELD_PRECISION' }],
    ['unit not a code', declaration({ goodsLines: [line({ unit: 'chiếc' })] }), { field: 'goodsLines.0.unit', code: 'FIELD_FORMAT' }],
    ['origin not ISO 3166', declaration({ goodsLines: [line({ originCountry: 'ZZ' })] }), { field: 'goodsLines.0.originCountry', code: 'INVALID_COUNTRY_CODE' }],
    ['currency not ISO 4217', declaration({ goodsLines: [line({ currency: 'XYZ' })] }), { field: 'goodsLines.0.currency', code: 'INVALID_CURRENCY_CODE' }],
    ['empty description', declaration({ goodsLines: [line({ description: '' })] }), { field: 'goodsLines.0.description', code: 'FIELD_TOO_SHORT' }],
    ['channel 4', declaration({ channel: 4 }), { field: 'channel', code: 'FIELD_NOT_ALLOWED_VALUE' }],
    ['form type', declaration({ formType: 'transit' }), { field: 'formType', code: 'FIELD_NOT_ALLOWED_VALUE' }],
    ['entered as cancelled', declaration({ status: 'CANCELLED', cancelReason: 'x' }), { field: 'status', code: 'FIELD_NOT_ALLOWED_VALUE' }],
    ['cancel reason without a cancellation', declaration({ cancelReason: 'sai sót' }), { field: 'cancelReason', code: 'FIELD_NOT_ALLOWED' }],
    ['receipt number 0', declaration({ receiptNumber: 0 }), { field: 'receiptNumber', code: 'FIELD_TOO_SMALL' }],
    ['receipt year before the forms', declaration({ receiptYear: 2014 }), { field: 'receiptYear', code: 'FIELD_TOO_SMALL' }],
    ['receipt year not the registration year', declaration({ receiptYear: 2024 }), { field: 'receiptYear', code: 'RECEIPT_YEAR_MISMATCH' }],
    ['registration time not a date-time', declaration({ registeredAt: '14/03/2025' }), { field: 'registeredAt', code: 'INVALID_DATE_TIME' }],
    ['registration in the future', declaration({ receiptYear: 2099, registeredAt: '2099-01-01T00:00:00Z' }), { field: 'registeredAt', code: 'REGISTERED_AT_IN_FUTURE' }],
    ['paper origin without its time', declaration({ origin: 'paper' }), { field: 'paperRecordedAt', code: 'FIELD_REQUIRED' }],
    ['paper record before the registration', declaration({ origin: 'paper', paperRecordedAt: '2025-03-14T08:00:00+07:00' }), { field: 'paperRecordedAt', code: 'PAPER_TIME_BEFORE_REGISTRATION' }],
    ['paper record in year 0', declaration({ origin: 'paper', paperRecordedAt: '0000-01-01T00:00:00Z' }), { field: 'paperRecordedAt', code: 'PAPER_TIME_BEFORE_REGISTRATION' }],
  ]
  for (const [name, body, problem] of cases) {
    const res = await create(api, body)
    t.equal(res.statusCode, 400, name)
    t.equal(res.json().code, 'VALIDATION_FAILED', name)
    t.ok(problemsOf(res).some((p) => p.field === problem.field && p.code === problem.code), `${name}: ${JSON.stringify(problemsOf(res))}`)
  }
  t.equal(await rowCount(api), 0)
})

t.test('the receipt year is the registration year in Vietnam time (UTC+7)', async (t) => {
  const api = await buildTestApp(t)
  const newYear = await create(api, declaration({ receiptYear: 2025, registeredAt: '2024-12-31T18:00:00Z' }))
  t.equal(newYear.statusCode, 201, '01:00 on 1 January 2025 in Hà Nội')
})

t.test('back-entry keeps the paper time and officer; the entering officer is kept apart', async (t) => {
  const api = await buildTestApp(t)
  // A form of March 2025: more than PAPER_BACKDATING_DAYS old, so a supervisor enters it.
  const res = await api.as(
    { office: '02CI', officerId: 'nguyen.van.a', role: 'supervisor' },
    {
      method: 'POST',
      url: URL,
      payload: declaration({ origin: 'paper', paperRecordedAt: '2025-03-14T09:15:00+07:00', paperOfficer: 'tran.thi.b' }),
    },
  )
  t.equal(res.statusCode, 201)
  const body = res.json()
  t.equal(body.origin, 'paper')
  t.equal(body.recordedAt, '2025-03-14T02:15:00.000Z')
  t.equal(body.recordedBy, 'tran.thi.b')
  t.equal(body.enteredBy, 'nguyen.van.a')
  t.not(body.enteredAt, body.recordedAt)
  const audit = (await api.as('02CI', { url: `/api/v1/audit/paper_declaration/${body.id}` })).json().items[0]
  t.equal(audit.officerId, 'tran.thi.b')
  t.equal(audit.enteredBy, 'nguyen.van.a')
  t.equal(audit.origin, 'paper')
  t.equal(audit.occurredAt, '2025-03-14T02:15:00.000Z')
})

t.test('office scoping: 403 OFFICE_FORBIDDEN for another office; admins read everything', async (t) => {
  const api = await buildTestApp(t)
  const other = await create(api, declaration({ office: '03CC' }), '02CI')
  t.equal(other.statusCode, 403)
  t.equal(other.json().code, 'OFFICE_FORBIDDEN')
  t.equal(await rowCount(api), 0)

  const id = (await create(api, declaration())).json().id
  const read = await api.as('03CC', { url: `${URL}/${id}` })
  t.equal(read.statusCode, 403)
  t.equal(read.json().code, 'OFFICE_FORBIDDEN')
  const search = await api.as('03CC', { url: `${URL}?office=02CI` })
  t.equal(search.statusCode, 403)
  t.equal(search.json().code, 'OFFICE_FORBIDDEN')
  t.same((await api.as('03CC', { url: URL })).json().items, [], 'an officer searches their own office')
  const supervisor = await api.as({ office: '03CC', role: 'supervisor' }, { url: `${URL}/${id}` })
  t.equal(supervisor.statusCode, 403)

  const admin = await api.as({ office: '00HQ', role: 'admin' }, { url: `${URL}/${id}` })
  t.equal(admin.statusCode, 200)
  t.equal((await api.as({ office: '00HQ', role: 'admin' }, { url: URL })).json().items.length, 1)
  t.equal((await api.as({ office: '00HQ', role: 'admin' }, { url: `${URL}?office=02CI` })).json().items.length, 1)
})

t.test('read: ETag, If-None-Match → 304, 404 and 400 codes', async (t) => {
  const api = await buildTestApp(t)
  const id = (await create(api, declaration())).json().id
  const res = await api.as('02CI', { url: `${URL}/${id}` })
  t.equal(res.statusCode, 200)
  t.equal(res.headers.etag, '"1"')
  t.equal(res.json().goodsLines.length, 1)
  const notModified = await api.as('02CI', { url: `${URL}/${id}`, headers: { 'if-none-match': '"1"' } })
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.body, '')
  t.equal(notModified.headers.etag, '"1"')
  t.equal((await api.as('02CI', { url: `${URL}/${id}`, headers: { 'if-none-match': 'W/"1"' } })).statusCode, 304, 'weak comparison')
  t.equal((await api.as('02CI', { url: `${URL}/${id}`, headers: { 'if-none-match': '"0"' } })).statusCode, 200)

  const missing = await api.as('02CI', { url: `${URL}/02CI-2025-999` })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'PAPER_DECLARATION_NOT_FOUND')
  const bad = await api.as('02CI', { url: `${URL}/not-an-id` })
  t.equal(bad.statusCode, 400)
  t.same(problemsOf(bad), [{ field: 'params.id', code: 'FIELD_FORMAT' }])
})

t.test('search: filters, date range, keyset pagination', async (t) => {
  const api = await buildTestApp(t)
  const days = ['2025-01-05', '2025-01-06', '2025-01-06', '2025-01-07', '2025-02-01', '2025-02-02', '2025-03-01']
  for (const [i, day] of days.entries()) {
    const res = await create(
      api,
      declaration({
        receiptNumber: i + 1,
        registeredAt: `${day}T09:00:00+07:00`,
        taxCode: i % 2 === 0 ? TAX_CODE : OTHER_TAX_CODE,
        status: i === 6 ? 'CLEARED' : 'REGISTERED',
        declarationNumber: i === 3 ? '108557295010' : undefined,
      }),
    )
    t.equal(res.statusCode, 201)
  }
  await create(api, declaration({ office: '03CC', receiptNumber: 1 }), '03CC')

  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const page: LightMyRequestResponse = await api.as('02CI', { url: `${URL}?limit=3${cursor ? `&cursor=${cursor}` : ''}` })
    t.equal(page.statusCode, 200)
    seen.push(...page.json().items.map((d: { id: string }) => d.id))
    cursor = page.json().nextCursor
    pages++
  } while (cursor)
  t.equal(pages, 3)
  t.same(seen, [7, 6, 5, 4, 3, 2, 1].map((n) => `02CI-2025-${n}`), 'newest registration first, ties by id, no row twice')

  const ids = async (query: string) => {
    const res = await api.as('02CI', { url: `${URL}?${query}` })
    t.equal(res.statusCode, 200, query)
    return res.json().items.map((d: { id: string }) => d.id) as string[]
  }
  t.same(await ids('status=CLEARED'), ['02CI-2025-7'])
  t.same(await ids('declarationNumber=108557295010'), ['02CI-2025-4'])
  t.same(await ids(`taxCode=${OTHER_TAX_CODE}`), ['02CI-2025-6', '02CI-2025-4', '02CI-2025-2'])
  t.same(await ids('from=2025-01-06&to=2025-01-07'), ['02CI-2025-4', '02CI-2025-3', '02CI-2025-2'], 'whole days, Vietnam time')
  t.same(await ids('from=2025-02-01T02:00:00Z&to=2025-02-02T02:00:00Z'), ['02CI-2025-6', '02CI-2025-5'])
  const first = (await api.as('02CI', { url: `${URL}?limit=1` })).json()
  t.equal(first.items[0].goodsLineCount, 1)
  t.notOk('goodsLines' in first.items[0], 'lists carry a summary')

  const errors: Array<[string, { field: string; code: string }]> = [
    ['from=2025-02-01&to=2025-01-01', { field: 'querystring.from', code: 'DATE_RANGE_INVERTED' }],
    ['from=yesterday', { field: 'querystring.from', code: 'INVALID_DATE_TIME' }],
    ['to=2025-02-30', { field: 'querystring.to', code: 'INVALID_DATE_TIME' }],
    ['from=0000-01-01T00:00:00Z', { field: 'querystring.from', code: 'INVALID_DATE_TIME' }],
    ['cursor=garbage', { field: 'querystring.cursor', code: 'INVALID_CURSOR' }],
    [`cursor=${Buffer.from(JSON.stringify(['2025-01-01T00:00:00Z', "x'; DROP TABLE"])).toString('base64url')}`, { field: 'querystring.cursor', code: 'INVALID_CURSOR' }],
    [`cursor=${Buffer.from(JSON.stringify(['0000-01-01T00:00:00Z', '02CI-2025-1'])).toString('base64url')}`, { field: 'querystring.cursor', code: 'INVALID_CURSOR' }],
    ['limit=0', { field: 'querystring.limit', code: 'FIELD_TOO_SMALL' }],
    ['taxCode=0100109107', { field: 'querystring.taxCode', code: 'INVALID_TAX_CODE' }],
    ['status=LOST', { field: 'querystring.status', code: 'FIELD_NOT_ALLOWED_VALUE' }],
    ['colour=red', { field: 'querystring.colour', code: 'FIELD_UNKNOWN' }],
  ]
  for (const [query, problem] of errors) {
    const res = await api.as('02CI', { url: `${URL}?${query}` })
    t.equal(res.statusCode, 400, query)
    t.same(problemsOf(res), [problem], query)
  }
})

t.test('no input produces a 500: every field × odd values, numeric strings beyond range, NUL', async (t) => {
  const api = await buildTestApp(t)
  const odd: unknown[] = [null, true, -1, 1.5, 1e308, '', 'x'.repeat(5000), 'A\u0000B', '\u0007', '1e400', '-1e400', '0000-01-01T00:00:00Z', [], {}, [1]]
  const fields = [...Object.keys(declaration()), 'declarationNumber', 'inspectionResult', 'status', 'cancelReason', 'origin', 'paperRecordedAt', 'paperOfficer']
  const serverErrors: string[] = []
  let n = 1000
  for (const value of odd) {
    for (const field of fields) {
      const res = await create(api, declaration({ receiptNumber: ++n, origin: 'paper', paperRecordedAt: '2025-03-15T00:00:00Z', [field]: value }))
      if (res.statusCode >= 500) serverErrors.push(`${field}=${JSON.stringify(value).slice(0, 20)}`)
    }
    for (const field of Object.keys(line())) {
      const res = await create(api, declaration({ receiptNumber: ++n, goodsLines: [line({ [field]: value })] }))
      if (res.statusCode >= 500) serverErrors.push(`goodsLines.0.${field}=${JSON.stringify(value).slice(0, 20)}`)
    }
    for (const param of ['office', 'declarationNumber', 'taxCode', 'status', 'from', 'to', 'limit', 'cursor']) {
      const res = await api.as('02CI', { url: `${URL}?${param}=${encodeURIComponent(String(value))}` })
      if (res.statusCode >= 500) serverErrors.push(`?${param}=${String(value).slice(0, 20)}`)
    }
  }
  t.same(serverErrors, [])
  const nul = await create(api, declaration({ declarantName: 'Công ty\u0000' }))
  t.same(problemsOf(nul), [{ field: 'declarantName', code: 'FIELD_FORMAT' }], 'PostgreSQL text cannot hold NUL')
  const infinite = await create(api, declaration({ goodsLines: [line({ quantity: '1e400' })] }))
  t.same(problemsOf(infinite), [{ field: 'goodsLines.0.quantity', code: 'FIELD_TYPE' }], 'a numeric string is not a number')
  // JSON.parse reads the literal 1e400 as Infinity.
  const literal = await api.as({ office: '02CI' }, {
    method: 'POST',
    url: URL,
    payload: JSON.stringify(declaration({ goodsLines: [line({ quantity: 7 })] })).replace('"quantity":7', '"quantity":1e400'),
    headers: { 'content-type': 'application/json' },
  })
  t.same(problemsOf(literal), [{ field: 'goodsLines.0.quantity', code: 'FIELD_TYPE' }], 'a number literal beyond range')
  const limit = await api.as('02CI', { url: `${URL}?limit=1e400` })
  t.same(problemsOf(limit), [{ field: 'querystring.limit', code: 'FIELD_TYPE' }])
})
