// Pure handover rules: input checks, seal checks, incidents on the road, numbering, access by office, the print page.
import t from 'tap'
import {
  checkIncidentAgainstHandover,
  checkIncidentEntries,
  checkNewHandover,
  checkSealEntries,
  checkSealsAgainstContainers,
  timeProblem,
} from '../../src/services/handover-validation.ts'
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

t.test('incident checks: the fields of each kind, then the handover as it stands', async (t) => {
  const now = '2026-03-01T10:00:00.000Z'
  const at = '2026-03-01T09:00:00Z'
  const seal = { containerNumber: 'CSQU3054383', oldSeal: 'HQ1', newSeal: 'HQ2' }
  t.same(codes(checkIncidentEntries({ kind: 'SEAL_REPLACED', occurredAt: at, seals: [seal] }, now)), [])
  t.same(codes(checkIncidentEntries({ kind: 'SEAL_REPLACED', occurredAt: at }, now)), ['seals:FIELD_REQUIRED'])
  t.same(
    codes(checkIncidentEntries({ kind: 'SEAL_REPLACED', occurredAt: at, seals: [seal], vehicle: 'V', containerNumbers: ['CSQU3054383'] }, now)),
    ['vehicle:FIELD_NOT_FOR_KIND', 'containerNumbers:FIELD_NOT_FOR_KIND'],
  )
  t.same(codes(checkIncidentEntries({ kind: 'TRANSSHIPPED', occurredAt: at, vehicle: 'V', seals: [seal], containerNumbers: ['CSQU3054383'] }, now)), [],
    'a transshipment may re-seal and move only some containers')
  t.same(codes(checkIncidentEntries({ kind: 'TRANSSHIPPED', occurredAt: at }, now)), ['vehicle:FIELD_REQUIRED'])
  t.same(codes(checkIncidentEntries({ kind: 'VEHICLE_CHANGED', occurredAt: at, vehicle: 'V' }, now)), [])
  t.same(codes(checkIncidentEntries({ kind: 'VEHICLE_CHANGED', occurredAt: at, vehicle: 'V', seals: [seal] }, now)), ['seals:FIELD_NOT_FOR_KIND'])
  t.same(
    codes(checkIncidentEntries({ kind: 'SEAL_REPLACED', occurredAt: at, seals: [seal, { ...seal, oldSeal: 'HQ2', newSeal: 'HQ2' }] }, now)),
    ['seals.1.containerNumber:CONTAINER_DUPLICATE', 'seals.1.newSeal:NEW_SEAL_SAME_AS_OLD'],
  )
  t.same(codes(checkIncidentEntries({ kind: 'TRANSSHIPPED', occurredAt: at, vehicle: 'V', containerNumbers: ['A', 'A'] }, now)), ['containerNumbers.1:CONTAINER_DUPLICATE'])
  t.same(codes(checkIncidentEntries({ kind: 'VEHICLE_CHANGED', occurredAt: '2026-03-01T10:04:00Z', vehicle: 'V' }, now)), [], 'a PC clock a little ahead')
  t.same(codes(checkIncidentEntries({ kind: 'VEHICLE_CHANGED', occurredAt: '2026-03-01T11:00:00Z', vehicle: 'V' }, now)), ['occurredAt:OCCURRED_AT_IN_FUTURE'])
  t.same(codes(checkIncidentEntries({ kind: 'VEHICLE_CHANGED', occurredAt: '0000-01-01T00:00:00Z', vehicle: 'V' }, now)), ['occurredAt:TIME_OUT_OF_RANGE'])

  const h = { handedOverAt: '2026-03-01T08:00:00.000Z', vehicle: '51C-123.45', containers: [{ containerNumber: 'CSQU3054383', customsSeal: 'HQ1' }] }
  t.same(codes(checkIncidentAgainstHandover({ kind: 'SEAL_REPLACED', occurredAt: at, seals: [seal] }, h)), [])
  t.same(codes(checkIncidentAgainstHandover({ kind: 'SEAL_REPLACED', occurredAt: '2026-03-01T07:59:00Z', seals: [seal] }, h)), ['occurredAt:OCCURRED_BEFORE_HANDOVER'])
  t.same(codes(checkIncidentAgainstHandover({ kind: 'SEAL_REPLACED', occurredAt: at, seals: [{ ...seal, oldSeal: 'HQ0' }] }, h)), ['seals.0.oldSeal:OLD_SEAL_MISMATCH'],
    'the seal replaced is the one the container carries now')
  t.same(codes(checkIncidentAgainstHandover({ kind: 'SEAL_REPLACED', occurredAt: at, seals: [{ ...seal, containerNumber: 'MSKU9070323' }] }, h)),
    ['seals.0.containerNumber:CONTAINER_NOT_IN_HANDOVER'])
  t.same(codes(checkIncidentAgainstHandover({ kind: 'TRANSSHIPPED', occurredAt: at, vehicle: '51C-999.99', containerNumbers: ['MSKU9070323'] }, h)),
    ['containerNumbers.0:CONTAINER_NOT_IN_HANDOVER'])
  t.same(codes(checkIncidentAgainstHandover({ kind: 'VEHICLE_CHANGED', occurredAt: at, vehicle: '51C-123.45' }, h)), ['vehicle:VEHICLE_UNCHANGED'])
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
  t.ok(canRead(actor('47I1'), { ...h, incidents: [{ office: '47I1' }] }), 'an office that recorded an incident on it')
  t.notOk(canRead(actor('03CE'), { ...h, incidents: [{ office: '47I1' }] }), 'not every office along some route')
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
    incidents: [{
      version: 3, kind: 'TRANSSHIPPED', occurredAt: '2026-03-01T03:00:00.000Z', place: evil, office: evil, recordedBy: evil,
      recordedAt: '2026-03-01T03:30:00.000Z', reason: evil, note: evil, seals: [{ containerNumber: 'CSQU3054383', oldSeal: evil, newSeal: evil }],
      previousVehicle: evil, vehicle: evil, containerNumbers: ['CSQU3054383'],
    }],
  }
  const html = renderHandoverHtml(view)
  t.notOk(html.includes('<img'), 'no element from a value')
  t.ok(html.includes('&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;'))
  t.ok(html.includes('Bị hỏng'), 'seal state label')
  t.ok(html.includes('Sự cố trên đường vận chuyển') && html.includes('Chuyển tải sang phương tiện khác lúc 01/03/2026 10:00'), 'the incident, in Vietnam time')
  t.ok(html.includes('01/03/2026 08:00'), 'local time of the handover')
})
