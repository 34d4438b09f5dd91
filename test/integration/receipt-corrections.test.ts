// Correcting a recorded receipt (issue 17, item 1: "receipt correction only with a supervisor's
// approval"): until the handover is closed, a supervisor of the destination office corrects the seal
// states, discrepancies, note or arrival time; the status follows, the version moves on, the
// correction is listed with its approver, audited, and the departure office is told. A bad request is
// a 400 for an officer too: the supervisor's step is asked for last.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const DEP_SUP = { office: '02CI', officerId: '02CI-900', role: 'supervisor' } as const
const DEST = { office: '06DS', officerId: '06DS-007' }
const DEST_SUP = { office: '06DS', officerId: '06DS-900', role: 'supervisor' } as const
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString()
const C1 = 'CSQU3054383'
const C2 = 'MSKU9070323'

/** Handed over (on paper) two hours ago, received now with a seal and a discrepancy typed in wrong. */
async function receivedHandover(app: TestApp) {
  const created = await app.as(DEP, {
    method: 'POST', url: '/api/v1/handovers',
    payload: {
      destinationOffice: '06DS', destinationPlace: 'ICD Transimex', declarationNumbers: ['308557295080'],
      containers: [{ containerNumber: C1, carrierSeal: 'ML1', customsSeal: 'HQ1' }, { containerNumber: C2, carrierSeal: 'ML2', customsSeal: 'HQ2' }],
      vehicle: '51C-123.45', route: 'Cát Lái — ICD Transimex', dueAt: inHours(8),
      origin: 'paper', paperNumber: 'BB-RC1', paperRecordedAt: inHours(-2),
    },
  })
  t.equal(created.statusCode, 201)
  // The officer typed "broken" for C2 and a discrepancy that was not there.
  const received = await app.as(DEST, {
    method: 'POST', url: `/api/v1/handovers/${created.json().id}/receipt`,
    payload: { containers: [{ containerNumber: C1, sealState: 'intact' }, { containerNumber: C2, sealState: 'broken' }], discrepancies: ['Niêm phong HQ2 đứt'] },
  })
  t.match(received.json(), { status: 'ARRIVED_WITH_DISCREPANCY', version: 2 })
  return received.json()
}

const correct = (app: TestApp, id: string, payload: object, ifMatch: string | null, actor: object = DEST_SUP, key?: string) =>
  app.as(actor, {
    method: 'POST', url: `/api/v1/handovers/${id}/receipt/corrections`, payload,
    headers: { ...(ifMatch === null ? {} : { 'if-match': ifMatch }), ...(key ? { 'idempotency-key': key } : {}) },
  })
const codes = (res: { statusCode: number; json(): { code: string; details?: unknown } }) =>
  [res.statusCode, res.json().code, ...(Array.isArray(res.json().details) ? (res.json().details as Array<{ code: string }>).map((p) => p.code) : [])].join(' ')

const INTACT = [{ containerNumber: C1, sealState: 'intact' }, { containerNumber: C2, sealState: 'intact' }]
const FIX = { reason: 'Ghi nhầm: niêm phong HQ2 nguyên vẹn (ảnh chụp lúc kiểm tra)', containers: INTACT, discrepancies: [] }

t.test('a supervisor of the destination corrects the receipt; the status follows, the departure office is told', async (t) => {
  const app = await buildTestApp(t)
  const h = await receivedHandover(app)

  // The request is checked first: these are 400s for the officer too.
  t.equal(codes(await correct(app, h.id, { reason: 'r' }, '"2"', DEST)), '400 VALIDATION_FAILED NOTHING_TO_CORRECT')
  t.equal(codes(await correct(app, h.id, { ...FIX, containers: [INTACT[0]] }, '"2"', DEST)), '400 VALIDATION_FAILED CONTAINER_SEAL_STATE_MISSING')
  t.equal(codes(await correct(app, h.id, { ...FIX, containers: [INTACT[0], { containerNumber: C2, sealState: 'replaced' }] }, '"2"', DEST)),
    '400 VALIDATION_FAILED NEW_SEAL_NUMBER_REQUIRED')
  t.equal(codes(await correct(app, h.id, { reason: 'r', arrivedAt: inHours(-3) }, '"2"', DEST)), '400 VALIDATION_FAILED RECEIVED_BEFORE_HANDOVER')
  t.equal(codes(await correct(app, h.id, { reason: 'r', arrivedAt: inHours(2) }, '"2"', DEST)), '400 VALIDATION_FAILED ARRIVED_AT_IN_FUTURE')
  t.equal(codes(await correct(app, h.id, FIX, '"2"', DEST)), '403 SUPERVISOR_REQUIRED', 'an officer does not correct a receipt')
  t.equal(codes(await correct(app, h.id, FIX, '"2"', DEP_SUP)), '403 OFFICE_FORBIDDEN', 'nor does the departure office')
  t.equal(codes(await correct(app, h.id, FIX, null)), '428 PRECONDITION_REQUIRED')
  t.equal(codes(await correct(app, h.id, FIX, '"1"')), '412 VERSION_CONFLICT')
  t.equal((await app.as(DEST, { url: `/api/v1/handovers/${h.id}` })).json().version, 2, 'nothing refused was written')

  const fixed = await correct(app, h.id, FIX, '"2"', DEST_SUP, 'fix-1')
  t.equal(fixed.statusCode, 200, fixed.body)
  t.equal(fixed.headers.etag, '"3"')
  const v = fixed.json()
  t.match(v, { status: 'ARRIVED', version: 3, receipt: { discrepancies: [], receivedBy: '06DS-007' } })
  t.same(v.containers.map((c: { sealState: string }) => c.sealState), ['intact', 'intact'])
  t.match(v.amendments, [{ version: 3, kind: 'receipt_correction', approvedBy: '06DS-900', amendedBy: '06DS-900', reason: FIX.reason }])
  t.same(Object.keys(v.amendments[0].changes).sort(), ['discrepancies', 'sealStates'])
  t.same(v.amendments[0].changes.discrepancies, { before: ['Niêm phong HQ2 đứt'], after: [] })

  const replay = await correct(app, h.id, FIX, '"2"', DEST_SUP, 'fix-1')
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), v)
  const again = await correct(app, h.id, FIX, '"2"')
  t.equal(again.statusCode, 200, 'asking for what the receipt already says succeeds')
  t.equal(again.json().version, 3, 'and writes nothing')

  // The truck arrived earlier than typed: the arrival time is corrected too, and so is lateness.
  const arrivedAt = inHours(-1)
  const earlier = await correct(app, h.id, { reason: 'Giờ đến theo sổ cổng', arrivedAt }, '"3"')
  t.equal(earlier.json().receipt.receivedAt, new Date(arrivedAt).toISOString())
  t.match(earlier.json().amendments[1], { version: 4, changes: { arrivedAt: { after: new Date(arrivedAt).toISOString() } } })

  const notices = (await app.as(DEP, { url: `/api/v1/notices?entityId=${h.id}` })).json().items
  t.match(notices[0], { kind: 'HANDOVER_RECEIPT_CORRECTED', entityVersion: 4, details: { changedFields: ['arrivedAt'] } })
  t.match(notices[1], { kind: 'HANDOVER_RECEIPT_CORRECTED', entityVersion: 3, details: { changedFields: ['sealStates', 'discrepancies'] } })
  t.same(notices[1].details.discrepancies, [])
  t.match(notices[1].message, /điều chỉnh biên bản tiếp nhận.*không sai khác/)

  const trail = (await app.as(DEST, { url: `/api/v1/audit/handover/${h.id}` })).json().items
  t.same(trail.map((i: { action: string }) => i.action), ['create', 'receive', 'correctReceipt', 'correctReceipt'])
  t.match(trail[2], { officerId: '06DS-900', before: { status: 'ARRIVED_WITH_DISCREPANCY', version: 2 }, after: { status: 'ARRIVED', version: 3 } })

  // Back to a discrepancy: the status follows what the corrected receipt says.
  const back = await correct(app, h.id, { reason: 'Kiểm tra lại: thiếu 1 kiện', discrepancies: ['Thiếu 1 kiện'] }, '"4"')
  t.match(back.json(), { status: 'ARRIVED_WITH_DISCREPANCY', version: 5 })

  const closed = await app.as(DEST, { method: 'POST', url: `/api/v1/handovers/${h.id}/close` })
  t.equal(closed.statusCode, 200)
  t.equal(codes(await correct(app, h.id, FIX, '"6"')), '409 ILLEGAL_TRANSITION', 'a closed handover is no longer corrected')
})

t.test('a handover not received has no receipt to correct', async (t) => {
  const app = await buildTestApp(t)
  const created = await app.as(DEP, {
    method: 'POST', url: '/api/v1/handovers',
    payload: {
      destinationOffice: '06DS', destinationPlace: 'ICD Transimex', declarationNumbers: ['308557295080'],
      containers: [{ containerNumber: C1, carrierSeal: 'ML1', customsSeal: 'HQ1' }], vehicle: '51C-123.45', route: 'Cát Lái — ICD', dueAt: inHours(8),
    },
  })
  t.equal(codes(await correct(app, created.json().id, { reason: 'r', note: 'x' }, '"1"')), '409 ILLEGAL_TRANSITION')
  t.equal(codes(await correct(app, '00000000-0000-4000-8000-000000000000', { reason: 'r', note: 'x' }, '"1"')), '404 HANDOVER_NOT_FOUND')
})
