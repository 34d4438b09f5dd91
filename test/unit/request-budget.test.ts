// The request budget (HAPROXY_TIMING, docs/architecture.md "Every request within 30 s") holds
// together with the officer's client of docs/api.md ("When no answer comes"): each timing sits where
// its comment says, so that changing one cannot silently break what another promises.
import t from 'tap'
import { HAPROXY_TIMING as T } from '../../infra/launcher/render/haproxy-config.ts'

t.test('a read HAProxy moves off a dead app node is answered before the client sends it twice', async (t) => {
  // One server timeout, then a connect and a healthy answer on another node.
  t.ok(T.readServerTimeoutS + T.connectTimeoutS < T.clientReadSilenceS, `${T.readServerTimeoutS} s + ${T.connectTimeoutS} s < ${T.clientReadSilenceS} s`)
})

t.test('a keyed write the dying load balancer had received is sent again while the others still wait', async (t) => {
  t.ok(T.clientWriteSilenceS < T.appWriteDeadlineS, 'the second attempt arrives inside a failover the hold rides through')
  // Sent again after the silence, it still has room for a database failover's tail inside 30 s.
  t.ok(T.clientWriteSilenceS + T.connectTimeoutS < T.clientTimeoutS)
})

t.test('a write riding through a failover is answered within the client budget, never cut by HAProxy', async (t) => {
  t.ok(T.appWriteDeadlineS < T.writeServerTimeoutS, 'the hold ends before HAProxy gives up on the node')
  t.ok(T.writeServerTimeoutS < T.clientTimeoutS, 'HAProxy answers before the client gives up')
  t.ok(T.clientReadSilenceS < T.clientWriteSilenceS, 'a read is quicker to suspect than a write, which may wait out a failover')
})
