// Arrival time and supervisors' steps (issue 17, items 3 and 4 in part): a receipt states when the
// goods arrived (not in the future, not before the handover) and lateness is judged on it; cancelling
// an overdue handover and recording a verification result are a supervisor's steps.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const SUP = { office: '02CI', officerId: '02CI-900', role: 'supervisor' } as const
const DEST = { office: '06DS', officerId: '06DS-007' }
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString()
const SEALS = { containers: [{ containerNumber: 'CSQU3054383', sealState: 'intact' }] }

async function handover(app: TestApp, extra: Record<string, unknown> = {}) {
  const res = await app.as(DEP, {
    method: 'POST', url: '/api/v1/handovers',
    payload: {
      destinationOffice: '06DS', destinationPlace: 'Cửa khẩu Mộc Bài', declarationNumbers: ['308557295080'],
      containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: 'HQ1' }],
      vehicle: '51C-123.45', route: 'Cát Lái — Mộc Bài', dueAt: inHours(8), ...extra,
    },
  })
  t.equal(res.statusCode, 201)
  return res.json()
}

const receive = (app: TestApp, id: string, extra: object = {}) =>
  app.as(DEST, { method: 'POST', url: `/api/v1/handovers/${id}/receipt`, payload: { ...SEALS, ...extra } })

t.test('a receipt typed in after the limit, for goods that arrived before it, counts as on time', async (t) => {
  const app = await buildTestApp(t)
  // Handed over 5 hours ago on paper, due an hour ago; the truck arrived 2 hours ago.
  const h = await handover(app, { origin: 'paper', paperNumber: 'BB-A1', paperRecordedAt: inHours(-5), paperOfficer: '02CI-001', dueAt: inHours(-1) })
  const arrivedAt = inHours(-2)
  const res = await receive(app, h.id, { arrivedAt })
  t.equal(res.statusCode, 200)
  t.equal(res.json().receipt.receivedAt, new Date(arrivedAt).toISOString(), 'the receipt keeps the arrival time, not the typing time')
  t.equal(res.json().receipt.origin, 'online')
  const [notice] = (await app.as(DEP, { url: `/api/v1/notices?entityId=${h.id}` })).json().items
  t.match(notice.details, { arrivedAt: /\+07:00$/ })
  // The report counts a receipt on the day the goods arrived, in Vietnam's time (+07:00): from 00:00 to
  // 02:00 there that is yesterday, not the day of the run (CI at 18:05 UTC failed on it).
  const day = new Date(Date.parse(arrivedAt) + 7 * 3_600_000).toISOString().slice(0, 10)
  const report = (await app.as(DEST, { url: `/api/v1/reports/daily?from=${day}&to=${day}` })).json()
  const row = report.days.find((d: { day: string }) => d.day === day)
  t.match(row, { receivedOnTime: 1, receivedLate: 0 }, 'on time: judged on the arrival, not on the typing')
})

t.test('an arrival time in the future or before the handover is refused', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const future = await receive(app, h.id, { arrivedAt: inHours(1) })
  t.equal(future.statusCode, 400)
  t.same(future.json().details.map((p: { field: string; code: string }) => `${p.field}:${p.code}`), ['arrivedAt:ARRIVED_AT_IN_FUTURE'])
  const before = await receive(app, h.id, { arrivedAt: inHours(-1) })
  t.same(before.json().details.map((p: { field: string; code: string }) => `${p.field}:${p.code}`), ['arrivedAt:RECEIVED_BEFORE_HANDOVER'])
  const notATime = await receive(app, h.id, { arrivedAt: 'yesterday' })
  t.equal(notATime.statusCode, 400)
  t.equal((await app.as(DEST, { url: `/api/v1/handovers/${h.id}` })).json().status, 'HANDED_OVER', 'nothing was recorded')
  const now = await receive(app, h.id)
  t.equal(now.statusCode, 200, 'without arrivedAt the goods arrived now')
  t.ok(Math.abs(Date.parse(now.json().receipt.receivedAt) - Date.now()) < 60_000)
})

t.test('cancelling an overdue handover and a verification result wait for the supervisor', async (t) => {
  const app = await buildTestApp(t)
  const paper = { origin: 'paper', paperRecordedAt: inHours(-30), paperOfficer: '02CI-001', dueAt: inHours(-22) }
  const a = await handover(app, { ...paper, paperNumber: 'BB-O1' })
  const b = await handover(app, { ...paper, paperNumber: 'BB-O2' })
  t.equal((await app.as(SUP, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })).json().marked.length, 2)

  const cancelByOfficer = await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${a.id}/cancel`, payload: { reason: 'Doanh nghiệp hủy' } })
  t.equal(cancelByOfficer.statusCode, 403)
  t.equal(cancelByOfficer.json().code, 'SUPERVISOR_REQUIRED')
  t.match(cancelByOfficer.json().message, /supervisor of office 02CI/)
  const otherSupervisor = await app.as({ office: '06DS', role: 'supervisor' }, { method: 'POST', url: `/api/v1/handovers/${a.id}/cancel`, payload: { reason: 'x' } })
  t.equal(otherSupervisor.json().code, 'OFFICE_FORBIDDEN', 'a supervisor of the other office does not decide')
  const cancelled = await app.as(SUP, { method: 'POST', url: `/api/v1/handovers/${a.id}/cancel`, payload: { reason: 'Doanh nghiệp hủy, có văn bản' } })
  t.equal(cancelled.statusCode, 200)
  t.match(cancelled.json().cancellation, { cancelledBy: '02CI-900' })

  t.equal((await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${b.id}/verification`, payload: {} })).statusCode, 200, 'the officer opens the verification')
  const result = { outcome: 'VIOLATION', explanation: 'Hàng không đến' }
  const byOfficer = await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${b.id}/verification/result`, payload: result })
  t.equal(byOfficer.json().code, 'SUPERVISOR_REQUIRED')
  const decided = await app.as(SUP, { method: 'POST', url: `/api/v1/handovers/${b.id}/verification/result`, payload: result })
  t.equal(decided.statusCode, 200)
  t.match(decided.json().verification, { outcome: 'VIOLATION', decidedBy: '02CI-900' })

  const fresh = await handover(app)
  const plain = await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${fresh.id}/cancel`, payload: { reason: 'Lập nhầm' } })
  t.equal(plain.statusCode, 200, 'a handover not yet overdue is cancelled by the officer')
})
