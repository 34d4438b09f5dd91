// Approvals as a queue (issue 17, item 3: "wait for a supervisor of the right office"): an officer
// asks for a supervisor's step, the request waits in the office's queue, a supervisor of that office
// (not the one who asked) approves it — the step is applied as asked, in the statement that marks
// the request APPROVED — or rejects it with a note. Against the cluster's PostgreSQL.
import t from 'tap'
import { buildTestApp, schemaClient, type TestApp } from '../helper.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const SUP = { office: '02CI', officerId: '02CI-900', role: 'supervisor' } as const
const SUP2 = { office: '02CI', officerId: '02CI-901', role: 'supervisor' } as const
const DEST = { office: '06DS', officerId: '06DS-007' }
const DEST_SUP = { office: '06DS', officerId: '06DS-900', role: 'supervisor' } as const
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString()
const CONTAINER = 'CSQU3054383'

async function handover(app: TestApp, extra: Record<string, unknown> = {}) {
  const res = await app.as(DEP, {
    method: 'POST', url: '/api/v1/handovers',
    payload: {
      destinationOffice: '06DS', destinationPlace: 'Cửa khẩu Mộc Bài', declarationNumbers: ['308557295080'],
      containers: [{ containerNumber: CONTAINER, carrierSeal: 'ML1', customsSeal: 'HQ1' }],
      vehicle: '51C-123.45', route: 'Cát Lái — Mộc Bài', dueAt: inHours(8), ...extra,
    },
  })
  t.equal(res.statusCode, 201, res.statusCode === 201 ? 'handed over' : res.body)
  return res.json()
}

type Actor = typeof DEP | typeof SUP | typeof DEST
const ask = (app: TestApp, id: string, step: string, payload: object, ifMatch?: string, actor: Actor = DEP, key?: string) =>
  app.as(actor, {
    method: 'POST', url: `/api/v1/handovers/${id}/approval-requests/${step}`, payload,
    headers: { ...(ifMatch && { 'if-match': ifMatch }), ...(key && { 'idempotency-key': key }) },
  })
const approve = (app: TestApp, id: string, actor: Actor = SUP, key?: string) =>
  app.as(actor, { method: 'POST', url: `/api/v1/approvals/${id}/approve`, ...(key && { headers: { 'idempotency-key': key } }) })
const reject = (app: TestApp, id: string, note: string, actor: Actor = SUP) =>
  app.as(actor, { method: 'POST', url: `/api/v1/approvals/${id}/reject`, payload: { note } })
const codeOf = (res: { statusCode: number; json(): { code?: string } }) => `${res.statusCode} ${res.json().code ?? ''}`.trim()

t.test('an officer asks for an extension; a supervisor of the office approves it and the handover takes it', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const extension = { reason: 'Ùn tắc trên QL22, lái xe báo trễ 2 giờ', dueAt: inHours(10) }

  const asked = await ask(app, h.id, 'extension', extension, '"1"', DEP, 'ask-1')
  t.equal(asked.statusCode, 201, asked.body)
  const request = asked.json()
  t.equal(asked.headers.location, `/api/v1/approvals/${request.id}`)
  t.match(request, { office: '02CI', step: 'extension', handoverId: h.id, handoverNumber: h.handoverNumber, handoverVersion: 1, request: extension, requestedBy: '02CI-001', status: 'PENDING', decidedBy: null })
  const replay = await ask(app, h.id, 'extension', extension, '"1"', DEP, 'ask-1')
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.json().id, request.id, 'a retry with the same key is the same request')
  t.equal((await app.as(DEP, { url: `/api/v1/handovers/${h.id}` })).json().dueAt, h.dueAt, 'nothing changes while it waits')

  t.equal(codeOf(await ask(app, h.id, 'extension', extension, '"1"')), '409 APPROVAL_ALREADY_PENDING', 'one waiting request per step')

  const queue = (await app.as(SUP, { url: '/api/v1/approvals?status=PENDING' })).json()
  t.same(queue.items.map((a: { id: string }) => a.id), [request.id], 'the supervisor\'s queue')
  const notices = (await app.as(SUP, { url: `/api/v1/notices?entityId=${request.id}` })).json().items
  t.match(notices, [{ kind: 'APPROVAL_REQUESTED', office: '02CI', details: { step: 'extension', handoverNumber: h.handoverNumber } }], 'the office is told')
  t.match((notices[0] as { message: string }).message, /giờ Việt Nam/)
  t.equal(codeOf(await app.as(DEST, { url: `/api/v1/approvals/${request.id}` })), '403 OFFICE_FORBIDDEN', 'another office does not read it')

  t.equal(codeOf(await approve(app, request.id, DEP)), '403 SUPERVISOR_REQUIRED', 'an officer does not approve')
  t.equal(codeOf(await approve(app, request.id, DEST_SUP)), '403 OFFICE_FORBIDDEN', 'nor a supervisor of another office')

  const approved = await approve(app, request.id, SUP, 'approve-1')
  t.equal(approved.statusCode, 200, approved.body)
  t.equal(approved.headers.etag, '"2"')
  t.match(approved.json(), { id: h.id, version: 2, dueAt: new Date(extension.dueAt).toISOString() }, 'the step as asked')
  t.match(approved.json().amendments, [{ version: 2, kind: 'extension', approvedBy: '02CI-900', reason: extension.reason }])
  const again = await approve(app, request.id, SUP, 'approve-1')
  t.equal(again.statusCode, 200)
  t.equal(again.headers['idempotent-replayed'], 'true', 'a retried approval is replayed, not applied twice')
  t.equal((await app.as(DEP, { url: `/api/v1/handovers/${h.id}` })).json().version, 2)

  const decided = (await app.as(DEP, { url: `/api/v1/approvals/${request.id}` })).json()
  t.match(decided, { status: 'APPROVED', decidedBy: '02CI-900' })
  t.ok(decided.decidedAt)
  t.equal(codeOf(await approve(app, request.id, SUP2)), '409 APPROVAL_DECIDED', 'decided once')
  t.equal(codeOf(await reject(app, request.id, 'muộn', SUP2)), '409 APPROVAL_DECIDED')
  t.same((await app.as(SUP, { url: '/api/v1/approvals?status=PENDING' })).json().items, [], 'off the queue')

  const trail = (await app.as(SUP, { url: `/api/v1/audit/handover/${h.id}` })).json().items
  t.match(trail[trail.length - 1], { action: 'amend', officerId: '02CI-900', approvalRequestId: request.id }, 'the step is audited as the supervisor\'s, naming the request')
  const requestTrail = (await app.as(SUP, { url: `/api/v1/audit/approval/${request.id}` })).json().items
  t.match(requestTrail, [{ action: 'request', officerId: '02CI-001', after: { step: 'extension', handoverId: h.id } }], 'the request is audited as the officer\'s')
})

t.test('four eyes: whoever asked does not decide; a rejection keeps the handover and tells the office', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const asked = await ask(app, h.id, 'extension', { reason: 'Xin gia hạn', dueAt: inHours(12) }, '"1"', SUP)
  t.equal(asked.statusCode, 201, 'a supervisor may ask too')
  t.equal(codeOf(await approve(app, asked.json().id, SUP)), '403 APPROVAL_OWN_REQUEST')
  t.equal(codeOf(await reject(app, asked.json().id, 'tự quyết', SUP)), '403 APPROVAL_OWN_REQUEST')
  t.equal(codeOf(await app.as(SUP2, { method: 'POST', url: `/api/v1/approvals/${asked.json().id}/reject`, payload: {} })), '400 VALIDATION_FAILED', 'a rejection says why')

  const rejected = await reject(app, asked.json().id, 'Không có biên bản xác nhận xe hỏng', SUP2)
  t.equal(rejected.statusCode, 200, rejected.body)
  t.match(rejected.json(), { status: 'REJECTED', decidedBy: '02CI-901', decisionNote: 'Không có biên bản xác nhận xe hỏng' })
  t.match((await app.as(DEP, { url: `/api/v1/handovers/${h.id}` })).json(), { version: 1, dueAt: h.dueAt }, 'the handover is untouched')
  const notices = (await app.as(DEP, { url: `/api/v1/notices?entityId=${asked.json().id}` })).json().items
  t.same(notices.map((n: { kind: string }) => n.kind).sort(), ['APPROVAL_REJECTED', 'APPROVAL_REQUESTED'])
  t.equal(codeOf(await approve(app, asked.json().id, SUP2)), '409 APPROVAL_DECIDED', 'a rejected request is not approved later')
  const asking = await ask(app, h.id, 'extension', { reason: 'Có biên bản xe hỏng', dueAt: inHours(12) }, '"1"')
  t.equal(asking.statusCode, 201, 'after a rejection the officer may ask again')
})

t.test('what can be asked: the office of the step, a state that takes it, the version read, a real extension', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  t.equal(codeOf(await ask(app, h.id, 'extension', { reason: 'r', dueAt: inHours(10) }, '"1"', DEST)), '403 OFFICE_FORBIDDEN', 'the departure office asks for an extension')
  t.equal(codeOf(await ask(app, h.id, 'extension', { reason: 'r', dueAt: inHours(10) })), '428 PRECONDITION_REQUIRED')
  const stale = await ask(app, h.id, 'extension', { reason: 'r', dueAt: inHours(10) }, '"7"')
  t.equal(codeOf(stale), '412 VERSION_CONFLICT')
  t.equal(stale.headers.etag, '"1"')
  const earlier = await ask(app, h.id, 'extension', { reason: 'r', dueAt: inHours(4) }, '"1"')
  t.equal(codeOf(earlier), '400 VALIDATION_FAILED')
  t.same(earlier.json().details.map((p: { code: string }) => p.code), ['NOT_AN_EXTENSION'])
  const tooFar = await ask(app, h.id, 'extension', { reason: 'r', dueAt: inHours(24 * 120) }, '"1"')
  t.same(tooFar.json().details?.map((p: { code: string }) => p.code), ['DUE_AT_TOO_FAR'], 'the transit limit, as the approval will check it')
  t.equal(codeOf(await ask(app, h.id, 'cancellation', { reason: 'r' })), '409 APPROVAL_NOT_NEEDED', 'in transit the officer cancels it alone')
  t.equal(codeOf(await ask(app, h.id, 'verification-result', { outcome: 'RESOLVED', explanation: 'x' })), '409 ILLEGAL_TRANSITION')
  t.equal(codeOf(await ask(app, h.id, 'receipt-correction', { reason: 'r', note: 'x' }, '"1"', DEST)), '409 ILLEGAL_TRANSITION')
  t.equal(codeOf(await ask(app, h.id, 'extension', { reason: 'r', dueAt: inHours(10), vehicle: 'x' }, '"1"')), '400 VALIDATION_FAILED', 'only the step\'s fields')
  t.equal(codeOf(await ask(app, '00000000-0000-4000-8000-000000000000', 'cancellation', { reason: 'r' })), '404 HANDOVER_NOT_FOUND')
  t.equal(codeOf(await approve(app, '00000000-0000-4000-8000-000000000000')), '404 APPROVAL_NOT_FOUND')
})

t.test('an approval the handover has moved past stays pending: the step\'s own rules answer, nothing is applied', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const asked = (await ask(app, h.id, 'extension', { reason: 'Xin gia hạn', dueAt: inHours(12) }, '"1"')).json()
  const amended = await app.as(DEP, {
    method: 'POST', url: `/api/v1/handovers/${h.id}/amendments`, payload: { reason: 'Đổi xe', vehicle: '51C-999.99' }, headers: { 'if-match': '"1"' },
  })
  t.equal(amended.statusCode, 200)
  const late = await approve(app, asked.id)
  t.equal(codeOf(late), '412 VERSION_CONFLICT', 'asked on version 1, the handover is at 2')
  t.equal((await app.as(SUP, { url: `/api/v1/approvals/${asked.id}` })).json().status, 'PENDING', 'still waiting: the supervisor rejects it')
  t.match((await app.as(DEP, { url: `/api/v1/handovers/${h.id}` })).json(), { version: 2, dueAt: h.dueAt })
})

t.test('the other steps: an overdue cancellation, a verification result, a receipt correction', async (t) => {
  const app = await buildTestApp(t)
  // Overdue: handed over on paper 30 hours ago, due 22 hours ago.
  const overdue = async (paperNumber: string) => {
    const h = await handover(app, { origin: 'paper', paperNumber, paperRecordedAt: inHours(-30), paperOfficer: '02CI-001', dueAt: inHours(-22) })
    return h
  }
  const a = await overdue('BB-Q1')
  const b = await overdue('BB-Q2')
  t.equal((await app.as(SUP, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })).json().marked.length, 2)

  const cancelAsked = await ask(app, a.id, 'cancellation', { reason: 'Doanh nghiệp hủy chuyến, hàng chưa rời cảng' })
  t.equal(cancelAsked.statusCode, 201, cancelAsked.body)
  const cancelled = await approve(app, cancelAsked.json().id)
  t.equal(cancelled.statusCode, 200, cancelled.body)
  t.match(cancelled.json(), { status: 'CANCELLED', cancellation: { reason: 'Doanh nghiệp hủy chuyến, hàng chưa rời cảng' } })

  t.equal((await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${b.id}/verification`, payload: { note: 'xác minh' } })).statusCode, 200)
  const resultAsked = await ask(app, b.id, 'verification-result', { outcome: 'RESOLVED', explanation: 'Xe hỏng, có biên bản của Đội Kiểm soát' })
  t.equal(resultAsked.statusCode, 201, resultAsked.body)
  const resolved = await approve(app, resultAsked.json().id, SUP2)
  t.equal(resolved.statusCode, 200, resolved.body)
  t.match(resolved.json(), { status: 'RESOLVED', verification: { outcome: 'RESOLVED', decidedBy: '02CI-901' } })

  const c = await handover(app)
  const received = await app.as(DEST, { method: 'POST', url: `/api/v1/handovers/${c.id}/receipt`, payload: { containers: [{ containerNumber: CONTAINER, sealState: 'intact' }] } })
  t.equal(received.statusCode, 200)
  t.equal(codeOf(await ask(app, c.id, 'receipt-correction', { reason: 'r', note: 'x' }, '"2"')), '403 OFFICE_FORBIDDEN', 'the destination asks for its receipt\'s correction')
  const fixAsked = await ask(app, c.id, 'receipt-correction', { reason: 'Niêm phong thực tế bị hỏng', containers: [{ containerNumber: CONTAINER, sealState: 'broken' }] }, '"2"', DEST)
  t.equal(fixAsked.statusCode, 201, fixAsked.body)
  t.equal(fixAsked.json().office, '06DS', 'the destination\'s supervisor decides')
  t.equal(codeOf(await approve(app, fixAsked.json().id, SUP)), '403 OFFICE_FORBIDDEN')
  const fixed = await approve(app, fixAsked.json().id, DEST_SUP)
  t.equal(fixed.statusCode, 200, fixed.body)
  t.match(fixed.json(), { status: 'ARRIVED_WITH_DISCREPANCY', version: 3 })
  t.match(fixed.json().amendments, [{ kind: 'receipt_correction', approvedBy: '06DS-900' }])

  const all = (await app.as(SUP, { url: '/api/v1/approvals' })).json().items
  t.same(all.map((x: { step: string; status: string }) => `${x.step}:${x.status}`), ['cancellation:APPROVED', 'verification_result:APPROVED'], 'the office\'s requests, oldest first')
})

t.test('two supervisors decide at once: one decision, and the step applied exactly once', async (t) => {
  const app = await buildTestApp(t)
  for (let round = 0; round < 5; round++) {
    const h = await handover(app)
    const asked = (await ask(app, h.id, 'extension', { reason: `Gia hạn ${round}`, dueAt: inHours(12) }, '"1"')).json()
    const [approved, rejected] = await Promise.all([approve(app, asked.id, SUP), reject(app, asked.id, 'Không đồng ý', SUP2)])
    const codes = [approved.statusCode, rejected.statusCode].sort()
    t.same(codes, [200, 409], `round ${round}: one decision wins (${approved.statusCode}, ${rejected.statusCode})`)
    const final = (await app.as(SUP, { url: `/api/v1/approvals/${asked.id}` })).json()
    const handoverNow = (await app.as(DEP, { url: `/api/v1/handovers/${h.id}` })).json()
    if (final.status === 'APPROVED') t.match(handoverNow, { version: 2, dueAt: new Date(asked.request.dueAt).toISOString() }, 'approved: applied')
    else t.match({ status: final.status, version: handoverNow.version }, { status: 'REJECTED', version: 1 }, 'rejected: not applied')
  }
})

t.test('a request is bound to the version it was asked on, and to its own rules when approved', async (t) => {
  const app = await buildTestApp(t)
  // Overdue: handed over on paper 30 hours ago, due 22 hours ago; the scan makes version 2.
  const h = await handover(app, { origin: 'paper', paperNumber: 'BB-V1', paperRecordedAt: inHours(-30), paperOfficer: '02CI-001', dueAt: inHours(-22) })
  t.equal((await app.as(SUP, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })).json().marked.length, 1)
  const passed = await ask(app, h.id, 'extension', { reason: 'r', dueAt: inHours(-2) }, '"2"')
  t.same(passed.json().details.map((p: { code: string }) => p.code), ['DUE_AT_PASSED'], 'a later limit already passed is refused when asked')
  const cancel = await ask(app, h.id, 'cancellation', { reason: 'Doanh nghiệp hủy chuyến' })
  t.equal(cancel.statusCode, 201)
  t.equal(cancel.json().handoverVersion, 2, 'bound to the version it was asked on')
  const extend = await ask(app, h.id, 'extension', { reason: 'Xe hỏng', dueAt: inHours(6) }, '"2"')
  t.equal((await approve(app, extend.json().id)).statusCode, 200, 'the extension puts it back in transit (version 3)')
  const stale = await approve(app, cancel.json().id)
  t.equal(codeOf(stale), '412 VERSION_CONFLICT', 'the cancellation was asked of an overdue handover, not of one in transit')
  t.equal((await app.as(DEP, { url: `/api/v1/handovers/${h.id}` })).json().status, 'HANDED_OVER')
  t.equal((await app.as(SUP, { url: `/api/v1/approvals/${cancel.json().id}` })).json().status, 'PENDING')

  // A request whose stored time limit has passed by the time it is approved no longer holds.
  const later = await ask(app, h.id, 'extension', { reason: 'Gia hạn thêm', dueAt: inHours(7) }, '"3"')
  t.equal(later.statusCode, 201, later.body)
  const db = await schemaClient(t, app.schema)
  await db.query(`UPDATE approval_requests SET request = jsonb_set(request, '{dueAt}', to_jsonb($2::text)) WHERE id = $1`, [later.json().id, inHours(-1)])
  const invalid = await approve(app, later.json().id)
  t.equal(codeOf(invalid), '409 APPROVAL_REQUEST_INVALID', 'a conflict with the stored request, not a 400 for a supervisor who sent no body')
  t.equal((await app.as(SUP, { url: `/api/v1/approvals/${later.json().id}` })).json().status, 'PENDING')
})

t.test('a receipt correction that changes nothing is not queued; an approval that would change nothing is refused', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  t.equal((await app.as(DEST, { method: 'POST', url: `/api/v1/handovers/${h.id}/receipt`, payload: { containers: [{ containerNumber: CONTAINER, sealState: 'intact' }] } })).statusCode, 200)
  const same = await ask(app, h.id, 'receipt-correction', { reason: 'r', containers: [{ containerNumber: CONTAINER, sealState: 'intact' }] }, '"2"', DEST)
  t.equal(codeOf(same), '409 APPROVAL_NOTHING_TO_APPLY')
  const foreign = await ask(app, h.id, 'receipt-correction', { reason: 'r', containers: [{ containerNumber: 'MSKU9070323', sealState: 'broken' }] }, '"2"', DEST)
  t.equal(codeOf(foreign), '400 VALIDATION_FAILED', 'the containers of the handover only')
  // Queued while it changed something; the receipt is then corrected directly to say the same.
  const asked = await ask(app, h.id, 'receipt-correction', { reason: 'Niêm phong bị hỏng', containers: [{ containerNumber: CONTAINER, sealState: 'broken' }] }, '"2"', DEST)
  t.equal(asked.statusCode, 201, asked.body)
  const db = await schemaClient(t, app.schema)
  await db.query(`UPDATE handover_containers SET seal_state = 'broken' WHERE handover_id = $1`, [h.id])
  t.equal(codeOf(await approve(app, asked.json().id, DEST_SUP)), '409 APPROVAL_NOTHING_TO_APPLY', 'nothing applied, nothing approved')
  t.equal((await app.as(DEST_SUP, { url: `/api/v1/approvals/${asked.json().id}` })).json().status, 'PENDING')
})

t.test('two supervisors approve one cancellation at once: one 200, one 409 APPROVAL_DECIDED', async (t) => {
  const app = await buildTestApp(t)
  for (let round = 0; round < 3; round++) {
    const h = await handover(app, { origin: 'paper', paperNumber: `BB-C${round}`, paperRecordedAt: inHours(-30), paperOfficer: '02CI-001', dueAt: inHours(-22) })
    await app.as(SUP, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })
    const asked = (await ask(app, h.id, 'cancellation', { reason: `Hủy ${round}` })).json()
    const answers = await Promise.all([approve(app, asked.id, SUP), approve(app, asked.id, SUP2)])
    t.same(answers.map(codeOf).sort(), ['200', '409 APPROVAL_DECIDED'], `round ${round}`)
  }
})

t.test('list cursors: only one the service made reaches the database', async (t) => {
  const app = await buildTestApp(t)
  const forged = Buffer.from(JSON.stringify(['+010000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url')
  for (const url of [`/api/v1/approvals?cursor=${forged}`, `/api/v1/notices?cursor=${forged}`]) {
    const res = await app.as(SUP, { url })
    t.equal(codeOf(res), '400 VALIDATION_FAILED', url)
    t.equal(res.json().details[0].code, 'INVALID_CURSOR')
  }
})
