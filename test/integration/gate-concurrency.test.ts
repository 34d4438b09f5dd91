// Concurrency of gate confirmations: duplicates fired at once never make two rows or a 500, and a
// bulk lot's confirmed quantity never goes beyond its total however many passes race.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'

const DN = '308557295011'
const BASE = `/api/v1/gate/declarations/${DN}`
const CONTAINER = 'CSQU3054383'

async function setUp(t: Parameters<typeof buildTestApp>[0]): Promise<TestApp> {
  const ta = await buildTestApp(t)
  const res = await ta.as('02CI', {
    method: 'PUT',
    url: BASE,
    payload: {
      office: '02CI',
      locationCode: '02CIC03',
      traderName: 'Công ty Cổ phần Xuất khẩu XYZ',
      traderTaxCode: '0310301039',
      status: 'CLEARED',
      declarationDate: '2024-06-03',
      procedureType: 'B11',
      channel: 1,
      containers: [{ containerNumber: CONTAINER, carrierSeal: 'ML1' }],
      lots: [{ lotNumber: 'BULK', description: 'Gạo trắng', quantity: 100, quantityUnit: 'TNE', totalWeight: 100000, weightUnit: 'KGM' }],
    },
  })
  if (res.statusCode !== 201) throw new Error(res.body)
  return ta
}

const fire = <T>(n: number, make: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => make(i)))

t.test('concurrent confirmations of one container: one row, one 201, the rest recognise it', async (t) => {
  const ta = await setUp(t)
  const results = await fire(20, () => ta.as('02CI', { method: 'POST', url: `${BASE}/containers/${CONTAINER}/confirmations`, payload: {} }))
  const statuses = results.map((r) => r.statusCode)
  t.equal(statuses.filter((s) => s === 201).length, 1, `one creates: ${statuses.join(',')}`)
  t.equal(statuses.filter((s) => s === 200).length, 19, 'the others get the existing confirmation')
  t.equal(new Set(results.map((r) => r.json().id)).size, 1, 'all answers name the same confirmation')
  t.ok(results.filter((r) => r.statusCode === 200).every((r) => r.json().alreadyConfirmed === true))
  t.equal((await ta.sql('SELECT count(*)::int AS n FROM gate_confirmations')).rows[0]?.n, 1)
})

t.test('concurrent partial passes whose sum exceeds the total: the confirmed sum never exceeds it', async (t) => {
  const ta = await setUp(t)
  // 30 passes of 7 t = 210 t against a 100 t lot: exactly 14 fit (98 t).
  const results = await fire(30, () => ta.as('02CI', { method: 'POST', url: `${BASE}/lots/BULK/confirmations`, payload: { quantity: 7 } }))
  const statuses = results.map((r) => r.statusCode)
  t.notOk(statuses.some((s) => s >= 500), 'no 5xx')
  t.equal(statuses.filter((s) => s === 201).length, 14, `accepted: ${statuses.join(',')}`)
  const refused = results.filter((r) => r.statusCode === 409)
  t.equal(refused.length, 16)
  t.ok(refused.every((r) => r.json().code === 'QUANTITY_EXCEEDS_REMAINING' && r.json().details.remaining === 2))
  const { rows } = await ta.sql<{ confirmed: string; passed: string }>(
    `SELECT (SELECT sum(quantity) FROM gate_confirmations WHERE status = 'CONFIRMED') AS confirmed,
            (SELECT quantity_passed FROM gate_lots WHERE lot_number = 'BULK') AS passed`,
  )
  t.equal(Number(rows[0]?.confirmed), 98)
  t.equal(Number(rows[0]?.passed), 98, 'the running total matches the confirmations')

  // Mixed sizes racing for the last 2 t: at most the total gets through.
  const last = await fire(10, (i) =>
    ta.as('02CI', { method: 'POST', url: `${BASE}/lots/BULK/confirmations`, payload: { quantity: i % 2 === 0 ? 1 : 1.5 } }),
  )
  t.notOk(last.some((r) => r.statusCode >= 500))
  const total = await ta.sql<{ s: string }>(`SELECT sum(quantity) AS s FROM gate_confirmations WHERE status = 'CONFIRMED'`)
  t.ok(Number(total.rows[0]?.s) <= 100, `confirmed ${total.rows[0]?.s} ≤ 100`)
})

t.test('concurrent cancels and re-entries of the same paper form', async (t) => {
  const ta = await setUp(t)
  const paper = { quantity: 10, origin: 'paper', paperRecordedAt: new Date(Date.now() - 3_600_000).toISOString(), paperOfficer: 'NV-7', paperReference: 'P-17' }
  const entries = await fire(10, () => ta.as('02CI', { method: 'POST', url: `${BASE}/lots/BULK/confirmations`, payload: paper }))
  t.same(entries.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 201])
  t.equal(new Set(entries.map((r) => r.json().id)).size, 1)
  const id = entries[0]?.json().id as string
  const cancels = await fire(10, () => ta.as('02CI', { method: 'POST', url: `/api/v1/gate/confirmations/${id}/cancel`, payload: { reason: 'Trùng phiếu' } }))
  t.same(cancels.map((r) => r.statusCode).sort(), [200, 409, 409, 409, 409, 409, 409, 409, 409, 409])
  t.ok(cancels.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'ILLEGAL_TRANSITION'))
  const lot = await ta.sql<{ passed: string }>(`SELECT quantity_passed AS passed FROM gate_lots`)
  t.equal(Number(lot.rows[0]?.passed), 0, 'the quantity was given back exactly once')
})

t.test('confirmations racing a list change: the change waits, then refuses to drop a confirmed entry', async (t) => {
  const ta = await setUp(t)
  const put = ta.as('02CI', {
    method: 'PUT',
    url: BASE,
    payload: {
      office: '02CI', locationCode: '02CIC03', traderName: 'Công ty Cổ phần Xuất khẩu XYZ', traderTaxCode: '0310301039',
      status: 'CLEARED', declarationDate: '2024-06-03', procedureType: 'B11', channel: 1,
      lots: [{ lotNumber: 'BULK', description: 'Gạo trắng', quantity: 100, quantityUnit: 'TNE', totalWeight: 100000, weightUnit: 'KGM' }],
    },
  })
  const confirm = ta.as('02CI', { method: 'POST', url: `${BASE}/containers/${CONTAINER}/confirmations`, payload: {} })
  const [p, c] = await Promise.all([put, confirm])
  // Either order is fine; what must not happen is a confirmation of a container no longer listed.
  if (c.statusCode === 201) t.equal(p.statusCode, 409, 'the list change saw the confirmation')
  else t.equal(c.json().code, 'GATE_CONTAINER_NOT_FOUND', 'the confirmation saw the new list')
  t.notOk(p.statusCode >= 500 || c.statusCode >= 500)
})
