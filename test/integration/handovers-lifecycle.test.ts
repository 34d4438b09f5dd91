// Handover lifecycle over HTTP: receipt at the destination, close, cancel, overdue, verification;
// every illegal transition is 409 ILLEGAL_TRANSITION; office scoping; concurrent transitions
// serialise; paper re-entry of a receipt is recognised.
import t, { type Test } from 'tap'
import { buildTestApp, actorOf, writeContextFor, type TestApp } from '../helper.ts'
import { scanOverdueHandovers } from '../../src/services/overdue-scan-service.ts'

const DEP = { office: '02CI', officerId: 'dep-officer' }
const DEST = { office: '02CC', officerId: 'dest-officer' }
const OTHER = { office: '03CE', officerId: 'other-officer' }
const DEP_SUPERVISOR = { office: '02CI', role: 'supervisor' as const, officerId: 'dep-sup' }
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString()

const INTACT = [
  { containerNumber: 'CSQU3054383', sealState: 'intact' },
  { containerNumber: 'MSKU9070323', sealState: 'intact' },
]

async function handover(app: TestApp, overrides: Record<string, unknown> = {}): Promise<{ id: string; handoverNumber: string }> {
  const res = await app.as(DEP, {
    method: 'POST',
    url: '/api/v1/handovers',
    payload: {
      destinationOffice: DEST.office,
      destinationPlace: 'ICD Transimex',
      declarationNumbers: ['108557295010'],
      containers: [
        { containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: 'HQ1' },
        { containerNumber: 'MSKU9070323', carrierSeal: 'ML2', customsSeal: 'HQ2' },
      ],
      vehicle: '51C-123.45',
      route: 'Cát Lái — ICD Transimex',
      dueAt: inHours(6),
      ...overrides,
    },
  })
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.body}`)
  return res.json()
}

/** A paper handover whose time limit passed yesterday. */
const overdueHandover = (app: TestApp, paperNumber: string) =>
  handover(app, { origin: 'paper', paperNumber, paperRecordedAt: inHours(-48), dueAt: inHours(-24) })

const post = (app: TestApp, actor: object, id: string, action: string, payload: object = {}, headers: Record<string, string> = {}) =>
  app.as(actor, { method: 'POST', url: `/api/v1/handovers/${id}/${action}`, payload, headers })

const statusOf = async (app: TestApp, id: string) => (await app.as(DEP, { url: `/api/v1/handovers/${id}` })).json().status

function assertIllegal(t: Test, res: { statusCode: number; json(): any }, from: string, action: string) {
  t.equal(res.statusCode, 409, `${action} from ${from}: 409`)
  t.equal(res.json().code, 'ILLEGAL_TRANSITION')
  t.same(res.json().details, { from, action })
}

t.test('receipt with every seal intact: ARRIVED, then CLOSED', async (t) => {
  const app = await buildTestApp(t)
  const { id } = await handover(app)
  const res = await post(app, DEST, id, 'receipt', { containers: INTACT, note: 'Hàng đến đủ' })
  t.equal(res.statusCode, 200)
  const h = res.json()
  t.equal(h.status, 'ARRIVED')
  t.equal(h.duplicate, false)
  t.equal(h.receipt.receivedBy, 'dest-officer')
  t.equal(h.receipt.origin, 'online')
  t.same(h.receipt.discrepancies, [])
  t.equal(h.receipt.note, 'Hàng đến đủ')
  t.same(h.containers.map((c: { sealState: string }) => c.sealState), ['intact', 'intact'])

  const byDeparture = await post(app, DEP, id, 'close')
  t.equal(byDeparture.statusCode, 403, 'the departure office does not close')
  t.equal(byDeparture.json().code, 'OFFICE_FORBIDDEN')
  const closed = await app.as(DEST, { method: 'POST', url: `/api/v1/handovers/${id}/close` })
  t.equal(closed.statusCode, 200, 'close needs no body')
  t.equal(closed.json().status, 'CLOSED')
  t.equal(closed.json().closure.closedBy, 'dest-officer')

  assertIllegal(t, await post(app, DEST, id, 'close'), 'CLOSED', 'close')
  assertIllegal(t, await post(app, DEST, id, 'receipt', { containers: INTACT }), 'CLOSED', 'receive')
  assertIllegal(t, await post(app, DEP, id, 'cancel', { reason: 'x' }), 'CLOSED', 'cancel')
  assertIllegal(t, await post(app, DEP, id, 'verification'), 'CLOSED', 'openVerification')

  const trail = await app.as(DEP, { url: `/api/v1/audit/handover/${id}` })
  t.same(trail.json().items.map((i: { action: string }) => i.action), ['create', 'receive', 'close'])
})

t.test('non-intact seals or discrepancies: ARRIVED_WITH_DISCREPANCY', async (t) => {
  const app = await buildTestApp(t)
  const broken = await handover(app)
  const b = await post(app, DEST, broken.id, 'receipt', {
    containers: [INTACT[0], { containerNumber: 'MSKU9070323', sealState: 'broken' }],
  })
  t.equal(b.json().status, 'ARRIVED_WITH_DISCREPANCY')

  const replaced = await handover(app)
  const r = await post(app, DEST, replaced.id, 'receipt', {
    containers: [{ containerNumber: 'MSKU9070323', sealState: 'replaced', newSealNumber: 'HQ777' }, INTACT[0]],
  })
  t.equal(r.json().status, 'ARRIVED_WITH_DISCREPANCY')
  t.same(r.json().containers[1], { containerNumber: 'MSKU9070323', carrierSeal: 'ML2', customsSeal: 'HQ2', sealState: 'replaced', newSealNumber: 'HQ777' })

  const short = await handover(app)
  const s = await post(app, DEST, short.id, 'receipt', { containers: INTACT, discrepancies: ['Thiếu 2 kiện'] })
  t.equal(s.json().status, 'ARRIVED_WITH_DISCREPANCY')
  t.same(s.json().receipt.discrepancies, ['Thiếu 2 kiện'])
  const closed = await post(app, DEST, short.id, 'close')
  t.equal(closed.json().status, 'CLOSED', 'a handover with discrepancies closes too')

  const goodsOnly = await handover(app, { containers: undefined, goodsLines: [{ description: 'Máy xúc', quantity: 1, unit: 'C62' }] })
  const g = await post(app, DEST, goodsOnly.id, 'receipt', {})
  t.equal(g.json().status, 'ARRIVED', 'goods without containers need no seal states')
})

t.test('receipt validation', async (t) => {
  const app = await buildTestApp(t)
  const { id } = await handover(app)
  const cases: Array<[string, object, string]> = [
    ['replaced without the new seal', { containers: [INTACT[0], { containerNumber: 'MSKU9070323', sealState: 'replaced' }] }, 'containers.1.newSealNumber:NEW_SEAL_NUMBER_REQUIRED'],
    ['new seal on an intact seal', { containers: [INTACT[0], { containerNumber: 'MSKU9070323', sealState: 'intact', newSealNumber: 'X1' }] }, 'containers.1.newSealNumber:NEW_SEAL_NUMBER_NOT_ALLOWED'],
    ['container not in this handover', { containers: [...INTACT, { containerNumber: 'TGHU1234567', sealState: 'intact' }] }, 'containers.2.containerNumber:CONTAINER_NOT_IN_HANDOVER'],
    ['container listed twice', { containers: [...INTACT, INTACT[0]] }, 'containers.2.containerNumber:CONTAINER_DUPLICATE'],
    ['container left out', { containers: [INTACT[0]] }, 'containers:CONTAINER_SEAL_STATE_MISSING'],
    ['bad check digit', { containers: [{ containerNumber: 'MSKU9070324', sealState: 'intact' }] }, 'containers.0.containerNumber:INVALID_CONTAINER_NUMBER'],
    ['unknown seal state', { containers: [{ containerNumber: 'MSKU9070323', sealState: 'missing' }] }, 'containers.0.sealState:FIELD_NOT_ALLOWED_VALUE'],
    ['unknown field', { containers: INTACT, weather: 'rain' }, 'weather:FIELD_UNKNOWN'],
    ['paper receipt dated before the handover', { containers: INTACT, origin: 'paper', paperRecordedAt: inHours(-48) }, 'paperRecordedAt:RECEIVED_BEFORE_HANDOVER'],
  ]
  for (const [name, body, expected] of cases) {
    const res = await post(app, DEST, id, 'receipt', body)
    t.equal(res.statusCode, 400, `${name}: 400`)
    const problems = (res.json().details ?? []).map((d: { field: string; code: string }) => `${d.field}:${d.code}`)
    t.ok(problems.includes(expected), `${name}: ${expected} in ${problems.join(', ')}`)
  }
  t.equal(await statusOf(app, id), 'HANDED_OVER', 'no rejected receipt changed anything')
})

t.test('only the destination office receives', async (t) => {
  const app = await buildTestApp(t)
  const { id } = await handover(app)
  for (const actor of [DEP, OTHER, { office: '00AD', role: 'admin' as const }]) {
    const res = await post(app, actor, id, 'receipt', { containers: INTACT })
    t.equal(res.statusCode, 403, `${actor.office}`)
    t.equal(res.json().code, 'OFFICE_FORBIDDEN')
  }
  const missing = await post(app, DEST, '00000000-0000-4000-8000-000000000000', 'receipt', { containers: INTACT })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'HANDOVER_NOT_FOUND')
})

t.test('receiving twice: 409, unless it is a replay of the same Idempotency-Key', async (t) => {
  const app = await buildTestApp(t)
  const { id } = await handover(app)
  const first = await post(app, DEST, id, 'receipt', { containers: INTACT }, { 'idempotency-key': 'receipt-1' })
  t.equal(first.statusCode, 200)
  const replay = await post(app, DEST, id, 'receipt', { containers: INTACT }, { 'idempotency-key': 'receipt-1' })
  t.equal(replay.statusCode, 200)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json())
  const mismatch = await post(app, DEST, id, 'receipt', { containers: INTACT, note: 'khác' }, { 'idempotency-key': 'receipt-1' })
  t.equal(mismatch.statusCode, 422)
  t.equal(mismatch.json().code, 'IDEMPOTENCY_KEY_REUSED')
  assertIllegal(t, await post(app, DEST, id, 'receipt', { containers: INTACT }), 'ARRIVED', 'receive')
  assertIllegal(t, await post(app, DEST, id, 'receipt', { containers: INTACT }, { 'idempotency-key': 'receipt-2' }), 'ARRIVED', 'receive')
})

t.test('two concurrent receipts: exactly one succeeds', async (t) => {
  const app = await buildTestApp(t)
  for (let round = 0; round < 3; round++) {
    const { id } = await handover(app)
    const results = await Promise.all([
      post(app, DEST, id, 'receipt', { containers: INTACT }),
      post(app, { ...DEST, officerId: 'dest-officer-2' }, id, 'receipt', {
        containers: [INTACT[0], { containerNumber: 'MSKU9070323', sealState: 'broken' }],
      }),
    ])
    t.same(results.map((r) => r.statusCode).sort(), [200, 409], `round ${round}`)
    const receipts = await app.sql('SELECT count(*)::int AS n FROM handover_receipts WHERE handover_id = $1', [id])
    t.equal(receipts.rows[0]?.n, 1)
  }
})

t.test('cancel: only before arrival, by the departure office, with a reason', async (t) => {
  const app = await buildTestApp(t)
  const { id } = await handover(app)
  const byDest = await post(app, DEST, id, 'cancel', { reason: 'x' })
  t.equal(byDest.statusCode, 403)
  t.equal(byDest.json().code, 'OFFICE_FORBIDDEN')
  const noReason = await post(app, DEP, id, 'cancel', {})
  t.equal(noReason.statusCode, 400)
  t.same(noReason.json().details.map((d: { field: string; code: string }) => `${d.field}:${d.code}`), ['reason:FIELD_REQUIRED'])
  const cancelled = await post(app, DEP, id, 'cancel', { reason: 'Doanh nghiệp hủy tờ khai' })
  t.equal(cancelled.statusCode, 200)
  t.equal(cancelled.json().status, 'CANCELLED')
  t.same(cancelled.json().cancellation, { cancelledAt: cancelled.json().cancellation.cancelledAt, cancelledBy: 'dep-officer', reason: 'Doanh nghiệp hủy tờ khai' })
  assertIllegal(t, await post(app, DEST, id, 'receipt', { containers: INTACT }), 'CANCELLED', 'receive')
  assertIllegal(t, await post(app, DEP, id, 'cancel', { reason: 'again' }), 'CANCELLED', 'cancel')
  assertIllegal(t, await post(app, DEST, id, 'close'), 'CANCELLED', 'close')

  const arrived = await handover(app)
  await post(app, DEST, arrived.id, 'receipt', { containers: INTACT })
  assertIllegal(t, await post(app, DEP, arrived.id, 'cancel', { reason: 'too late' }), 'ARRIVED', 'cancel')
})

t.test('overdue: the scan marks HANDED_OVER past the time limit; late goods are still received', async (t) => {
  const app = await buildTestApp(t)
  const late = await overdueHandover(app, 'P-1')
  const onTime = await handover(app)
  const scan = (actor: object, payload: object = {}) => app.as(actor, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload })

  const officer = await scan(DEP)
  t.equal(officer.statusCode, 403)
  t.equal(officer.json().code, 'ROLE_FORBIDDEN')
  const otherSupervisor = await scan({ office: '03CE', role: 'supervisor' })
  t.same(otherSupervisor.json().marked, [], 'a supervisor scans the handovers leaving their own office')

  const res = await scan(DEP_SUPERVISOR)
  t.equal(res.statusCode, 200)
  t.same(res.json().marked.map((m: { id: string }) => m.id), [late.id])
  t.equal(res.json().more, false)
  t.equal(res.json().notices, 2, 'the on-demand scan raises the overdue notice to both offices, as the job does')
  const notices = await app.as(DEP, { url: `/api/v1/notices?office=${DEP.office}` })
  t.equal(notices.json().items.filter((n: { kind?: string; type?: string }) => (n.kind ?? n.type) === 'HANDOVER_OVERDUE').length, 1)
  t.equal(await statusOf(app, late.id), 'OVERDUE')
  t.equal(await statusOf(app, onTime.id), 'HANDED_OVER')
  t.same((await scan(DEP_SUPERVISOR)).json().marked, [], 'nothing left to mark')

  assertIllegal(t, await post(app, DEST, late.id, 'close'), 'OVERDUE', 'close')
  assertIllegal(t, await post(app, DEP, late.id, 'verification/result', { outcome: 'RESOLVED', explanation: 'x' }), 'OVERDUE', 'recordVerificationResult')
  assertIllegal(t, await post(app, DEP, onTime.id, 'verification'), 'HANDED_OVER', 'openVerification')

  const received = await post(app, DEST, late.id, 'receipt', { containers: INTACT, note: 'Đến trễ do kẹt xe' })
  t.equal(received.json().status, 'ARRIVED', 'an overdue handover can still be received')
  t.ok(received.json().overdueAt, 'and keeps when it went overdue')
})

t.test('the overdue scan is callable by the scheduled job (service, all offices, in batches)', async (t) => {
  const app = await buildTestApp(t)
  const a = await overdueHandover(app, 'P-A')
  const b = await overdueHandover(app, 'P-B')
  const system = actorOf({ officerId: 'system:overdue-scan', office: '00AD', role: 'admin' })
  const run = async () => {
    const outcome = await scanOverdueHandovers(app.app.db, writeContextFor(system, { requestId: 'job' }), { limit: 1 })
    if (outcome.kind !== 'updated') throw new Error(`unexpected ${outcome.kind}`)
    return outcome.view
  }
  const first = await run()
  t.equal(first.marked.length, 1)
  t.equal(first.more, true)
  const second = await run()
  t.equal(second.marked.length, 1)
  t.same(new Set([...first.marked, ...second.marked].map((m) => m.id)), new Set([a.id, b.id]))
  t.same((await run()).marked, [])
})

t.test('verification of an overdue handover: RESOLVED or VIOLATION', async (t) => {
  const app = await buildTestApp(t)
  const one = await overdueHandover(app, 'P-V1')
  const two = await overdueHandover(app, 'P-V2')
  const cancelMe = await overdueHandover(app, 'P-V3')
  await app.as(DEP_SUPERVISOR, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })

  const byDest = await post(app, DEST, one.id, 'verification')
  t.equal(byDest.statusCode, 403, 'the departure office opens the verification')
  const opened = await post(app, DEP, one.id, 'verification', { note: 'Phối hợp Đội Kiểm soát hải quan' })
  t.equal(opened.json().status, 'UNDER_VERIFICATION')
  t.equal(opened.json().verification.openedBy, 'dep-officer')
  assertIllegal(t, await post(app, DEP, one.id, 'verification'), 'UNDER_VERIFICATION', 'openVerification')
  assertIllegal(t, await post(app, DEST, one.id, 'receipt', { containers: INTACT }), 'UNDER_VERIFICATION', 'receive')
  assertIllegal(t, await post(app, DEP, one.id, 'cancel', { reason: 'x' }), 'UNDER_VERIFICATION', 'cancel')

  const badOutcome = await post(app, DEP, one.id, 'verification/result', { outcome: 'MAYBE', explanation: 'x' })
  t.equal(badOutcome.statusCode, 400)
  t.equal(badOutcome.json().details[0].code, 'FIELD_NOT_ALLOWED_VALUE')
  const noExplanation = await post(app, DEP, one.id, 'verification/result', { outcome: 'RESOLVED' })
  t.equal(noExplanation.json().details[0].field, 'explanation')
  const resultByDest = await post(app, DEST, one.id, 'verification/result', { outcome: 'RESOLVED', explanation: 'x' })
  t.equal(resultByDest.statusCode, 403)

  const byOfficer = await post(app, DEP, one.id, 'verification/result', { outcome: 'RESOLVED', explanation: 'x' })
  t.equal(byOfficer.statusCode, 403, 'an officer prepares the result; the supervisor records it')
  t.equal(byOfficer.json().code, 'SUPERVISOR_REQUIRED')
  const resolved = await post(app, DEP_SUPERVISOR, one.id, 'verification/result', { outcome: 'RESOLVED', explanation: 'Xe hỏng dọc đường, có xác nhận' })
  t.equal(resolved.json().status, 'RESOLVED')
  t.equal(resolved.json().verification.explanation, 'Xe hỏng dọc đường, có xác nhận')
  assertIllegal(t, await post(app, DEP_SUPERVISOR, one.id, 'verification/result', { outcome: 'VIOLATION', explanation: 'x' }), 'RESOLVED', 'recordVerificationResult')
  assertIllegal(t, await post(app, DEST, one.id, 'receipt', { containers: INTACT }), 'RESOLVED', 'receive')

  await post(app, DEP, two.id, 'verification')
  const violation = await post(app, DEP_SUPERVISOR, two.id, 'verification/result', { outcome: 'VIOLATION', explanation: 'Hàng không đến, lập biên bản vi phạm' })
  t.equal(violation.json().status, 'VIOLATION')
  assertIllegal(t, await post(app, DEST, two.id, 'close'), 'VIOLATION', 'close')

  const refused = await post(app, DEP, cancelMe.id, 'cancel', { reason: 'Hàng không xuất' })
  t.equal(refused.json().code, 'SUPERVISOR_REQUIRED', 'an officer cannot make an overdue case disappear')
  const c = await post(app, DEP_SUPERVISOR, cancelMe.id, 'cancel', { reason: 'Hàng không xuất' })
  t.equal(c.json().status, 'CANCELLED', 'an overdue handover can be cancelled by the supervisor')

  const chain = await app.as({ office: '02CI', role: 'supervisor' }, { url: '/api/v1/audit/verify' })
  t.equal(chain.json().ok, true, 'every transition left an intact audit chain')
})

t.test('paper back-entry of a receipt: the same paper twice is recognised, a different one is 409', async (t) => {
  const app = await buildTestApp(t)
  const { id } = await handover(app, { origin: 'paper', paperNumber: 'P-R1', paperRecordedAt: inHours(-10), dueAt: inHours(-2) })
  const paper = {
    containers: [INTACT[0], { containerNumber: 'MSKU9070323', sealState: 'replaced', newSealNumber: 'HQ55' }],
    discrepancies: ['Niêm phong hãng tàu bị đứt'],
    origin: 'paper',
    paperRecordedAt: inHours(-4),
    paperOfficer: 'le.thi.c',
  }
  const first = await post(app, DEST, id, 'receipt', paper)
  t.equal(first.statusCode, 200)
  t.equal(first.json().duplicate, false)
  t.equal(first.json().status, 'ARRIVED_WITH_DISCREPANCY')
  t.equal(first.json().receipt.receivedBy, 'le.thi.c')
  t.equal(first.json().receipt.enteredBy, 'dest-officer')
  t.equal(first.json().receipt.receivedAt, paper.paperRecordedAt)

  const reordered = { ...paper, containers: [...paper.containers].reverse() }
  const again = await post(app, DEST, id, 'receipt', reordered, {})
  t.equal(again.statusCode, 200)
  t.equal(again.json().duplicate, true)
  t.equal(again.json().id, id)

  const different = await post(app, DEST, id, 'receipt', { ...paper, discrepancies: [] })
  assertIllegal(t, different, 'ARRIVED_WITH_DISCREPANCY', 'receive')
  const online = await post(app, DEST, id, 'receipt', { containers: paper.containers, discrepancies: paper.discrepancies })
  assertIllegal(t, online, 'ARRIVED_WITH_DISCREPANCY', 'receive')

  const paperClose = { origin: 'paper', paperRecordedAt: inHours(-3), paperOfficer: 'le.thi.c' }
  t.equal((await post(app, DEST, id, 'close', paperClose)).json().status, 'CLOSED')
  const closeAgain = await post(app, DEST, id, 'close', paperClose)
  t.equal(closeAgain.statusCode, 200, 'the same paper close entered twice')
  t.equal(closeAgain.json().duplicate, true)
  assertIllegal(t, await post(app, DEST, id, 'close', { ...paperClose, paperRecordedAt: inHours(-2) }), 'CLOSED', 'close')
  const receiptAfterClose = await post(app, DEST, id, 'receipt', paper)
  t.equal(receiptAfterClose.json().duplicate, true, 'the paper receipt is still recognised after closing')
})

t.test('paper back-entry of a cancellation is recognised when entered twice', async (t) => {
  const app = await buildTestApp(t)
  const { id } = await handover(app)
  const paper = { reason: 'Hủy theo đề nghị', origin: 'paper', paperRecordedAt: new Date().toISOString(), paperOfficer: 'pham.d' }
  t.equal((await post(app, DEP, id, 'cancel', paper)).json().duplicate, false)
  const again = await post(app, DEP, id, 'cancel', paper)
  t.equal(again.statusCode, 200)
  t.equal(again.json().duplicate, true)
  assertIllegal(t, await post(app, DEP, id, 'cancel', { ...paper, reason: 'Lý do khác' }), 'CANCELLED', 'cancel')
})
