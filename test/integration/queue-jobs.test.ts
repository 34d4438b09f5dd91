// The scheduled jobs' effects: the overdue scan marks handovers past their time limit and notifies
// the departure office (once, however often it runs); the idempotency sweep removes expired keys.
import t from 'tap'
import { buildTestApp, type TestApp } from '../helper.ts'
import { runOverdueScan } from '../../src/jobs/overdue-scan-job.ts'
import { idempotencySweepJob } from '../../src/jobs/idempotency-sweep-job.ts'
import type { JobDeps } from '../../src/jobs/job-definition.ts'

const DEP = { office: '02CI', officerId: 'dep-officer' }
const DEST = { office: '02CC', officerId: 'dest-officer' }
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString()

function depsOf(api: TestApp): JobDeps {
  return {
    db: api.app.db,
    config: api.app.config,
    log: api.app.log,
    metrics: { outboxDelivery() {}, backEntryRow() {}, changes() {} },
  }
}

/** A paper handover made two days ago with a time limit one day ago: past it, not arrived. */
async function overdueHandover(api: TestApp, paperNumber: string, containerNumber = 'CSQU3054383') {
  const res = await api.as(DEP, {
    method: 'POST',
    url: '/api/v1/handovers',
    payload: {
      destinationOffice: DEST.office,
      destinationPlace: 'ICD Transimex, Thủ Đức',
      declarationNumbers: ['108557295010'],
      containers: [{ containerNumber, carrierSeal: 'ML123456', customsSeal: 'HQ000111' }],
      vehicle: '51C-123.45',
      route: 'Cát Lái — ICD Transimex',
      dueAt: hoursAgo(24),
      origin: 'paper',
      paperRecordedAt: hoursAgo(48),
      paperNumber,
    },
  })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json() as { id: string; handoverNumber: string }
}

const statusOf = async (api: TestApp, id: string) => (await api.as(DEP, { url: `/api/v1/handovers/${id}` })).json().status as string

t.test('overdue scan: marks the handover, notifies the departure office, and does both once', async (t) => {
  const api = await buildTestApp(t)
  const h = await overdueHandover(api, 'P-001')
  const onTime = await api.as(DEP, {
    method: 'POST',
    url: '/api/v1/handovers',
    payload: {
      destinationOffice: DEST.office, destinationPlace: 'ICD', declarationNumbers: ['108557295010'],
      goodsLines: [{ description: 'Thép cuộn', quantity: 1, unit: 'TNE' }], vehicle: '51C-1', route: 'R', dueAt: new Date(Date.now() + 3_600_000).toISOString(),
    },
  })
  t.equal(onTime.statusCode, 201, onTime.body)

  const first = await runOverdueScan(depsOf(api), 'run-1')
  t.same(first, { marked: 1, notices: 2 }, 'one overdue notice to each office')
  t.equal(await statusOf(api, h.id), 'OVERDUE')
  t.equal(await statusOf(api, onTime.json().id), 'HANDED_OVER', 'a handover within its limit is left alone')

  const again = await runOverdueScan(depsOf(api), 'run-2')
  t.same(again, { marked: 0, notices: 0 }, 'a second run (e.g. after a lost complete()) changes nothing')
  t.same((await api.sql("SELECT office FROM notices WHERE kind = 'HANDOVER_OVERDUE' ORDER BY office")).rows, [{ office: '02CC' }, { office: '02CI' }])
  t.equal((await api.sql("SELECT count(*)::int AS n FROM outbox WHERE event_type = 'handover.markOverdue'")).rows[0]?.n, 1, 'one outbox event')
  const audit = (await api.sql("SELECT officer_id, office FROM audit_log WHERE action = 'markOverdue'")).rows
  t.same(audit, [{ officer_id: 'system:overdue-scan', office: 'SYSTEM' }], 'the audit trail names the scheduled scan')

  const notices = await api.as(DEP, { url: '/api/v1/notices' })
  t.equal(notices.statusCode, 200)
  t.equal(notices.json().items.length, 1)
  t.match(notices.json().items[0], {
    office: '02CI',
    kind: 'HANDOVER_OVERDUE',
    entityType: 'handover',
    entityId: h.id,
    message: new RegExp(h.handoverNumber),
    details: { handoverNumber: h.handoverNumber, destinationOffice: '02CC', containerNumbers: ['CSQU3054383'], verificationUrl: `/api/v1/handovers/${h.id}/verification` },
  })

  // The departure office follows the notice: open a verification, then record its result.
  const opened = await api.as(DEP, { method: 'POST', url: `/api/v1/handovers/${h.id}/verification`, payload: { note: 'Liên hệ Chi cục 02CC' } })
  t.equal(opened.statusCode, 200, opened.body)
  t.equal(opened.json().status, 'UNDER_VERIFICATION')
  const result = await api.as({ ...DEP, role: 'supervisor' }, {
    method: 'POST',
    url: `/api/v1/handovers/${h.id}/verification/result`,
    payload: { outcome: 'RESOLVED', explanation: 'Xe hỏng dọc đường; hàng đã đến, niêm phong nguyên vẹn' },
  })
  t.equal(result.json().status, 'RESOLVED', result.body)
})

t.test('notices: an office reads its own; another office is 403; admins read any; pages by cursor', async (t) => {
  const api = await buildTestApp(t)
  await overdueHandover(api, 'P-101', 'CSQU3054383')
  await overdueHandover(api, 'P-102', 'MSKU9070323')
  t.same(await runOverdueScan(depsOf(api), 'run'), { marked: 2, notices: 4 }, 'an overdue notice to each office of each handover')

  const destination = (await api.as(DEST, { url: '/api/v1/notices' })).json().items.map((n: { kind: string }) => n.kind).sort()
  t.same(destination, ['HANDOVER_INCOMING', 'HANDOVER_INCOMING', 'HANDOVER_OVERDUE', 'HANDOVER_OVERDUE'], 'the destination office has its own notices')
  const other = await api.as(DEST, { url: '/api/v1/notices?office=02CI' })
  t.equal(other.statusCode, 403)
  t.equal(other.json().code, 'OFFICE_FORBIDDEN')
  const admin = await api.as({ office: '00HQ', role: 'admin' }, { url: '/api/v1/notices?office=02CI' })
  t.equal(admin.json().items.length, 2)

  const page1 = (await api.as(DEP, { url: '/api/v1/notices?limit=1' })).json()
  t.equal(page1.items.length, 1)
  t.ok(page1.nextCursor)
  const page2 = (await api.as(DEP, { url: `/api/v1/notices?limit=1&cursor=${page1.nextCursor}` })).json()
  t.equal(page2.items.length, 1)
  t.not(page2.items[0].id, page1.items[0].id)
  t.equal(page2.nextCursor, null)
  const bad = await api.as(DEP, { url: '/api/v1/notices?cursor=nonsense' })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().details.map((d: { code: string }) => d.code), ['INVALID_CURSOR'])
  const badOffice = await api.as(DEP, { url: '/api/v1/notices?office=x' })
  t.equal(badOffice.statusCode, 400)
  t.equal(badOffice.json().details[0].code, 'INVALID_OFFICE_CODE')
})

t.test('the overdue scan runs through the queue', async (t) => {
  const api = await buildTestApp(t, { queueEnabled: true })
  const queue = api.app.queue
  if (!queue) throw new Error('queue expected')
  await queue.whenStarted()
  const h = await overdueHandover(api, 'P-201')
  await queue.send('overdue-scan', null)
  const stopAt = Date.now() + 20_000
  while ((await statusOf(api, h.id)) !== 'OVERDUE') {
    if (Date.now() > stopAt) throw new Error('the queued scan did not mark the handover')
    await new Promise((r) => setTimeout(r, 200))
  }
  t.pass('marked OVERDUE by the worker')
  t.equal((await api.as(DEP, { url: '/api/v1/notices' })).json().items.length, 1)
})

t.test('idempotency sweep removes expired keys only', async (t) => {
  const api = await buildTestApp(t)
  await api.sql(`INSERT INTO idempotency_keys (caller, key, fingerprint, outcome, expires_at)
                 VALUES ('o', 'old', 'f', '{}', now() - interval '1 hour'), ('o', 'fresh', 'f', '{}', now() + interval '1 day')`)
  const run = { id: 'j', retryCount: 0, signal: new AbortController().signal }
  t.same(await idempotencySweepJob.handle(depsOf(api), {}, run), { removed: 1 })
  t.same((await api.sql('SELECT key FROM idempotency_keys')).rows, [{ key: 'fresh' }])
  t.same(await idempotencySweepJob.handle(depsOf(api), {}, run), { removed: 0 }, 'a second run removes nothing')
})
