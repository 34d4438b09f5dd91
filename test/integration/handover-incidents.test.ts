// En-route incidents (issue 17, item 4): a seal replaced with a new number, goods transshipped to
// another vehicle, the vehicle changed — recorded by the office where it happened (an office along the
// route too), while the goods are on the road. The handover takes the new seal and vehicle, the
// destination checks against them, both ends are told, the audit trail and the print show it all, and
// the write is idempotent like every other.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'
import { printedPdfText } from '../print-text.ts'
import { vietnamTime } from '../../src/services/vietnam-time.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const DEST = { office: '06DS', officerId: '06DS-007' }
/** Hải quan Long Bình Tân, on the road from Cát Lái: neither end of the handover. */
const ROAD = { office: '47I1', officerId: '47I1-015' }
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString()

const CONTAINERS = [
  { containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: 'HQ000111' },
  { containerNumber: 'MSKU9070323', carrierSeal: 'ML2', customsSeal: 'HQ000112' },
]

let forms = 0
/** A handover made on paper three hours ago (the truck has been on the road since), due in eight hours. */
async function handover(app: TestApp, extra: Record<string, unknown> = {}) {
  const res = await app.as(DEP, {
    method: 'POST', url: '/api/v1/handovers',
    payload: {
      destinationOffice: '06DS', destinationPlace: 'Cửa khẩu Mộc Bài', declarationNumbers: ['308557295080'], containers: CONTAINERS,
      vehicle: '51C-123.45', route: 'Cát Lái — Xa lộ Hà Nội — QL1A — Mộc Bài', dueAt: inHours(8),
      origin: 'paper', paperNumber: `BB-SC${++forms}`, paperRecordedAt: inHours(-3), paperOfficer: DEP.officerId, ...extra,
    },
  })
  t.equal(res.statusCode, 201, res.body)
  return res.json()
}

const record = (app: TestApp, id: string, payload: object, actor: object = ROAD, key?: string) =>
  app.as(actor, { method: 'POST', url: `/api/v1/handovers/${id}/incidents`, payload, headers: key ? { 'idempotency-key': key } : {} })

const sealReplaced = (extra: Record<string, unknown> = {}) => ({
  kind: 'SEAL_REPLACED',
  office: '47I1',
  occurredAt: inHours(-0.5),
  place: 'Km 1875 QL1A, Biên Hòa',
  reason: 'Niêm phong bị cắt để kiểm tra theo tin báo của Đội Kiểm soát',
  note: 'Kiểm tra không phát hiện sai khác',
  seals: [{ containerNumber: 'MSKU9070323', oldSeal: 'HQ000112', newSeal: 'HQ000556' }],
  ...extra,
})

/** The status, the code and each field problem's code of an answer, as one line. */
const codes = (res: { statusCode: number; json(): { code: string; details?: unknown } }) =>
  [res.statusCode, res.json().code, ...(Array.isArray(res.json().details) ? (res.json().details as Array<{ field: string; code: string }>).map((p) => `${p.field}:${p.code}`) : [])].join(' ')

t.test('a seal replaced on the road: the new seal is the handover\'s, the old one is in the incident, and the destination checks against the new one', async (t) => {
  const app = await buildTestApp(t)
  await app.sql(`INSERT INTO officers (id, name, office, role) VALUES ('47I1-015', 'Lê Văn Cường', '47I1', 'officer')`)
  const h = await handover(app)
  t.equal((await app.as(ROAD, { url: `/api/v1/handovers/${h.id}` })).statusCode, 403, 'an office along the route reads nothing before it took part')

  const body = sealReplaced()
  const res = await record(app, h.id, body)
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.headers.etag, '"2"')
  const after = res.json()
  t.match(after, { handoverNumber: h.handoverNumber, status: 'HANDED_OVER', version: 2, vehicle: '51C-123.45' })
  t.same(after.containers.map((c: { customsSeal: string }) => c.customsSeal), ['HQ000111', 'HQ000556'], 'the container carries the new seal')
  t.same(after.incidents, [{
    version: 2, kind: 'SEAL_REPLACED', occurredAt: new Date(body.occurredAt).toISOString(), place: body.place, office: '47I1',
    recordedBy: '47I1-015', recordedAt: after.incidents[0].recordedAt, reason: body.reason, note: body.note,
    seals: body.seals, previousVehicle: null, vehicle: null, containerNumbers: [],
  }], 'the incident, with the seal it replaced')
  t.same(after.amendments, [], 'an incident is not an amendment')

  const read = await app.as(ROAD, { url: `/api/v1/handovers/${h.id}` })
  t.equal(read.statusCode, 200, 'the office that recorded it may read it now')
  t.same(read.json().incidents, after.incidents)
  t.same((await app.as(DEST, { url: `/api/v1/handovers/${h.id}` })).json().containers, after.containers, 'the destination reads the new seal')

  const trail = (await app.as(ROAD, { url: `/api/v1/audit/handover/${h.id}` })).json().items
  t.same(trail.map((i: { action: string }) => i.action), ['create', 'recordIncident'])
  t.match(trail[1], {
    office: '47I1', officerId: '47I1-015',
    before: { version: 1, customsSeals: [{ containerNumber: 'MSKU9070323', customsSeal: 'HQ000112' }] },
    after: { version: 2, customsSeals: [{ containerNumber: 'MSKU9070323', customsSeal: 'HQ000556' }], incident: { kind: 'SEAL_REPLACED', office: '47I1' } },
  })
  t.equal((await app.as({ office: '02CI', role: 'supervisor' }, { url: '/api/v1/audit/verify' })).json().ok, true, 'the audit trail verifies')

  for (const [actor, office] of [[DEP, '02CI'], [DEST, '06DS']] as const) {
    const notice = (await app.as(actor, { url: `/api/v1/notices?entityId=${h.id}` })).json().items[0]
    t.match(notice, { office, kind: 'HANDOVER_INCIDENT', entityVersion: 2, details: { version: 2, incident: { kind: 'SEAL_REPLACED', office: '47I1', seals: body.seals } } }, `${office} is told`)
    t.match(notice.details.incident.occurredAt, /\+07:00$/, 'in Vietnam time')
    t.match(notice.message, /Thay niêm phong hải quan lúc \d\d\/\d\d\/\d{4} \d\d:\d\d giờ Việt Nam tại Km 1875 QL1A, Biên Hòa, Chi cục 47I1 ghi nhận; niêm phong MSKU9070323: HQ000112 → HQ000556/)
  }

  // An old paper read again names the seal the container no longer carries.
  t.equal(codes(await record(app, h.id, sealReplaced({ occurredAt: inHours(-0.2), seals: [{ containerNumber: 'MSKU9070323', oldSeal: 'HQ000112', newSeal: 'HQ000557' }] }))),
    '400 VALIDATION_FAILED seals.0.oldSeal:OLD_SEAL_MISMATCH')

  // At Mộc Bài the new seal is found intact: the goods arrived as the handover says, no discrepancy.
  const receipt = await app.as(DEST, {
    method: 'POST', url: `/api/v1/handovers/${h.id}/receipt`,
    payload: { containers: CONTAINERS.map((c) => ({ containerNumber: c.containerNumber, sealState: 'intact' })) },
  })
  t.equal(receipt.statusCode, 200, receipt.body)
  t.match(receipt.json(), { status: 'ARRIVED', version: 3 })
  t.equal(codes(await record(app, h.id, sealReplaced({ occurredAt: inHours(-0.1), seals: [{ containerNumber: 'MSKU9070323', oldSeal: 'HQ000556', newSeal: 'HQ000558' }] }))),
    '409 ILLEGAL_TRANSITION', 'once arrived, the road is behind it')

  // The print: the incident and every field of it, in the page and the PDF, printed by the office that recorded it.
  const page = await app.as(ROAD, { url: `/api/v1/handovers/${h.id}/print` })
  t.equal(page.statusCode, 200)
  const link = await app.as(ROAD, { url: `/api/v1/handovers/${h.id}/print-link` })
  t.equal(link.statusCode, 200, 'the office that recorded it prints the minutes for the driver')
  const pdf = await printedPdfText(t, app, link.json().pdfUrl)
  const linkedPage = (await app.app.inject({ url: link.json().url.replace(/^https?:\/\/[^/]+/, '') })).body
  const fields = [
    'Sự cố trên đường vận chuyển',
    `Phiên bản 2: Thay niêm phong hải quan lúc ${vietnamTime(body.occurredAt)} tại Km 1875 QL1A, Biên Hòa`,
    'Hải quan Long Bình Tân (47I1)',
    'Lê Văn Cường (47I1-015)',
    `Lý do: ${body.reason}`,
    `Ghi chú: ${body.note}`,
    'Niêm phong hải quan MSKU9070323: HQ000112 → HQ000556',
  ]
  for (const field of fields) {
    t.ok(pdf.includes(field), `the PDF shows: ${field}`)
    t.ok(linkedPage.includes(field), `the page shows: ${field}`)
  }
  t.ok(page.body.includes('HQ000112 → HQ000556'), 'the page opened with a token too')
  // The QR code of the paper leads to the verification page, which names the record's id: how an
  // office along the road finds the handover it records an incident on.
  const verifyUrl = /href="([^"]*\/prints\/verify\?c=[^"]*)"/.exec(linkedPage)?.[1] ?? ''
  const verification = await app.app.inject({ url: verifyUrl.replace(/^https?:\/\/[^/]+/, '') })
  t.equal(verification.statusCode, 200)
  t.ok(verification.body.includes(`<td>${h.id}</td>`), 'the verification page names the record\'s id')
  t.ok(pdf.includes(`ghi lúc ${vietnamTime(after.incidents[0].recordedAt)}`), 'and when it was recorded')
})

t.test('a transshipment and a vehicle change move the goods onto another vehicle; the departure office is not told of its own', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const transshipped = await record(app, h.id, {
    kind: 'TRANSSHIPPED', office: '47I1', occurredAt: inHours(-1), place: 'Bãi xe Tân Vạn', reason: 'Xe 51C-123.45 hỏng hộp số',
    vehicle: '51C-123.45 / 60C-456.78', containerNumbers: ['msku 907032-3'],
    seals: [{ containerNumber: 'MSKU9070323', oldSeal: 'HQ000112', newSeal: 'HQ000600' }],
  })
  t.equal(transshipped.statusCode, 200, transshipped.body)
  t.match(transshipped.json(), { version: 2, vehicle: '51C-123.45 / 60C-456.78' })
  t.match(transshipped.json().incidents[0], {
    kind: 'TRANSSHIPPED', previousVehicle: '51C-123.45', vehicle: '51C-123.45 / 60C-456.78', containerNumbers: ['MSKU9070323'],
    seals: [{ containerNumber: 'MSKU9070323', oldSeal: 'HQ000112', newSeal: 'HQ000600' }],
  }, 'the container number as typed is normalised; re-sealed on the transshipment')
  t.equal(transshipped.json().containers[1].customsSeal, 'HQ000600')

  const changed = await record(app, h.id, {
    kind: 'VEHICLE_CHANGED', office: '02CI', occurredAt: inHours(-0.5), place: 'Cổng B Cảng Cát Lái', reason: 'Thay đầu kéo', vehicle: '51C-777.77 / 60C-456.78',
  }, DEP)
  t.equal(changed.statusCode, 200, changed.body)
  t.match(changed.json(), { version: 3, vehicle: '51C-777.77 / 60C-456.78' })
  t.match(changed.json().incidents[1], { version: 3, kind: 'VEHICLE_CHANGED', office: '02CI', previousVehicle: '51C-123.45 / 60C-456.78', vehicle: '51C-777.77 / 60C-456.78', seals: [] })
  t.equal(codes(await record(app, h.id, { kind: 'VEHICLE_CHANGED', office: '02CI', occurredAt: inHours(-0.4), place: 'x', reason: 'r', vehicle: '51C-777.77 / 60C-456.78' }, DEP)),
    '400 VALIDATION_FAILED vehicle:VEHICLE_UNCHANGED')

  const departure = (await app.as(DEP, { url: `/api/v1/notices?entityId=${h.id}` })).json().items
  t.same(departure.map((n: { kind: string; entityVersion: number }) => [n.kind, n.entityVersion]), [['HANDOVER_INCIDENT', 2]], 'the departure office hears of the road, not of its own record')
  const destination = (await app.as(DEST, { url: `/api/v1/notices?entityId=${h.id}` })).json().items
  t.same(destination.map((n: { kind: string; entityVersion: number }) => [n.kind, n.entityVersion]), [['HANDOVER_INCIDENT', 3], ['HANDOVER_INCIDENT', 2], ['HANDOVER_INCOMING', 1]])
  t.match(destination[0].message, /phương tiện: 51C-123\.45 \/ 60C-456\.78 → 51C-777\.77 \/ 60C-456\.78/)

  // An amendment made from the version before the incidents is stale: the departure office reads the road's news first.
  const stale = await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${h.id}/amendments`, payload: { reason: 'Sửa tuyến', route: 'Khác' }, headers: { 'if-match': '"1"' } })
  t.equal(stale.statusCode, 412)
  t.equal(stale.headers.etag, '"3"')

  const link = (await app.as(DEP, { url: `/api/v1/handovers/${h.id}/print-link` })).json()
  const pdf = await printedPdfText(t, app, link.pdfUrl)
  for (const field of [
    'Chuyển tải sang phương tiện khác', 'Bãi xe Tân Vạn', 'Container chuyển tải: MSKU9070323', 'Niêm phong hải quan MSKU9070323: HQ000112 → HQ000600',
    'Phương tiện vận chuyển: 51C-123.45 → 51C-123.45 / 60C-456.78', 'Thay đổi phương tiện vận chuyển', 'Cổng B Cảng Cát Lái',
    'Phương tiện vận chuyển: 51C-123.45 / 60C-456.78 → 51C-777.77 / 60C-456.78', 'Lý do: Thay đầu kéo',
  ]) t.ok(pdf.includes(field), `the PDF shows: ${field}`)
})

t.test('an overdue handover still takes an incident, and stays overdue', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app, { origin: 'paper', paperNumber: 'BB-R1', paperRecordedAt: inHours(-30), paperOfficer: '02CI-001', dueAt: inHours(-22) })
  const scan = await app.as({ office: '02CI', role: 'supervisor' }, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })
  t.equal(scan.json().marked.length, 1)
  const res = await record(app, h.id, {
    kind: 'VEHICLE_CHANGED', office: '47I1', occurredAt: inHours(-20), place: 'QL1A, Trảng Bom', reason: 'Xe hỏng, thay xe', vehicle: '60C-111.22',
  })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.json(), { status: 'OVERDUE', version: 3, vehicle: '60C-111.22' }, 'the incident explains the delay; the time limit is the supervisor\'s to extend')
  t.equal(codes(await record(app, h.id, {
    kind: 'VEHICLE_CHANGED', office: '47I1', occurredAt: inHours(-31), place: 'x', reason: 'r', vehicle: '60C-111.23',
  })), '400 VALIDATION_FAILED occurredAt:OCCURRED_BEFORE_HANDOVER')
})

t.test('a bad request is a 400 whoever sends it, another office is a 403, and a refused incident writes nothing', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const send = async (payload: object, actor: object = ROAD) => codes(await record(app, h.id, payload, actor))

  t.equal(await send(sealReplaced({ office: '02CI', seals: undefined })), '400 VALIDATION_FAILED seals:FIELD_REQUIRED', 'a bad request from another office than it names is still a 400')
  t.equal(await send(sealReplaced({ vehicle: '51C-000.00' })), '400 VALIDATION_FAILED vehicle:FIELD_NOT_FOR_KIND')
  t.equal(await send({ ...sealReplaced(), kind: 'VEHICLE_CHANGED' }), '400 VALIDATION_FAILED seals:FIELD_NOT_FOR_KIND vehicle:FIELD_REQUIRED')
  t.equal(await send(sealReplaced({ containerNumbers: ['CSQU3054383'] })), '400 VALIDATION_FAILED containerNumbers:FIELD_NOT_FOR_KIND')
  t.equal(await send(sealReplaced({ seals: [{ containerNumber: 'MSKU9070323', oldSeal: 'HQ000112', newSeal: 'HQ000112' }] })), '400 VALIDATION_FAILED seals.0.newSeal:NEW_SEAL_SAME_AS_OLD')
  t.equal(await send(sealReplaced({ occurredAt: inHours(2) })), '400 VALIDATION_FAILED occurredAt:OCCURRED_AT_IN_FUTURE')
  t.equal(await send(sealReplaced({ occurredAt: inHours(-10) })), '400 VALIDATION_FAILED occurredAt:OCCURRED_BEFORE_HANDOVER')
  t.equal(await send(sealReplaced({ seals: [{ containerNumber: 'OOLU8123457', oldSeal: 'HQ1', newSeal: 'HQ2' }] })), '400 VALIDATION_FAILED seals.0.containerNumber:CONTAINER_NOT_IN_HANDOVER')
  t.equal(await send(sealReplaced({ seals: [{ containerNumber: 'MSKU9070323', oldSeal: 'HQ000999', newSeal: 'HQ2' }] })), '400 VALIDATION_FAILED seals.0.oldSeal:OLD_SEAL_MISMATCH')
  t.equal(await send(sealReplaced({ office: '99ZZ' })), '400 VALIDATION_FAILED office:UNKNOWN_OFFICE', 'the office where it happened is a registered one')
  t.match(await send(sealReplaced({ kind: 'LOST' })), /^400 VALIDATION_FAILED kind:FIELD_NOT_ALLOWED_VALUE/)
  t.match(await send(sealReplaced({ reason: ' ' })), /^400 VALIDATION_FAILED reason:/)
  t.match(await send(sealReplaced({ seals: [{ containerNumber: 'MSKU9070323', oldSeal: 'HQ000112', newSeal: 'HQ 1' }] })), /^400 VALIDATION_FAILED seals\.0\.newSeal:/, 'a valid seal number')

  t.equal(await send(sealReplaced({ office: '02CI' })), '403 OFFICE_FORBIDDEN', 'an officer records what happened at their own office')
  t.equal(await send(sealReplaced(), { office: '00AD', officerId: 'admin-1', role: 'admin' }), '403 OFFICE_FORBIDDEN', 'an admin acts for their own office only')
  t.equal(codes(await record(app, '00000000-0000-4000-8000-000000000000', sealReplaced())), '404 HANDOVER_NOT_FOUND')

  const now = (await app.as(DEP, { url: `/api/v1/handovers/${h.id}` })).json()
  t.equal(now.version, 1, 'nothing refused wrote anything')
  t.same(now.incidents, [])

  const cancelled = await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${h.id}/cancel`, payload: { reason: 'Lập sai' } })
  t.equal(cancelled.statusCode, 200)
  const refused = await record(app, h.id, sealReplaced())
  t.equal(refused.statusCode, 409)
  t.same(refused.json().details, { from: 'CANCELLED', action: 'recordIncident' }, 'the same 409 as every other step')
})

t.test('an incident is recorded once: a replay with its key answers the stored response, the same report without a key changes nothing', async (t) => {
  const app = await buildTestApp(t)
  const h = await handover(app)
  const body = sealReplaced()
  const first = await record(app, h.id, body, ROAD, 'incident-1')
  const replay = await record(app, h.id, body, ROAD, 'incident-1')
  t.equal(first.statusCode, 200, first.body)
  t.equal(replay.statusCode, 200)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json())
  t.equal(replay.headers.etag, '"2"')
  t.equal((await record(app, h.id, { ...body, place: 'khác' }, ROAD, 'incident-1')).statusCode, 422, 'the same key with another body is refused')

  const again = await record(app, h.id, body)
  t.equal(again.statusCode, 200, 'the same report again, without a key (its seal is no longer the old one)')
  t.equal(again.json().version, 2, 'answers the handover as it is')
  t.equal(again.json().incidents.length, 1, 'and records nothing twice')
  const trail = (await app.as(DEP, { url: `/api/v1/audit/handover/${h.id}` })).json().items
  t.same(trail.map((i: { action: string }) => i.action), ['create', 'recordIncident'], 'one audit entry')
  const notices = (await app.as(DEST, { url: `/api/v1/notices?entityId=${h.id}` })).json().items
  t.same(notices.map((n: { kind: string }) => n.kind), ['HANDOVER_INCIDENT', 'HANDOVER_INCOMING'], 'one notice')
})
