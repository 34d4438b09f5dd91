// Updating paper declarations: If-Match (428, 412), status transitions, goods lines replaced as a
// whole, concurrent updates of one version, office scoping, Idempotency-Key replay and mismatch.
import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { buildTestApp, type TestApp } from '../helper.ts'

const URL = '/api/v1/paper-declarations'
const ID = '02CI-2025-123'

const line = (over: Record<string, unknown> = {}) => ({
  hsCode: '61091010',
  description: 'Áo phông cotton',
  quantity: 1200,
  unit: 'PCE',
  value: 3600,
  currency: 'USD',
  originCountry: 'VN',
  ...over,
})

const content = (over: Record<string, unknown> = {}) => ({
  formType: 'export',
  declarantName: 'Công ty CP May Sài Gòn',
  taxCode: '0100109106',
  procedureType: 'B11',
  channel: 1,
  registeredAt: '2025-05-20T10:00:00+07:00',
  goodsLines: [line(), line({ hsCode: '61046200', description: 'Quần nữ', quantity: 500.5, value: 2000.25, originCountry: 'KH' })],
  ...over,
})

const createBody = (over: Record<string, unknown> = {}) => ({ office: '02CI', receiptYear: 2025, receiptNumber: 123, ...content(), ...over })
const updateBody = (over: Record<string, unknown> = {}) => ({ status: 'REGISTERED', ...content(), ...over })

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const api = await buildTestApp(t)
  const created = await api.as('02CI', { method: 'POST', url: URL, payload: createBody() })
  t.equal(created.statusCode, 201)
  return api
}

const put = (api: TestApp, body: unknown, headers: Record<string, string>, office = '02CI', id = ID) =>
  api.as({ office }, { method: 'PUT', url: `${URL}/${id}`, payload: body as object, headers })

const problemsOf = (res: LightMyRequestResponse) =>
  ((res.json().details ?? []) as Array<{ field: string; code: string }>).map(({ field, code }) => ({ field, code }))

t.test('update with If-Match: version moves on, new ETag, goods lines replaced, audited before/after', async (t) => {
  const api = await setup(t)
  const res = await put(api, updateBody({ channel: 3, inspectionResult: 'Kiểm tra thực tế: phù hợp', goodsLines: [line({ quantity: 1300 })] }), { 'if-match': '"1"' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.version, 2)
  t.equal(res.headers.etag, '"2"')
  t.equal(body.channel, 3)
  t.same(body.goodsLines, [{ lineNo: 1, ...line({ quantity: 1300 }) }], 'the two lines became one')
  t.equal(body.updatedBy, '02CI-officer')
  t.equal((await api.sql('SELECT count(*)::int AS n FROM paper_declaration_goods_lines')).rows[0].n, 1)

  const trail = (await api.as('02CI', { url: `/api/v1/audit/paper_declaration/${ID}` })).json().items
  t.same(trail.map((e: { action: string }) => e.action), ['create', 'update'])
  t.equal(trail[1].before.version, 1)
  t.equal(trail[1].before.goodsLines.length, 2)
  t.equal(trail[1].after.version, 2)
  t.equal(trail[1].after.channel, 3)

  const listed = await put(api, updateBody(), { 'if-match': '"7", "2"' })
  t.equal(listed.statusCode, 200, 'any tag of the list may match')
  t.equal(listed.json().version, 3)
})

t.test('If-Match missing → 428; stale → 412 with the current version; malformed → 400', async (t) => {
  const api = await setup(t)
  const missing = await put(api, updateBody(), {})
  t.equal(missing.statusCode, 428)
  t.equal(missing.json().code, 'PRECONDITION_REQUIRED')
  const star = await put(api, updateBody(), { 'if-match': '*' })
  t.equal(star.statusCode, 428, '* names no version')

  t.equal((await put(api, updateBody({ channel: 3 }), { 'if-match': '"1"' })).statusCode, 200)
  const stale = await put(api, updateBody({ channel: 2 }), { 'if-match': '"1"' })
  t.equal(stale.statusCode, 412)
  t.equal(stale.json().code, 'VERSION_CONFLICT')
  t.same(stale.json().details, { currentVersion: 2 })
  t.equal(stale.headers.etag, '"2"')
  const weak = await put(api, updateBody(), { 'if-match': 'W/"2"' })
  t.equal(weak.statusCode, 412, 'If-Match compares strongly: a weak tag never matches')

  const bare = await put(api, updateBody(), { 'if-match': '2' })
  t.equal(bare.statusCode, 400)
  t.same(problemsOf(bare), [{ field: 'header.if-match', code: 'INVALID_IF_MATCH' }])

  const current = await api.as('02CI', { url: `${URL}/${ID}` })
  t.equal(current.json().version, 2)
  t.equal(current.json().channel, 3, 'the rejected updates changed nothing')
})

t.test('concurrent updates from the same version: exactly one wins, the others get 412', async (t) => {
  const api = await setup(t)
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) => put(api, updateBody({ declarantName: `Người khai ${i}` }), { 'if-match': '"1"' })),
  )
  const statuses = results.map((r) => r.statusCode).sort()
  t.same(statuses, [200, 412, 412, 412, 412, 412, 412, 412])
  const winner = results.find((r) => r.statusCode === 200) as LightMyRequestResponse
  const current = (await api.as('02CI', { url: `${URL}/${ID}` })).json()
  t.equal(current.version, 2)
  t.equal(current.declarantName, winner.json().declarantName)
  const trail = (await api.as('02CI', { url: `/api/v1/audit/paper_declaration/${ID}` })).json().items
  t.equal(trail.length, 2, 'one create, one update')
})

t.test('status: REGISTERED → RELEASED → CLEARED; illegal moves 409; cancelled is final', async (t) => {
  const api = await setup(t)
  const step = async (version: number, over: Record<string, unknown>) => put(api, updateBody(over), { 'if-match': `"${version}"` })
  t.equal((await step(1, { status: 'RELEASED' })).statusCode, 200)
  const back = await step(2, { status: 'REGISTERED' })
  t.equal(back.statusCode, 409)
  t.equal(back.json().code, 'ILLEGAL_TRANSITION')
  t.same(back.json().details, { from: 'RELEASED', to: 'REGISTERED' })
  const cancelReleased = await step(2, { status: 'CANCELLED', cancelReason: 'Khai sai' })
  t.equal(cancelReleased.statusCode, 409, 'released goods cannot be cancelled')
  t.equal((await step(2, { status: 'CLEARED' })).statusCode, 200)
  t.equal((await step(3, { status: 'CLEARED', inspectionResult: 'Bổ sung sau thông quan' })).statusCode, 200, 'a cleared declaration may be corrected')

  const api2 = await buildTestApp(t)
  await api2.as('02CI', { method: 'POST', url: URL, payload: createBody() })
  const noReason = await put(api2, updateBody({ status: 'CANCELLED' }), { 'if-match': '"1"' })
  t.equal(noReason.statusCode, 400)
  t.same(problemsOf(noReason), [{ field: 'cancelReason', code: 'FIELD_REQUIRED' }])
  const cancelled = await put(api2, updateBody({ status: 'CANCELLED', cancelReason: 'Doanh nghiệp đề nghị hủy' }), { 'if-match': '"1"' })
  t.equal(cancelled.statusCode, 200)
  t.equal(cancelled.json().cancelReason, 'Doanh nghiệp đề nghị hủy')
  const after = await put(api2, updateBody({ status: 'CANCELLED', cancelReason: 'x' }), { 'if-match': '"2"' })
  t.equal(after.statusCode, 409)
  t.same(after.json().details, { from: 'CANCELLED', action: 'update' })
})

t.test('update rules: office (403), not found (404), validation (400), declaration number taken (409)', async (t) => {
  const api = await setup(t)
  const foreign = await put(api, updateBody(), { 'if-match': '"1"' }, '03CC')
  t.equal(foreign.statusCode, 403)
  t.equal(foreign.json().code, 'OFFICE_FORBIDDEN')
  const admin = await api.as({ office: '00HQ', role: 'admin' }, { method: 'PUT', url: `${URL}/${ID}`, payload: updateBody(), headers: { 'if-match': '"1"' } })
  t.equal(admin.statusCode, 403, 'admins read everything but act for their own office only')

  const missing = await put(api, updateBody(), { 'if-match': '"1"' }, '02CI', '02CI-2025-999')
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'PAPER_DECLARATION_NOT_FOUND')

  const cases: Array<[string, unknown, { field: string; code: string }]> = [
    ['the key is not editable', updateBody({ receiptNumber: 5 }), { field: 'receiptNumber', code: 'FIELD_UNKNOWN' }],
    ['status is required', { ...updateBody(), status: undefined }, { field: 'status', code: 'FIELD_REQUIRED' }],
    ['registration in the future', updateBody({ registeredAt: '2099-01-02T00:00:00+07:00' }), { field: 'registeredAt', code: 'REGISTERED_AT_IN_FUTURE' }],
    ['registration in another receipt year', updateBody({ registeredAt: '2024-06-01T00:00:00+07:00' }), { field: 'registeredAt', code: 'RECEIPT_YEAR_MISMATCH' }],
    ['negative quantity', updateBody({ goodsLines: [line({ quantity: -5 })] }), { field: 'goodsLines.0.quantity', code: 'FIELD_TOO_SMALL' }],
    ['bad HS code', updateBody({ goodsLines: [line({ hsCode: '6109101A' })] }), { field: 'goodsLines.0.hsCode', code: 'INVALID_HS_CODE' }],
  ]
  for (const [name, body, problem] of cases) {
    const res = await put(api, body, { 'if-match': '"1"' })
    t.equal(res.statusCode, 400, name)
    t.ok(problemsOf(res).some((p) => p.field === problem.field && p.code === problem.code), `${name}: ${JSON.stringify(problemsOf(res))}`)
  }

  await api.as('02CI', { method: 'POST', url: URL, payload: createBody({ receiptNumber: 124, declarationNumber: '308557295010' }) })
  const taken = await put(api, updateBody({ declarationNumber: '308557295010' }), { 'if-match': '"1"' })
  t.equal(taken.statusCode, 409)
  t.equal(taken.json().code, 'DECLARATION_NUMBER_TAKEN')
  t.equal((await api.as('02CI', { url: `${URL}/${ID}` })).json().version, 1, 'nothing changed')
})

t.test('an update entered from paper keeps its paper time and officer', async (t) => {
  const api = await setup(t)
  // A form of May 2025: more than PAPER_BACKDATING_DAYS old, so a supervisor enters the update.
  const res = await api.as(
    { office: '02CI', officerId: 'le.van.c', role: 'supervisor' },
    {
      method: 'PUT',
      url: `${URL}/${ID}`,
      headers: { 'if-match': '"1"' },
      payload: updateBody({ status: 'CLEARED', origin: 'paper', paperRecordedAt: '2025-05-20T15:00:00+07:00', paperOfficer: 'pham.thi.d' }),
    },
  )
  t.equal(res.statusCode, 200)
  t.equal(res.json().updatedAt, '2025-05-20T08:00:00.000Z')
  t.equal(res.json().updatedBy, 'pham.thi.d')
  t.equal(res.json().enteredBy, '02CI-officer', 'who first entered it does not change')
  const audit = (await api.as('02CI', { url: `/api/v1/audit/paper_declaration/${ID}` })).json().items[1]
  t.equal(audit.officerId, 'pham.thi.d')
  t.equal(audit.enteredBy, 'le.van.c')
  t.equal(audit.origin, 'paper')
})

t.test('Idempotency-Key: same key and body replays (with ETag); other body → 422', async (t) => {
  const api = await buildTestApp(t)
  const post = (body: unknown, key: string) => api.as('02CI', { method: 'POST', url: URL, payload: body as object, headers: { 'idempotency-key': key } })
  const first = await post(createBody(), 'create-1')
  t.equal(first.statusCode, 201)
  const replay = await post(createBody(), 'create-1')
  t.equal(replay.statusCode, 201, 'the stored response, not a duplicate answer')
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.headers.etag, '"1"')
  t.same(replay.json(), first.json())
  const mismatch = await post(createBody({ channel: 3 }), 'create-1')
  t.equal(mismatch.statusCode, 422)
  t.equal(mismatch.json().code, 'IDEMPOTENCY_KEY_REUSED')

  const update = () => put(api, updateBody({ channel: 2 }), { 'if-match': '"1"', 'idempotency-key': 'update-1' })
  const updated = await update()
  t.equal(updated.statusCode, 200)
  const updateReplay = await update()
  t.equal(updateReplay.statusCode, 200, 'a retry after a lost response gets the stored answer, not a 412')
  t.equal(updateReplay.headers['idempotent-replayed'], 'true')
  t.equal(updateReplay.headers.etag, '"2"')
  t.same(updateReplay.json(), updated.json())
  const updateMismatch = await put(api, updateBody({ channel: 3 }), { 'if-match': '"2"', 'idempotency-key': 'update-1' })
  t.equal(updateMismatch.statusCode, 422)
  t.equal((await api.as('02CI', { url: `${URL}/${ID}` })).json().version, 2)
})
