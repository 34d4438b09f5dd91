// Identifiers as officers type them (issue 17, item 7): container numbers in lower case or with
// spaces are stored and found in their one form; an individual's 12-digit personal identification
// number is a tax code; a gate officer finds a container's eligible lists by its number alone.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString()

const list = (office: string, overrides: Record<string, unknown> = {}) => ({
  office, locationCode: `${office}C03`, traderName: 'Hộ kinh doanh Nguyễn Văn An', traderTaxCode: '079203012345',
  status: 'CLEARED', declarationDate: '2025-06-03', procedureType: 'A11', channel: 1,
  containers: [{ containerNumber: 'msku 907032-3', carrierSeal: 'ML1', customsSeal: 'HQ1' }, { containerNumber: 'CSQU3054383' }],
  ...overrides,
})
const putList = (app: TestApp, office: string, dn: string, overrides: Record<string, unknown> = {}) =>
  app.as({ office }, { method: 'PUT', url: `/api/v1/gate/declarations/${dn}`, payload: list(office, overrides) })

t.test('container numbers typed in lower case or with spaces are stored, searched and confirmed in one form', async (t) => {
  const app = await buildTestApp(t)
  const created = await app.as(DEP, {
    method: 'POST', url: '/api/v1/handovers',
    payload: {
      destinationOffice: '06DS', destinationPlace: 'Cửa khẩu Mộc Bài', declarationNumbers: ['308557295080'],
      containers: [{ containerNumber: 'msku 907032 3', carrierSeal: 'ML1', customsSeal: 'HQ1' }],
      vehicle: '51C-123.45', route: 'Cát Lái — Mộc Bài', dueAt: inHours(8),
    },
  })
  t.equal(created.statusCode, 201)
  t.equal(created.json().containers[0].containerNumber, 'MSKU9070323')
  const found = await app.as(DEP, { url: '/api/v1/handovers?containerNumber=msku-9070323' })
  t.same(found.json().items.map((h: { id: string }) => h.id), [created.json().id], 'found as typed')
  const wrong = await app.as(DEP, { url: '/api/v1/handovers?containerNumber=msku 907032 4' })
  t.equal(wrong.statusCode, 400, 'a wrong check digit is still refused')
  t.equal(wrong.json().details[0].code, 'INVALID_CONTAINER_NUMBER')

  t.equal((await putList(app, '02CI', '108557295010')).statusCode, 201)
  const confirm = await app.as(DEP, { method: 'POST', url: '/api/v1/gate/declarations/108557295010/containers/msku9070323/confirmations' })
  t.equal(confirm.statusCode, 201, 'the container in the URL in lower case')
  t.equal(confirm.json().containerNumber, 'MSKU9070323')
})

t.test('an individual\'s 12-digit personal identification number is accepted as a tax code', async (t) => {
  const app = await buildTestApp(t)
  const ok = await putList(app, '02CI', '108557295010')
  t.equal(ok.statusCode, 201)
  t.equal(ok.json().traderTaxCode, '079203012345')
  const bad = await putList(app, '02CI', '108557295011', { traderTaxCode: '999203012345' })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().details.map((d: { field: string; code: string }) => `${d.field}:${d.code}`), ['traderTaxCode:INVALID_TAX_CODE'])
  const paper = await app.as(DEP, {
    method: 'POST', url: '/api/v1/paper-declarations',
    payload: {
      formType: 'import', office: '02CI', receiptYear: 2025, receiptNumber: 7, declarantName: 'Nguyễn Văn An',
      taxCode: '001099000001', procedureType: 'A11', channel: 1, registeredAt: '2025-03-14T08:30:00+07:00',
      goodsLines: [{ hsCode: '85171300', description: 'Điện thoại', quantity: 1, unit: 'PCE', value: 100, currency: 'USD', originCountry: 'CN' }],
    },
  })
  t.equal(paper.statusCode, 201, 'a paper declaration of an individual')
})

t.test('a gate officer finds a container\'s eligible lists by its number alone', async (t) => {
  const app = await buildTestApp(t)
  t.equal((await putList(app, '02CI', '108557295010', { declarationDate: '2025-06-01' })).statusCode, 201)
  t.equal((await putList(app, '02CI', '108557295011', { declarationDate: '2025-06-05', status: 'NOT_CLEARED' })).statusCode, 201)
  t.equal((await putList(app, '03CC', '108557295012')).statusCode, 201)
  t.equal((await app.as(DEP, { method: 'POST', url: '/api/v1/gate/declarations/108557295010/containers/MSKU9070323/confirmations' })).statusCode, 201)

  const res = await app.as(DEP, { url: '/api/v1/gate/containers/msku%20907032-3' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.containerNumber, 'MSKU9070323')
  t.same(
    body.entries.map((e: { declarationNumber: string; passable: boolean; container: { confirmed: boolean } }) => [e.declarationNumber, e.passable, e.container.confirmed]),
    [['108557295011', false, false], ['108557295010', true, true]],
    'own office only, newest declaration first, with whether it may pass and whether it passed',
  )
  t.equal(body.entries[1].container.customsSeal, 'HQ1')
  t.equal(body.entries[1].container.confirmation.officerId, '02CI-001')
  const admin = await app.as({ office: '00HQ', role: 'admin' }, { url: '/api/v1/gate/containers/MSKU9070323' })
  t.equal(admin.json().entries.length, 3, 'admins see every office')
  t.same((await app.as(DEP, { url: '/api/v1/gate/containers/TGHU1000039' })).json().entries, [], 'a container on no list')
  t.equal((await app.as(DEP, { url: '/api/v1/gate/containers/TGHU1000038' })).statusCode, 400, 'a wrong check digit')
})
