// The office registry replaces free-form office codes (issue 17, item 3): a well-formed code that is
// not registered (99ZZ) is refused wherever an office is named — bodies, query filters, back-entry
// rows — with UNKNOWN_OFFICE; an office registered a moment ago is accepted at once; historical codes
// stay valid for the records made under them.
import t from 'tap'
import { buildTestApp } from '../helper.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString()
const handover = (destinationOffice: string) => ({
  destinationOffice, destinationPlace: 'ICD', declarationNumbers: ['108557295010'],
  containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: 'HQ1' }],
  vehicle: '51C-123.45', route: 'Cát Lái — ICD', dueAt: inHours(8),
})
const problems = (res: { json(): { details?: Array<{ field: string; code: string }> } }) =>
  (res.json().details ?? []).map((d) => `${d.field}:${d.code}`)

t.test('an unregistered office code is refused wherever an office is named', async (t) => {
  const app = await buildTestApp(t)
  const create = await app.as(DEP, { method: 'POST', url: '/api/v1/handovers', payload: handover('99ZZ') })
  t.equal(create.statusCode, 400)
  t.same(problems(create), ['destinationOffice:UNKNOWN_OFFICE'])
  t.match(create.json().details[0].message, /99ZZ is not in the office registry/)
  t.same(problems(await app.as(DEP, { method: 'POST', url: '/api/v1/handovers', payload: handover('99ZZZ') })), ['destinationOffice:INVALID_OFFICE_CODE'],
    'a malformed code is one problem, not two')
  t.same(problems(await app.as({ office: '00HQ', role: 'admin' }, { url: '/api/v1/handovers?office=99ZZ' })), ['querystring.office:UNKNOWN_OFFICE'])
  const gate = await app.as(DEP, {
    method: 'PUT', url: '/api/v1/gate/declarations/108557295010',
    payload: { office: '99ZZ', locationCode: '99ZZC01', traderName: 'A', traderTaxCode: '0100109522', status: 'CLEARED',
      declarationDate: '2025-06-03', procedureType: 'A11', channel: 1, containers: [{ containerNumber: 'CSQU3054383' }] },
  })
  t.same(problems(gate), ['office:UNKNOWN_OFFICE'])
  const upload = await app.as(DEP, {
    method: 'POST', url: '/api/v1/back-entry/batches',
    payload: { rows: [{ kind: 'handover', originalTime: inHours(-3), originalOfficer: '02CI-001', data: { ...handover('99ZZ'), paperNumber: 'P-1', dueAt: inHours(5) } }] },
  })
  t.ok([200, 201, 202].includes(upload.statusCode), `upload accepted for row checks (${upload.statusCode})`)
  const report = await app.as(DEP, { url: `/api/v1/back-entry/batches/${upload.json().id}/report` })
  t.equal(upload.json().counts.rejected, 1)
  t.match(report.body, /UNKNOWN_OFFICE/, 'a back-entry row naming 99ZZ is rejected with the same code')
  t.equal((await app.as(DEP, { method: 'POST', url: '/api/v1/handovers', payload: handover('06DS') })).statusCode, 201, 'a registered office')
})

t.test('an office registered a moment ago is accepted at once; codes are kept when they go out of use', async (t) => {
  const app = await buildTestApp(t)
  t.equal((await app.as(DEP, { method: 'POST', url: '/api/v1/handovers', payload: handover('45B1') })).statusCode, 400)
  await app.sql(`INSERT INTO offices (code, name, parent_code, city, valid_from) VALUES ('45B1', 'Hải quan cửa khẩu Xa Mát', '00HQ', 'Tây Ninh', '2025-03-01')`)
  await new Promise((r) => setTimeout(r, 1100))
  t.equal((await app.as(DEP, { method: 'POST', url: '/api/v1/handovers', payload: handover('45B1') })).statusCode, 201,
    'the node reads the registry again when a request names a code it does not know')
  await app.sql(`UPDATE offices SET valid_to = '2025-07-01' WHERE code = '45B1'`)
  await app.app.reloadOffices()
  t.ok(app.app.offices.isRegistered('45B1'), 'a code out of use stays registered: records made under it keep it')
  const list = (await app.as(DEP, { url: '/api/v1/offices' })).json().items
  t.match(list.find((o: { code: string }) => o.code === '45B1'), { name: 'Hải quan cửa khẩu Xa Mát', parentCode: '00HQ', parentName: 'Cục Hải quan', validTo: '2025-07-01' })
  t.match(list.find((o: { code: string }) => o.code === '02CI'), { name: 'Hải quan cửa khẩu cảng Sài Gòn khu vực I', city: 'TP. Hồ Chí Minh', validTo: null })
})

t.test('a new record names offices in use, and a handover goes to another office than its own', async (t) => {
  const app = await buildTestApp(t)
  await app.sql(`INSERT INTO offices (code, name, parent_code, city, valid_from, valid_to) VALUES ('45B2', 'Đội cũ', '00HQ', 'Tây Ninh', '2020-01-01', '2025-07-01')`)
  await app.app.reloadOffices()
  const outOfUse = await app.as(DEP, { method: 'POST', url: '/api/v1/handovers', payload: handover('45B2') })
  t.equal(outOfUse.statusCode, 400)
  t.same(problems(outOfUse), ['destinationOffice:OFFICE_OUT_OF_USE'])
  t.match(outOfUse.json().details[0].message, /45B2 is no longer in use/)
  t.same(problems(await app.as({ office: '00HQ', role: 'admin' }, { url: '/api/v1/handovers?office=45B2' })), [],
    'a code out of use still finds the records made under it')
  const own = await app.as(DEP, { method: 'POST', url: '/api/v1/handovers', payload: handover('02CI') })
  t.equal(own.statusCode, 400)
  t.same(problems(own), ['destinationOffice:DESTINATION_IS_DEPARTURE'])
})
