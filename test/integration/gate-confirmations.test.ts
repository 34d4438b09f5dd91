// Confirming goods passed the supervision area: containers once, bulk lots up to their total,
// cancellation, paper back-entry, idempotency, search.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'

const DN = '108557295010'
const BASE = `/api/v1/gate/declarations/${DN}`
const C1 = 'CSQU3054383'
const C2 = 'MSKU9070323'

function list(overrides: Record<string, unknown> = {}) {
  return {
    office: '02CI',
    locationCode: '02CIC03',
    traderName: 'Công ty TNHH Thương mại ABC',
    traderTaxCode: '0100109522',
    status: 'CLEARED',
    declarationDate: '2024-06-03',
    procedureType: 'A11',
    channel: 2,
    containers: [
      { containerNumber: C1, carrierSeal: 'ML123456', customsSeal: '#####' },
      { containerNumber: C2, carrierSeal: 'ML654321', customsSeal: 'HQ000123' },
    ],
    lots: [{ lotNumber: 'LOT1', description: 'Thép cuộn', quantity: 100, quantityUnit: 'TNE', totalWeight: 100000, weightUnit: 'KGM' }],
    ...overrides,
  }
}

async function setUp(t: Parameters<typeof buildTestApp>[0], overrides: Record<string, unknown> = {}): Promise<TestApp> {
  const ta = await buildTestApp(t)
  const res = await ta.as('02CI', { method: 'PUT', url: BASE, payload: list(overrides) })
  if (res.statusCode !== 201) throw new Error(res.body)
  return ta
}

type Actor = Parameters<TestApp['as']>[0]
const confirmContainer = (ta: TestApp, container: string, payload: object = {}, actor: Actor = '02CI', headers: Record<string, string> = {}) =>
  ta.as(actor, { method: 'POST', url: `${BASE}/containers/${container}/confirmations`, payload, headers })
const confirmLot = (ta: TestApp, payload: object, actor: Actor = '02CI', headers: Record<string, string> = {}, lot = 'LOT1') =>
  ta.as(actor, { method: 'POST', url: `${BASE}/lots/${lot}/confirmations`, payload, headers })
const cancel = (ta: TestApp, id: string, payload: object = { reason: 'Nhầm container' }, actor: Actor = '02CI', headers: Record<string, string> = {}) =>
  ta.as(actor, { method: 'POST', url: `/api/v1/gate/confirmations/${id}/cancel`, payload, headers })
const codes = (res: { json(): { details?: Array<{ field: string; code: string }> } }) =>
  (res.json().details ?? []).map((d) => `${d.field}:${d.code}`)

t.test('a container is confirmed once; a second confirmation is recognised, not doubled', async (t) => {
  const ta = await setUp(t)
  const first = await confirmContainer(ta, C1)
  t.equal(first.statusCode, 201, first.body)
  t.match(first.json(), { kind: 'container', containerNumber: C1, carrierSeal: 'ML123456', customsSeal: null, status: 'CONFIRMED', alreadyConfirmed: false, origin: 'online', officerId: '02CI-officer' })
  const second = await confirmContainer(ta, C1)
  t.equal(second.statusCode, 200)
  t.equal(second.json().alreadyConfirmed, true)
  t.equal(second.json().id, first.json().id)
  t.notOk(second.headers['idempotent-replayed'], 'recognised by its natural key, not replayed')
  const noBody = await ta.as('02CI', { method: 'POST', url: `${BASE}/containers/${C2}/confirmations` })
  t.equal(noBody.statusCode, 201, `a confirmation needs no body: ${noBody.body}`)
  const view = (await ta.as('02CI', { url: BASE })).json()
  t.same(view.containers.map((c: { confirmed: boolean }) => c.confirmed), [true, true])
  t.equal(view.containers[0].confirmation.id, first.json().id)
  t.equal((await ta.sql(`SELECT count(*)::int AS n FROM gate_confirmations WHERE entry_ref = $1`, [C1])).rows[0]?.n, 1)
  const trail = await ta.as({ role: 'supervisor' }, { url: `/api/v1/audit/gate_confirmation/${first.json().id}` })
  t.same(trail.json().items.map((i: { action: string }) => i.action), ['confirm_container'])
})

t.test('confirming needs a passable declaration, a listed container or lot, and a past time', async (t) => {
  const ta = await setUp(t)
  const unlisted = await confirmContainer(ta, 'TGHU1234567')
  t.equal(unlisted.statusCode, 404)
  t.equal(unlisted.json().code, 'GATE_CONTAINER_NOT_FOUND')
  const noLot = await confirmLot(ta, { quantity: 1 }, '02CI', {}, 'LOT9')
  t.equal(noLot.statusCode, 404)
  t.equal(noLot.json().code, 'GATE_LOT_NOT_FOUND')
  const noDecl = await ta.as('02CI', { method: 'POST', url: `/api/v1/gate/declarations/108557295099/containers/${C1}/confirmations`, payload: {} })
  t.equal(noDecl.json().code, 'GATE_DECLARATION_NOT_FOUND')
  const badContainer = await confirmContainer(ta, 'CSQU3054384')
  t.equal(badContainer.statusCode, 400)
  t.ok(codes(badContainer).includes('params.containerNumber:INVALID_CONTAINER_NUMBER'))
  const future = await confirmContainer(ta, C1, { passedAt: '2999-01-01T00:00:00Z' })
  t.equal(future.statusCode, 400)
  t.ok(codes(future).includes('passedAt:PASSED_AT_IN_FUTURE'))
  const badTime = await confirmContainer(ta, C1, { passedAt: 'yesterday' })
  t.ok(codes(badTime).includes('passedAt:INVALID_DATE_TIME'))
  const unknown = await confirmLot(ta, { quantity: 1, colour: 'red' })
  t.ok(codes(unknown).includes('colour:FIELD_UNKNOWN'))
  const noQuantity = await confirmLot(ta, {})
  t.ok(codes(noQuantity).includes('quantity:FIELD_REQUIRED'))
  const negative = await confirmLot(ta, { quantity: -5 })
  t.ok(codes(negative).includes('quantity:FIELD_TOO_SMALL'))

  // Confirm one container, then the declaration stops being passable.
  const done = await confirmContainer(ta, C1)
  t.equal(done.statusCode, 201)
  t.equal((await ta.as('02CI', { method: 'PUT', url: BASE, payload: list({ status: 'NOT_CLEARED' }) })).statusCode, 200)
  const blocked = await confirmContainer(ta, C2)
  t.equal(blocked.statusCode, 409)
  t.equal(blocked.json().code, 'DECLARATION_NOT_CLEARED')
  t.equal(blocked.json().details.status, 'NOT_CLEARED')
  const blockedLot = await confirmLot(ta, { quantity: 1 })
  t.equal(blockedLot.json().code, 'DECLARATION_NOT_CLEARED')
  const retry = await confirmContainer(ta, C1)
  t.equal(retry.statusCode, 200, 'an earlier confirmation is still recognised')
  t.equal(retry.json().id, done.json().id)
  t.equal((await ta.as('02CI', { url: BASE })).json().passable, false)
})

t.test('a bulk lot passes in several lots up to its total and never beyond', async (t) => {
  const ta = await setUp(t)
  const a = await confirmLot(ta, { quantity: 40, weight: 40100 })
  t.equal(a.statusCode, 201, a.body)
  t.match(a.json(), { kind: 'lot', lotNumber: 'LOT1', quantity: 40, weight: 40100, alreadyConfirmed: false, lot: { quantityPassed: 40, quantityRemaining: 60, weightPassed: 40100 } })
  t.equal((await confirmLot(ta, { quantity: 50.5 })).json().lot.quantityRemaining, 9.5)
  const over = await confirmLot(ta, { quantity: 20 })
  t.equal(over.statusCode, 409)
  t.equal(over.json().code, 'QUANTITY_EXCEEDS_REMAINING')
  t.match(over.json().details, { remaining: 9.5, requested: 20, unit: 'TNE' })
  const last = await confirmLot(ta, { quantity: 9.5 })
  t.equal(last.statusCode, 201)
  t.equal(last.json().lot.fullyPassed, true)
  const beyond = await confirmLot(ta, { quantity: 0.001 })
  t.equal(beyond.json().code, 'QUANTITY_EXCEEDS_REMAINING')
  t.equal(beyond.json().details.remaining, 0)
  const view = (await ta.as('02CI', { url: BASE })).json()
  t.match(view.lots[0], { quantityPassed: 100, quantityRemaining: 0, fullyPassed: true })
  t.equal(view.lots[0].confirmations.length, 3)
  // Decimal arithmetic: 0.1 + 0.2 passes of a 0.3 lot fill it exactly.
  t.equal((await ta.as('02CI', { method: 'PUT', url: BASE, payload: list({ lots: [...list().lots, { lotNumber: 'LOT2', description: 'Cát', quantity: 0.3, quantityUnit: 'TNE', totalWeight: 300, weightUnit: 'KGM' }] }) })).statusCode, 200)
  t.equal((await confirmLot(ta, { quantity: 0.1 }, '02CI', {}, 'LOT2')).statusCode, 201)
  const fill = await confirmLot(ta, { quantity: 0.2 }, '02CI', {}, 'LOT2')
  t.equal(fill.statusCode, 201)
  t.equal(fill.json().lot.quantityRemaining, 0)
})

t.test('cancelling: a reason is required, only once; the container can pass again, the lot gets its quantity back', async (t) => {
  const ta = await setUp(t)
  const c = (await confirmContainer(ta, C1)).json()
  const noReason = await cancel(ta, c.id, {})
  t.equal(noReason.statusCode, 400)
  t.ok(codes(noReason).includes('reason:FIELD_REQUIRED'))
  const blank = await cancel(ta, c.id, { reason: '   ' })
  t.ok(codes(blank).includes('reason:FIELD_FORMAT'))
  const badId = await cancel(ta, 'not-a-uuid')
  t.ok(codes(badId).includes('params.id:INVALID_UUID'))
  const missing = await cancel(ta, '00000000-0000-4000-8000-000000000000')
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'GATE_CONFIRMATION_NOT_FOUND')
  const foreign = await cancel(ta, c.id, { reason: 'x' }, '06DS')
  t.equal(foreign.statusCode, 403)
  t.equal(foreign.json().code, 'OFFICE_FORBIDDEN')

  const done = await cancel(ta, c.id)
  t.equal(done.statusCode, 200)
  t.match(done.json(), { status: 'CANCELLED', cancellation: { reason: 'Nhầm container', cancelledBy: '02CI-officer', origin: 'online' } })
  const twice = await cancel(ta, c.id)
  t.equal(twice.statusCode, 409)
  t.equal(twice.json().code, 'ILLEGAL_TRANSITION')
  t.same(twice.json().details, { from: 'CANCELLED', action: 'cancel' })
  t.equal((await ta.as('02CI', { url: BASE })).json().containers[0].confirmed, false)
  const again = await confirmContainer(ta, C1)
  t.equal(again.statusCode, 201, 'a cancelled container can be confirmed again')
  t.not(again.json().id, c.id)

  const lotPass = (await confirmLot(ta, { quantity: 70, weight: 70000 })).json()
  t.equal((await confirmLot(ta, { quantity: 40 })).json().code, 'QUANTITY_EXCEEDS_REMAINING')
  t.equal((await cancel(ta, lotPass.id, { reason: 'Cân sai' })).statusCode, 200)
  const lot = (await ta.as('02CI', { url: BASE })).json().lots[0]
  t.match(lot, { quantityPassed: 0, quantityRemaining: 100, weightPassed: 0 })
  t.equal((await confirmLot(ta, { quantity: 100 })).statusCode, 201, 'the cancelled quantity can pass again')
  const trail = await ta.as({ role: 'supervisor' }, { url: `/api/v1/audit/gate_confirmation/${lotPass.id}` })
  t.same(trail.json().items.map((i: { action: string }) => i.action), ['confirm_lot', 'cancel'])
  t.equal(trail.json().items[1].before.status, 'CONFIRMED')
})

t.test('the list cannot remove or change entries already confirmed (409); other entries can change', async (t) => {
  const ta = await setUp(t)
  const c = (await confirmContainer(ta, C1)).json()
  await confirmLot(ta, { quantity: 10 })
  const put = (body: object) => ta.as('02CI', { method: 'PUT', url: BASE, payload: body })
  const removed = await put(list({ containers: [list().containers[1]] }))
  t.equal(removed.statusCode, 409)
  t.equal(removed.json().code, 'GATE_ENTRY_ALREADY_CONFIRMED')
  t.same(removed.json().details.entries, [{ containerNumber: C1, change: 'removed' }])
  const resealed = await put(list({ containers: [{ ...list().containers[0], customsSeal: 'HQ999' }, list().containers[1]] }))
  t.equal(resealed.statusCode, 409)
  t.same(resealed.json().details.entries, [{ containerNumber: C1, change: 'changed' }])
  const lotChanged = await put(list({ lots: [{ ...list().lots[0], quantity: 5 }] }))
  t.equal(lotChanged.statusCode, 409)
  t.same(lotChanged.json().details.entries, [{ lotNumber: 'LOT1', change: 'changed' }])
  const lotRemoved = await put(list({ lots: [] }))
  t.same(lotRemoved.json().details.entries, [{ lotNumber: 'LOT1', change: 'removed' }])

  const other = await put(list({ containers: [list().containers[0], { containerNumber: C2, carrierSeal: 'NEW1' }], status: 'RELEASED' }))
  t.equal(other.statusCode, 200, 'an unconfirmed container and the header may change')
  t.equal(other.json().containers[0].confirmation.id, c.id, 'the confirmed container keeps its confirmation')
  t.equal(other.json().containers[1].carrierSeal, 'NEW1')
  t.equal(other.json().lots[0].quantityPassed, 10, 'the confirmed lot keeps its passed quantity')

  await cancel(ta, c.id)
  const afterCancel = await put(list({ containers: [list().containers[1]], status: 'RELEASED' }))
  t.equal(afterCancel.statusCode, 200, 'once cancelled, the entry may go')
})

t.test('paper back-entry: original time and officer kept; re-entering the same paper record is recognised', async (t) => {
  const ta = await setUp(t)
  // Typed in the day after: within the days an officer may back-date (older ones: the test below).
  const passedAt = new Date(Date.now() - 26 * 3_600_000).toISOString()
  const paper = { origin: 'paper', paperRecordedAt: passedAt, paperOfficer: 'NV-0042' }
  const first = await confirmContainer(ta, C1, paper)
  t.equal(first.statusCode, 201)
  t.match(first.json(), { origin: 'paper', passedAt, officerId: 'NV-0042', enteredBy: '02CI-officer' })
  const again = await confirmContainer(ta, C1, paper)
  t.equal(again.statusCode, 200)
  t.equal(again.json().alreadyConfirmed, true)
  t.equal(again.json().id, first.json().id)
  const trail = await ta.as({ role: 'supervisor' }, { url: `/api/v1/audit/gate_confirmation/${first.json().id}` })
  t.match(trail.json().items[0], { officerId: 'NV-0042', enteredBy: '02CI-officer', origin: 'paper', occurredAt: passedAt })

  const noRef = await confirmLot(ta, { quantity: 10, ...paper })
  t.equal(noRef.statusCode, 400)
  t.ok(codes(noRef).includes('paperReference:FIELD_REQUIRED'))
  const onlineRef = await confirmLot(ta, { quantity: 10, paperReference: 'GS-001' })
  t.ok(codes(onlineRef).includes('paperReference:ONLY_FOR_PAPER_ORIGIN'))
  const noTime = await confirmLot(ta, { quantity: 10, origin: 'paper', paperReference: 'GS-001' })
  t.ok(codes(noTime).includes('paperRecordedAt:FIELD_REQUIRED'))

  const lotPaper = { quantity: 30, weight: 30010, paperReference: 'GS-001', ...paper }
  const lot1 = await confirmLot(ta, lotPaper)
  t.equal(lot1.statusCode, 201)
  t.match(lot1.json(), { paperReference: 'GS-001', officerId: 'NV-0042', passedAt, lot: { quantityPassed: 30 } })
  const lot1Again = await confirmLot(ta, lotPaper)
  t.equal(lot1Again.statusCode, 200)
  t.equal(lot1Again.json().alreadyConfirmed, true)
  t.equal(lot1Again.json().id, lot1.json().id)
  t.equal(lot1Again.json().lot.quantityPassed, 30, 'not counted twice')
  const typo = await confirmLot(ta, { ...lotPaper, quantity: 31 })
  t.equal(typo.statusCode, 409)
  t.equal(typo.json().code, 'PAPER_REFERENCE_CONFLICT')
  t.equal(typo.json().details.confirmationId, lot1.json().id)
  const secondForm = await confirmLot(ta, { ...lotPaper, paperReference: 'GS-002' })
  t.equal(secondForm.statusCode, 201, 'another paper form is another pass')
  t.equal(secondForm.json().lot.quantityPassed, 60)

  // A cancelled paper record is not revived by entering its form again.
  await cancel(ta, lot1.json().id, { reason: 'Phiếu ghi sai', ...paper })
  const revived = await confirmLot(ta, lotPaper)
  t.equal(revived.statusCode, 200)
  t.equal(revived.json().status, 'CANCELLED')
  t.equal(revived.json().lot.quantityPassed, 30)
  t.equal((await ta.sql(`SELECT count(*)::int AS n FROM gate_confirmations WHERE kind = 'lot'`)).rows[0]?.n, 2)
})

t.test('Idempotency-Key: replay returns the stored response once; another body with the key is 422', async (t) => {
  const ta = await setUp(t)
  const headers = { 'idempotency-key': 'lot-pass-1' }
  const first = await confirmLot(ta, { quantity: 25 }, '02CI', headers)
  t.equal(first.statusCode, 201)
  const replay = await confirmLot(ta, { quantity: 25 }, '02CI', headers)
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json())
  t.equal((await ta.as('02CI', { url: BASE })).json().lots[0].quantityPassed, 25, 'the lot counted it once')
  const mismatch = await confirmLot(ta, { quantity: 26 }, '02CI', headers)
  t.equal(mismatch.statusCode, 422)
  t.equal(mismatch.json().code, 'IDEMPOTENCY_KEY_REUSED')

  const ck = { 'idempotency-key': 'container-1' }
  const c = await confirmContainer(ta, C1, {}, '02CI', ck)
  const cReplay = await confirmContainer(ta, C1, {}, '02CI', ck)
  t.equal(cReplay.headers['idempotent-replayed'], 'true')
  t.same(cReplay.json(), c.json())
  const k = { 'idempotency-key': 'cancel-1' }
  t.equal((await cancel(ta, c.json().id, undefined, '02CI', k)).statusCode, 200)
  const cancelReplay = await cancel(ta, c.json().id, undefined, '02CI', k)
  t.equal(cancelReplay.statusCode, 200, 'a retried cancel gets its answer, not ILLEGAL_TRANSITION')
  t.equal(cancelReplay.headers['idempotent-replayed'], 'true')
})

t.test('office scoping of confirmations and searches', async (t) => {
  const ta = await setUp(t)
  const foreign = await confirmContainer(ta, C1, {}, '06DS')
  t.equal(foreign.statusCode, 403)
  t.equal(foreign.json().code, 'OFFICE_FORBIDDEN')
  t.equal((await confirmLot(ta, { quantity: 1 }, '06DS')).json().code, 'OFFICE_FORBIDDEN')
  t.equal((await confirmContainer(ta, C1, {}, { office: '02CI', role: 'admin' })).json().code, 'ROLE_FORBIDDEN')
  t.equal((await confirmContainer(ta, C1, {}, { office: '02CI', role: 'supervisor' })).statusCode, 201)
  const otherSearch = await ta.as('02CI', { url: '/api/v1/gate/confirmations?office=06DS' })
  t.equal(otherSearch.statusCode, 403)
  t.equal(otherSearch.json().code, 'OFFICE_FORBIDDEN')
  const theirs = await ta.as('06DS', { url: '/api/v1/gate/confirmations' })
  t.equal(theirs.statusCode, 200)
  t.equal(theirs.json().items.length, 0, "an officer's search defaults to their own office")
  const admin = await ta.as({ office: '06DS', role: 'admin' }, { url: '/api/v1/gate/confirmations' })
  t.equal(admin.json().items.length, 1, 'admins search every office')
})

t.test('search: filters and keyset pagination', async (t) => {
  const ta = await setUp(t)
  const hour = (h: number) => `2024-06-04T${String(h).padStart(2, '0')}:00:00Z`
  const c1 = (await confirmContainer(ta, C1, { passedAt: hour(1) })).json()
  const c2 = (await confirmContainer(ta, C2, { passedAt: hour(2) })).json()
  const lots = []
  for (let h = 3; h <= 7; h++) lots.push((await confirmLot(ta, { quantity: 1, passedAt: hour(h) })).json())
  await cancel(ta, lots[0].id)
  const search = (qs: string) => ta.as('02CI', { url: `/api/v1/gate/confirmations?${qs}` })

  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await search(`limit=3${cursor ? `&cursor=${cursor}` : ''}`)
    t.equal(res.statusCode, 200)
    seen.push(...res.json().items.map((i: { id: string }) => i.id))
    cursor = res.json().nextCursor
    pages++
  } while (cursor)
  t.equal(pages, 3)
  t.same(seen, [...lots].reverse().map((l) => l.id).concat([c2.id, c1.id]), 'newest pass first, each once')

  t.same((await search(`containerNumber=${C2}`)).json().items.map((i: { id: string }) => i.id), [c2.id])
  t.same((await search('sealNumber=HQ000123')).json().items.map((i: { id: string }) => i.id), [c2.id], 'customs seal')
  t.same((await search('sealNumber=ML123456')).json().items.map((i: { id: string }) => i.id), [c1.id], 'carrier seal')
  t.equal((await search(`declarationNumber=${DN}`)).json().items.length, 7)
  t.equal((await search('declarationNumber=108557295099')).json().items.length, 0)
  t.same((await search('status=CANCELLED')).json().items.map((i: { id: string }) => i.id), [lots[0].id])
  const window = (await search(`from=${hour(2)}&to=${hour(4)}`)).json().items.map((i: { id: string }) => i.id)
  t.same(window, [lots[0].id, c2.id], 'from inclusive, to exclusive')

  const inverted = await search(`from=${hour(5)}&to=${hour(4)}`)
  t.equal(inverted.statusCode, 400)
  t.ok(codes(inverted).includes('querystring.from:DATE_RANGE_INVERTED'))
  for (const bad of ['garbage', Buffer.from('["2024-01-01T00:00:00Z","x"]').toString('base64url'), Buffer.from('["+275760-09-13T00:00:00Z","00000000-0000-4000-8000-000000000000"]').toString('base64url')]) {
    const res = await search(`cursor=${bad}`)
    t.equal(res.statusCode, 400, `cursor ${bad}`)
    t.ok(codes(res).includes('querystring.cursor:INVALID_CURSOR'))
  }
  t.ok(codes(await search('limit=0')).includes('querystring.limit:FIELD_TOO_SMALL'))
  t.ok(codes(await search('containerNumber=CSQU3054384')).includes('querystring.containerNumber:INVALID_CONTAINER_NUMBER'))
  t.ok(codes(await search('status=GONE')).includes('querystring.status:FIELD_NOT_ALLOWED_VALUE'))
  t.ok(codes(await search('colour=red')).includes('querystring.colour:FIELD_UNKNOWN'))
})

t.test('every container of a declaration confirmed at once; a retry or a second call repeats nothing', async (t) => {
  const ta = await setUp(t)
  const all = (headers: Record<string, string> = {}, actor: Actor = '02CI') =>
    ta.as(actor, { method: 'POST', url: `${BASE}/confirmations`, headers })
  const earlier = await confirmContainer(ta, C1)
  t.equal(earlier.statusCode, 201)

  const res = await all({ 'idempotency-key': 'convoy-1' })
  t.equal(res.statusCode, 201, res.body)
  t.equal(res.json().confirmed, 1, 'only the container not yet confirmed')
  t.same(res.json().confirmations.map((c: { containerNumber: string; alreadyConfirmed: boolean }) => [c.containerNumber, c.alreadyConfirmed]), [[C1, true], [C2, false]])
  t.equal(res.json().confirmations[0].id, earlier.json().id)

  const replay = await all({ 'idempotency-key': 'convoy-1' })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), res.json())
  const again = await all()
  t.equal(again.statusCode, 200, 'everything had passed already')
  t.equal(again.json().confirmed, 0)
  const active = (await ta.as('02CI', { url: `/api/v1/gate/confirmations?declarationNumber=${DN}&status=CONFIRMED` })).json().items
  t.equal(active.filter((c: { kind: string }) => c.kind === 'container').length, 2, 'one confirmation per container, no more')

  t.equal((await all({}, '03CE')).statusCode, 403, 'only the supervising office')
  const none = await ta.as('02CI', { method: 'POST', url: '/api/v1/gate/declarations/108557295099/confirmations' })
  t.equal(none.json().code, 'GATE_DECLARATION_NOT_FOUND')
})
