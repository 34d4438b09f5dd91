// Bulk back-entry: upload (CSV, JSON), rows applied once through the services with origin 'paper',
// an interrupted run (N rows then stop; a killed process; a failover mid-row) resumes and applies
// every row exactly once, a re-upload of the same file is the same batch, progress and report.
//
// This file is also the killed processor: with BACK_ENTRY_CHILD=1 it processes a batch slowly
// until it is killed (see runChild).
import { execFile } from 'node:child_process'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { loadConfig } from '../../src/config.ts'
import { Database } from '../../src/db/database.ts'
import { createPool } from '../../src/db/pool-factory.ts'
import { processBatch } from '../../src/services/back-entry-service.ts'

const HERE = fileURLToPath(import.meta.url)
const REPO = path.resolve(path.dirname(HERE), '../..')

async function runChild(): Promise<void> {
  const config = loadConfig({}, {
    databaseUrl: process.env.TEST_DATABASE_URL as string,
    databaseSchema: process.env.CHILD_SCHEMA as string,
    jwtSecret: 'unused-by-this-child-but-32-bytes-or-more',
    // A cold process's first TLS + scram connection on a loaded 2-core machine can take more than
    // the 2 s default; this test is about resuming a batch, not about connect time.
    connectTimeoutMs: 10_000,
  })
  const db = new Database(createPool(config, config.databaseUrl, 'primary'), null, 5000)
  await processBatch(db, process.env.CHILD_BATCH as string, {
    paperBackdatingDays: config.paperBackdatingDays,
    onRow: () => {
      console.log('ROW')
      // Slow enough for the parent to kill it between rows or in the middle of one.
      const until = Date.now() + 150
      while (Date.now() < until) { /* busy: the row transaction of the next row is not started yet */ }
    },
  })
  console.log('FINISHED')
  await db.close()
}

if (process.env.BACK_ENTRY_CHILD === '1') {
  await runChild()
} else {
  await runTests()
}

async function runTests() {
  const { default: t } = await import('tap')
  const { buildTestApp, TEST_JWT_SECRET } = await import('../helper.ts')
  const { ROW_KINDS } = await import('../../src/services/back-entry-row-kinds.ts')
  const { contentHashOf, parseCsv, rowsFromCsv } = await import('../../src/services/back-entry-parser.ts')
  type TestApp = Awaited<ReturnType<typeof buildTestApp>>
  type T = Parameters<typeof buildTestApp>[0]

  // The records of these files are of June 2025, more than PAPER_BACKDATING_DAYS old: supervisors
  // upload them (an officer's upload of such rows: paper-entry-rules.test.ts).
  const DEP = { office: '02CI', officerId: 'NV-0100', role: 'supervisor' as const }
  const DEST = { office: '06DS', officerId: 'NV-0611', role: 'supervisor' as const }
  const apply = (api: TestApp, id: string, options: { maxRows?: number } = {}) =>
    processBatch(api.app.db, id, { paperBackdatingDays: api.app.config.paperBackdatingDays, ...options })
  const GATE_DN = '108557295070'
  const URL = '/api/v1/back-entry/batches'
  const example = await readFile(path.join(REPO, 'docs/examples/back-entry-example.csv'), 'utf8')

  async function setUp(t: T, overrides = {}): Promise<TestApp> {
    const api = await buildTestApp(t, overrides)
    const res = await api.as(DEP, {
      method: 'PUT',
      url: `/api/v1/gate/declarations/${GATE_DN}`,
      payload: {
        office: '02CI', locationCode: '02CIC03', traderName: 'Công ty TNHH Thương mại ABC', traderTaxCode: '0100109522',
        status: 'CLEARED', declarationDate: '2025-06-03', procedureType: 'A11', channel: 2,
        containers: [
          { containerNumber: 'TGHU1000018', carrierSeal: 'ML1', customsSeal: 'HQ1' },
          { containerNumber: 'TGHU1000023', carrierSeal: 'ML2', customsSeal: '#####' },
        ],
        lots: [{ lotNumber: 'LOT-A', description: 'Thép cuộn', quantity: 50, quantityUnit: 'TNE', totalWeight: 50000, weightUnit: 'KGM' }],
      },
    })
    if (res.statusCode !== 201) throw new Error(res.body)
    return api
  }

  const uploadCsv = (api: TestApp, csv: string, actor: object = DEP, headers: Record<string, string> = {}) =>
    api.as(actor, { method: 'POST', url: `${URL}?fileName=example.csv`, payload: csv, headers: { 'content-type': 'text/csv', ...headers } })
  const uploadJson = (api: TestApp, body: object, actor: object = DEP, headers: Record<string, string> = {}) =>
    api.as(actor, { method: 'POST', url: URL, payload: body, headers })
  const progress = async (api: TestApp, id: string, actor: object = DEP) => (await api.as(actor, { url: `${URL}/${id}` })).json()
  const report = async (api: TestApp, id: string, query = '', actor: object = DEP) => (await api.as(actor, { url: `${URL}/${id}/report${query}` })).json()
  const n = async (api: TestApp, sql: string) => (await api.sql<{ n: number }>(sql)).rows[0]?.n as number
  const effects = async (api: TestApp) => ({
    handovers: await n(api, 'SELECT count(*)::int AS n FROM handovers'),
    confirmations: await n(api, 'SELECT count(*)::int AS n FROM gate_confirmations'),
    declarations: await n(api, 'SELECT count(*)::int AS n FROM paper_declarations'),
    // Not the batch's own upload, nor the eligible list registered by setUp.
    audit: await n(api, "SELECT count(*)::int AS n FROM audit_log WHERE entity_type NOT IN ('back_entry_batch', 'gate_declaration')"),
    outbox: await n(api, "SELECT count(*)::int AS n FROM outbox WHERE entity_type NOT IN ('back_entry_batch', 'gate_declaration')"),
  })

  t.test('the example file: upload, stop after 3 rows, resume; every row applied once; a re-upload changes nothing', async (t) => {
    const api = await setUp(t)
    const up = await uploadCsv(api, example)
    t.equal(up.statusCode, 202, up.body)
    const batch = up.json()
    t.match(batch, { status: 'pending', format: 'csv', fileName: 'example.csv', office: '02CI', uploadedBy: 'NV-0100', total: 7, processed: 0, percentage: 0, duplicate: false })
    t.same(batch.counts, { pending: 7, accepted: 0, duplicate: 0, rejected: 0 })

    t.same(await apply(api, batch.id, { maxRows: 3 }), { done: false, processed: 3 }, 'interrupted after 3 rows')
    t.match(await progress(api, batch.id), { status: 'processing', processed: 3, percentage: 42.8, counts: { pending: 4, accepted: 3 } })
    t.same(await apply(api, batch.id), { done: true, processed: 4 }, 'resumed where it stopped')
    const done = await progress(api, batch.id)
    t.match(done, { status: 'done', processed: 7, percentage: 100, counts: { pending: 0, accepted: 7, duplicate: 0, rejected: 0 } })
    t.ok(done.finishedAt)
    const after = await effects(api)
    t.same(after, { handovers: 2, confirmations: 4, declarations: 1, audit: 7, outbox: 7 }, 'each row applied exactly once')

    const h = (await api.sql("SELECT status, origin, handed_over_by, paper_number FROM handovers WHERE paper_number = 'BB-9001'")).rows[0]
    t.match(h, { status: 'HANDED_OVER', origin: 'paper', handed_over_by: 'NV-0042' }, 'with the original officer and origin paper')
    const lot = (await api.as(DEP, { url: `/api/v1/gate/declarations/${GATE_DN}` })).json().lots[0]
    t.match(lot, { quantityPassed: 50, quantityRemaining: 0, fullyPassed: true }, 'CSV text "30" and "20" became numbers')
    const decl = (await api.as(DEP, { url: '/api/v1/paper-declarations/02CI-2025-9001' })).json()
    t.match(decl, { origin: 'paper', recordedBy: 'NV-0044', enteredBy: 'NV-0100', recordedAt: '2025-06-04T01:15:00.000Z' })

    t.same(await apply(api, batch.id), { done: true, processed: 0 }, 'a re-run changes nothing')
    const again = await uploadCsv(api, example)
    t.equal(again.statusCode, 200)
    t.match(again.json(), { id: batch.id, duplicate: true, status: 'done' }, 're-upload: the same batch')
    const crlf = await uploadCsv(api, example.replaceAll('\n', '\r\n'))
    t.match(crlf.json(), { id: batch.id, duplicate: true }, 'the same rows with other line endings are the same file')
    t.same(await effects(api), after, 'nothing re-applied')
    t.equal(await n(api, 'SELECT count(*)::int AS n FROM back_entry_batches'), 1)

    // A different file repeating records already entered: each row is recognised by its natural key.
    const lines = example.trimEnd().split('\n')
    const repeat = await uploadCsv(api, [lines[0], lines[1], lines[7]].join('\n'))
    t.equal(repeat.statusCode, 202)
    await apply(api, repeat.json().id)
    t.match(await progress(api, repeat.json().id), { counts: { accepted: 0, duplicate: 2 } })
    t.same(await effects(api), after, 'paper records entered twice exist once')

    const page1 = await report(api, batch.id, '?limit=3')
    t.same(page1.items.map((i: { rowNo: number }) => i.rowNo), [1, 2, 3])
    t.match(page1.items[0], { kind: 'handover', status: 'accepted', code: null, entityType: 'handover' })
    const page3 = await report(api, batch.id, `?limit=3&cursor=${(await report(api, batch.id, `?limit=3&cursor=${page1.nextCursor}`)).nextCursor}`)
    t.same(page3.items.map((i: { rowNo: number }) => i.rowNo), [7])
    t.equal(page3.nextCursor, null)
    const bad = await api.as(DEP, { url: `${URL}/${batch.id}/report?cursor=abc` })
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().details[0].code, 'INVALID_CURSOR')

    // The destination office back-enters its receipt of BB-9001, naming it by paper form number.
    const receipts = await uploadJson(api, {
      fileName: 'tiep-nhan.json',
      rows: [
        { kind: 'receipt', originalTime: '2025-06-04T08:00:00Z', originalOfficer: 'NV-0611', data: { departureOffice: '02CI', paperNumber: 'BB-9001', containers: [{ containerNumber: 'TGHU1000039', sealState: 'intact' }] } },
        { kind: 'receipt', originalTime: '2025-06-04T08:00:00Z', originalOfficer: 'NV-0611', data: { departureOffice: '02CI', paperNumber: 'BB-0000', containers: [] } },
        { kind: 'receipt', originalTime: '2025-06-04T08:00:00Z', originalOfficer: 'NV-0611', data: { containers: [] } },
      ],
    }, DEST)
    t.equal(receipts.statusCode, 202, receipts.body)
    await apply(api, receipts.json().id)
    const rr = await report(api, receipts.json().id, '', DEST)
    t.same(rr.items.map((i: { status: string; code: string | null }) => `${i.status}:${i.code}`), [
      'accepted:null', 'rejected:HANDOVER_NOT_FOUND', 'rejected:VALIDATION_FAILED',
    ])
    t.same(rr.items[2].details.map((d: { code: string }) => d.code), ['HANDOVER_REFERENCE_REQUIRED'])
    t.equal((await api.sql("SELECT status FROM handovers WHERE paper_number = 'BB-9001'")).rows[0]?.status, 'ARRIVED')
  })

  t.test('rows are checked: each bad row is rejected with a code and a reason, the others applied', async (t) => {
    const api = await setUp(t)
    const future = new Date(Date.now() + 86_400_000).toISOString()
    const csv = [
      'kind,originalTime,originalOfficer,declarationNumber,containerNumber,lotNumber,quantity,paperReference,office,note',
      `gate-container,2025-06-04T02:00:00Z,NV-1,${GATE_DN},TGHU1000018,,,,,`, // 1 accepted
      'foo,2025-06-04T02:00:00Z,NV-1,,,,,,,', // 2 unknown kind
      `gate-container,,NV-1,${GATE_DN},TGHU1000023,,,,,`, // 3 no originalTime
      `gate-container,2025-06-04T02:00:00Z,NV-1,${GATE_DN},TGHU1000019,,,,,`, // 4 bad check digit
      `gate-container,2025-06-04T02:00:00Z,NV-1,${GATE_DN},TGHU1000023,,,,,x`, // 5 a field the kind does not have
      'gate-container,2025-06-04T02:00:00Z,NV-1,308557295999,TGHU1000023,,,,,', // 6 no eligible list
      `gate-lot,2025-06-04T02:00:00Z,NV-1,${GATE_DN},,LOT-A,60,GS-1,,`, // 7 more than the lot holds
      `gate-container,${future},NV-1,${GATE_DN},TGHU1000023,,,,,`, // 8 a paper record dated in the future
      `gate-container,2025-06-04T02:00:00Z,NV-1,${GATE_DN},"{not json",,,,,`, // 9 unreadable cell
      `gate-lot,2025-06-04T02:00:00Z,NV-1,${GATE_DN},,LOT-A,ten,GS-2,,`, // 10 not a number
    ].join('\n')
    const up = await uploadCsv(api, csv)
    t.equal(up.statusCode, 202, up.body)
    t.match(up.json().counts, { pending: 4, rejected: 6 }, 'rows with invalid fields are rejected at upload')
    await apply(api, up.json().id)
    const items = (await report(api, up.json().id)).items as Array<{ rowNo: number; status: string; code: string; reason: string; details: Array<{ field: string; code: string }> | null }>
    const outcome = (i: (typeof items)[number]) =>
      [i.status, i.code, ...(Array.isArray(i.details) ? i.details.map((d) => `${d.field}:${d.code}`) : [])].join(' ')
    t.same(items.map(outcome), [
      'accepted ',
      'rejected UNKNOWN_ROW_KIND kind:FIELD_NOT_ALLOWED_VALUE',
      'rejected VALIDATION_FAILED originalTime:FIELD_REQUIRED',
      'rejected VALIDATION_FAILED containerNumber:INVALID_CONTAINER_NUMBER',
      'rejected VALIDATION_FAILED note:FIELD_UNKNOWN',
      'rejected GATE_DECLARATION_NOT_FOUND',
      'rejected QUANTITY_EXCEEDS_REMAINING',
      'rejected VALIDATION_FAILED paperRecordedAt:PAPER_TIME_IN_FUTURE',
      'rejected ROW_UNREADABLE containerNumber:CSV_CELL_NOT_JSON',
      'rejected VALIDATION_FAILED quantity:FIELD_TYPE',
    ])
    t.ok(items.every((i) => i.status === 'accepted' || i.reason), 'every rejection has a reason')
    t.equal(await n(api, 'SELECT count(*)::int AS n FROM gate_confirmations'), 1, 'a rejected row leaves no partial effect')
    t.equal(await n(api, "SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'gate_confirmation'"), 1)

    // Office scoping: rows are applied as the uploader, who acts for their own office only.
    const other = await uploadJson(api, {
      rows: [{ kind: 'gate-container', originalTime: '2025-06-04T02:00:00Z', originalOfficer: 'NV-9', data: { declarationNumber: GATE_DN, containerNumber: 'TGHU1000023' } }],
    }, { office: '03CE' })
    await apply(api, other.json().id)
    t.equal((await report(api, other.json().id, '', { office: '03CE' })).items[0].code, 'OFFICE_FORBIDDEN')
  })

  t.test('a CSV cell is text, read as a number where the field takes one; a JSON row is typed as sent', async (t) => {
    const api = await setUp(t)
    const csv = [
      'kind,originalTime,originalOfficer,declarationNumber,lotNumber,quantity,paperReference,paperNumber,destinationOffice,destinationPlace,declarationNumbers,containers.0.containerNumber,containers.0.carrierSeal,containers.0.customsSeal,vehicle,route,dueAt',
      `gate-lot,2025-06-04T02:00:00Z,NV-1,${GATE_DN},LOT-A,20.5,GS-1,,,,,,,,,,`, // 1 accepted: 20.5
      `gate-lot,2025-06-04T02:00:00Z,NV-1,${GATE_DN},LOT-A,"25000,5",GS-2,,,,,,,,,,`, // 2 a decimal comma
      `gate-lot,2025-06-04T02:00:00Z,NV-1,${GATE_DN},LOT-A,1e400,GS-3,,,,,,,,,,`, // 3 beyond any number
      // 4 accepted: one declaration number as plain text is a list of one; the paper number "9101" stays text
      'handover,2025-06-04T01:30:00Z,NV-0042,,,,,9101,06DS,Cửa khẩu Mộc Bài,308557295080,TGHU1000039,ML900001,HQ900001,70H-012.34,Cát Lái — Mộc Bài,2025-06-05T09:00:00Z',
    ].join('\n')
    const up = await uploadCsv(api, csv)
    t.equal(up.statusCode, 202, up.body)
    t.match(up.json().counts, { pending: 2, rejected: 2 })
    await apply(api, up.json().id)
    const items = (await report(api, up.json().id)).items as Array<{ status: string; code: string | null; details: Array<{ field: string; code: string; message: string }> | null }>
    t.same(items.map((i) => [i.status, i.code, ...(i.details ?? []).map((d) => `${d.field}:${d.code}`)].join(' ')), [
      'accepted ',
      'rejected VALIDATION_FAILED quantity:FIELD_TYPE',
      'rejected VALIDATION_FAILED quantity:FIELD_TYPE',
      'accepted ',
    ])
    t.match(items[1]?.details?.[0]?.message, /"25000,5"/, 'the problem quotes the cell')
    const lot = (await api.as(DEP, { url: `/api/v1/gate/declarations/${GATE_DN}` })).json().lots[0]
    t.equal(lot.quantityPassed, 20.5)
    const h = (await api.sql("SELECT paper_number, declaration_numbers FROM handovers WHERE paper_number = '9101'")).rows[0]
    t.same(h, { paper_number: '9101', declaration_numbers: ['308557295080'] })

    const row = (quantity: unknown, paperReference: string) => ({
      kind: 'gate-lot', originalTime: '2025-06-04T02:00:00Z', originalOfficer: 'NV-1',
      data: { declarationNumber: GATE_DN, lotNumber: 'LOT-A', quantity, paperReference },
    })
    const json = await uploadJson(api, { rows: [row('5', 'GS-10'), row(5, 'GS-11')] })
    t.equal(json.statusCode, 202, json.body)
    const jsonItems = (await report(api, json.json().id)).items as Array<{ status: string; details: Array<{ field: string; code: string }> | null }>
    t.same(jsonItems[0]?.details?.map((d) => `${d.field}:${d.code}`), ['quantity:FIELD_TYPE'], 'a JSON row\'s "5" is text')
    t.equal(jsonItems[0]?.status, 'rejected')
    t.equal(jsonItems[1]?.status, 'pending', 'its 5 is a number')
  })

  t.test('a failover in the middle of a row rolls the row back whole; the retry applies it once', async (t) => {
    const api = await setUp(t)
    const kind = ROW_KINDS['paper-declaration']
    if (!kind) throw new Error('paper-declaration rows expected')
    const original = kind.apply
    let failures = 0
    kind.apply = async (tx, ctx, input) => {
      const applied = await original(tx, ctx, input)
      if (failures++ === 0) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' })
      return applied
    }
    t.teardown(() => { kind.apply = original })
    const lines = example.trimEnd().split('\n')
    const up = await uploadCsv(api, [lines[0], lines[7]].join('\n'))
    t.same(await apply(api, up.json().id), { done: true, processed: 1 })
    t.equal(failures, 2, 'the row ran twice: the first attempt died after its effect, before COMMIT')
    t.match(await progress(api, up.json().id), { counts: { accepted: 1, duplicate: 0 } }, 'accepted, not duplicate: the first attempt left nothing')
    t.equal(await n(api, 'SELECT count(*)::int AS n FROM paper_declarations'), 1)
    t.equal(await n(api, "SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'paper_declaration'"), 1)
    t.equal(await n(api, "SELECT count(*)::int AS n FROM outbox WHERE entity_type = 'paper_declaration'"), 1)
  })

  t.test('a processor killed mid-batch: the next run resumes and every row is applied exactly once', async (t) => {
    const api = await setUp(t)
    const header = 'kind,originalTime,originalOfficer,office,receiptYear,receiptNumber,formType,declarantName,taxCode,procedureType,channel,registeredAt,goodsLines'
    const goods = '"[{""hsCode"":""85171300"",""description"":""Điện thoại"",""quantity"":1,""unit"":""PCE"",""value"":10,""currency"":""USD"",""originCountry"":""CN""}]"'
    const rows = Array.from({ length: 12 }, (_, i) =>
      `paper-declaration,2025-06-04T02:00:00Z,NV-1,02CI,2025,${500 + i},import,Công ty ABC,0100109106,A11,1,2025-06-04T01:00:00Z,${goods}`)
    const up = await uploadCsv(api, [header, ...rows].join('\n'))
    const id = up.json().id as string
    const child = spawn(process.execPath, [HERE], {
      env: { ...process.env, BACK_ENTRY_CHILD: '1', CHILD_SCHEMA: api.schema, CHILD_BATCH: id },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => (output += String(d)))
    child.stderr.on('data', (d) => (output += String(d)))
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    t.teardown(async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL')
      await exited
    })
    const stopAt = Date.now() + 30_000
    while ((output.match(/ROW/g) ?? []).length < 4) {
      if (Date.now() > stopAt || child.exitCode !== null) throw new Error(`the child did not process rows: ${output}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    process.kill(child.pid as number, 'SIGKILL')
    await exited
    t.notMatch(output, /FINISHED/, 'killed before the end')
    const mid = await progress(api, id)
    t.ok(mid.processed >= 4 && mid.processed < 12, `stopped part-way (${mid.processed} of 12)`)

    const resumed = await apply(api, id)
    t.same(resumed, { done: true, processed: 12 - mid.processed }, 'resumed at the first pending row')
    t.match(await progress(api, id), { status: 'done', counts: { accepted: 12, duplicate: 0, rejected: 0, pending: 0 } })
    t.equal(await n(api, 'SELECT count(*)::int AS n FROM paper_declarations'), 12, 'every row applied …')
    t.equal(await n(api, "SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'paper_declaration'"), 12, '… exactly once')
  })

  t.test('upload: Idempotency-Key replay, office scoping, limits and format errors', async (t) => {
    const api = await setUp(t, { backEntryMaxBytes: 4096, backEntryMaxRows: 5 })
    const csv = ['kind,originalTime,originalOfficer,declarationNumber,containerNumber', `gate-container,2025-06-04T02:00:00Z,NV-1,${GATE_DN},TGHU1000018`].join('\n')
    const first = await uploadCsv(api, csv, DEP, { 'idempotency-key': 'upload-1' })
    const replay = await uploadCsv(api, csv, DEP, { 'idempotency-key': 'upload-1' })
    t.equal(first.statusCode, 202)
    t.equal(replay.statusCode, 202)
    t.equal(replay.headers['idempotent-replayed'], 'true')
    t.same(replay.json(), first.json(), 'the stored response')
    const mismatch = await uploadCsv(api, `${csv}\n`.replace('TGHU1000018', 'TGHU1000023'), DEP, { 'idempotency-key': 'upload-1' })
    t.equal(mismatch.statusCode, 422)
    t.equal(mismatch.json().code, 'IDEMPOTENCY_KEY_REUSED')

    const id = first.json().id
    const other = await api.as(DEST, { url: `${URL}/${id}` })
    t.equal(other.statusCode, 403)
    t.equal(other.json().code, 'OFFICE_FORBIDDEN')
    t.equal((await api.as(DEST, { url: `${URL}/${id}/report` })).statusCode, 403)
    t.equal((await api.as({ office: '00HQ', role: 'admin' }, { url: `${URL}/${id}` })).statusCode, 200, 'admins read any office')
    const missing = await api.as(DEP, { url: `${URL}/00000000-0000-4000-8000-000000000000` })
    t.equal(missing.statusCode, 404)
    t.equal(missing.json().code, 'BACK_ENTRY_BATCH_NOT_FOUND')
    t.equal((await api.as(DEP, { url: `${URL}/not-a-uuid` })).json().details[0].code, 'INVALID_UUID')

    const codeOf = (res: { statusCode: number; json(): { code: string; details?: Array<{ code: string }> } }) =>
      `${res.statusCode} ${res.json().details?.[0]?.code ?? res.json().code}`
    t.equal(codeOf(await uploadCsv(api, 'x'.repeat(5000))), '413 BODY_TOO_LARGE')
    t.equal(codeOf(await uploadCsv(api, [csv, ...Array(5).fill(csv.split('\n')[1])].join('\n'))), '400 TOO_MANY_ROWS')
    t.equal(codeOf(await uploadCsv(api, 'kind,originalTime\nx,y')), '400 CSV_COLUMN_MISSING')
    t.equal(codeOf(await uploadCsv(api, 'kind,originalTime,originalOfficer,kind\n')), '400 CSV_COLUMN_DUPLICATE')
    t.equal(codeOf(await uploadCsv(api, 'kind,originalTime,originalOfficer\n')), '400 EMPTY_BATCH')
    t.equal(codeOf(await uploadCsv(api, '')), '400 EMPTY_BATCH')
    t.equal(codeOf(await uploadCsv(api, 'kind,originalTime,originalOfficer\n"gate-lot,x,y')), '400 CSV_UNTERMINATED_QUOTE')
    t.equal(codeOf(await uploadJson(api, { rows: [] })), '400 EMPTY_BATCH')
    t.equal(codeOf(await uploadJson(api, { rows: [], extra: 1 })), '400 FIELD_UNKNOWN')
    t.equal(codeOf(await uploadJson(api, { rows: [{ kind: 'x', bogus: 1 }] })), '400 FIELD_UNKNOWN')
    const plain = await api.as(DEP, { method: 'POST', url: URL, payload: 'hello', headers: { 'content-type': 'application/xml' } })
    t.equal(plain.statusCode, 415)
  })

  t.test('through the queue: the job applies an upload, and the upload command shows progress until done', async (t) => {
    const api = await setUp(t, { queueEnabled: true })
    await api.app.queue?.whenStarted()
    await api.app.listen({ host: '127.0.0.1', port: 0 })
    const address = api.app.server.address() as { port: number }
    const file = path.join(REPO, 'docs/examples/back-entry-example.csv')
    const run = () =>
      promisify(execFile)(process.execPath, [path.join(REPO, 'src/commands/back-entry-upload-command.ts'), file, '--interval', '200', '--timeout', '60'], {
        env: { ...process.env, API: `http://127.0.0.1:${address.port}`, TOKEN: api.token(DEP) },
      })
    const { stdout, stderr } = await run()
    t.match(stdout, /^batch [0-9a-f-]{36}: 7 rows\n/)
    t.match(stdout, /done: 7 accepted, 0 duplicate \(already entered\), 0 rejected/)
    t.match(stderr, /\[#{30}\] 100\.0% 7\/7/, 'the progress bar reaches 100 %')
    const second = await run()
    t.match(second.stdout, /uploaded before: the same batch, nothing applied again/)
    t.equal(await n(api, 'SELECT count(*)::int AS n FROM handovers'), 2)
    t.ok(TEST_JWT_SECRET)
  })

  t.test('CSV reading: quotes, line breaks in cells, dotted columns, JSON cells, content hash', async (t) => {
    t.same(parseCsv('\ufeffa,b\r\n"x, ""y""","line1\nline2"\n\n'), [['a', 'b'], ['x, "y"', 'line1\nline2']])
    const rows = rowsFromCsv(
      'kind,originalTime,originalOfficer,containers.0.containerNumber,containers.1.containerNumber,declarationNumbers,note\n' +
        'handover,2025-01-01T00:00:00Z,NV,A,B,"[""1""]",\n',
      10,
    )
    t.same(rows[0]?.data, { containers: [{ containerNumber: 'A' }, { containerNumber: 'B' }], declarationNumbers: ['1'] })
    t.equal(rows[0]?.problem, null)
    const clash = rowsFromCsv('kind,originalTime,originalOfficer,containers,containers.0.x\nh,t,o,a,b\n', 10)
    t.equal(clash[0]?.problem?.details?.[0]?.code, 'CSV_COLUMN_CONFLICT')
    const proto = rowsFromCsv('kind,originalTime,originalOfficer,__proto__.x\nh,t,o,a\n', 10)
    t.equal(proto[0]?.problem?.details?.[0]?.code, 'CSV_COLUMN_CONFLICT', 'no prototype pollution')
    t.equal(contentHashOf(rowsFromCsv(example, 100)), contentHashOf(rowsFromCsv(example.replaceAll('\n', '\r\n'), 100)))
  })
}
