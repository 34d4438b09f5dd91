// Handovers: creation at the departure office, validation codes, idempotency, paper back-entry,
// read access by office, the printable minutes.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'

const DEP = { office: '02CI', officerId: 'dep-officer' }
const DEST = { office: '02CC', officerId: 'dest-officer' }
const OTHER = { office: '03CE', officerId: 'other-officer' }
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString()

function handoverBody(overrides: Record<string, unknown> = {}) {
  return {
    destinationOffice: DEST.office,
    destinationPlace: 'ICD Transimex, Thủ Đức',
    departurePlace: 'Cảng Cát Lái',
    declarationNumbers: ['108557295010'],
    containers: [
      { containerNumber: 'CSQU3054383', carrierSeal: 'ML123456', customsSeal: 'HQ000111' },
      { containerNumber: 'MSKU9070323', carrierSeal: 'ML654321', customsSeal: 'HQ000112' },
    ],
    vehicle: '51C-123.45 / 51R-009.87',
    route: 'Cát Lái — Xa lộ Hà Nội — ICD Transimex',
    dueAt: inHours(8),
    declarantName: 'Công ty TNHH Minh Phát',
    ...overrides,
  }
}

const create = (app: TestApp, body: unknown, actor: object = DEP, headers: Record<string, string> = {}) =>
  app.as(actor, { method: 'POST', url: '/api/v1/handovers', payload: body as object, headers })

function problemsOf(res: { json(): { details?: Array<{ field: string; code: string }> } }) {
  return (res.json().details ?? []).map((d) => `${d.field}:${d.code}`)
}

t.test('the departure office hands goods over: number, state, stored content', async (t) => {
  const app = await buildTestApp(t)
  const res = await create(app, handoverBody({ goodsLines: [{ description: 'Thép cuộn', quantity: 12.5, unit: 'TNE', marks: 'TC-01' }] }))
  t.equal(res.statusCode, 201)
  const h = res.json()
  t.match(h.handoverNumber, /^BBBG-02CI-\d{4}-000001$/)
  t.equal(h.status, 'HANDED_OVER')
  t.equal(h.departureOffice, '02CI')
  t.equal(h.handedOverBy, 'dep-officer')
  t.equal(h.origin, 'online')
  t.equal(h.duplicate, false)
  t.same(h.containers[1], { containerNumber: 'MSKU9070323', carrierSeal: 'ML654321', customsSeal: 'HQ000112', sealState: null, newSealNumber: null })
  t.same(h.goodsLines, [{ description: 'Thép cuộn', quantity: 12.5, unit: 'TNE', marks: 'TC-01' }])
  t.equal(h.receipt, null)

  const got = await app.as(DEP, { url: `/api/v1/handovers/${h.id}` })
  t.equal(got.statusCode, 200)
  const { duplicate: _, ...view } = h
  t.same(got.json(), view, 'GET returns what the create answered')

  const second = await create(app, handoverBody())
  t.match(second.json().handoverNumber, /^BBBG-02CI-\d{4}-000002$/, 'per-office sequence')
  const elsewhere = await create(app, handoverBody({ destinationOffice: '02CI' }), OTHER)
  t.match(elsewhere.json().handoverNumber, /^BBBG-03CE-\d{4}-000001$/, 'each office counts on its own')

  const trail = await app.as(DEP, { url: `/api/v1/audit/handover/${h.id}` })
  t.same(trail.json().items.map((i: { action: string }) => i.action), ['create'], 'the create is audited')
})

t.test('goods lines alone (no containers) are a valid handover', async (t) => {
  const app = await buildTestApp(t)
  const res = await create(app, handoverBody({ containers: undefined, goodsLines: [{ description: 'Máy xúc đã qua sử dụng', quantity: 1, unit: 'C62' }] }))
  t.equal(res.statusCode, 201)
  t.same(res.json().containers, [])
  t.equal(res.json().goodsLines[0].marks, null)
})

t.test('validation: each rejection names the field and a code', async (t) => {
  const app = await buildTestApp(t)
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['bad container check digit', { containers: [{ containerNumber: 'CSQU3054384', carrierSeal: 'A1', customsSeal: 'B1' }] }, 'containers.0.containerNumber:INVALID_CONTAINER_NUMBER'],
    ['unknown field', { colour: 'blue' }, 'colour:FIELD_UNKNOWN'],
    ['unknown nested field', { containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'A1', customsSeal: 'B1', weight: 1 }] }, 'containers.0.weight:FIELD_UNKNOWN'],
    ['declaration number not 12 digits', { declarationNumbers: ['10855729501'] }, 'declarationNumbers.0:INVALID_DECLARATION_NUMBER'],
    ['no declaration number', { declarationNumbers: [] }, 'declarationNumbers:FIELD_TOO_FEW_ITEMS'],
    ['declaration listed twice', { declarationNumbers: ['108557295010', '108557295010'] }, 'declarationNumbers:FIELD_DUPLICATE_ITEMS'],
    ['bad destination office', { destinationOffice: '2CI' }, 'destinationOffice:INVALID_OFFICE_CODE'],
    ['destination place missing', { destinationPlace: undefined }, 'destinationPlace:FIELD_REQUIRED'],
    ['neither containers nor goods', { containers: [] }, 'containers:CONTAINERS_OR_GOODS_REQUIRED'],
    ['container listed twice', { containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'A1', customsSeal: 'B1' }, { containerNumber: 'CSQU3054383', carrierSeal: 'A2', customsSeal: 'B2' }] }, 'containers.1.containerNumber:CONTAINER_DUPLICATE'],
    ['seal with spaces', { containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'A 1', customsSeal: 'B1' }] }, 'containers.0.carrierSeal:FIELD_FORMAT'],
    ['zero quantity', { containers: undefined, goodsLines: [{ description: 'x', quantity: 0, unit: 'KGM' }] }, 'goodsLines.0.quantity:FIELD_TOO_SMALL'],
    ['dueAt before now', { dueAt: inHours(-1) }, 'dueAt:DUE_AT_NOT_AFTER_HANDOVER'],
    ['dueAt months away', { dueAt: inHours(24 * 120) }, 'dueAt:DUE_AT_TOO_FAR'],
    ['dueAt not a time', { dueAt: 'tomorrow' }, 'dueAt:INVALID_DATE_TIME'],
    ['dueAt out of the storable range', { dueAt: '0000-01-01T00:00:00Z' }, 'dueAt:'],
    ['paper without paper number', { origin: 'paper', paperRecordedAt: inHours(-2) }, 'paperNumber:FIELD_REQUIRED'],
    ['paper without its time', { origin: 'paper', paperNumber: 'P-1' }, 'paperRecordedAt:FIELD_REQUIRED'],
    ['paper number on an online record', { paperNumber: 'P-1' }, 'paperNumber:PAPER_NUMBER_NEEDS_PAPER_ORIGIN'],
    ['paper dated in the future', { origin: 'paper', paperNumber: 'P-1', paperRecordedAt: inHours(2) }, 'paperRecordedAt:PAPER_TIME_IN_FUTURE'],
    ['bad origin', { origin: 'fax' }, 'origin:'],
  ]
  for (const [name, overrides, expected] of cases) {
    const res = await create(app, handoverBody(overrides))
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.equal(res.json().code, 'VALIDATION_FAILED', `${name}: code`)
    t.ok(problemsOf(res).some((p) => p.startsWith(expected)), `${name}: ${expected} in ${problemsOf(res).join(', ')}`)
  }
  const count = await app.sql('SELECT count(*)::int AS n FROM handovers')
  t.equal(count.rows[0]?.n, 0, 'nothing was written')
})

t.test('the departure office is the actor\'s own', async (t) => {
  const app = await buildTestApp(t)
  const other = await create(app, handoverBody({ departureOffice: '03CE' }))
  t.equal(other.statusCode, 403)
  t.equal(other.json().code, 'OFFICE_FORBIDDEN')
  const own = await create(app, handoverBody({ departureOffice: '02CI' }))
  t.equal(own.statusCode, 201)
  const asAdmin = await create(app, handoverBody({ departureOffice: '03CE' }), { office: '00AD', role: 'admin' })
  t.equal(asAdmin.statusCode, 403, 'an admin reads everywhere but acts only for their own office')
})

t.test('Idempotency-Key: replay, mismatch, one record', async (t) => {
  const app = await buildTestApp(t)
  const body = handoverBody()
  const first = await create(app, body, DEP, { 'idempotency-key': 'bbbg-create-1' })
  t.equal(first.statusCode, 201)
  const again = await create(app, body, DEP, { 'idempotency-key': 'bbbg-create-1' })
  t.equal(again.statusCode, 201)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.same(again.json(), first.json(), 'the stored response')
  const changed = await create(app, { ...body, route: 'another route' }, DEP, { 'idempotency-key': 'bbbg-create-1' })
  t.equal(changed.statusCode, 422)
  t.equal(changed.json().code, 'IDEMPOTENCY_KEY_REUSED')
  const otherCaller = await create(app, body, { ...DEP, officerId: 'dep-officer-2' }, { 'idempotency-key': 'bbbg-create-1' })
  t.equal(otherCaller.statusCode, 201, 'keys are scoped to the caller')
  t.not(otherCaller.json().id, first.json().id)
  const count = await app.sql('SELECT count(*)::int AS n FROM handovers')
  t.equal(count.rows[0]?.n, 2)
})

t.test('paper back-entry: original time and officer, recognised when entered twice', async (t) => {
  const app = await buildTestApp(t)
  const paper = handoverBody({
    origin: 'paper',
    paperNumber: '125/BBBG-CL',
    paperRecordedAt: '2025-12-31T20:30:00Z',
    paperOfficer: 'nguyen.van.a',
    dueAt: '2026-01-01T06:00:00Z',
  })
  // Forms of New Year's Eve 2025: more than PAPER_BACKDATING_DAYS old, so supervisors enter them
  // (entering one again is recognised whoever does it).
  const SUP = { ...DEP, role: 'supervisor' }
  const first = await create(app, paper, SUP)
  t.equal(first.statusCode, 201)
  const h = first.json()
  t.equal(h.origin, 'paper')
  t.equal(h.paperNumber, '125/BBBG-CL')
  t.equal(h.handedOverAt, '2025-12-31T20:30:00.000Z')
  t.equal(h.handedOverBy, 'nguyen.van.a')
  t.equal(h.enteredBy, 'dep-officer')
  t.match(h.handoverNumber, /^BBBG-02CI-2026-/, 'numbered in the Vietnamese year of the paper time (03:30 on 1 Jan, UTC+7)')

  const again = await create(app, paper, { ...DEP, officerId: 'dep-officer-2' })
  t.equal(again.statusCode, 200)
  t.equal(again.json().duplicate, true)
  t.equal(again.json().id, h.id)

  const different = await create(app, { ...paper, route: 'Cát Lái — QL1A' })
  t.equal(different.statusCode, 409)
  t.equal(different.json().code, 'PAPER_RECORD_CONFLICT')
  t.equal(different.json().details.handoverId, h.id)

  const otherOffice = await create(app, { ...paper, destinationOffice: '02CI', paperOfficer: 'NV-9' }, { ...OTHER, role: 'supervisor' })
  t.equal(otherOffice.statusCode, 201, 'paper numbers are per departure office')

  const unsigned = { ...paper, paperNumber: '126/BBBG-CL', paperOfficer: undefined }
  const typedBy1 = await create(app, unsigned, SUP)
  const typedBy2 = await create(app, unsigned, { ...DEP, officerId: 'dep-officer-2' })
  t.equal(typedBy2.statusCode, 200, 'who typed the form in does not make it another form')
  t.equal(typedBy2.json().id, typedBy1.json().id)
  t.equal(typedBy2.json().handedOverBy, 'dep-officer')

  const count = await app.sql('SELECT count(*)::int AS n FROM handovers WHERE departure_office = $1', ['02CI'])
  t.equal(count.rows[0]?.n, 2, 'never a second record')
})

t.test('paper back-entry: two concurrent entries of one form make one record', async (t) => {
  const app = await buildTestApp(t)
  const paper = handoverBody({ origin: 'paper', paperNumber: 'P-77', paperRecordedAt: inHours(-5), paperOfficer: 'tran.b', dueAt: inHours(1) })
  const results = await Promise.all([create(app, paper), create(app, paper), create(app, paper)])
  t.same(results.map((r) => r.statusCode).sort(), [200, 200, 201])
  t.equal(new Set(results.map((r) => r.json().id)).size, 1)
})

t.test('who may read a handover', async (t) => {
  const app = await buildTestApp(t)
  const { id } = (await create(app, handoverBody())).json()
  const read = (actor: object) => app.as(actor, { url: `/api/v1/handovers/${id}` })
  t.equal((await read(DEP)).statusCode, 200, 'departure officer')
  t.equal((await read(DEST)).statusCode, 200, 'destination officer')
  t.equal((await read({ office: '02CC', role: 'supervisor' })).statusCode, 200, 'destination supervisor')
  t.equal((await read({ office: '00AD', role: 'admin' })).statusCode, 200, 'admin anywhere')
  const other = await read(OTHER)
  t.equal(other.statusCode, 403)
  t.equal(other.json().code, 'OFFICE_FORBIDDEN')
  t.equal((await read({ office: '03CE', role: 'supervisor' })).statusCode, 403, 'supervisor of another office')
  const print = await app.as(OTHER, { url: `/api/v1/handovers/${id}/print` })
  t.equal(print.statusCode, 403, 'the print page too')

  const missing = await app.as(DEP, { url: '/api/v1/handovers/00000000-0000-4000-8000-000000000000' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'HANDOVER_NOT_FOUND')
  const badId = await app.as(DEP, { url: '/api/v1/handovers/not-a-uuid' })
  t.equal(badId.statusCode, 400)
  t.same(problemsOf(badId), ['params.id:INVALID_UUID'])
  const noToken = await app.app.inject({ url: `/api/v1/handovers/${id}` })
  t.equal(noToken.statusCode, 401)
})

t.test('the printable minutes: Vietnamese labels, escaped values', async (t) => {
  const app = await buildTestApp(t)
  const { id } = (
    await create(
      app,
      handoverBody({
        declarantName: '<script>alert("x")</script> & Co',
        vehicle: `51C-123.45 "xe" 'đầu kéo'`,
        goodsLines: [{ description: 'Thép <b>cuộn</b>', quantity: 3, unit: 'TNE' }],
      }),
    )
  ).json()
  const res = await app.as(DEST, { url: `/api/v1/handovers/${id}/print` })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  const html = res.body
  for (const label of [
    'BIÊN BẢN BÀN GIAO HÀNG HÓA',
    'Mẫu số 10/BBBG/GSQL',
    'Số container',
    'Số niêm phong hãng tàu',
    'Số niêm phong hải quan',
    'Chi cục Hải quan nơi đi',
    'Chi cục Hải quan nơi đến',
    'Phương tiện vận chuyển',
    'Tuyến đường vận chuyển',
    'Thời hạn hàng đến nơi đến',
    'Công chức hải quan nơi đi',
    'Chưa tiếp nhận',
  ]) {
    t.ok(html.includes(label), label)
  }
  t.ok(html.includes('CSQU3054383') && html.includes('HQ000112'), 'containers and seals')
  t.ok(html.includes('108557295010'), 'declaration number')
  t.notOk(html.includes('<script>alert'), 'no live script')
  t.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co'), 'declarant escaped')
  t.ok(html.includes('&quot;xe&quot; &#39;đầu kéo&#39;'), 'quotes escaped')
  t.ok(html.includes('Thép &lt;b&gt;cuộn&lt;/b&gt;'), 'goods escaped')

  const receipt = await app.as(DEST, {
    method: 'POST',
    url: `/api/v1/handovers/${id}/receipt`,
    payload: {
      containers: [
        { containerNumber: 'CSQU3054383', sealState: 'intact' },
        { containerNumber: 'MSKU9070323', sealState: 'replaced', newSealNumber: 'HQ999000' },
      ],
      discrepancies: ['Niêm phong <cũ> bị cắt'],
    },
  })
  t.equal(receipt.statusCode, 200)
  const after = (await app.as(DEP, { url: `/api/v1/handovers/${id}/print` })).body
  for (const label of ['Tình trạng niêm phong', 'Nguyên vẹn', 'Thay thế', 'HQ999000', 'Niêm phong &lt;cũ&gt; bị cắt', 'Công chức hải quan nơi đến']) {
    t.ok(after.includes(label), label)
  }
})
