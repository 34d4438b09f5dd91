// Handover search and lists: filters, office scoping, keyset pagination across pages, date range
// checks, the overdue list of an office.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'

const DEP = { office: '02CI', officerId: 'dep-officer' }
const DEST = { office: '02CC', officerId: 'dest-officer' }
const OTHER = { office: '03CE', officerId: 'other-officer' }
const ADMIN = { office: '00AD', role: 'admin' as const }
const HOUR = 3_600_000
const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * HOUR).toISOString()

let paperSeq = 0
/** A paper handover at a chosen time, so the order of the list is known. */
async function handoverAt(
  app: TestApp,
  actor: { office: string },
  hoursAgo: number,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; handoverNumber: string }> {
  const res = await app.as(actor, {
    method: 'POST',
    url: '/api/v1/handovers',
    payload: {
      destinationOffice: DEST.office,
      destinationPlace: 'ICD Transimex',
      declarationNumbers: ['108557295010'],
      containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: 'HQ1' }],
      vehicle: '51C-123.45',
      route: 'Cát Lái — ICD',
      origin: 'paper',
      paperNumber: `S-${++paperSeq}`,
      paperRecordedAt: at(hoursAgo),
      dueAt: at(hoursAgo - 12),
      ...overrides,
    },
  })
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.body}`)
  return res.json()
}

const search = (app: TestApp, actor: object, query: string) => app.as(actor, { url: `/api/v1/handovers?${query}` })
const idsOf = (res: { json(): { items: Array<{ id: string }> } }) => res.json().items.map((i) => i.id)

t.test('search filters, newest first, limited to the actor\'s office', async (t) => {
  const app = await buildTestApp(t)
  const a = await handoverAt(app, DEP, 10, { declarationNumbers: ['108557295010', '308000000001'] })
  const b = await handoverAt(app, DEP, 8, {
    containers: [{ containerNumber: 'MSKU9070323', carrierSeal: 'CARRIER-9', customsSeal: 'CUSTOMS-9' }],
  })
  const c = await handoverAt(app, OTHER, 6, { destinationOffice: '02CI' })
  const d = await handoverAt(app, OTHER, 4, { destinationOffice: '04XX' })
  const e = await handoverAt(app, DEP, 2, { goodsLines: [{ description: 'x', quantity: 1, unit: 'KGM' }], containers: undefined })

  t.same(idsOf(await search(app, DEP, '')), [e.id, c.id, b.id, a.id], 'own office as either end, newest first')
  t.same(idsOf(await search(app, DEP, 'office=02CI')), [e.id, c.id, b.id, a.id])
  t.same(idsOf(await search(app, DEST, '')), [e.id, b.id, a.id], 'the destination office sees what comes to it')
  const forbidden = await search(app, DEP, 'office=03CE')
  t.equal(forbidden.statusCode, 403)
  t.equal(forbidden.json().code, 'OFFICE_FORBIDDEN')
  t.same(idsOf(await search(app, ADMIN, '')), [e.id, d.id, c.id, b.id, a.id], 'admin: every office')
  t.same(idsOf(await search(app, ADMIN, 'office=03CE')), [d.id, c.id])

  t.same(idsOf(await search(app, DEP, 'declarationNumber=308000000001')), [a.id])
  t.same(idsOf(await search(app, DEP, 'containerNumber=MSKU9070323')), [b.id])
  t.same(idsOf(await search(app, DEP, 'sealNumber=CARRIER-9')), [b.id], 'carrier seal')
  t.same(idsOf(await search(app, DEP, 'sealNumber=CUSTOMS-9')), [b.id], 'customs seal')
  t.same(idsOf(await search(app, DEP, `handoverNumber=${a.handoverNumber}`)), [a.id])
  t.same(idsOf(await search(app, DEP, `from=${encodeURIComponent(at(9))}&to=${encodeURIComponent(at(3))}`)), [c.id, b.id])

  await app.as(DEST, {
    method: 'POST',
    url: `/api/v1/handovers/${b.id}/receipt`,
    payload: { containers: [{ containerNumber: 'MSKU9070323', sealState: 'replaced', newSealNumber: 'NEW-SEAL-1' }] },
  })
  t.same(idsOf(await search(app, DEP, 'sealNumber=NEW-SEAL-1')), [b.id], 'replacement seal')
  t.same(idsOf(await search(app, DEP, 'status=ARRIVED_WITH_DISCREPANCY')), [b.id])
  t.same(idsOf(await search(app, DEP, 'status=HANDED_OVER&declarationNumber=108557295010')), [e.id, c.id, a.id])

  const item = (await search(app, DEP, `handoverNumber=${b.handoverNumber}`)).json().items[0]
  t.same(item.containerNumbers, ['MSKU9070323'])
  t.equal(item.origin, 'paper')
})

t.test('search query validation', async (t) => {
  const app = await buildTestApp(t)
  const codeOf = async (query: string) => {
    const res = await search(app, DEP, query)
    t.equal(res.statusCode, 400, query)
    return (res.json().details ?? []).map((d: { field: string; code: string }) => `${d.field}:${d.code}`)
  }
  t.same(await codeOf(`from=${at(1)}&to=${at(5)}`), ['querystring.from:DATE_RANGE_INVERTED'])
  t.same(await codeOf('containerNumber=CSQU3054384'), ['querystring.containerNumber:INVALID_CONTAINER_NUMBER'])
  t.same(await codeOf('declarationNumber=123'), ['querystring.declarationNumber:INVALID_DECLARATION_NUMBER'])
  t.same(await codeOf('status=LOST'), ['querystring.status:FIELD_NOT_ALLOWED_VALUE'])
  t.same(await codeOf('colour=red'), ['querystring.colour:FIELD_UNKNOWN'])
  t.same(await codeOf('from=yesterday'), ['querystring.from:INVALID_DATE_TIME'])
  t.same(await codeOf('limit=0'), ['querystring.limit:FIELD_TOO_SMALL'])
  t.same(await codeOf('cursor=not-a-cursor'), ['querystring.cursor:INVALID_CURSOR'])
  const badId = Buffer.from(JSON.stringify(['2026-01-01T00:00:00Z', 'x'])).toString('base64url')
  t.same(await codeOf(`cursor=${badId}`), ['querystring.cursor:INVALID_CURSOR'], 'a cursor whose id is not a uuid')
  const badTime = Buffer.from(JSON.stringify(['1', '00000000-0000-4000-8000-000000000000'])).toString('base64url')
  t.same(await codeOf(`cursor=${badTime}`), ['querystring.cursor:INVALID_CURSOR'], 'a cursor whose time the database cannot read')
})

t.test('keyset pagination walks every page once, in order', async (t) => {
  const app = await buildTestApp(t)
  const created: string[] = []
  for (let i = 0; i < 7; i++) created.push((await handoverAt(app, i % 3 === 2 ? OTHER : DEP, 30 - i, i % 3 === 2 ? { destinationOffice: '02CI' } : {})).id)
  // Two handovers at the same instant: the id breaks the tie and neither is skipped.
  const sameTime = at(1)
  created.push((await handoverAt(app, DEP, 0, { paperRecordedAt: sameTime })).id)
  created.push((await handoverAt(app, DEP, 0, { paperRecordedAt: sameTime })).id)
  await handoverAt(app, OTHER, 5, { destinationOffice: '04XX' })

  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await search(app, DEP, `limit=2${cursor ? `&cursor=${cursor}` : ''}`)
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.ok(body.items.length <= 2)
    seen.push(...body.items.map((i: { id: string }) => i.id))
    cursor = body.nextCursor
    pages++
  } while (cursor && pages < 20)
  t.equal(pages, 5, '9 handovers in pages of 2')
  t.equal(new Set(seen).size, 9, 'no duplicates')
  t.same(new Set(seen), new Set(created), 'nothing skipped, no other office')
  const all = idsOf(await search(app, DEP, 'limit=200'))
  t.same(seen, all, 'pages concatenate to the single-page order')
  const times = (await search(app, DEP, 'limit=200')).json().items.map((i: { handedOverAt: string }) => i.handedOverAt)
  t.same(times, [...times].sort().reverse(), 'newest first')
})

t.test('the overdue list of an office', async (t) => {
  const app = await buildTestApp(t)
  const pastDue = await handoverAt(app, DEP, 30) // due 18 h ago, not yet marked
  const marked = await handoverAt(app, DEP, 40) // due 28 h ago, marked below
  const underVerification = await handoverAt(app, DEP, 50)
  const notDue = await handoverAt(app, DEP, 2, { dueAt: at(-6) })
  const arrived = await handoverAt(app, DEP, 20)
  const incoming = await handoverAt(app, OTHER, 35, { destinationOffice: '02CI' })
  const elsewhere = await handoverAt(app, OTHER, 35, { destinationOffice: '04XX' })

  await app.as(DEST, {
    method: 'POST',
    url: `/api/v1/handovers/${arrived.id}/receipt`,
    payload: { containers: [{ containerNumber: 'CSQU3054383', sealState: 'intact' }] },
  })
  const sup = { office: '02CI', role: 'supervisor' as const }
  await app.as(sup, { method: 'POST', url: '/api/v1/handovers/overdue-scan', payload: {} })
  await app.as(DEP, { method: 'POST', url: `/api/v1/handovers/${underVerification.id}/verification`, payload: {} })
  // pastDue was created before the scan ran; make it "not yet marked" again for the list's third kind.
  await app.sql(`UPDATE handovers SET status = 'HANDED_OVER', overdue_at = NULL WHERE id = $1`, [pastDue.id])

  const list = await app.as(DEP, { url: '/api/v1/handovers/overdue' })
  t.equal(list.statusCode, 200)
  const items = list.json().items as Array<{ id: string; status: string }>
  t.same(items.map((i) => i.id), [underVerification.id, marked.id, incoming.id, pastDue.id], 'oldest time limit first')
  t.same(items.map((i) => i.status), ['UNDER_VERIFICATION', 'OVERDUE', 'HANDED_OVER', 'HANDED_OVER'])
  t.notOk(items.some((i) => [notDue.id, arrived.id, elsewhere.id].includes(i.id)))

  const paged: string[] = []
  let cursor: string | null = null
  do {
    const res = await app.as(DEP, { url: `/api/v1/handovers/overdue?office=02CI&limit=3${cursor ? `&cursor=${cursor}` : ''}` })
    paged.push(...idsOf(res))
    cursor = res.json().nextCursor
  } while (cursor)
  t.same(paged, items.map((i) => i.id), 'paginated the same')

  const other = await app.as(DEP, { url: '/api/v1/handovers/overdue?office=03CE' })
  t.equal(other.statusCode, 403)
  t.equal(other.json().code, 'OFFICE_FORBIDDEN')
  const admin = await app.as(ADMIN, { url: '/api/v1/handovers/overdue?office=03CE' })
  t.same(new Set(idsOf(admin)), new Set([incoming.id, elsewhere.id]), 'admin reads any office')
})
