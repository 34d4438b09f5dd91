// Amending a handover before receipt (issue 17, item 1): the departure office corrects containers,
// seals, goods, vehicle, route or time limit with a reason and If-Match; the number is kept, every
// version is in the audit trail and on the print, the destination is told; a paper form number freed
// by a cancellation is entered again with the corrected form.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'
import { printedPdfText } from '../print-text.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const DEST = { office: '06DS', officerId: '06DS-007' }
const SUP = { office: '02CI', officerId: '02CI-900', role: 'supervisor' } as const
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString()

const body = (extra: Record<string, unknown> = {}) => ({
  destinationOffice: '06DS', destinationPlace: 'Cửa khẩu Mộc Bài', declarationNumbers: ['308557295080'],
  containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: 'HQ1' }],
  vehicle: '51C-123.45', route: 'Cát Lái — Mộc Bài', dueAt: inHours(8), ...extra,
})

async function handover(app: TestApp, extra: Record<string, unknown> = {}) {
  const res = await app.as(DEP, { method: 'POST', url: '/api/v1/handovers', payload: body(extra) })
  t.equal(res.statusCode, 201, 'handed over')
  t.equal(res.headers.etag, '"1"', 'a new handover answers its ETag')
  return res.json()
}

const amend = (app: TestApp, id: string, payload: object, ifMatch: string | null, actor: object = DEP, key?: string) =>
  app.as(actor, {
    method: 'POST', url: `/api/v1/handovers/${id}/amendments`, payload,
    headers: { ...(ifMatch === null ? {} : { 'if-match': ifMatch }), ...(key ? { 'idempotency-key': key } : {}) },
  })

const NEW_CONTAINERS = [
  { containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: 'HQ9' },
  { containerNumber: 'MSKU9070323', carrierSeal: 'ML2', customsSeal: 'HQ2' },
]

t.test('an amendment keeps the number, makes the next version, and lists what changed', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)

  const res = await amend(app, h.id, { reason: 'Gõ nhầm số niêm phong; thêm container thứ hai', containers: NEW_CONTAINERS, vehicle: '51C-999.99' }, '"1"')
  t.equal(res.statusCode, 200)
  t.equal(res.headers.etag, '"2"')
  const amended = res.json()
  t.equal(amended.handoverNumber, h.handoverNumber, 'the number is kept')
  t.equal(amended.version, 2)
  t.equal(amended.status, 'HANDED_OVER')
  t.equal(amended.vehicle, '51C-999.99')
  t.same(amended.containers.map((c: { customsSeal: string }) => c.customsSeal), ['HQ9', 'HQ2'])
  t.equal(amended.amendments.length, 1)
  const a = amended.amendments[0]
  t.match(a, { version: 2, kind: 'amendment', amendedBy: '02CI-001', origin: 'online', reason: 'Gõ nhầm số niêm phong; thêm container thứ hai' })
  t.same(Object.keys(a.changes).sort(), ['containers', 'vehicle'], 'only the fields that changed')
  t.same(a.changes.vehicle, { before: '51C-123.45', after: '51C-999.99' })
  t.equal(a.changes.containers.before.length, 1)

  const read = await app.as(DEST, { url: `/api/v1/handovers/${h.id}` })
  t.equal(read.headers.etag, '"2"', 'the GET answers the ETag to amend from')
  t.same(read.json().containers, amended.containers, 'the destination reads the amended containers')

  // A later time limit is an extension: the officer cannot grant it, the supervisor of 02CI can.
  const due = inHours(12)
  const extension = { reason: 'Đổi tuyến, cần thêm thời gian', dueAt: due, route: 'Cát Lái — Xa Mát' }
  // The request is checked before the step is authorised: a bad one is a 400 for the officer too.
  const bad = await amend(app, h.id, { ...extension, containers: [NEW_CONTAINERS[0], NEW_CONTAINERS[0]] }, '"2"')
  t.equal(bad.statusCode, 400, 'a bad extension is a 400, not a 403')
  t.same(bad.json().details.map((p: { code: string }) => p.code), ['CONTAINER_DUPLICATE'])
  t.same((await amend(app, h.id, { ...extension, dueAt: inHours(24 * 200) }, '"2"')).json().details.map((p: { code: string }) => p.code), ['DUE_AT_TOO_FAR'])
  const byOfficer = await amend(app, h.id, extension, '"2"')
  t.equal(byOfficer.statusCode, 403)
  t.equal(byOfficer.json().code, 'SUPERVISOR_REQUIRED')
  t.equal((await amend(app, h.id, extension, '"2"', { office: '06DS', role: 'supervisor' })).statusCode, 403, 'not the destination\'s supervisor')
  const second = await amend(app, h.id, extension, '"2"', SUP)
  t.equal(second.statusCode, 200)
  t.equal(second.json().version, 3)
  t.equal(second.json().dueAt, new Date(due).toISOString())
  t.same(second.json().amendments.map((x: { version: number }) => x.version), [2, 3])
  t.match(second.json().amendments[1], { kind: 'amendment', approvedBy: '02CI-900', amendedBy: '02CI-900' }, 'the supervisor is named as approver')
  t.ok(second.json().amendments[1].approvedAt)
  const earlier = await amend(app, h.id, { reason: 'Gõ nhầm giờ', dueAt: inHours(10) }, '"3"')
  t.equal(earlier.statusCode, 200, 'an earlier time limit is an ordinary amendment')
  t.equal(earlier.json().amendments[2].approvedBy, null)
  const extended = await amend(app, h.id, { reason: 'Xe hỏng, chờ thay xe', dueAt: inHours(20) }, '"4"', SUP)
  t.match(extended.json().amendments[3], { kind: 'extension', approvedBy: '02CI-900', changes: { dueAt: {} } }, 'a time limit alone is an extension')

  const trail = await app.as(DEP, { url: `/api/v1/audit/handover/${h.id}` })
  const items = trail.json().items as Array<{ action: string; before: Record<string, unknown>; after: Record<string, unknown> }>
  t.same(items.map((i) => i.action), ['create', 'amend', 'amend', 'amend', 'amend'], 'every version is in the audit trail')
  t.match(items[1], { before: { version: 1, vehicle: '51C-123.45' }, after: { version: 2, vehicle: '51C-999.99', reason: 'Gõ nhầm số niêm phong; thêm container thứ hai' } })
  t.match(items[2], { after: { version: 3, route: 'Cát Lái — Xa Mát' } })
  const chain = await app.as({ office: '02CI', role: 'supervisor' }, { url: '/api/v1/audit/verify' })
  t.equal(chain.json().ok, true, 'the audit trail verifies')

  // The destination receives against the amended container list.
  const receipt = await app.as(DEST, {
    method: 'POST', url: `/api/v1/handovers/${h.id}/receipt`,
    payload: { containers: NEW_CONTAINERS.map((c) => ({ containerNumber: c.containerNumber, sealState: 'intact' })) },
  })
  t.equal(receipt.statusCode, 200, 'received against version 5')
  const late = await amend(app, h.id, { reason: 'quá muộn', vehicle: '51C-000.01' }, '"6"')
  t.equal(late.statusCode, 409, 'no amendment after receipt')
  t.equal(late.json().code, 'ILLEGAL_TRANSITION')
})

t.test('an overdue handover: only its time limit is extended, by the supervisor, and it is in transit again', async (t) => {
  const app = await buildTestApp(t)
  // Handed over on paper 30 hours ago, due 22 hours ago: the scan marks it overdue (version 2).
  const h = await handover(app, { origin: 'paper', paperNumber: 'BB-X1', paperRecordedAt: inHours(-30), paperOfficer: '02CI-001', dueAt: inHours(-22) })
  t.equal((await app.as(SUP, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })).json().marked.length, 1)
  const overdue = await app.as(DEP, { url: `/api/v1/handovers/${h.id}` })
  t.match(overdue.json(), { status: 'OVERDUE', version: 2 })
  const extension = { reason: 'Xe hỏng trên QL22, có biên bản của Đội Kiểm soát', dueAt: inHours(6) }
  const codes = (res: { statusCode: number; json(): { code: string; details?: unknown } }) =>
    [res.statusCode, res.json().code, ...(Array.isArray(res.json().details) ? (res.json().details as Array<{ code: string }>).map((p) => p.code) : [])].join(' ')

  t.equal(codes(await amend(app, h.id, { ...extension, dueAt: inHours(-1) }, '"2"')), '400 VALIDATION_FAILED DUE_AT_PASSED', 'a new limit already passed: 400, for the officer too')
  t.equal(codes(await amend(app, h.id, extension, '"2"')), '403 SUPERVISOR_REQUIRED', 'the officer does not extend')
  t.equal(codes(await amend(app, h.id, { reason: 'r', vehicle: '51C-999.99' }, '"2"', SUP)), '409 ILLEGAL_TRANSITION', 'nothing else of an overdue handover is amended')
  t.equal(codes(await amend(app, h.id, { ...extension, vehicle: '51C-999.99' }, '"2"', SUP)), '409 ILLEGAL_TRANSITION', 'not even with an extension')
  t.equal(codes(await amend(app, h.id, { reason: 'r', dueAt: inHours(-25) }, '"2"', SUP)), '409 ILLEGAL_TRANSITION', 'an earlier limit is no extension')
  t.equal(codes(await amend(app, h.id, extension, '"1"', SUP)), '412 VERSION_CONFLICT', 'the version the scan made is the one to extend')

  const extended = await amend(app, h.id, extension, '"2"', SUP)
  t.equal(extended.statusCode, 200, extended.body)
  t.equal(extended.headers.etag, '"3"')
  t.match(extended.json(), { status: 'HANDED_OVER', version: 3, dueAt: new Date(extension.dueAt).toISOString() }, 'in transit again until the new limit')
  t.ok(extended.json().overdueAt, 'when it became overdue stays on the record')
  t.match(extended.json().amendments, [{ version: 3, kind: 'extension', approvedBy: '02CI-900', reason: extension.reason, changes: { dueAt: { before: h.dueAt } } }])

  const trail = (await app.as(DEP, { url: `/api/v1/audit/handover/${h.id}` })).json().items
  t.match(trail[trail.length - 1], { action: 'amend', before: { status: 'OVERDUE', version: 2 }, after: { status: 'HANDED_OVER', version: 3 } })
  const notices = (await app.as(DEST, { url: `/api/v1/notices?entityId=${h.id}` })).json().items
  t.match(notices[0], { kind: 'HANDOVER_AMENDED', entityVersion: 3, details: { changedFields: ['dueAt'] } }, 'the destination is told of the new limit')
  const overdueList = (await app.as(DEP, { url: '/api/v1/handovers/overdue' })).json().items
  t.notOk(overdueList.some((i: { id: string }) => i.id === h.id), 'off the overdue list')
  t.same((await app.as(SUP, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })).json().marked, [], 'the scan leaves it until the new limit')
  const received = await app.as(DEST, {
    method: 'POST', url: `/api/v1/handovers/${h.id}/receipt`, payload: { containers: [{ containerNumber: 'CSQU3054383', sealState: 'intact' }] },
  })
  t.equal(received.json().status, 'ARRIVED', 'and arrives on time against it')
})

t.test('If-Match is required and must name the current version; a stale one answers 412 with the current ETag', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const change = { reason: 'Sửa biển số xe', vehicle: '51C-555.55' }

  const missing = await amend(app, h.id, change, null)
  t.equal(missing.statusCode, 428)
  t.equal(missing.json().code, 'PRECONDITION_REQUIRED')
  t.equal((await amend(app, h.id, change, '*')).statusCode, 428, 'a * names no version')
  t.equal((await amend(app, h.id, change, '"1"')).statusCode, 200)

  const stale = await amend(app, h.id, { reason: 'Sửa tuyến', route: 'Khác' }, '"1"')
  t.equal(stale.statusCode, 412, 'amended meanwhile by someone else')
  t.equal(stale.json().code, 'VERSION_CONFLICT')
  t.equal(stale.headers.etag, '"2"', 'the current version, to read again')
  t.equal((await app.as(DEP, { url: `/api/v1/handovers/${h.id}` })).json().route, 'Cát Lái — Mộc Bài', 'nothing was applied over the newer version')

  const again = await amend(app, h.id, change, '"1"')
  t.equal(again.statusCode, 200, 'asking for what the handover already says succeeds (RFC 9110 §13.1.1)')
  t.equal(again.json().version, 2, 'and writes nothing')
})

t.test('an amendment is refused for bad input, the wrong office, or a handover that is no longer open', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const codeOf = async (payload: object, actor: object = DEP) => {
    const res = await amend(app, h.id, payload, '"1"', actor)
    return { status: res.statusCode, code: res.json().code, fields: (Array.isArray(res.json().details) ? res.json().details : []).map((p: { code: string }) => p.code) }
  }
  t.match(await codeOf({ vehicle: 'x' }), { status: 400 }, 'a reason is required')
  t.match(await codeOf({ reason: '   ', vehicle: 'x' }), { status: 400 }, 'a blank reason is no reason')
  t.match(await codeOf({ reason: 'r' }), { status: 400, fields: ['NOTHING_TO_AMEND'] })
  t.match(await codeOf({ reason: 'r', containers: [], goodsLines: [] }), { status: 400, fields: ['CONTAINERS_OR_GOODS_REQUIRED'] })
  t.match(await codeOf({ reason: 'r', containers: [NEW_CONTAINERS[0], NEW_CONTAINERS[0]] }), { status: 400, fields: ['CONTAINER_DUPLICATE'] })
  t.match(await codeOf({ reason: 'r', dueAt: inHours(-1) }), { status: 400, fields: ['DUE_AT_NOT_AFTER_HANDOVER'] })
  t.match(await codeOf({ reason: 'r', dueAt: inHours(24 * 200) }), { status: 400, fields: ['DUE_AT_TOO_FAR'] })
  t.match(await codeOf({ reason: 'r', dueAt: '0000-01-01T00:00:00Z' }), { status: 400, fields: ['TIME_OUT_OF_RANGE'] })
  t.match(await codeOf({ reason: 'r', vehicle: 'x', status: 'CLOSED' }), { status: 400 }, 'no other field')
  t.match(await codeOf({ reason: 'r', vehicle: 'x' }, DEST), { status: 403, code: 'OFFICE_FORBIDDEN' }, 'only the departure office amends')
  const unknown = await amend(app, '00000000-0000-4000-8000-000000000000', { reason: 'r', vehicle: 'x' }, '"1"')
  t.equal(unknown.statusCode, 404)
  t.equal((await app.as(DEP, { url: `/api/v1/handovers/${h.id}` })).json().version, 1, 'no refused amendment wrote anything')

  const earlier = await handover(app, { origin: 'paper', paperNumber: 'P-1', paperRecordedAt: inHours(-5), paperOfficer: '02CI-001' })
  const passed = await amend(app, earlier.id, { reason: 'r', dueAt: inHours(-1) }, '"1"')
  t.same(passed.json().details.map((p: { code: string }) => p.code), ['DUE_AT_PASSED'], 'a new time limit already passed')

  const cancelled = await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${h.id}/cancel`, payload: { reason: 'Lập sai' } })
  t.equal(cancelled.statusCode, 200)
  t.match(await codeOf({ reason: 'r', vehicle: 'x' }), { status: 409, code: 'ILLEGAL_TRANSITION' }, 'a cancelled handover is not amended')
})

t.test('an amendment with an Idempotency-Key is applied once; a replay answers the stored response', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const change = { reason: 'Sửa tuyến', route: 'Cát Lái — Tịnh Biên' }
  const first = await amend(app, h.id, change, '"1"', DEP, 'amend-1')
  const replay = await amend(app, h.id, change, '"1"', DEP, 'amend-1')
  t.equal(first.statusCode, 200)
  t.equal(replay.statusCode, 200)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json())
  t.equal(replay.headers.etag, '"2"', 'a replay carries the ETag of its stored answer')
  const other = await amend(app, h.id, { ...change, route: 'khác' }, '"2"', DEP, 'amend-1')
  t.equal(other.statusCode, 422, 'the same key with another body is refused')
  const trail = await app.as(DEP, { url: `/api/v1/audit/handover/${h.id}` })
  t.same(trail.json().items.map((i: { action: string }) => i.action), ['create', 'amend'], 'one amendment')
})

t.test('the destination office is told of the handover and of each amendment; the print shows every version', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  await amend(app, h.id, { reason: 'Thay xe do hỏng', vehicle: '51C-777.77' }, '"1"')
  const notices = (await app.as(DEST, { url: `/api/v1/notices?entityId=${h.id}` })).json().items
  t.same(notices.map((n: { kind: string }) => n.kind), ['HANDOVER_AMENDED', 'HANDOVER_INCOMING'], 'newest first')
  t.match(notices[0], { entityVersion: 2, details: { reason: 'Thay xe do hỏng', changedFields: ['vehicle'], vehicle: '51C-777.77' } })
  t.match(notices[0].message, /phiên bản 2: vehicle.*Thay xe do hỏng/)
  t.match(notices[1].details.dueAt, /\+07:00$/, 'times in notices are Vietnam time')
  t.same((await app.as(DEP, { url: `/api/v1/notices?entityId=${h.id}` })).json().items, [], 'the departure office is not told of its own change')

  const link = (await app.as(DEP, { url: `/api/v1/handovers/${h.id}/print-link` })).json()
  const text = await printedPdfText(t, app, link.pdfUrl)
  t.ok(text.includes('Lịch sử sửa đổi biên bản'), 'the print lists the amendments')
  t.ok(text.includes('Phiên bản 2'), 'with the version each made')
  t.ok(text.includes('Thay xe do hỏng'), 'and its reason')
  t.ok(text.includes('51C-123.45 → 51C-777.77'), 'and what changed')
  t.ok(text.includes(`Biên bản ${h.handoverNumber}, phiên bản 2`), 'the print shows the version it was made from')
})

t.test('a paper form number freed by a cancellation is entered again with the corrected form', async (t) => {
  const app = await buildTestApp(t)
  const paper = { origin: 'paper', paperNumber: '125/BBBG-CL', paperRecordedAt: inHours(-2), paperOfficer: '02CI-001' }
  const wrong = await handover(app, { ...paper, vehicle: '51C-111.11' })
  const correctForm = body({ ...paper, vehicle: '51C-222.22' })
  const conflict = await app.as(DEP, { method: 'POST', url: '/api/v1/handovers', payload: correctForm })
  t.equal(conflict.statusCode, 409, 'while the first is live, the number is taken')
  t.equal(conflict.json().code, 'PAPER_RECORD_CONFLICT')

  t.equal((await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${wrong.id}/cancel`, payload: { reason: 'Nhập sai biển số' } })).statusCode, 200)
  const corrected = await app.as(DEP, { method: 'POST', url: '/api/v1/handovers', payload: correctForm })
  t.equal(corrected.statusCode, 201, 'the corrected form takes the freed number')
  t.not(corrected.json().id, wrong.id)
  t.equal(corrected.json().paperNumber, '125/BBBG-CL')
  const again = await app.as(DEP, { method: 'POST', url: '/api/v1/handovers', payload: correctForm })
  t.equal(again.statusCode, 200, 'entering the corrected form again is recognised')
  t.equal(again.json().duplicate, true)
  t.equal(again.json().id, corrected.json().id)
})
