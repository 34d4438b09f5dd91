// Reports and exports: an office's figures per Vietnamese calendar day (a record at 23:30 and one at
// 00:30 Vietnam time fall on two days, though both are the same UTC day), and every list and the
// report as CSV (BOM, Vietnamese headers, Vietnam time) and XLSX (read back with ExcelJS).
import t, { type Test } from 'tap'
import ExcelJS from 'exceljs'
import { buildTestApp, type TestApp } from '../helper.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const DEST = { office: '06DS', officerId: '06DS-007' }
const DN = '108557295010'

/** The Vietnamese calendar day `daysAgo` days before today, YYYY-MM-DD. */
function vnDay(daysAgo: number): string {
  const d = new Date(Date.now() + 7 * 3_600_000 - daysAgo * 86_400_000)
  return d.toISOString().slice(0, 10)
}
const at = (day: string, time: string) => new Date(`${day}T${time}+07:00`).toISOString()
const plusHours = (iso: string, h: number) => new Date(Date.parse(iso) + h * 3_600_000).toISOString()

async function paperHandover(t: Test, app: TestApp, paperNumber: string, handedOverAt: string, container: string) {
  const res = await app.as(DEP, {
    method: 'POST',
    url: '/api/v1/handovers',
    payload: {
      origin: 'paper', paperNumber, paperRecordedAt: handedOverAt, paperOfficer: '02CI-001',
      destinationOffice: '06DS', destinationPlace: 'Cửa khẩu Mộc Bài', declarationNumbers: ['308557295080'],
      containers: [{ containerNumber: container, carrierSeal: 'ML1', customsSeal: 'HQ1' }],
      vehicle: '51C-123.45', route: 'Cát Lái — Mộc Bài', dueAt: plusHours(handedOverAt, 2),
    },
  })
  t.equal(res.statusCode, 201, `paper handover ${paperNumber}`)
  return res.json()
}

async function paperReceipt(t: Test, app: TestApp, id: string, receivedAt: string, container: string, sealState = 'intact') {
  const res = await app.as(DEST, {
    method: 'POST',
    url: `/api/v1/handovers/${id}/receipt`,
    payload: {
      origin: 'paper', paperRecordedAt: receivedAt, paperOfficer: '06DS-007',
      containers: [{ containerNumber: container, sealState, ...(sealState === 'replaced' ? { newSealNumber: 'HQ9' } : {}) }],
    },
  })
  t.equal(res.statusCode, 200, `receipt of ${id}`)
}

async function day(t: Test): Promise<{ app: TestApp; d1: string; d2: string }> {
  const app = await buildTestApp(t)
  const d1 = vnDay(3)
  const d2 = vnDay(2)
  const late = await paperHandover(t, app, 'BB-1', at(d1, '23:30:00'), 'CSQU3054383')
  const onTime = await paperHandover(t, app, 'BB-2', at(d2, '00:30:00'), 'MSKU9070323')
  await paperHandover(t, app, 'BB-3', at(d2, '09:00:00'), 'TGHU1000039')
  // Due 01:30 on d2; received 02:30: late. Due 02:30; received 01:30 with a replaced seal: on time.
  await paperReceipt(t, app, late.id, at(d2, '02:30:00'), 'CSQU3054383')
  await paperReceipt(t, app, onTime.id, at(d2, '01:30:00'), 'MSKU9070323', 'replaced')
  const list = await app.as(DEP, {
    method: 'PUT', url: `/api/v1/gate/declarations/${DN}`,
    payload: {
      office: '02CI', locationCode: '02CIC03', traderName: 'Công ty TNHH Thương mại ABC', traderTaxCode: '0100109522',
      status: 'CLEARED', declarationDate: d1, procedureType: 'A11', channel: 1,
      containers: [{ containerNumber: 'CSQU3054383' }, { containerNumber: 'MSKU9070323' }],
      lots: [{ lotNumber: 'LOT1', description: 'Thép cuộn', quantity: 100, quantityUnit: 'TNE', totalWeight: 100000, weightUnit: 'KGM' }],
    },
  })
  t.equal(list.statusCode, 201)
  const confirm = (url: string, payload: object) => app.as(DEP, { method: 'POST', url: `/api/v1/gate/declarations/${DN}/${url}`, payload })
  t.equal((await confirm('containers/CSQU3054383/confirmations', { origin: 'paper', paperRecordedAt: at(d2, '10:00:00') })).statusCode, 201)
  t.equal((await confirm('lots/LOT1/confirmations', { quantity: 30, origin: 'paper', paperRecordedAt: at(d2, '11:00:00'), paperReference: 'PX-1' })).statusCode, 201)
  return { app, d1, d2 }
}

t.test('the daily report counts each event on its Vietnamese calendar day', async (t) => {
  const { app, d1, d2 } = await day(t)
  const dep = await app.as(DEP, { url: `/api/v1/reports/daily?from=${d1}&to=${d2}` })
  t.equal(dep.statusCode, 200)
  const r = dep.json()
  t.equal(r.office, '02CI')
  t.same(r.days.map((d: { day: string; handedOver: number }) => [d.day, d.handedOver]), [[d1, 1], [d2, 2]], '23:30 and 00:30 Vietnam time are two days')
  const second = r.days[1]
  t.equal(second.gateContainersPassed, 1)
  t.equal(second.gateLotPasses, 1)
  t.equal(second.received, 0, 'receipts count at the destination office')
  t.equal(r.totals.handedOver, 3)
  t.same(r.openNow, { overdue: 0, underVerification: 0 })

  const dest = (await app.as(DEST, { url: `/api/v1/reports/daily?from=${d2}&to=${d2}` })).json()
  t.match(dest.days[0], { day: d2, received: 2, receivedOnTime: 1, receivedLate: 1, receivedWithDiscrepancy: 1, handedOver: 0 })

  t.equal((await app.as(DEST, { url: `/api/v1/reports/daily?office=02CI` })).statusCode, 403, 'another office\'s report is refused')
  t.equal((await app.as({ office: '00HQ', role: 'admin' }, { url: `/api/v1/reports/daily?office=02CI&from=${d1}&to=${d2}` })).json().totals.handedOver, 3, 'admins read any office')
  const inverted = await app.as(DEP, { url: `/api/v1/reports/daily?from=${d2}&to=${d1}` })
  t.equal(inverted.statusCode, 400)
  t.equal(inverted.json().details[0].code, 'DATE_RANGE_INVERTED')
  t.equal((await app.as(DEP, { url: '/api/v1/reports/daily?from=2024-01-01&to=2025-06-01' })).json().details[0].code, 'REPORT_RANGE_TOO_LONG')
  t.equal((await app.as(DEP, { url: '/api/v1/reports/daily?from=2025-02-30' })).statusCode, 400)
})

t.test('every list and the report export as CSV and XLSX with Vietnamese headers and Vietnam time', async (t) => {
  const { app, d1, d2 } = await day(t)
  const csv = await app.as(DEP, { url: '/api/v1/handovers/export?format=csv' })
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/)
  t.match(csv.headers['content-disposition'], /^attachment; filename="bien-ban-ban-giao-\d{4}-\d{2}-\d{2}\.csv"$/)
  t.ok(csv.body.startsWith('\uFEFF'), 'a byte-order mark, so Excel reads UTF-8')
  const lines = csv.body.slice(1).trim().split('\r\n')
  t.equal(lines[0], 'Số biên bản,Trạng thái,Chi cục nơi đi,Chi cục nơi đến,Số tờ khai,Số container,Phương tiện,Thời gian bàn giao,Thời hạn hàng đến,Nguồn,Số biên bản giấy')
  t.equal(lines.length, 4, 'a header and three handovers')
  const dmy = (day: string) => day.split('-').reverse().join('/')
  t.ok(lines.some((l) => l.includes(`${dmy(d1)} 23:30`)), 'handed over at 23:30 Vietnam time, not 16:30 UTC')
  t.ok(lines.some((l) => l.includes('Đã đến đích, có sai khác') && l.includes('Nhập lại từ giấy')))

  const xlsx = await app.as(DEP, { url: `/api/v1/reports/daily/export?format=xlsx&from=${d1}&to=${d2}` })
  t.equal(xlsx.statusCode, 200)
  t.equal(xlsx.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  const book = new ExcelJS.Workbook()
  await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
  const sheet = book.worksheets[0]!
  t.equal(sheet.name, 'Báo cáo 02CI')
  t.equal(sheet.getCell('A1').value, 'Ngày')
  t.equal(sheet.getCell('B1').value, 'Biên bản đã bàn giao')
  t.same((sheet.getCell('A3').value as Date).toISOString().slice(0, 10), d2, 'the day as a date cell')
  t.equal(sheet.getCell('A3').numFmt, 'dd/mm/yyyy')
  t.equal(sheet.getCell('B3').value, 2)
  t.equal(sheet.rowCount, 3)

  const handoverXlsx = await app.as(DEP, { url: '/api/v1/handovers/export?format=xlsx&containerNumber=CSQU3054383' })
  const hb = new ExcelJS.Workbook()
  await hb.xlsx.load(handoverXlsx.rawPayload as unknown as ArrayBuffer)
  const hs = hb.worksheets[0]!
  t.equal(hs.rowCount, 2, 'the search filters apply')
  const handedOver = hs.getCell('H2').value as Date
  t.equal(handedOver.toISOString().slice(0, 16), `${d1}T23:30`, 'time cells show Vietnam wall-clock time')
  t.equal(hs.getCell('H2').numFmt, 'dd/mm/yyyy hh:mm')

  for (const [who, url, header] of [
    [DEP, '/api/v1/handovers/overdue/export', 'Số biên bản'],
    [DEP, '/api/v1/gate/confirmations/export', 'Số tờ khai,Chi cục giám sát,Loại'],
    [DEP, '/api/v1/paper-declarations/export', 'Chi cục,Năm tiếp nhận,Số tiếp nhận'],
    [DEP, '/api/v1/notices/export', 'Thời gian,Chi cục,Loại thông báo'],
  ] as const) {
    const res = await app.as(who, { url })
    t.equal(res.statusCode, 200, url)
    t.ok(res.body.startsWith(`\uFEFF${header}`), `${url}: Vietnamese headers`)
  }
  const gate = (await app.as(DEP, { url: '/api/v1/gate/confirmations/export' })).body.trim().split('\r\n')
  t.equal(gate.length, 3, 'two confirmations')
  t.equal((await app.as(DEST, { url: '/api/v1/gate/confirmations/export?office=02CI' })).statusCode, 403, 'office rules of the list apply')
  t.equal((await app.as(DEP, { url: '/api/v1/handovers/export?format=pdf' })).statusCode, 400)
})

t.test('a large export streams every row across pages', async (t) => {
  const app = await buildTestApp(t)
  // 1,203 notices: more than two pages of the export's reads.
  await app.sql(`INSERT INTO notices (office, kind, entity_type, entity_id, message, created_at)
    SELECT '02CI', 'HANDOVER_OVERDUE', 'handover', 'h' || n, 'Biên bản số ' || n || ' quá thời hạn', now() - n * interval '1 second'
      FROM generate_series(1, 1203) AS n`)
  const res = await app.as(DEP, { url: '/api/v1/notices/export?format=csv' })
  const rows = res.body.trim().split('\r\n')
  t.equal(rows.length, 1204)
  t.equal(new Set(rows).size, 1204, 'no row twice')
  const xlsx = await app.as(DEP, { url: '/api/v1/notices/export?format=xlsx' })
  const book = new ExcelJS.Workbook()
  await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
  t.equal(book.worksheets[0]!.rowCount, 1204)
})
