// The request budget (HAPROXY_TIMING, docs/architecture.md "Every request within 30 s") holds
// together with the officer's client of docs/api.md ("When no answer comes"): each timing sits where
// its comment says, so that changing one cannot silently break what another promises.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { HAPROXY_TIMING as T } from '../../infra/launcher/render/haproxy-config.ts'
import { LOAD_BALANCER_TAKEOVER_S } from '../../chaos/drill-definition.ts'
import { READ_LATE_ATTEMPT_BEFORE_MS } from '../../src/db/database.ts'

t.test('a read HAProxy moves off a dead app node is answered before the client adds an attempt', async (t) => {
  // HAProxy's server timeout, its connect to another node, and that node's answer (well under 1 s).
  t.ok(T.readServerTimeoutS + T.connectTimeoutS + 1 <= T.clientReadSilenceS, `${T.readServerTimeoutS} + ${T.connectTimeoutS} + 1 s ≤ ${T.clientReadSilenceS} s`)
})

t.test("a read's late attempt after a hung one starts before HAProxy would ask another app node", async (t) => {
  // Past it, HAProxy's response timeout ends the request on this node anyway and asks another.
  t.ok(READ_LATE_ATTEMPT_BEFORE_MS < T.readServerTimeoutS * 1000, `${READ_LATE_ATTEMPT_BEFORE_MS} ms < ${T.readServerTimeoutS} s`)
})

t.test('a request the dying load balancer had received is answered inside the client budget', async (t) => {
  // The extra attempt goes after the silence; the floating address has moved by then or moves within
  // the takeover budget; the new holder answers a read at once.
  t.ok(T.clientReadSilenceS + LOAD_BALANCER_TAKEOVER_S <= T.clientTimeoutS)
  // A keyed write's extra attempt must still ride through the database failover that often comes
  // with the same host (whole-host-loss): it arrives before the hold of the writes already waiting ends.
  t.ok(T.clientWriteSilenceS + LOAD_BALANCER_TAKEOVER_S <= T.appWriteDeadlineS, `${T.clientWriteSilenceS} + ${LOAD_BALANCER_TAKEOVER_S} ≤ ${T.appWriteDeadlineS} s`)
})

t.test('a write riding through a failover is answered within the client budget, never cut by HAProxy', async (t) => {
  t.ok(T.appWriteDeadlineS < T.writeServerTimeoutS, 'the hold ends before HAProxy gives up on the node')
  // HAProxy's retry of a keyed write on another node: connect and a healthy answer inside the budget.
  t.ok(T.writeServerTimeoutS + T.connectTimeoutS < T.clientTimeoutS, `${T.writeServerTimeoutS} + ${T.connectTimeoutS} < ${T.clientTimeoutS} s`)
})

t.test('the k6 client falls back to the same silence times when run without the drills', async (t) => {
  const source = readFileSync(new URL('../../loadtests/lib/officer-api.js', import.meta.url), 'utf8')
  const fallback = (name: string) => Number(new RegExp(`${name} \\|\\| ([\\d_]+)`).exec(source)?.[1]?.replace(/_/g, ''))
  t.equal(fallback('CLIENT_READ_SILENCE_MS'), T.clientReadSilenceS * 1000)
  t.equal(fallback('CLIENT_WRITE_SILENCE_MS'), T.clientWriteSilenceS * 1000)
  t.equal(Number(/REQUEST_TIMEOUT \|\| '(\d+)s'/.exec(source)?.[1]), T.clientTimeoutS)
})
