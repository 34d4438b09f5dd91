// A resent write whose key is held by a COMMIT waiting for the synchronous standbys is not a
// concurrent duplicate: it waits within its hold and replays the first attempt's outcome, or is
// refused 503 DATABASE_UNAVAILABLE, never 409 IDEMPOTENCY_KEY_IN_USE. The second-failure drill (run
// 20261206T120305Z) found the 409s: with one database node left, every COMMIT waited, and an
// officer's resent attempt met its own first attempt's key until the client gave up.
//
// Real waits for the standbys: replay is stopped on both synchronous standbys, and with
// synchronous_commit = remote_apply every COMMIT on the primary waits until it goes on. The last case
// is a chain: the first attempt holds its key and waits for a row lock held by a transaction whose
// COMMIT waits for the standbys (migrations/021).
import t, { type Test } from 'tap'
import pg from 'pg'
import { endpoints, hostsWithRole, loadInventory, readProcess } from '../../infra/launcher/cluster-api.ts'
import { processFreeze } from '../../chaos/faults/fault-primitives.ts'
import { actorOf, buildTestApp, gateListHeader, handoverBody, schemaClient, type TestApp } from '../helper.ts'
import { requireFullRedundancy, sleep, waitUntil } from '../cluster-test-kit.ts'

const inv = loadInventory()

async function superuser(t: Test, host: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: endpoints(inv).superuserDatabaseUrlOf(host) })
  await client.connect()
  t.teardown(() => client.end())
  return client
}

interface Nodes {
  primary: pg.Client
  standbys: pg.Client[]
  standbyNames: string[]
}

async function databaseNodes(t: Test): Promise<Nodes> {
  await requireFullRedundancy(inv)
  let primary: pg.Client | null = null
  const standbys: pg.Client[] = []
  const standbyNames: string[] = []
  for (const h of hostsWithRole(inv, 'postgres')) {
    const c = await superuser(t, h.name)
    const { rows } = await c.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby')
    if (rows[0]?.standby) {
      standbys.push(c)
      standbyNames.push(h.name)
    } else primary = c
  }
  if (primary === null || standbys.length === 0) throw new Error('needs a primary and its standbys')
  return { primary, standbys, standbyNames }
}

/**
 * Stops replay on every standby (a freeze of its startup process, chaos/faults/fault-primitives.ts)
 * until the returned function heals it; so do the teardown, exit and SIGINT/SIGTERM, and the fault
 * ledger lets `npm run drill -- --heal` thaw it should this process die harder: while replay is
 * stopped no COMMIT of the cluster is acknowledged. Not pg_wal_replay_pause(): Patroni resumes a
 * paused replay within its loop. The wal receivers keep streaming and answering, so no connection
 * times out.
 */
async function stopReplay(t: Test, nodes: Nodes): Promise<() => Promise<void>> {
  const pids: number[] = []
  for (const s of nodes.standbys) {
    const { rows } = await s.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE backend_type = 'startup'")
    if (!rows[0]) throw new Error('a standby without a startup process')
    // The lab's hosts share this machine's PID namespace: make sure the PID is that process here.
    const cmdline = readProcess(rows[0].pid)?.argv.join(' ') ?? '(gone)'
    if (!/postgres.*startup/.test(cmdline)) throw new Error(`PID ${rows[0].pid} is not a standby's startup process here: ${cmdline}`)
    pids.push(rows[0].pid)
  }
  const fault = processFreeze(`replay-stopped-${process.pid}`, nodes.standbyNames, pids, `replay stopped on ${nodes.standbyNames.join(', ')}`)
  const resume = () => fault.heal()
  const onSignal = (signal: NodeJS.Signals) => {
    void resume().finally(() => process.kill(process.pid, signal))
  }
  const atExit = () => void resume()
  process.once('exit', atExit)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  t.teardown(async () => {
    await resume()
    process.off('exit', atExit)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  })
  await fault.inject()
  return resume
}

/** The key's lock as a write statement takes it (write-statement.ts): caller, newline, key. */
const keyLock = (key: string) => `${actorOf({ office: '02CI' }).officerId}\n${key}`

/**
 * Waits until the holder of `key` waits for the standbys, itself or behind a transaction that does:
 * the condition the app acts on (idempotency_key_awaits_standby), asked for this key only, so that
 * another writer waiting meanwhile (the live nodes' audit sealer, say) is not taken for it.
 */
async function keyHolderWaiting(api: TestApp, nodes: Nodes, key: string): Promise<boolean> {
  const seen = await waitUntil(10_000, async () => {
    const { rows } = await nodes.primary.query<{ waiting: boolean }>(
      `SELECT ${api.schema}.idempotency_key_awaits_standby(hashtextextended($1, 0)) AS waiting`,
      [keyLock(key)],
    )
    return rows[0]?.waiting ? true : null
  })
  return seen === true
}

const create = (api: TestApp, body: object, key: string) =>
  api.as('02CI', { method: 'POST', url: '/api/v1/handovers', payload: body, headers: { 'idempotency-key': key } })

/**
 * One handover first, with replay going: it creates the office's number sequence, a DDL whose own
 * COMMIT would otherwise be the one waiting (without the key's lock) in the test's first attempt.
 */
async function warmUp(t: Test, api: TestApp): Promise<void> {
  t.equal((await create(api, handoverBody('warm-up'), 'warm-up')).statusCode, 201, 'a first handover of the office')
}

type Answer = Awaited<ReturnType<TestApp['as']>>

/** Sends the first attempt with replay stopped; returns it in flight once its COMMIT waits for the standbys. */
async function firstAttemptWaiting(t: Test, api: TestApp, key: string, send: () => Promise<Answer>): Promise<{ first: Promise<Answer>; resume: () => Promise<void> }> {
  const nodes = await databaseNodes(t)
  await warmUp(t, api)
  const resume = await stopReplay(t, nodes)
  const first = send()
  t.ok(await keyHolderWaiting(api, nodes, key), "the first attempt's COMMIT waits for the standbys")
  return { first, resume }
}

/**
 * The same request sent again while the first waits for the standbys, which confirm 1.5 s later:
 * both are answered 201, the second with the first one's stored response.
 */
async function resentWhileFirstWaits(t: Test, api: TestApp, key: string, send: () => Promise<Answer>): Promise<[Answer, Answer]> {
  const { first, resume } = await firstAttemptWaiting(t, api, key, send)
  return resentThenResumed(t, first, send, resume, 201)
}

/** Sends again beside `first`, lets the standbys confirm 1.5 s later; both answer `status`, the second replayed. */
async function resentThenResumed(t: Test, first: Promise<Answer>, send: () => Promise<Answer>, resume: () => Promise<void>, status: number): Promise<[Answer, Answer]> {
  const resent = send()
  await sleep(1_500)
  await resume()
  const [a, b] = await Promise.all([first, resent])
  t.equal(a.statusCode, status, `the first attempt is acknowledged once the standbys confirm (${a.statusCode} ${a.json().code ?? ''})`)
  t.equal(b.statusCode, status, `the resent attempt: its outcome, not 409 (${b.statusCode} ${b.json().code ?? ''})`)
  t.equal(b.headers['idempotent-replayed'], 'true', 'replayed')
  return [a, b]
}

const handovers = async (api: TestApp) => (await api.sql<{ n: number }>('SELECT count(*)::int AS n FROM handovers')).rows[0]?.n

t.test('the standbys confirm within the hold: the resent attempt replays the first one', async (t) => {
  const api = await buildTestApp(t, { writeDeadlineMs: 10_000 })
  const body = handoverBody()
  const [a, b] = await resentWhileFirstWaits(t, api, 'wait-1', () => create(api, body, 'wait-1'))
  t.equal(b.json().id, a.json().id, 'the same handover')
  t.equal(await handovers(api), 2, 'made once (and the warm-up)')
})

t.test('the standbys stay silent past the hold: the resent attempt is refused 503, and replays later', async (t) => {
  const holdMs = 2_000
  const api = await buildTestApp(t, { writeDeadlineMs: holdMs })
  const body = handoverBody()
  const { first, resume } = await firstAttemptWaiting(t, api, 'wait-2', () => create(api, body, 'wait-2'))
  const sentAt = Date.now()
  const resent = await create(api, body, 'wait-2')
  const tookMs = Date.now() - sentAt
  t.equal(resent.statusCode, 503, `refused while the database cannot acknowledge (${resent.statusCode} ${resent.json().code ?? ''})`)
  t.equal(resent.json().code, 'DATABASE_UNAVAILABLE')
  t.ok(tookMs >= holdMs - 250, `after waiting its hold (${tookMs} ms)`)
  t.equal((await first).statusCode, 503, 'the first attempt too: its hold is spent')

  await resume()
  // The first attempt's COMMIT completes once replay resumes; the key then answers its outcome.
  const later = await waitUntil(10_000, async () => {
    const res = await create(api, body, 'wait-2')
    return res.statusCode === 201 ? res : null
  })
  t.ok(later, 'asked again with the same key after the standbys confirm: 201')
  t.equal(later?.headers['idempotent-replayed'], 'true', "the first attempt's outcome, replayed")
  t.equal(await handovers(api), 2, 'made once (and the warm-up)')
})

// The rarer writes made in one explicit transaction with their claim (idempotency-service.ts,
// claimedTransaction) take the key's lock with a statement of their own: the same rule there.
t.test('an eligible list (a claimed transaction): the resent attempt replays the first one', async (t) => {
  const api = await buildTestApp(t, { writeDeadlineMs: 10_000 })
  const list = {
    ...gateListHeader(), goodsManagementNumber: 'MAEU240603001',
    containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'ML123456', customsSeal: 'HQ000123' }],
    lots: [],
  }
  const put = () => api.as('02CI', { method: 'PUT', url: '/api/v1/gate/declarations/108557295010', payload: list, headers: { 'idempotency-key': 'wait-3' } })
  await resentWhileFirstWaits(t, api, 'wait-3', put)
  t.equal((await api.sql<{ n: number }>('SELECT count(*)::int AS n FROM gate_declarations')).rows[0]?.n, 1, 'registered once')
})

t.test('the first attempt waits behind a COMMIT waiting for the standbys: the resent attempt replays it', async (t) => {
  const api = await buildTestApp(t, { writeDeadlineMs: 10_000 })
  const nodes = await databaseNodes(t)
  await warmUp(t, api)
  const created = await create(api, handoverBody(), 'chain-create')
  t.equal(created.statusCode, 201)
  const id = created.json().id as string
  const amend = () =>
    api.as('02CI', {
      method: 'POST', url: `/api/v1/handovers/${id}/amendments`,
      payload: { reason: 'Đổi xe theo báo cáo của lái xe', vehicle: '51C-999.99' },
      headers: { 'if-match': '"1"', 'idempotency-key': 'chain-amend' },
    })
  const resume = await stopReplay(t, nodes)
  // Another transaction locks the handover's row and commits: its COMMIT waits for the standbys.
  const other = await schemaClient(t, api.schema)
  await other.query('BEGIN')
  await other.query('SELECT 1 FROM handovers WHERE id = $1 FOR UPDATE', [id])
  const otherCommit = other.query('COMMIT')
  // The amendment takes its key, then waits for that row.
  const first = amend()
  t.ok(await keyHolderWaiting(api, nodes, 'chain-amend'), 'the first attempt holds its key behind the waiting COMMIT')
  await resentThenResumed(t, first, amend, resume, 200)
  await otherCommit
  t.equal((await api.sql<{ v: number }>('SELECT version AS v FROM handovers WHERE id = $1', [id])).rows[0]?.v, 2, 'amended once')
})
