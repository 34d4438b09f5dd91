// The destination office learns what is coming (issue 17, item 2 in part): the incoming list, oldest
// time limit first, and notices that state times in Vietnam time.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const DEST = { office: '06DS', officerId: '06DS-007' }
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString()

async function handover(app: TestApp, destinationOffice: string, dueInHours: number, extra: Record<string, unknown> = {}, actor: object = DEP) {
  const res = await app.as(actor, {
    method: 'POST', url: '/api/v1/handovers',
    payload: {
      destinationOffice, destinationPlace: 'Cửa khẩu Mộc Bài', declarationNumbers: ['308557295080'],
      containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: 'HQ1' }],
      vehicle: '51C-123.45', route: 'Cát Lái — Mộc Bài', dueAt: inHours(dueInHours), ...extra,
    },
  })
  t.equal(res.statusCode, 201)
  return res.json()
}

t.test('the incoming list: what is coming to the office and not received yet, oldest time limit first', async (t) => {
  const app = await buildTestApp(t)
  const late = await handover(app, '06DS', 8)
  const soon = await handover(app, '06DS', 2)
  const received = await handover(app, '06DS', 5)
  await handover(app, '03CC', 1)
  const receipt = await app.as(DEST, {
    method: 'POST', url: `/api/v1/handovers/${received.id}/receipt`,
    payload: { containers: [{ containerNumber: 'CSQU3054383', sealState: 'intact' }] },
  })
  t.equal(receipt.statusCode, 200)

  const list = await app.as(DEST, { url: '/api/v1/handovers/incoming' })
  t.equal(list.statusCode, 200)
  t.same(list.json().items.map((h: { id: string }) => h.id), [soon.id, late.id])
  const paged = await app.as(DEST, { url: '/api/v1/handovers/incoming?limit=1' })
  t.same(paged.json().items.map((h: { id: string }) => h.id), [soon.id])
  const next = await app.as(DEST, { url: `/api/v1/handovers/incoming?limit=1&cursor=${paged.json().nextCursor}` })
  t.same(next.json().items.map((h: { id: string }) => h.id), [late.id], 'the next page')
  t.same((await app.as(DEP, { url: '/api/v1/handovers/incoming' })).json().items, [], 'nothing is coming to the departure office')
  t.equal((await app.as(DEP, { url: '/api/v1/handovers/incoming?office=06DS' })).statusCode, 403)
  t.equal((await app.as({ office: '00HQ', role: 'admin' }, { url: '/api/v1/handovers/incoming?office=06DS' })).json().items.length, 2)
  const csv = await app.as(DEST, { url: '/api/v1/handovers/incoming/export?format=csv' })
  t.equal(csv.body.trim().split('\r\n').length, 3, 'the export: a header and two handovers')
})

t.test('an overdue notice states the time limit in Vietnam time', async (t) => {
  const app = await buildTestApp(t)
  // A paper form of June 2025, entered by the supervisor (it is more than PAPER_BACKDATING_DAYS old).
  const h = await handover(app, '06DS', 0, {
    origin: 'paper', paperNumber: 'BB-77', paperRecordedAt: '2025-06-05T01:00:00Z', paperOfficer: '02CI-001', dueAt: '2025-06-05T09:00:00Z',
  }, { ...DEP, role: 'supervisor' })
  const scan = await app.as({ ...DEP, role: 'supervisor' }, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })
  t.equal(scan.statusCode, 200)
  const notices = (await app.as(DEP, { url: '/api/v1/notices' })).json().items
  const notice = notices.find((n: { entityId: string }) => n.entityId === h.id)
  t.match(notice.message, /đã quá thời hạn \(05\/06\/2025 16:00 giờ Việt Nam\)/, '09:00 UTC is 16:00 in Vietnam')
  t.notMatch(notice.message, /2025-06-05T09:00/, 'no UTC time inside the Vietnamese text')
})
