// A seal mismatch at the gate (issue 17, item 7): a container whose seals are broken, missing or of
// another number is held, not passed — listed, searchable, on the print, the office told — until a
// supervisor of the office releases it (it passes) or cancels the hold; idempotent and audited.
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildTestApp, gateListHeader, type TestApp } from '../helper.ts'
import { folded, pdfText } from '../print-text.ts'

const DN = '108557295010'
const BASE = `/api/v1/gate/declarations/${DN}`
const C1 = 'CSQU3054383'
const C2 = 'MSKU9070323'
const C3 = 'OOLU8123457'
const C4 = 'TGHU1000018'
const SUP = { office: '02CI', role: 'supervisor' as const }

const CONTAINERS = [
  { containerNumber: C1, carrierSeal: 'ML123456', customsSeal: 'HQ000123' },
  { containerNumber: C2, carrierSeal: 'ML654321', customsSeal: 'HQ000124' },
  { containerNumber: C3, carrierSeal: 'ML777777', customsSeal: 'HQ000125' },
  { containerNumber: C4, carrierSeal: 'ML888888', customsSeal: '#####' },
]
const list = ({ status = 'CLEARED', containers = CONTAINERS } = {}) => ({ ...gateListHeader(status), containers })

async function setUp(t: Parameters<typeof buildTestApp>[0]): Promise<TestApp> {
  const ta = await buildTestApp(t)
  const res = await ta.as('02CI', { method: 'PUT', url: BASE, payload: list() })
  if (res.statusCode !== 201) throw new Error(res.body)
  return ta
}

type Actor = Parameters<TestApp['as']>[0]
const confirm = (ta: TestApp, container: string, payload: object = {}, actor: Actor = '02CI', headers: Record<string, string> = {}) =>
  ta.as(actor, { method: 'POST', url: `${BASE}/containers/${container}/confirmations`, payload, headers })
const release = (ta: TestApp, id: string, payload: object = { reason: 'Hãng tàu thay kẹp chì, có biên bản' }, actor: Actor = SUP, headers: Record<string, string> = {}) =>
  ta.as(actor, { method: 'POST', url: `/api/v1/gate/confirmations/${id}/release`, payload, headers })
const cancel = (ta: TestApp, id: string, actor: Actor = SUP) =>
  ta.as(actor, { method: 'POST', url: `/api/v1/gate/confirmations/${id}/cancel`, payload: { reason: 'Chuyển kiểm tra thực tế' } })
const all = (ta: TestApp, payload: object = {}, headers: Record<string, string> = {}) =>
  ta.as('02CI', { method: 'POST', url: `${BASE}/confirmations`, payload, headers })
const codes = (res: { json(): { details?: Array<{ field: string; code: string }> } }) =>
  (res.json().details ?? []).map((d) => `${d.field}:${d.code}`)
const search = async (ta: TestApp, qs: string) => (await ta.as('02CI', { url: `/api/v1/gate/confirmations?${qs}` })).json().items as Array<{ id: string }>
const BROKEN = { sealState: 'BROKEN', sealNote: 'Kẹp chì hải quan bị cắt' }

t.test('a broken seal holds the container: recorded, not passed, listed, searchable, the office told', async (t) => {
  const ta = await setUp(t)
  const held = await confirm(ta, C2, BROKEN)
  t.equal(held.statusCode, 201, held.body)
  t.match(held.json(), {
    containerNumber: C2, status: 'HELD', sealState: 'BROKEN', sealNote: 'Kẹp chì hải quan bị cắt', sealsFound: null,
    carrierSeal: 'ML654321', customsSeal: 'HQ000124', release: null, alreadyConfirmed: false, officerId: '02CI-officer',
  })
  t.equal(held.json().heldAt, held.json().passedAt)
  const id = held.json().id as string

  const view = (await ta.as('02CI', { url: BASE })).json()
  t.match(view.containers[1], { containerNumber: C2, confirmed: false, confirmation: null, held: true, hold: { id, status: 'HELD' } })
  t.match(view.containers[0], { confirmed: false, held: false, hold: null }, 'the others untouched')
  const lookup = (await ta.as('02CI', { url: `/api/v1/gate/containers/${C2}` })).json()
  t.match(lookup.entries[0].container, { held: true, confirmed: false, hold: { id, sealState: 'BROKEN' } }, 'the container lookup shows it')

  t.same((await search(ta, 'status=HELD')).map((i) => i.id), [id], 'search by status HELD')
  t.same((await search(ta, 'sealState=BROKEN')).map((i) => i.id), [id], 'and by seal state')
  t.same(await search(ta, 'status=CONFIRMED'), [], 'not a pass')
  const day = (await ta.as('02CI', { url: '/api/v1/reports/daily' })).json()
  t.equal(day.days[0].gateContainersPassed, 0, 'not counted as passed')

  const [notice] = (await ta.as(SUP, { url: `/api/v1/notices?entityId=${id}` })).json().items
  t.match(notice, { kind: 'GATE_CONTAINER_HELD', office: '02CI', details: { containerNumber: C2, sealState: 'BROKEN', declarationNumber: DN } })
  t.match(notice.message, /MSKU9070323.*tạm dừng tại cổng/)
  const trail = await ta.as(SUP, { url: `/api/v1/audit/gate_confirmation/${id}` })
  t.same(trail.json().items.map((i: { action: string }) => i.action), ['hold_container'])

  // A tap does not let it through; the same hold again is recognised.
  const tap = await confirm(ta, C2)
  t.equal(tap.statusCode, 409)
  t.equal(tap.json().code, 'GATE_CONTAINER_HELD')
  t.same(tap.json().details, { confirmationId: id, status: 'HELD' })
  t.equal((await confirm(ta, C2, { sealState: 'INTACT' })).json().code, 'GATE_CONTAINER_HELD', 'nor seals declared intact after all')
  const again = await confirm(ta, C2, BROKEN)
  t.equal(again.statusCode, 200)
  t.match(again.json(), { id, status: 'HELD', alreadyConfirmed: true })
  t.equal((await ta.sql(`SELECT count(*)::int AS n FROM gate_confirmations WHERE entry_ref = $1`, [C2])).rows[0]?.n, 1)

  // A list change cannot remove or reseal a held container.
  const removed = await ta.as('02CI', { method: 'PUT', url: BASE, payload: list({ containers: CONTAINERS.filter((c) => c.containerNumber !== C2) }) })
  t.equal(removed.statusCode, 409)
  t.same(removed.json().details.entries, [{ containerNumber: C2, change: 'removed' }])
})

t.test('seals found: another number is a mismatch whatever the state says; contradictions are 400s', async (t) => {
  const ta = await setUp(t)
  const noNote = await confirm(ta, C1, { sealState: 'MISSING' })
  t.equal(noNote.statusCode, 400)
  t.same(codes(noNote), ['sealNote:FIELD_REQUIRED'])
  t.same(codes(await confirm(ta, C1, { sealState: 'DIFFERENT_NUMBER', sealNote: 'x' })), ['sealsFound:FIELD_REQUIRED'])
  t.same(codes(await confirm(ta, C1, { sealsFound: { customsSeal: 'HQ000999' } })), ['sealNote:FIELD_REQUIRED'], 'a derived mismatch needs a note')
  t.same(codes(await confirm(ta, C1, { sealState: 'INTACT', sealsFound: { customsSeal: 'HQ000999' } })), ['sealsFound.customsSeal:SEALS_FOUND_DIFFER_FROM_LIST'])
  t.same(codes(await confirm(ta, C1, { sealState: 'DIFFERENT_NUMBER', sealsFound: { customsSeal: 'hq000123' }, sealNote: 'x' })), ['sealsFound:SEALS_FOUND_MATCH_LIST'])
  t.ok(codes(await confirm(ta, C1, { sealState: 'CRACKED' })).includes('sealState:FIELD_NOT_ALLOWED_VALUE'))
  t.ok(codes(await confirm(ta, C1, { sealsFound: { colour: 'red' } })).includes('sealsFound.colour:FIELD_UNKNOWN'))
  t.ok(codes(await confirm(ta, C1, { sealNote: '   ' })).includes('sealNote:FIELD_FORMAT'))
  t.equal((await ta.sql('SELECT count(*)::int AS n FROM gate_confirmations')).rows[0]?.n, 0, 'nothing written')

  const other = await confirm(ta, C1, { sealsFound: { carrierSeal: 'ML123456', customsSeal: 'HQ000999' }, sealNote: 'Kẹp chì số HQ000999' })
  t.equal(other.statusCode, 201)
  t.match(other.json(), { status: 'HELD', sealState: 'DIFFERENT_NUMBER', sealsFound: { carrierSeal: 'ML123456', customsSeal: 'HQ000999' } })
  t.same((await search(ta, 'sealNumber=HQ000999')).map((i) => i.id), [other.json().id], 'a seal found is searched like the list\'s')

  const intact = await confirm(ta, C3, { sealState: 'INTACT', sealsFound: { carrierSeal: 'ml777777', customsSeal: 'HQ000125' } })
  t.equal(intact.statusCode, 201, 'seals stated intact pass as a tap does')
  t.match(intact.json(), { status: 'CONFIRMED', sealState: 'INTACT', heldAt: null })
  t.equal((await confirm(ta, C3, BROKEN)).json().code, 'GATE_SEAL_FINDINGS_CONFLICT', 'a mismatch after the container passed')
  t.equal((await confirm(ta, C3)).statusCode, 200, 'a tap after it is recognised')
})

t.test('a supervisor of the office releases a held container: 400s and 409s first, then 403 SUPERVISOR_REQUIRED', async (t) => {
  const ta = await setUp(t)
  const id = (await confirm(ta, C2, BROKEN)).json().id as string
  const passedId = (await confirm(ta, C1)).json().id as string

  const noReason = await release(ta, id, {}, '02CI')
  t.equal(noReason.statusCode, 400, 'a bad request is a 400 whoever sends it')
  t.same(codes(noReason), ['reason:FIELD_REQUIRED'])
  t.equal((await release(ta, 'not-a-uuid', undefined, '02CI')).statusCode, 400)
  t.equal((await release(ta, '00000000-0000-4000-8000-000000000000')).json().code, 'GATE_CONFIRMATION_NOT_FOUND')
  const notHeld = await release(ta, passedId, undefined, '02CI')
  t.equal(notHeld.statusCode, 409, 'only a hold is released')
  t.same(notHeld.json().details, { from: 'CONFIRMED', action: 'release' })
  const foreign = await release(ta, id, undefined, { office: '06DS', role: 'supervisor' })
  t.equal(foreign.statusCode, 403)
  t.equal(foreign.json().code, 'OFFICE_FORBIDDEN', 'a supervisor of another office')
  t.equal((await release(ta, id, undefined, { office: '02CI', role: 'admin' })).json().code, 'ROLE_FORBIDDEN')
  const officer = await release(ta, id, undefined, '02CI')
  t.equal(officer.statusCode, 403)
  t.equal(officer.json().code, 'SUPERVISOR_REQUIRED')
  t.equal((await ta.as('02CI', { url: BASE })).json().containers[1].held, true, 'still held')

  // The declaration stopped being passable: the hold cannot be released into a pass.
  t.equal((await ta.as('02CI', { method: 'PUT', url: BASE, payload: list({ status: 'NOT_CLEARED' }) })).statusCode, 200)
  t.equal((await release(ta, id)).json().code, 'DECLARATION_NOT_CLEARED')
  t.equal((await ta.as('02CI', { method: 'PUT', url: BASE, payload: list() })).statusCode, 200)

  const key = { 'idempotency-key': 'release-msku' }
  const done = await release(ta, id, undefined, SUP, key)
  t.equal(done.statusCode, 200, done.body)
  t.match(done.json(), {
    id, status: 'CONFIRMED', sealState: 'BROKEN', sealNote: 'Kẹp chì hải quan bị cắt',
    release: { reason: 'Hãng tàu thay kẹp chì, có biên bản', releasedBy: '02CI-supervisor', origin: 'online' },
  })
  t.ok(Date.parse(done.json().passedAt) >= Date.parse(done.json().heldAt), 'it passed when released; when it was held is kept')
  const replay = await release(ta, id, undefined, SUP, key)
  t.equal(replay.statusCode, 200)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), done.json())
  t.equal((await release(ta, id, { reason: 'khác' }, SUP, key)).json().code, 'IDEMPOTENCY_KEY_REUSED')
  const twice = await release(ta, id)
  t.equal(twice.statusCode, 409)
  t.equal(twice.json().code, 'ILLEGAL_TRANSITION')

  const view = (await ta.as('02CI', { url: BASE })).json()
  t.match(view.containers[1], { confirmed: true, held: false, hold: null, confirmation: { id, release: { releasedBy: '02CI-supervisor' } } })
  t.same((await search(ta, 'status=CONFIRMED&sealState=BROKEN')).map((i) => i.id), [id])
  t.equal((await ta.as('02CI', { url: '/api/v1/reports/daily' })).json().days[0].gateContainersPassed, 2, 'counted once released')
  const trail = await ta.as(SUP, { url: `/api/v1/audit/gate_confirmation/${id}` })
  t.same(trail.json().items.map((i: { action: string }) => i.action), ['hold_container', 'release'])
  t.match(trail.json().items[1], { before: { status: 'HELD' }, after: { status: 'CONFIRMED', release: { reason: 'Hãng tàu thay kẹp chì, có biên bản' } } })
  t.equal((await confirm(ta, C2)).statusCode, 200, 'a tap on the released container is recognised')
})

t.test('cancelling a hold is the supervisor\'s; the container may then be recorded again', async (t) => {
  const ta = await setUp(t)
  const id = (await confirm(ta, C2, BROKEN)).json().id as string
  const byOfficer = await cancel(ta, id, '02CI')
  t.equal(byOfficer.statusCode, 403)
  t.equal(byOfficer.json().code, 'SUPERVISOR_REQUIRED', 'an officer cannot make a mismatch disappear')
  const done = await cancel(ta, id)
  t.equal(done.statusCode, 200)
  t.match(done.json(), { status: 'CANCELLED', sealState: 'BROKEN', cancellation: { reason: 'Chuyển kiểm tra thực tế', cancelledBy: '02CI-supervisor' } })
  t.same((await search(ta, 'status=CANCELLED&sealState=BROKEN')).map((i) => i.id), [id], 'the finding stays searchable')
  t.equal((await release(ta, id)).json().code, 'ILLEGAL_TRANSITION')
  const again = await confirm(ta, C2)
  t.equal(again.statusCode, 201, 'resealed and checked again, it passes')
  t.not(again.json().id, id)
})

t.test('a hold is idempotent under its key and scoped to the supervising office', async (t) => {
  const ta = await setUp(t)
  const key = { 'idempotency-key': 'hold-msku-1' }
  const first = await confirm(ta, C2, BROKEN, '02CI', key)
  t.equal(first.statusCode, 201)
  const replay = await confirm(ta, C2, BROKEN, '02CI', key)
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json())
  t.equal((await confirm(ta, C2, { sealState: 'MISSING', sealNote: 'x' }, '02CI', key)).json().code, 'IDEMPOTENCY_KEY_REUSED')
  const foreign = await confirm(ta, C3, BROKEN, '06DS')
  t.equal(foreign.statusCode, 403)
  t.equal(foreign.json().code, 'OFFICE_FORBIDDEN')
  t.equal((await ta.as('06DS', { url: '/api/v1/gate/confirmations?office=02CI&status=HELD' })).json().code, 'OFFICE_FORBIDDEN')
  t.equal((await ta.sql(`SELECT count(*)::int AS n FROM gate_confirmations`)).rows[0]?.n, 1)
})

t.test('a whole declaration at once: stated seals hold their containers, the rest pass, a held one stays held', async (t) => {
  const ta = await setUp(t)
  const unlisted = await all(ta, { sealFindings: [{ containerNumber: 'TGHU1000023', ...BROKEN }] })
  t.equal(unlisted.statusCode, 400)
  t.same(codes(unlisted), ['sealFindings.0.containerNumber:CONTAINER_NOT_ON_LIST'])
  const twice = await all(ta, { sealFindings: [{ containerNumber: C2, ...BROKEN }, { containerNumber: C2, sealState: 'MISSING' }] })
  t.same(codes(twice), ['sealFindings.1.sealNote:FIELD_REQUIRED', 'sealFindings.1.containerNumber:DUPLICATE_CONTAINER_NUMBER'])
  t.equal((await ta.sql('SELECT count(*)::int AS n FROM gate_confirmations')).rows[0]?.n, 0)

  const key = { 'idempotency-key': 'convoy-seals' }
  const body = { sealFindings: [{ containerNumber: C2, ...BROKEN }, { containerNumber: C4, sealState: 'INTACT' }] }
  const res = await all(ta, body, key)
  t.equal(res.statusCode, 201, res.body)
  t.match(res.json(), { confirmed: 3, held: 1 })
  t.same(res.json().confirmations.map((c: { containerNumber: string; status: string }) => [c.containerNumber, c.status]),
    [[C1, 'CONFIRMED'], [C2, 'HELD'], [C3, 'CONFIRMED'], [C4, 'CONFIRMED']])
  const replay = await all(ta, body, key)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), res.json())

  const again = await all(ta)
  t.equal(again.statusCode, 200, 'everything recorded already')
  t.match(again.json(), { confirmed: 0, held: 0 })
  t.match(again.json().confirmations[1], { containerNumber: C2, status: 'HELD', alreadyConfirmed: true }, 'the held one stays held')
  const through = await all(ta, { sealFindings: [{ containerNumber: C2, sealState: 'INTACT' }] })
  t.equal(through.statusCode, 409, 'stating it intact does not let it through')
  t.equal(through.json().code, 'GATE_CONTAINER_HELD')
  t.equal((await ta.sql(`SELECT count(*)::int AS n FROM gate_confirmations WHERE status <> 'CANCELLED'`)).rows[0]?.n, 4)
})

t.test('the printed list (page and PDF) shows the hold, the seals found and the release', async (t) => {
  const ta = await setUp(t)
  const held = (await confirm(ta, C2, { sealsFound: { customsSeal: 'HQ000999' }, sealNote: 'Kẹp chì số khác danh sách' })).json()
  const page = (await ta.as('02CI', { url: `${BASE}/print` })).body
  t.match(page, /TẠM DỪNG tại cổng lúc/)
  t.match(page, /Số niêm phong khác danh sách, số niêm phong hải quan thực tế HQ000999, ghi chú: Kẹp chì số khác danh sách/)
  t.match(page, /chờ lãnh đạo Chi cục quyết định/)

  t.equal((await release(ta, held.id)).statusCode, 200)
  const link = (await ta.as('02CI', { url: `${BASE}/print-link` })).json()
  const pdfUrl = new URL(link.pdfUrl)
  const pdf = await ta.app.inject({ url: `${pdfUrl.pathname}${pdfUrl.search}` })
  t.equal(pdf.statusCode, 200)
  t.equal(pdf.headers['content-type'], 'application/pdf')
  const dir = mkdtempSync(join(tmpdir(), 'tqdt-seal-print-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'list.pdf'), pdf.rawPayload)
  const text = folded(pdfText(join(dir, 'list.pdf')))
  for (const value of ['Số niêm phong khác danh sách', 'HQ000999', 'Kẹp chì số khác danh sách', 'cho qua: Hãng tàu thay kẹp chì, có biên bản']) {
    t.ok(text.includes(value), `PDF: ${value}`)
  }
})
