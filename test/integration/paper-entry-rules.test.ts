// Who may put a paper record into the system (issue 17, item 3): the officer who signed it
// (paperOfficer) is a recorded officer of the office it is entered for, and a record dated more than
// PAPER_BACKDATING_DAYS back is entered by a supervisor — checked after the rest of the request, so a
// bad request is a 400 whoever sends it. The same rules hold for rows of a bulk back-entry.
import t from 'tap'
import { processBatch } from '../../src/services/back-entry-service.ts'
import { buildTestApp, paperDeclarationBody, type TestApp } from '../helper.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const DEP_SUP = { office: '02CI', officerId: '02CI-900', role: 'supervisor' } as const
const DEST = { office: '06DS', officerId: '06DS-007' }
const DEST_SUP = { office: '06DS', officerId: '06DS-900', role: 'supervisor' } as const
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString()

let paperSeq = 0
const paperHandover = (paperRecordedAt: string, extra: Record<string, unknown> = {}) => ({
  destinationOffice: '06DS', destinationPlace: 'Cửa khẩu Mộc Bài', declarationNumbers: ['308557295080'],
  containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: 'HQ1' }],
  vehicle: '51C-123.45', route: 'Cát Lái — Mộc Bài',
  origin: 'paper', paperNumber: `BB-R${++paperSeq}`, paperRecordedAt,
  dueAt: new Date(Date.parse(paperRecordedAt) + 8 * 3_600_000).toISOString(),
  ...extra,
})

const create = (app: TestApp, actor: object, body: object) => app.as(actor, { method: 'POST', url: '/api/v1/handovers', payload: body })
const refusal = (res: { statusCode: number; json(): { code: string; details?: Array<{ field: string; code: string }> } }) =>
  [res.statusCode, res.json().code, ...(res.json().details ?? []).map((d) => `${d.field}:${d.code}`)].join(' ')
const handoverCount = async (app: TestApp) => (await app.sql<{ n: number }>('SELECT count(*)::int AS n FROM handovers')).rows[0]?.n

t.test('paperOfficer names a recorded officer of the office the record is entered for', async (t) => {
  const app = await buildTestApp(t)
  const signed = await create(app, DEP, paperHandover(daysAgo(1), { paperOfficer: 'NV-0042' }))
  t.equal(signed.statusCode, 201, signed.body)
  t.match(signed.json(), { handedOverBy: 'NV-0042', enteredBy: '02CI-001', origin: 'paper' })

  t.equal(refusal(await create(app, DEP, paperHandover(daysAgo(1), { paperOfficer: 'NV-9999' }))), '400 VALIDATION_FAILED paperOfficer:UNKNOWN_OFFICER')
  t.equal(refusal(await create(app, DEP, paperHandover(daysAgo(1), { paperOfficer: 'NV-0611' }))), '400 VALIDATION_FAILED paperOfficer:OFFICER_OF_ANOTHER_OFFICE',
    'an officer of 06DS does not sign the handovers of 02CI')
  const mine = await create(app, DEP, paperHandover(daysAgo(1)))
  t.equal(mine.statusCode, 201, 'without paperOfficer the signer is the acting officer, whom the token names')
  t.equal(mine.json().handedOverBy, '02CI-001')
  t.equal(await handoverCount(app), 2, 'a refused signer wrote nothing')

  // The receipt is the destination's record: its signer is an officer of 06DS.
  const receipt = (paperOfficer: string) => app.as(DEST, {
    method: 'POST', url: `/api/v1/handovers/${signed.json().id}/receipt`,
    payload: { containers: [{ containerNumber: 'CSQU3054383', sealState: 'intact' }], origin: 'paper', paperRecordedAt: daysAgo(0.5), paperOfficer },
  })
  t.equal(refusal(await receipt('NV-0042')), '400 VALIDATION_FAILED paperOfficer:OFFICER_OF_ANOTHER_OFFICE')
  const received = await receipt('NV-0611')
  t.equal(received.statusCode, 200, received.body)
  t.equal(received.json().receipt.receivedBy, 'NV-0611')

  // Paper declarations and gate passes follow the same rule (one function, services/paper-entry.ts).
  const declaration = await app.as(DEP, {
    method: 'POST', url: '/api/v1/paper-declarations',
    payload: { ...paperDeclarationBody(7001), origin: 'paper', paperRecordedAt: daysAgo(1), paperOfficer: 'le.thi.c' },
  })
  t.equal(refusal(declaration), '400 VALIDATION_FAILED paperOfficer:OFFICER_OF_ANOTHER_OFFICE', 'le.thi.c is an officer of 02CC')
})

t.test('a paper record dated more than PAPER_BACKDATING_DAYS back is entered by a supervisor, once the request is valid', async (t) => {
  const app = await buildTestApp(t)
  t.equal(app.app.config.paperBackdatingDays, 7, 'the default: a week')
  const old = paperHandover(daysAgo(10), { paperOfficer: 'NV-0042' })

  const byOfficer = await create(app, DEP, old)
  t.equal(refusal(byOfficer), '403 SUPERVISOR_REQUIRED')
  t.match(byOfficer.json().message, /supervisor of office 02CI may enter a paper record dated more than 7 days back/)
  t.equal(await handoverCount(app), 0, 'nothing written')

  // Validation first: a bad request is told what is wrong with it, whoever sends it.
  const duplicateContainer = { ...old, containers: [old.containers[0], old.containers[0]] }
  t.equal(refusal(await create(app, DEP, duplicateContainer)), '400 VALIDATION_FAILED containers.1.containerNumber:CONTAINER_DUPLICATE')
  t.equal(refusal(await create(app, DEP, { ...old, paperOfficer: 'NV-9999' })), '400 VALIDATION_FAILED paperOfficer:UNKNOWN_OFFICER')

  const bySupervisor = await create(app, DEP_SUP, old)
  t.equal(bySupervisor.statusCode, 201, bySupervisor.body)
  t.match(bySupervisor.json(), { handedOverBy: 'NV-0042', enteredBy: '02CI-900' })
  const again = await create(app, DEP, old)
  t.equal(again.statusCode, 200, 'the same form entered again by an officer is recognised: nothing is written')
  t.equal(again.json().duplicate, true)
  t.equal(again.json().id, bySupervisor.json().id)

  t.equal((await create(app, DEP, paperHandover(daysAgo(6)))).statusCode, 201, 'six days back is an officer\'s entry')

  // Every paper write: a receipt of the old handover, typed in by the destination.
  const receipt = (actor: object) => app.as(actor, {
    method: 'POST', url: `/api/v1/handovers/${bySupervisor.json().id}/receipt`,
    payload: { containers: [{ containerNumber: 'CSQU3054383', sealState: 'intact' }], origin: 'paper', paperRecordedAt: daysAgo(9.5) },
  })
  t.equal(refusal(await receipt(DEST)), '403 SUPERVISOR_REQUIRED')
  t.equal((await receipt(DEST_SUP)).statusCode, 200)
  const declaration = (actor: object) => app.as(actor, {
    method: 'POST', url: '/api/v1/paper-declarations',
    payload: { ...paperDeclarationBody(7002), origin: 'paper', paperRecordedAt: daysAgo(30) },
  })
  t.equal(refusal(await declaration(DEP)), '403 SUPERVISOR_REQUIRED')
  t.equal((await declaration(DEP_SUP)).statusCode, 201)

  const trail = (await app.as(DEP_SUP, { url: `/api/v1/audit/handover/${bySupervisor.json().id}` })).json().items
  t.match(trail[0], { action: 'create', officerId: 'NV-0042', enteredBy: '02CI-900', origin: 'paper' }, 'the audit trail names who signed and who entered it')
})

t.test('PAPER_BACKDATING_DAYS is a setting', async (t) => {
  const app = await buildTestApp(t, { paperBackdatingDays: 30 })
  t.equal((await create(app, DEP, paperHandover(daysAgo(10)))).statusCode, 201, 'ten days back, under a 30-day setting')
  t.equal(refusal(await create(app, DEP, paperHandover(daysAgo(31)))), '403 SUPERVISOR_REQUIRED')
})

t.test('bulk back-entry rows obey the same rules: an officer\'s old rows and unknown signers are rejected', async (t) => {
  const app = await buildTestApp(t)
  const row = (originalTime: string, originalOfficer: string, paperNumber: string) => {
    const { origin: _o, paperRecordedAt: _p, ...data } = paperHandover(originalTime, { paperNumber })
    return { kind: 'handover', originalTime, originalOfficer, data }
  }
  const upload = async (actor: object, rows: object[]) => {
    const res = await app.as(actor, { method: 'POST', url: '/api/v1/back-entry/batches', payload: { rows } })
    t.equal(res.statusCode, 202, res.body)
    await processBatch(app.app.db, res.json().id, { paperBackdatingDays: app.app.config.paperBackdatingDays })
    const report = await app.as(actor, { url: `/api/v1/back-entry/batches/${res.json().id}/report` })
    return report.json().items.map((i: { status: string; code: string | null; details: Array<{ code: string }> | null }) =>
      [i.status, i.code, ...(Array.isArray(i.details) ? i.details.map((d) => d.code) : [])].filter(Boolean).join(' '))
  }
  t.same(await upload(DEP, [row(daysAgo(2), 'NV-0042', 'BK-1'), row(daysAgo(12), 'NV-0042', 'BK-2'), row(daysAgo(2), 'NV-9999', 'BK-3')]), [
    'accepted',
    'rejected SUPERVISOR_REQUIRED',
    'rejected VALIDATION_FAILED UNKNOWN_OFFICER',
  ])
  t.same(await upload(DEP_SUP, [row(daysAgo(12), 'NV-0042', 'BK-2')]), ['accepted'], 'the supervisor\'s upload of the old row')
})
