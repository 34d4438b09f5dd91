// The eligible list of a declaration (danh sách đủ điều kiện qua KVGS): registering, re-registering,
// validation, office scoping, the printable page.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'

const DN = '108557295010'
const BASE = `/api/v1/gate/declarations/${DN}`

function list(overrides: Record<string, unknown> = {}) {
  return {
    office: '02CI',
    locationCode: '02CIC03',
    traderName: 'Công ty TNHH Thương mại ABC',
    traderTaxCode: '0100109522',
    status: 'CLEARED',
    declarationDate: '2024-06-03',
    procedureType: 'A11',
    channel: 1,
    goodsManagementNumber: 'MAEU240603001',
    containers: [
      { containerNumber: 'CSQU3054383', carrierSeal: 'ML123456', customsSeal: '#####' },
      { containerNumber: 'MSKU9070323', carrierSeal: 'ML654321', customsSeal: 'HQ000123' },
    ],
    lots: [{ lotNumber: 'LOT1', description: 'Thép cuộn cán nóng', quantity: 100, quantityUnit: 'TNE', totalWeight: 100000, weightUnit: 'KGM' }],
    ...overrides,
  }
}

const put = (ta: TestApp, body: unknown, actor: Parameters<TestApp['as']>[0] = '02CI', headers: Record<string, string> = {}) =>
  ta.as(actor, { method: 'PUT', url: BASE, payload: body as object, headers })

const codes = (res: { json(): { details?: Array<{ field: string; code: string }> } }) =>
  (res.json().details ?? []).map((d) => `${d.field}:${d.code}`)

t.test('register, read, re-register the same list (no-op), change it', async (t) => {
  const ta = await buildTestApp(t)
  const created = await put(ta, list())
  t.equal(created.statusCode, 201, created.body)
  t.equal(created.json().outcome, 'created')

  const got = await ta.as('02CI', { url: BASE })
  t.equal(got.statusCode, 200)
  const view = got.json()
  t.equal(view.declarationNumber, DN)
  t.equal(view.passable, true)
  t.equal(view.channel, 1)
  t.equal(view.declarationDate, '2024-06-03')
  t.same(view.containers.map((c: { containerNumber: string }) => c.containerNumber), ['CSQU3054383', 'MSKU9070323'])
  t.equal(view.containers[0].customsSeal, null, '"#####" means no customs seal')
  t.equal(view.containers[1].customsSeal, 'HQ000123')
  t.equal(view.containers[0].confirmed, false)
  t.match(view.lots[0], { lotNumber: 'LOT1', quantity: 100, quantityPassed: 0, quantityRemaining: 100, fullyPassed: false })

  const again = await put(ta, list())
  t.equal(again.statusCode, 200)
  t.equal(again.json().outcome, 'unchanged')
  // "#####" and an absent seal are the same content
  const noSeal = list({
    containers: [
      { containerNumber: 'CSQU3054383', carrierSeal: 'ML123456' },
      { containerNumber: 'MSKU9070323', carrierSeal: 'ML654321', customsSeal: 'HQ000123' },
    ],
  })
  t.equal((await put(ta, noSeal)).json().outcome, 'unchanged')
  const trail = await ta.as({ role: 'supervisor' }, { url: `/api/v1/audit/gate_declaration/${DN}` })
  t.equal(trail.json().items.length, 1, 'a no-op re-registration writes no audit row')

  const changed = await put(ta, list({ status: 'RELEASED', containers: [{ containerNumber: 'TGHU1234567', carrierSeal: 'X1' }] }))
  t.equal(changed.statusCode, 200)
  t.equal(changed.json().outcome, 'updated')
  t.same(changed.json().containers.map((c: { containerNumber: string }) => c.containerNumber), ['TGHU1234567'])
  t.equal(changed.json().status, 'RELEASED')
  const trail2 = await ta.as({ role: 'supervisor' }, { url: `/api/v1/audit/gate_declaration/${DN}` })
  t.same(trail2.json().items.map((i: { action: string }) => i.action), ['register', 'update_list'])
  t.equal(trail2.json().items[1].before.containers.length, 2)
})

t.test('unknown declaration: 404', async (t) => {
  const ta = await buildTestApp(t)
  const res = await ta.as('02CI', { url: '/api/v1/gate/declarations/108557295099' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'GATE_DECLARATION_NOT_FOUND')
})

t.test('validation: each field problem has a stable code', async (t) => {
  const ta = await buildTestApp(t)
  const cases: Array<[string, unknown, string]> = [
    ['tax code check digit', list({ traderTaxCode: '0100109523' }), 'traderTaxCode:INVALID_TAX_CODE'],
    ['container check digit', list({ containers: [{ containerNumber: 'CSQU3054384' }] }), 'containers.0.containerNumber:INVALID_CONTAINER_NUMBER'],
    ['office code', list({ office: '2CI' }), 'office:INVALID_OFFICE_CODE'],
    ['procedure type', list({ procedureType: 'A1' }), 'procedureType:INVALID_PROCEDURE_TYPE'],
    ['declaration date', list({ declarationDate: '2024-13-01' }), 'declarationDate:INVALID_DATE'],
    ['channel', list({ channel: 4 }), 'channel:FIELD_NOT_ALLOWED_VALUE'],
    ['status', list({ status: 'PASSED' }), 'status:FIELD_NOT_ALLOWED_VALUE'],
    ['location code', list({ locationCode: 'bad code' }), 'locationCode:FIELD_FORMAT'],
    ['unknown field', list({ colour: 'red' }), 'colour:FIELD_UNKNOWN'],
    ['unknown container field', list({ containers: [{ containerNumber: 'CSQU3054383', weight: 1 }] }), 'containers.0.weight:FIELD_UNKNOWN'],
    ['zero quantity', list({ lots: [{ ...list().lots[0], quantity: 0 }] }), 'lots.0.quantity:FIELD_TOO_SMALL'],
    ['quantity type', list({ lots: [{ ...list().lots[0], quantity: 'many' }] }), 'lots.0.quantity:FIELD_TYPE'],
    ['required', { ...list(), traderName: undefined }, 'traderName:FIELD_REQUIRED'],
    ['empty list', list({ containers: [], lots: [] }), 'containers:ELIGIBLE_LIST_EMPTY'],
    ['duplicate container', list({ containers: [{ containerNumber: 'CSQU3054383' }, { containerNumber: 'CSQU3054383', carrierSeal: 'A' }] }), 'containers.1.containerNumber:DUPLICATE_CONTAINER_NUMBER'],
    ['duplicate lot', list({ lots: [list().lots[0], list().lots[0]] }), 'lots.1.lotNumber:DUPLICATE_LOT_NUMBER'],
    ['date in future', list({ declarationDate: '2999-01-01' }), 'declarationDate:DECLARATION_DATE_IN_FUTURE'],
    ['paper without time', list({ origin: 'paper' }), 'paperRecordedAt:FIELD_REQUIRED'],
  ]
  for (const [name, body, expected] of cases) {
    const res = await put(ta, body)
    t.equal(res.statusCode, 400, name)
    t.equal(res.json().code, 'VALIDATION_FAILED', name)
    t.ok(codes(res).includes(expected), `${name}: ${expected} in ${codes(res).join(', ')}`)
  }
  const badNumber = await ta.as('02CI', { method: 'PUT', url: '/api/v1/gate/declarations/12345', payload: list() })
  t.equal(badNumber.statusCode, 400)
  t.ok(codes(badNumber).includes('params.declarationNumber:INVALID_DECLARATION_NUMBER'))
  t.equal((await ta.sql('SELECT count(*)::int AS n FROM gate_declarations')).rows[0]?.n, 0, 'nothing was written')
})

t.test('office scoping: an officer registers and reads only for their own office', async (t) => {
  const ta = await buildTestApp(t)
  const foreign = await put(ta, list({ office: '06DS' }))
  t.equal(foreign.statusCode, 403)
  t.equal(foreign.json().code, 'OFFICE_FORBIDDEN')
  t.equal((await put(ta, list())).statusCode, 201)
  const takeover = await put(ta, list({ office: '06DS' }), '06DS')
  t.equal(takeover.statusCode, 403, 'another office cannot re-register this declaration as its own')
  t.equal(takeover.json().code, 'OFFICE_FORBIDDEN')
  const read = await ta.as('06DS', { url: BASE })
  t.equal(read.statusCode, 403)
  t.equal(read.json().code, 'OFFICE_FORBIDDEN')
  t.equal((await ta.as({ office: '06DS', role: 'admin' }, { url: BASE })).statusCode, 200, 'admins read everything')
  t.equal((await ta.as({ office: '06DS', role: 'admin' }, { url: `${BASE}/print` })).statusCode, 200)
  t.equal((await ta.as('06DS', { url: `${BASE}/print` })).statusCode, 403)
  const adminWrite = await put(ta, list(), { office: '02CI', role: 'admin' })
  t.equal(adminWrite.statusCode, 403)
  t.equal(adminWrite.json().code, 'ROLE_FORBIDDEN')
  t.equal((await put(ta, list({ status: 'RELEASED' }), { office: '02CI', role: 'supervisor' })).statusCode, 200)
})

t.test('Idempotency-Key on registration: replay and mismatch', async (t) => {
  const ta = await buildTestApp(t)
  const headers = { 'idempotency-key': 'reg-1' }
  const first = await put(ta, list(), '02CI', headers)
  t.equal(first.statusCode, 201)
  const replay = await put(ta, list(), '02CI', headers)
  t.equal(replay.statusCode, 201, 'the stored response, not "unchanged"')
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json())
  const other = await put(ta, list({ status: 'RELEASED' }), '02CI', headers)
  t.equal(other.statusCode, 422)
  t.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED')
})

t.test('concurrent first registrations of the same list: one creates, the others see it unchanged', async (t) => {
  const ta = await buildTestApp(t)
  const results = await Promise.all(Array.from({ length: 8 }, () => put(ta, list())))
  const statuses = results.map((r) => r.statusCode).sort()
  t.same(statuses, [200, 200, 200, 200, 200, 200, 200, 201])
  t.ok(results.filter((r) => r.statusCode === 200).every((r) => r.json().outcome === 'unchanged'))
  t.equal((await ta.sql('SELECT count(*)::int AS n FROM gate_containers')).rows[0]?.n, 2)
})

t.test('printable eligible list: Vietnamese labels, escaped values', async (t) => {
  const ta = await buildTestApp(t)
  const hostile = '<script>alert("x")</script> & Co'
  const body = list({ traderName: hostile, containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'ML-1/2', customsSeal: '#####' }] })
  t.equal((await put(ta, body)).statusCode, 201)
  await ta.as('02CI', {
    method: 'POST',
    url: `${BASE}/containers/CSQU3054383/confirmations`,
    payload: { passedAt: '2024-06-04T02:30:00Z' },
  })
  const res = await ta.as('02CI', { url: `${BASE}/print` })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/)
  const page = res.body
  for (const label of [
    'DANH SÁCH CONTAINER ĐỦ ĐIỀU KIỆN QUA KHU VỰC GIÁM SÁT',
    'DANH SÁCH HÀNG HÓA ĐỦ ĐIỀU KIỆN QUA KHU VỰC GIÁM SÁT',
    'Mã địa điểm giám sát',
    'Số tờ khai',
    'Mã số thuế',
    'Luồng',
    'Số container',
    'Số niêm phong hãng tàu',
    'Số niêm phong hải quan',
    'Xác nhận của công chức hải quan',
    'Số lượng',
    'Trọng lượng',
    'Số lượng còn lại',
  ]) {
    t.ok(page.includes(label), label)
  }
  t.notOk(page.includes('<script>'), 'no raw markup from data')
  t.ok(page.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co'))
  t.ok(page.includes('#####'), 'no customs seal prints as #####')
  t.ok(page.includes('02CIC03') && page.includes(DN) && page.includes('0100109522'))
  t.ok(page.includes('1 – Xanh'))
  t.ok(page.includes('04/06/2024 09:30'), 'pass time in Vietnam time')
  t.ok(page.includes('Chưa xác nhận'), 'the lot has no pass yet')
})
