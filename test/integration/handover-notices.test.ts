// Both offices informed (issue 17, item 2): the destination hears of a handover coming to it and of a
// cancellation, the departure office of the arrival (and its discrepancies), both of an overdue
// handover and of its verification; a notice is marked read once; times are Vietnam time.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const DEST = { office: '06DS', officerId: '06DS-007' }
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString()

async function handover(app: TestApp, extra: Record<string, unknown> = {}, actor: object = DEP) {
  const res = await app.as(actor, {
    method: 'POST', url: '/api/v1/handovers',
    payload: {
      destinationOffice: '06DS', destinationPlace: 'Cửa khẩu Mộc Bài', declarationNumbers: ['308557295080'],
      containers: [
        { containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: 'HQ1' },
        { containerNumber: 'MSKU9070323', carrierSeal: 'ML2', customsSeal: 'HQ2' },
      ],
      vehicle: '51C-123.45', route: 'Cát Lái — Mộc Bài', dueAt: inHours(8), ...extra,
    },
  })
  t.equal(res.statusCode, 201)
  return res.json()
}

type Notice = { id: string; kind: string; office: string; message: string; details: Record<string, unknown>; readAt: string | null; readBy: string | null }
const noticesOf = async (app: TestApp, actor: object, id: string): Promise<Notice[]> =>
  (await app.as(actor, { url: `/api/v1/notices?entityId=${id}` })).json().items

t.test('each end hears what the other did', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const [incoming] = await noticesOf(app, DEST, h.id)
  t.match(incoming, { kind: 'HANDOVER_INCOMING', office: '06DS', details: { handoverNumber: h.handoverNumber, containerNumbers: ['CSQU3054383', 'MSKU9070323'] } })
  t.match(incoming?.message, /bàn giao 2 container theo biên bản .* thời hạn \d\d\/\d\d\/\d{4} \d\d:\d\d giờ Việt Nam/)
  t.match(incoming?.details.dueAt, /\+07:00$/)
  t.same(await noticesOf(app, DEP, h.id), [], 'nothing yet for the departure office')

  const received = await app.as(DEST, {
    method: 'POST', url: `/api/v1/handovers/${h.id}/receipt`,
    payload: { containers: [{ containerNumber: 'CSQU3054383', sealState: 'intact' }, { containerNumber: 'MSKU9070323', sealState: 'intact' }] },
  })
  t.equal(received.statusCode, 200)
  const [arrived] = await noticesOf(app, DEP, h.id)
  t.match(arrived, { kind: 'HANDOVER_ARRIVED', office: '02CI' })
  t.match(arrived?.message, /đã đến Chi cục 06DS lúc .* giờ Việt Nam, niêm phong nguyên vẹn/)

  const broken = await handover(app)
  await app.as(DEST, {
    method: 'POST', url: `/api/v1/handovers/${broken.id}/receipt`,
    payload: {
      containers: [{ containerNumber: 'CSQU3054383', sealState: 'intact' }, { containerNumber: 'MSKU9070323', sealState: 'replaced', newSealNumber: 'HQ777' }],
      discrepancies: ['Thiếu 2 kiện'],
    },
  })
  const [discrepancy] = await noticesOf(app, DEP, broken.id)
  t.match(discrepancy, {
    kind: 'HANDOVER_ARRIVED_WITH_DISCREPANCY',
    details: { discrepancies: ['Thiếu 2 kiện'], seals: [{ containerNumber: 'MSKU9070323', sealState: 'replaced', newSealNumber: 'HQ777' }] },
  })
  t.match(discrepancy?.message, /CÓ SAI KHÁC: niêm phong MSKU9070323 replaced; Thiếu 2 kiện/)

  const cancelled = await handover(app)
  await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${cancelled.id}/cancel`, payload: { reason: 'Doanh nghiệp hủy chuyến' } })
  t.same((await noticesOf(app, DEST, cancelled.id)).map((n) => n.kind), ['HANDOVER_CANCELLED', 'HANDOVER_INCOMING'])
})

t.test('overdue and verification notices go to both offices', async (t) => {
  const app = await buildTestApp(t)
  // A paper form of June 2025, entered by the supervisor (it is more than PAPER_BACKDATING_DAYS old).
  const h = await handover(
    app,
    { origin: 'paper', paperNumber: 'BB-9', paperRecordedAt: '2025-06-05T01:00:00Z', paperOfficer: '02CI-001', dueAt: '2025-06-05T09:00:00Z' },
    { ...DEP, role: 'supervisor' },
  )
  const scan = await app.as({ ...DEP, role: 'supervisor' }, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })
  t.equal(scan.statusCode, 200)
  const again = await app.as({ ...DEP, role: 'supervisor' }, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })
  t.equal(again.statusCode, 200)
  for (const actor of [DEP, DEST]) {
    const overdue = (await noticesOf(app, actor, h.id)).filter((n) => n.kind === 'HANDOVER_OVERDUE')
    t.equal(overdue.length, 1, `one overdue notice for ${actor.office}, a second scan raises none`)
    t.match(overdue[0]?.message, /05\/06\/2025 16:00 giờ Việt Nam/)
  }
  t.equal((await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${h.id}/verification`, payload: { note: 'Liên hệ doanh nghiệp' } })).statusCode, 200)
  const result = await app.as({ ...DEP, role: 'supervisor' }, {
    method: 'POST', url: `/api/v1/handovers/${h.id}/verification/result`, payload: { outcome: 'RESOLVED', explanation: 'Xe hỏng dọc đường, hàng nguyên vẹn' },
  })
  t.equal(result.statusCode, 200)
  for (const actor of [DEP, DEST]) {
    const kinds = (await noticesOf(app, actor, h.id)).map((n) => n.kind)
    t.same(kinds.slice(0, 2), ['HANDOVER_VERIFICATION_DECIDED', 'HANDOVER_VERIFICATION_OPENED'], `${actor.office} hears of the verification`)
  }
  const [decided] = await noticesOf(app, DEST, h.id)
  t.match(decided?.message, /Kết quả xác minh .*: KHÔNG VI PHẠM/)
})

t.test('a notice is marked read once, by its own office; the unread list shrinks', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const [notice] = await noticesOf(app, DEST, h.id)
  const id = notice?.id as string
  t.equal((await app.as(DEST, { url: '/api/v1/notices?unread=true' })).json().items.length, 1)

  const foreign = await app.as(DEP, { method: 'POST', url: `/api/v1/notices/${id}/read` })
  t.equal(foreign.statusCode, 403, 'another office cannot mark it')
  t.equal((await app.as(DEST, { method: 'POST', url: '/api/v1/notices/00000000-0000-4000-8000-000000000000/read' })).statusCode, 404)

  const read = await app.as(DEST, { method: 'POST', url: `/api/v1/notices/${id}/read`, headers: { 'idempotency-key': 'read-1' } })
  t.equal(read.statusCode, 200)
  t.match(read.json(), { id, readBy: '06DS-007' })
  t.ok(read.json().readAt)
  const replay = await app.as(DEST, { method: 'POST', url: `/api/v1/notices/${id}/read`, headers: { 'idempotency-key': 'read-1' } })
  t.equal(replay.headers['idempotent-replayed'], 'true')

  const colleague = await app.as({ ...DEST, officerId: '06DS-008' }, { method: 'POST', url: `/api/v1/notices/${id}/read` })
  t.equal(colleague.statusCode, 200, 'marking it again is no error')
  t.equal(colleague.json().readBy, '06DS-007', 'and keeps who read it first')
  t.same((await app.as(DEST, { url: '/api/v1/notices?unread=true' })).json().items, [])
  t.equal((await app.as(DEST, { url: '/api/v1/notices' })).json().items[0].readAt, read.json().readAt)

  const trail = await app.as({ office: '00HQ', role: 'admin' }, { url: `/api/v1/audit/notice/${id}` })
  t.same(trail.json().items.map((i: { action: string }) => i.action), ['read'], 'marking read is audited once')
  const csv = await app.as(DEST, { url: '/api/v1/notices/export?format=csv' })
  t.match(csv.body.split('\r\n')[0], /Đã đọc lúc/, 'the export says when it was read')
})
