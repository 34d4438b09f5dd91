// Pure handover rules: input checks, seal checks, numbering, access by office, the print page.
import t from 'tap'
import { checkNewHandover, checkSealEntries, checkSealsAgainstContainers, timeProblem } from '../../src/services/handover-validation.ts'
import { handoverNumberOf, vietnamYearOf } from '../../src/services/handover-service.ts'
import { canRead, listOfficeFor } from '../../src/services/handover-access.ts'
import { renderHandoverHtml } from '../../src/services/handover-print.ts'
import { vietnamTime } from '../../src/services/vietnam-time.ts'
import type { HandoverView } from '../../src/services/handover-views.ts'
import type { Actor } from '../../src/domain/actor.ts'

const codes = (problems: Array<{ field: string; code: string }>) => problems.map((p) => `${p.field}:${p.code}`)

t.test('new handover checks', async (t) => {
  const start = '2026-03-01T00:00:00.000Z'
  const box = { containerNumber: 'CSQU3054383', carrierSeal: 'A', customsSeal: 'B' }
  t.same(codes(checkNewHandover({ containers: [box], dueAt: '2026-03-01T08:00:00Z' }, start)), [])
  t.same(codes(checkNewHandover({ dueAt: '2026-03-01T08:00:00Z' }, start)), ['containers:CONTAINERS_OR_GOODS_REQUIRED'])
  t.same(codes(checkNewHandover({ containers: [box, box], dueAt: '2026-03-01T08:00:00Z' }, start)), ['containers.1.containerNumber:CONTAINER_DUPLICATE'])
  t.same(codes(checkNewHandover({ containers: [box], dueAt: start }, start)), ['dueAt:DUE_AT_NOT_AFTER_HANDOVER'], 'equal is not after')
  t.same(codes(checkNewHandover({ containers: [box], dueAt: '2026-06-01T00:00:00Z' }, start)), ['dueAt:DUE_AT_TOO_FAR'])
})

t.test('seal checks', async (t) => {
  t.same(codes(checkSealEntries([{ containerNumber: 'X', sealState: 'replaced' }])), ['containers.0.newSealNumber:NEW_SEAL_NUMBER_REQUIRED'])
  t.same(codes(checkSealEntries([{ containerNumber: 'X', sealState: 'broken', newSealNumber: 'N' }])), ['containers.0.newSealNumber:NEW_SEAL_NUMBER_NOT_ALLOWED'])
  t.same(codes(checkSealEntries([{ containerNumber: 'X', sealState: 'replaced', newSealNumber: 'N' }])), [])
  const stored = ['A', 'B']
  t.same(codes(checkSealsAgainstContainers([{ containerNumber: 'A', sealState: 'intact' }, { containerNumber: 'B', sealState: 'broken' }], stored)), [])
  t.same(codes(checkSealsAgainstContainers([{ containerNumber: 'A', sealState: 'intact' }], stored)), ['containers:CONTAINER_SEAL_STATE_MISSING'])
  t.same(
    codes(checkSealsAgainstContainers([{ containerNumber: 'A', sealState: 'intact' }, { containerNumber: 'C', sealState: 'intact' }, { containerNumber: 'B', sealState: 'intact' }], stored)),
    ['containers.1.containerNumber:CONTAINER_NOT_IN_HANDOVER'],
  )
  t.same(codes(checkSealsAgainstContainers([], [])), [], 'goods without containers')
})

t.test('storable times', async (t) => {
  t.equal(timeProblem('2026-01-01T00:00:00Z', 'x'), null)
  t.equal(timeProblem(undefined, 'x'), null)
  t.equal(timeProblem('0000-01-01T00:00:00Z', 'x')?.code, 'TIME_OUT_OF_RANGE')
  t.equal(timeProblem('nonsense', 'x')?.code, 'TIME_OUT_OF_RANGE')
})

t.test('handover numbers run per Vietnamese calendar year', async (t) => {
  t.equal(vietnamYearOf('2025-12-31T16:59:59Z'), 2025)
  t.equal(vietnamYearOf('2025-12-31T17:00:00Z'), 2026, 'midnight in Hà Nội')
  t.equal(handoverNumberOf('02CI', 2026, 123), 'BBBG-02CI-2026-000123')
  t.equal(vietnamTime('2025-12-31T17:05:00Z'), '01/01/2026 00:05')
})

t.test('access by office', async (t) => {
  const actor = (office: string, role: Actor['role'] = 'officer'): Actor => ({ officerId: 'x', name: 'x', office, role })
  const h = { departureOffice: '02CI', destinationOffice: '02CC' }
  t.ok(canRead(actor('02CI'), h))
  t.ok(canRead(actor('02CC', 'supervisor'), h))
  t.notOk(canRead(actor('03CE', 'supervisor'), h))
  t.ok(canRead(actor('00AD', 'admin'), h))
  t.equal(listOfficeFor(actor('02CI'), undefined), '02CI')
  t.equal(listOfficeFor(actor('00AD', 'admin'), undefined), null)
  t.equal(listOfficeFor(actor('00AD', 'admin'), '03CE'), '03CE')
  t.throws(() => listOfficeFor(actor('02CI'), '03CE'), { code: 'OFFICE_FORBIDDEN' })
})

t.test('the print page escapes every value', async (t) => {
  const evil = `<img src=x onerror="alert('x')">`
  const view: HandoverView = {
    id: '1', handoverNumber: evil, status: 'ARRIVED', version: 2, departureOffice: '02CI', departurePlace: evil,
    destinationOffice: '02CC', destinationPlace: evil, declarationNumbers: ['108557295010'],
    containers: [{ containerNumber: 'CSQU3054383', carrierSeal: evil, customsSeal: evil, sealState: 'broken', newSealNumber: null }],
    goodsLines: [{ description: evil, quantity: 1, unit: evil, marks: evil }],
    vehicle: evil, route: evil, declarantName: evil, handedOverAt: '2026-03-01T01:00:00.000Z', dueAt: '2026-03-01T09:00:00.000Z',
    handedOverBy: evil, origin: 'paper', enteredBy: 'x', paperNumber: evil,
    receipt: { receivedAt: '2026-03-01T05:00:00.000Z', receivedBy: evil, enteredBy: 'x', origin: 'online', discrepancies: [evil], note: evil },
    overdueAt: null, verification: null, cancellation: null, closure: null,
    amendments: [{ version: 2, kind: 'amendment', amendedAt: '2026-03-01T02:00:00.000Z', amendedBy: evil, enteredBy: 'x', origin: 'online', reason: evil, changes: { vehicle: { before: evil, after: evil } }, approvedBy: null, approvedAt: null }],
  }
  const html = renderHandoverHtml(view)
  t.notOk(html.includes('<img'), 'no element from a value')
  t.ok(html.includes('&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;'))
  t.ok(html.includes('Bị hỏng'), 'seal state label')
  t.ok(html.includes('01/03/2026 08:00'), 'local time of the handover')
})
