// The drill verdict fed synthetic journals: a clean run passes, and each defect fails its own check —
// a lost write, a duplicate, zero acknowledged writes, a 2xx write without its ack line, a read
// stall (between reads, and reads that stop for good), a single-copy acknowledgement, an alert no
// drill foresaw, an error answered to an attempt the client had left open. The old verdict passed
// the last six (issue 15: "a drill can pass vacuously").
import t from 'tap'
import { criteria } from '../../chaos/drill-definition.ts'
import type { DrillCriteria } from '../../chaos/drill-definition.ts'
import { drillMetrics } from '../../chaos/verify/drill-metrics.ts'
import { parseJournal } from '../../chaos/verify/journal.ts'
import { judge } from '../../chaos/verify/drill-verdict.ts'
import type { VerdictInput } from '../../chaos/verify/drill-verdict.ts'
import type { WriteCheck } from '../../chaos/verify/acknowledged-writes.ts'
import { checkAlerts } from '../../chaos/verify/alert-check.ts'
import type { AlertHistory } from '../../chaos/report/prometheus-alerts.ts'

const KINDS = ['handover.create', 'declaration.create'] as const
const T0 = 1_795_000_000_000
const FAULT = T0 + 20_000
const HEAL = FAULT + 60_000
const END = HEAL + 30_000

interface Line {
  t: 'req' | 'ack' | 'late'
  [key: string]: unknown
}

/**
 * A run: a read every 0.5 s and a write of each kind every second, each write acknowledged.
 * `slow`: requests of that sort sent inside the span are answered only when it ends (a stall);
 * `unanswered`: reads sent from that moment get no answer at all.
 */
function journalLines(opts: { slow?: { op: 'read' | 'write'; from: number; to: number }; unansweredFrom?: number; dropAckAt?: number; noWrites?: boolean } = {}): Line[] {
  const lines: Line[] = []
  let n = 0
  const endOf = (op: 'read' | 'write', at: number, ms: number) => (opts.slow && opts.slow.op === op && at >= opts.slow.from && at < opts.slow.to ? opts.slow.to + ms : at + ms)
  for (let at = T0; at < END; at += 500) {
    if (opts.unansweredFrom !== undefined && at >= opts.unansweredFrom) {
      lines.push({ t: 'req', kind: 'handover.get', op: 'read', start: at, end: at + 30_000, ms: 30_000, status: 0, code: null, error: 'request timeout' })
    } else {
      const end = endOf('read', at, 20)
      lines.push({ t: 'req', kind: 'handover.get', op: 'read', start: at, end, ms: end - at, status: 200, code: null, error: null })
    }
    if (opts.noWrites || (at - T0) % 1000 !== 0) continue
    for (const kind of KINDS) {
      n++
      const end = endOf('write', at, 40)
      lines.push({ t: 'req', kind, op: 'write', start: at, end, ms: end - at, status: 201, code: null, error: null })
      if (opts.dropAckAt !== undefined && at === opts.dropAckAt && kind === 'declaration.create') continue
      lines.push({ t: 'ack', kind, caller: 'o1', key: `k${n}`, id: `e${n}`, at: end, expect: {} })
    }
  }
  return lines
}

const text = (lines: Line[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n'

const cleanWriteCheck = (acknowledged: number): WriteCheck => ({
  acknowledged,
  byKind: {},
  checkedAt: new Date(END).toISOString(),
  primary: 'db2',
  nodes: ['db1', 'db2', 'db3'].map((node) => ({ node, role: node === 'db2' ? 'primary' : 'replica', caughtUp: true, missing: [], error: null })),
  lost: [],
  duplicates: [],
  problems: [],
})

const noAlerts: AlertHistory = { prometheusUrl: 'http://prometheus', available: true, error: null, from: T0, to: END + 60_000, stepS: 5, activations: [] }

function verdict(lines: Line[], change: Partial<VerdictInput> = {}, c: DrillCriteria = criteria({ maxWriteStallS: 5 })) {
  const journal = parseJournal(text(lines))
  const metrics = drillMetrics(journal.requests, { faultAt: FAULT, healAt: HEAL, windowEnd: END }, c.cleanRefusal?.matches, journal.acks, journal.late)
  const input: VerdictInput = {
    criteria: c,
    metrics,
    writeCheck: cleanWriteCheck(journal.acks.length),
    redundancy: { ok: true, secondsAfterHeal: 10 },
    routing: { twoRoutedPrimariesSamples: 0, twoSelfPrimariesSamples: 0, primaryChanges: [], samplesOffInitialPrimary: 0 },
    singleCopyAcks: 0,
    journalUnreadable: journal.unreadable,
    droppedIterations: 0,
    alerts: checkAlerts(noAlerts, [], [], FAULT, 60),
    writeKinds: KINDS,
    ...change,
  }
  return judge(input)
}

function failed(v: ReturnType<typeof judge>): string[] {
  return v.checks.filter((c) => !c.pass).map((c) => c.name)
}

t.test('a clean run passes every check', async (t) => {
  const v = verdict(journalLines())
  t.same(failed(v), [])
  t.equal(v.pass, true)
})

t.test('a lost acknowledged write fails', async (t) => {
  const lines = journalLines()
  const lost = { kind: 'handover.create', key: 'k7', id: 'e7', at: T0, what: 'entity' }
  const wc = cleanWriteCheck(10)
  wc.lost = [lost]
  wc.nodes[1]!.missing = [lost]
  const v = verdict(lines, { writeCheck: wc })
  t.equal(v.pass, false)
  t.same(failed(v), ['lost acknowledged writes (primary)', 'acknowledged writes missing on any node'])
})

t.test('a write missing on a replica only fails', async (t) => {
  const wc = cleanWriteCheck(10)
  wc.nodes[0]!.missing = [{ kind: 'declaration.create', key: 'k9', id: 'e9', at: T0, what: 'entity' }]
  t.same(failed(verdict(journalLines(), { writeCheck: wc })), ['acknowledged writes missing on any node'])
})

t.test('a duplicated write of any kind fails', async (t) => {
  const wc = cleanWriteCheck(10)
  wc.duplicates = [{ kind: 'declaration.update', key: 'k3', entities: 2 }]
  const v = verdict(journalLines(), { writeCheck: wc })
  t.same(failed(v), ['duplicated writes (every kind)'])
  t.match(v.checks.find((c) => c.name === 'duplicated writes (every kind)')!.value, /declaration\.update/)
})

t.test('zero acknowledged writes fails, however calm the run', async (t) => {
  const v = verdict(journalLines({ noWrites: true }), {}, criteria({ maxWriteStallS: 1000 }))
  t.equal(v.pass, false)
  t.ok(failed(v).includes('acknowledged writes of every kind'))
})

t.test('writes answered 2xx without a single ack line fail twice: nothing to check, and unjournaled', async (t) => {
  const v = verdict(journalLines().filter((l) => l.t !== 'ack'))
  t.same(failed(v), ['acknowledged writes of every kind', 'every 2xx write journaled with its ack'])
})

t.test('a kind with fewer acknowledged writes than required fails', async (t) => {
  const only = journalLines().filter((l) => l.kind !== 'declaration.create' || (l.t === 'req' ? (l.start as number) < T0 + 5000 : (l.at as number) < T0 + 5000))
  t.same(failed(verdict(only, {}, criteria({ maxWriteStallS: 1000 }))), ['acknowledged writes of every kind'])
})

t.test('a 2xx write without its ack line fails', async (t) => {
  const v = verdict(journalLines({ dropAckAt: FAULT + 30_000 }))
  t.same(failed(v), ['every 2xx write journaled with its ack'])
  t.match(v.checks.find((c) => c.name === 'every 2xx write journaled with its ack')!.value, /declaration\.create: 110 answered 2xx, 109 acks/)
})

t.test('a read stall longer than 2 s fails, though every read succeeded', async (t) => {
  const v = verdict(journalLines({ slow: { op: 'read', from: FAULT + 10_000, to: FAULT + 13_000 } }))
  t.same(failed(v), ['longest time without a successful read'])
  t.equal(v.checks.find((c) => c.name === 'longest time without a successful read')!.value, '3 s')
})

t.test('reads that are never answered again stall to the end of the window', async (t) => {
  const v = verdict(journalLines({ unansweredFrom: HEAL }))
  t.same(failed(v), ['failed requests', 'longest time without a successful read', 'slowest read'])
})

t.test('a lull in which no read was sent is no stall', async (t) => {
  const lines = journalLines().filter((l) => !(l.t === 'req' && l.op === 'read' && (l.start as number) >= FAULT && (l.start as number) < FAULT + 5000))
  t.same(failed(verdict(lines)), [])
})

t.test('a write stall beyond the budget fails; within it passes', async (t) => {
  const lines = journalLines({ slow: { op: 'write', from: FAULT, to: FAULT + 8000 } })
  t.same(failed(verdict(lines)), ['longest time without an acknowledged write'])
  t.same(failed(verdict(lines, {}, criteria({ maxWriteStallS: 10 }))), [])
})

t.test('a write acknowledged on one copy fails unless the drill names why', async (t) => {
  t.same(failed(verdict(journalLines(), { singleCopyAcks: 3 })), ['writes acknowledged on one copy only'])
  t.same(failed(verdict(journalLines(), { singleCopyAcks: null })), ['writes acknowledged on one copy only'], 'not watched is not a pass')
  t.same(failed(verdict(journalLines(), { singleCopyAcks: 3 }, criteria({ maxWriteStallS: 5, singleCopyAcks: { max: 5, why: 'a test' } }))), [])
})

t.test('a failed request fails; a clean refusal the drill accepts does not', async (t) => {
  const lines = journalLines()
  const at = FAULT + 5000
  lines.push({ t: 'req', kind: 'handover.create', op: 'write', start: at, end: at + 25_000, ms: 25_000, status: 503, code: 'DATABASE_UNAVAILABLE', error: null })
  t.same(failed(verdict(lines)), ['failed requests'])
  const refusal = criteria({ maxWriteStallS: 5, cleanRefusal: { description: '503', matches: (r) => r.status === 503 } })
  t.same(failed(verdict(lines, {}, refusal)), [])
})

t.test('the late answer of an attempt left open is judged: an error or a reset fails; IN_USE, a clean refusal or the budget running out do not', async (t) => {
  const at = FAULT + 12_000
  const late = (status: number, code: string | null, error: string | null = null): Line =>
    ({ t: 'late', kind: 'handover.create', op: 'write', start: at, end: at + 9000, ms: 9000, status, code, error })
  const withLate = (...answers: Line[]) => [...journalLines(), ...answers]
  t.same(failed(verdict(withLate(late(500, 'INTERNAL_ERROR')))), ['late answers of attempts left open'], 'a 500 the client no longer waited for')
  t.same(failed(verdict(withLate(late(422, 'IDEMPOTENCY_KEY_REUSED')))), ['late answers of attempts left open'], 'the same key read as another request')
  t.same(failed(verdict(withLate(late(201, null), late(409, 'IDEMPOTENCY_KEY_IN_USE'), late(0, null, 'request timeout')))), [], 'a replay, IN_USE, no answer within the budget')
  t.same(failed(verdict(withLate(late(0, null, 'read: connection reset by peer')))), ['late answers of attempts left open'], 'a reset')
  const dbUnavailable = late(503, 'DATABASE_UNAVAILABLE')
  t.same(failed(verdict(withLate(dbUnavailable))), ['late answers of attempts left open'], 'a 503 the drill does not accept')
  const refusal = criteria({ maxWriteStallS: 5, cleanRefusal: { description: '503', matches: (r) => r.status === 503 } })
  t.same(failed(verdict(withLate(dbUnavailable), {}, refusal)), [], 'a 503 the drill accepts as a clean refusal')
  const j = parseJournal(text(withLate(late(500, 'INTERNAL_ERROR'))))
  t.same([j.late.length, j.requests.length, j.unreadable], [1, journalLines().filter((l) => l.t === 'req').length, 0], 'a late line is read as one, not as a request')
})

t.test('a slow read or write fails, even when it succeeded', async (t) => {
  const lines = journalLines()
  lines.push({ t: 'req', kind: 'handover.get', op: 'read', start: FAULT, end: FAULT + 6000, ms: 6000, status: 200, code: null, error: null })
  t.same(failed(verdict(lines)), ['slowest read'])
  const write = journalLines()
  write.push({ t: 'req', kind: 'handover.create', op: 'write', start: FAULT, end: FAULT + 31_000, ms: 31_000, status: 201, code: null, error: null })
  write.push({ t: 'ack', kind: 'handover.create', caller: 'o1', key: 'slow', id: 'slow', at: FAULT + 31_000, expect: {} })
  t.same(failed(verdict(write)), ['slowest write'])
})

t.test('a request the client sent more than once is judged by its deciding answer and timed from its first send', async (t) => {
  const lines = journalLines()
  const at = FAULT + 2000
  // Silence for 5 s (the load balancer that carried it lost power), then answered on a new connection.
  const silent = { status: 0, code: null, error: 'request timeout', ms: 5000 }
  lines.push({ t: 'req', kind: 'handover.search', op: 'read', start: at, end: at + 5200, ms: 5200, status: 200, code: null, error: null, resent: [silent], first: { ...silent, decided: false } })
  // A slow write whose own answer decided, a second attempt sent beside it after 10 s (IN_USE).
  const slow = { status: 201, code: null, error: null, ms: 12_000, decided: true }
  lines.push({ t: 'req', kind: 'handover.create', op: 'write', start: at, end: at + 12_000, ms: 12_000, status: 201, code: null, error: null, resent: [{ status: 409, code: 'IDEMPOTENCY_KEY_IN_USE', error: null, ms: 3 }], first: slow })
  lines.push({ t: 'ack', kind: 'handover.create', caller: 'o1', key: 'slowkey', id: 'slowid', at: at + 12_000, expect: {} })
  const v = verdict(lines, {}, criteria({ maxWriteStallS: 15, maxReadLatencyS: 10 }))
  t.same(failed(v), [])
  const m = drillMetrics(parseJournal(text(lines)).requests, { faultAt: FAULT, healAt: HEAL, windowEnd: END })
  t.equal(m.failed, 0)
  t.equal(m.resent, 2)
  t.match(m.resends, [
    { kind: 'handover.search', status: 0, cause: 'request timeout', count: 1, firstS: 7 },
    { kind: 'handover.create', status: 201, cause: /^slow: its own answer \(201\) decided/, count: 1, firstS: 14 },
  ])
  t.equal(m.slowestReadS, 5.2, 'the officer waited from the first send')
  // Under the default read limit (5 s) the same request is too slow: a re-send never hides a wait.
  t.same(failed(verdict(lines)), ['slowest read'])
  // Every attempt silent until the client's 30 s ran out: a failure like any other.
  const lost = journalLines()
  lost.push({ t: 'req', kind: 'handover.create', op: 'write', start: at, end: at + 30_000, ms: 30_000, status: 0, code: null, error: 'request timeout', resent: [{ ...silent, ms: 10_000 }, { ...silent, ms: 10_000 }] })
  t.same(failed(verdict(lost)), ['failed requests'])
})

t.test('an alert that fires and that the drill did not foresee fails', async (t) => {
  const history: AlertHistory = {
    ...noAlerts,
    activations: [{ alert: 'QueueBacklog', labels: { queue: 'outbox' }, pendingAt: FAULT + 5000, firingAt: FAULT + 65_000, resolvedAt: FAULT + 90_000, activeAtWindowStart: false }],
  }
  t.same(failed(verdict(journalLines(), { alerts: checkAlerts(history, [], [], FAULT, 60) })), ['alerts (Prometheus)'])
  const allowed = checkAlerts(history, [], [], FAULT, 60, [{ alert: 'QueueBacklog' }])
  t.same(failed(verdict(journalLines(), { alerts: allowed })), [], 'allowed by the drill')
  t.same(failed(verdict(journalLines(), { alerts: null })), ['alerts (Prometheus)'], 'not read is not a pass')
})

t.test('checks that could not be made fail', async (t) => {
  const v = verdict(journalLines(), { writeCheck: null, routing: null, droppedIterations: null })
  t.same(failed(v), [
    'every arrival sent (k6 dropped iterations)',
    'acknowledged-write check completed',
    'lost acknowledged writes (primary)',
    'acknowledged writes missing on any node',
    'duplicated writes (every kind)',
    'never two primaries routed at once',
  ])
})
