// HAProxy: the one door for clients (HTTP → app nodes) and for the app's pools (TCP → the Patroni
// primary / the replicas). Timing choices are explained in docs/architecture.md.
import type { Host, Inventory } from '../inventory.ts'
import { appDatabaseAddress, hostsWithRole, loadBalancerAddress } from '../inventory.ts'
import { hostTls } from '../tls/certificates.ts'
import type { RenderContext, RenderedFile } from './render-context.ts'
import { GENERATED_HEADER, runDir } from './render-context.ts'

/**
 * The request budget (docs/architecture.md, "Every request within 30 s"): what a client waits at
 * most, and the holds and timeouts that fit inside it. The app's write hold is rendered into each
 * node's WRITE_DEADLINE_MS from here; the drills give k6 the client's timeout from here.
 */
export const HAPROXY_TIMING = {
  /** Most HTTP clients give up after 30 s: every answer, a retried one included, must come before. */
  clientTimeoutS: 30,
  /**
   * How long the app holds a write while the database fails over before it answers 503: above the
   * measured write stall of a primary failover with strict synchronous replication.
   */
  appWriteDeadlineS: 27,
  /**
   * HAProxy's wait for a write's answer: above the hold, so a write riding through a failover is
   * never cut; a keyed write caught on a dead app node is retried on another after it (hold + 1 s),
   * and answered there well before the client's 30 s.
   */
  writeServerTimeoutS: 28,
  /**
   * HAProxy's wait for a GET or HEAD: a read caught on a dead app node is asked of another after
   * it, so it is answered within 5 s; a healthy node answers a read in well under a second.
   */
  readServerTimeoutS: 3,
  /**
   * How long a draining app node answers 503 on /health/ready before it closes: above the time
   * HAProxy needs to take it out (a check every 1 s, fall 2, each check up to 1 s), so no new
   * request reaches a closing node (SHUTDOWN_DRAIN_MS).
   */
  appDrainS: 5,
  /**
   * A replica's Patroni that does not answer a check in this time counts as failed: two failed
   * checks (500 ms apart, then 250 ms) take a dead standby off the read route within ~2 s.
   */
  readCheckTimeoutMs: 600,
  /**
   * The officer's client (docs/api.md, "When no answer comes"; loadtests/lib/officer-api.js): after
   * this much silence on a read it sends a second attempt beside the first. Above the read server
   * timeout plus a retry, so a read HAProxy moves off a dead app node is never sent twice; what it
   * catches is a connection that died with its load balancer.
   */
  clientReadSilenceS: 5,
  /**
   * The same for a keyed write. Below the write hold, so that a write the dying load balancer had
   * received is sent again while a database failover still holds the others, and answered within
   * the client's 30 s; a write only slow gets its second attempt beside it, and its own answer decides.
   */
  clientWriteSilenceS: 10,
  /** Loopback/LAN connect: a longer wait only delays the retry on another node. */
  connectTimeoutS: 1,
  /** Pooled PostgreSQL connections sit idle for minutes; the app's TCP keepalive finds dead ones. */
  pgIdleTimeout: '30m',
}

/**
 * The benchmark's bare server (loadtests/bench/bare-server.ts) listens here on the first app host,
 * only while a benchmark runs.
 */
export const BENCH_BARE_PORT = 3900

/** The one user of the stats page and HAProxy's Prometheus exporter (Prometheus, the launcher, drills, operators). */
export const HAPROXY_STATS_USER = 'tqdt-stats'

/** The runtime API's admin socket (haproxy-client.ts talks to it). */
export function haproxySocketPath(inv: Inventory, host: Host): string {
  return `${runDir(inv, host)}/haproxy.sock`
}

export function renderHaproxy(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv, secrets } = ctx
  const apps = hostsWithRole(inv, 'app')
  const dbs = hostsWithRole(inv, 'postgres')
  const t = HAPROXY_TIMING
  // With a load-balancer pair every HAProxy binds the floating address (the backup needs
  // net.ipv4.ip_nonlocal_bind=1), and keepalived decides which one receives the traffic.
  const bind = inv.cluster.vrrp ? loadBalancerAddress(inv) : host.address
  // An app on this host reaches PostgreSQL through this HAProxy on the host's loopback
  // (appDatabaseAddress), not through the floating address, which may die with another host.
  const appDb = host.roles.includes('app') ? appDatabaseAddress(inv, host) : bind
  const pgBinds = (port: number) => [bind, ...(appDb === bind ? [] : [appDb])].map((a) => `    bind ${a}:${port}`).join('\n')
  const tls = hostTls(inv, host)
  // To the app nodes: TLS both ways. HAProxy checks the node's certificate (CA and name) and shows
  // its own, which the node requires (src/server.ts); health checks go the same way.
  const appServers = apps
    .map((a) => `    server ${a.name} ${a.address}:${a.ports.app} check ssl verify required ca-file ${tls.ca} verifyhost ${a.name} crt ${tls.pem}`)
    .join('\n')
  // To PostgreSQL: TCP passed through (PostgreSQL negotiates its own TLS with the client); the
  // Patroni check is HTTPS, verified against the CA and the member's name.
  const dbServers = (maxconn: number) =>
    dbs
      .map((d) => `    server ${d.name} ${d.address}:${d.ports.postgres} check port ${d.ports.patroni} check-ssl verify required ca-file ${tls.ca} verifyhost ${d.name} maxconn ${maxconn}`)
      .join('\n')
  // Every PostgreSQL backend is the same but for the Patroni endpoint that admits a node and how fast
  // a silent node is taken out. Sessions to a node that stops answering are cut (shutdown-sessions),
  // so pools reconnect at once. Reads are taken off a dead standby twice as fast as writes off the
  // primary (a read moves to the primary at once; a false "down" of the primary would cut writes).
  const pgBackend = (name: string, balance: string, checkUri: string, maxconn: number, checks: 'primary' | 'reads') => `backend ${name}
    mode tcp
    balance ${balance}
    option httpchk
    http-check send meth GET uri ${checkUri}
    http-check expect status 200
    timeout server ${t.pgIdleTimeout}
    option srvtcpka
    srvtcpka-idle 10s
    srvtcpka-intvl 5s
    srvtcpka-cnt 3
    ${checks === 'reads' ? `timeout check ${t.readCheckTimeoutMs}ms
    default-server inter 500ms fastinter 250ms downinter 1s fall 2 rise 1 on-marked-down shutdown-sessions` : 'default-server inter 1s fastinter 1s downinter 1s fall 2 rise 1 on-marked-down shutdown-sessions'}
${dbServers(maxconn)}`

  const proxyError = (status: number, code: string, message: string) =>
    `    http-error status ${status} content-type application/json hdr retry-after 5 lf-string ` +
    `"{\\"code\\":\\"${code}\\",\\"message\\":\\"${message}\\",\\"requestId\\":\\"%[unique-id]\\"}"`
  const proxyErrors = [
    proxyError(502, 'BAD_GATEWAY', 'An app node gave no valid answer; retry with the same Idempotency-Key'),
    proxyError(503, 'SERVICE_UNAVAILABLE', 'No app node could answer; retry with the same Idempotency-Key'),
    proxyError(504, 'GATEWAY_TIMEOUT', 'No app node answered in time; retry with the same Idempotency-Key'),
  ].join('\n')
  // The app backend, checked on readiness (be_app) or on liveness only (be_app_live, failing open).
  const appBackend = (checkUri: string) => `    mode http
    balance roundrobin
    # When no app node can answer, HAProxy answers in the API's own error shape (JSON with a stable
    # code and the request id), not an HTML page a client cannot parse; Retry-After as the app's 503.
${proxyErrors}
    option httpchk
    http-check send meth GET uri ${checkUri} ver HTTP/1.1 hdr Host ${host.name}
    http-check expect status 200
    # Idle server connections are purged within seconds (pool-purge-delay), far below Node's
    # keepAliveTimeout (72 s), so HAProxy never reuses a connection the app has already closed.
    default-server inter 1s fastinter 500ms downinter 2s fall 2 rise 2 maxconn 200 pool-purge-delay 5s
    timeout connect ${t.connectTimeoutS}s
    # No answer in time means a dead or hung node: a read is asked of another node after 3 s, a
    # write after the app's write hold (HAPROXY_TIMING), each within the client's 30 s.
    timeout server ${t.writeServerTimeoutS}s
    http-request set-timeout server ${t.readServerTimeoutS}s if METH_GET || METH_HEAD
    http-reuse safe
    retries 3
    option redispatch 1
    # Not 503: the app's 503 DATABASE_UNAVAILABLE comes after it held the write its whole hold, and
    # a draining node leaves rotation before it closes (SHUTDOWN_DRAIN_MS), so no 503 is worth a retry.
    retry-on conn-failure empty-response response-timeout
    # Replay protection: a write without an Idempotency-Key is retried only when it never reached a
    # node (connection failure); GET/HEAD and keyed writes may be retried on another node.
    # A write without a key caught on a dead node gets HAProxy's 504 after the write timeout.
    http-request disable-l7-retry if !METH_GET !METH_HEAD !{ req.hdr(Idempotency-Key) -m found }
${appServers}`
  const cfg = `${GENERATED_HEADER(inv)}
global
    log stdout format raw local0 info
    maxconn 4096
    # Stats socket for operators and drills (\`echo "show servers state" | socat - UNIX:...\`).
    stats socket ${haproxySocketPath(inv, host)} mode 600 level admin
    hard-stop-after 15s
    ssl-default-bind-options ssl-min-ver TLSv1.2
    ssl-default-server-options ssl-min-ver TLSv1.2

defaults
    log global
    timeout connect ${t.connectTimeoutS}s
    # A frozen Patroni accepts the TCP connection (the kernel does) but never answers: the check
    # times out after 1 s and counts as failed.
    timeout check 1s
    timeout queue 5s
    # Outgoing connections and checks leave from this host's own address, so a drill that cuts
    # the load balancer's address cuts them too.
    source ${host.address}

# ---------------------------------------------------------------- HTTPS: clients → app nodes
# TLS only: a client that speaks plain HTTP to this port fails the handshake, and no other port
# answers HTTP. The certificate names the floating address (and the front door of a lab).
frontend fe_http
    mode http
    bind ${bind}:${host.ports.http} ssl crt ${tls.pem}
    option httplog
    option dontlog-normal
    option forwardfor
    timeout client 60s
    timeout http-request 10s
    timeout http-keep-alive 10s
    # Paths reach the app as sent: the app matches them in one canonical form and authenticates by
    # the route it matched (src/routes/canonical-url.ts; test/cluster/route-authentication-haproxy
    # sends every spelling through here). \`http-request normalize-uri\` would be a second layer, but
    # HAProxy 2.6 accepts it only with \`expose-experimental-directives\`, which unlocks every
    # experimental directive: not in a production configuration.
    # HAProxy makes the request id; one sent by a client is not trusted.
    http-request del-header X-Request-Id
    unique-id-format %[uuid()]
    unique-id-header X-Request-Id
    http-response set-header X-Request-Id %[unique-id]
    # Fail open: when every node is out of be_app because each reports itself busy (readiness 503:
    # saturated, draining), sending nobody anything answers every request 503 — a write stall of the
    # database fills every node's pool queue alike (primary-replica-partition, run 20261206T091910Z).
    # Then the nodes that are alive (/health/live) serve anyway: slow answers or the app's own
    # clean refusals instead of HAProxy's 503 for reads that would have worked.
    use_backend be_app_live if { nbsrv(be_app) eq 0 }
    default_backend be_app

backend be_app
    # A node that starts draining answers 503 on /health/ready; 2 × 1 s later it gets no new
    # requests, within the app's drain (SHUTDOWN_DRAIN_MS, HAPROXY_TIMING.appDrainS).
${appBackend('/health/ready')}

backend be_app_live
    # Used only while be_app has no node: every live node, ready or not.
${appBackend('/health/live')}

${host.ports.bench === undefined ? '' : benchFrontend(bind, host.ports.bench, tls, apps[0]!, t)}
# ---------------------------------------------------------------- TCP: app pools → PostgreSQL
# Only the node whose Patroni answers 200 on /primary receives writes. When it stops answering
# (2 × 1 s), HAProxy marks it down and cuts its sessions, so pooled clients reconnect at once
# instead of writing into a demoted or frozen node.
frontend fe_pg_primary
    mode tcp
${pgBinds(host.ports.pgPrimary)}
    option tcplog
    timeout client ${t.pgIdleTimeout}
    default_backend be_pg_primary

${pgBackend('be_pg_primary', 'first', '/primary', 150, 'primary')}

# Reads: the synchronous standby first — with synchronous_commit remote_apply it has replayed every
# acknowledged commit, so a read there never misses a write the client was told is done (an async
# replica may, for a moment, and for the whole failover when the primary is frozen). Then any
# replica within the lag bound; with none left, the primary rather than fail — through a backend of
# its own: while the primary has no synchronous standby its writes' sessions wait out the app's hold
# and fill be_pg_primary (maxconn), and reads queued behind them stalled for 1.8 s after a
# partition healed (primary-replica-partition, 2026-12-06). Together they stay under max_connections.
frontend fe_pg_replica
    mode tcp
${pgBinds(host.ports.pgReplica)}
    option tcplog
    timeout client ${t.pgIdleTimeout}
    use_backend be_pg_sync if { nbsrv(be_pg_sync) gt 0 }
    use_backend be_pg_replica if { nbsrv(be_pg_replica) gt 0 }
    default_backend be_pg_primary_reads

${pgBackend('be_pg_sync', 'first', '/synchronous', 40, 'reads')}

${pgBackend('be_pg_replica', 'leastconn', `/replica?lag=${inv.cluster.replicaMaxLag}`, 40, 'reads')}

${pgBackend('be_pg_primary_reads', 'first', '/primary', 40, 'primary')}

# ---------------------------------------------------------------- metrics and stats
# Both behind the stats user's password. A clear-text password in this root-only file rather than a
# crypt(3) hash: HAProxy would run the hash on every request, and the sampler asks once a second.
userlist stats_users
    user ${HAPROXY_STATS_USER} insecure-password ${secrets.haproxyStatsPassword}

frontend fe_stats
    mode http
    bind ${host.address}:${host.ports.stats} ssl crt ${tls.pem}
    timeout client 10s
    no log
    http-request auth realm tqdt-haproxy-stats unless { http_auth(stats_users) }
    http-request use-service prometheus-exporter if { path /metrics }
    stats enable
    stats uri /stats
    stats refresh 5s
    stats show-legends
`
  return [{ host: host.name, name: 'haproxy.cfg', content: cfg, mode: 0o600 }]
}

/**
 * The benchmark's ceiling behind the same hop as the service (issue 14.4): TLS from the client
 * terminated here with the same certificate and options, TLS with HAProxy's client certificate to
 * the bare server, the same timeouts and connection reuse as be_app. Rendered only for an inventory
 * whose load balancer has ports.bench (the local lab's): the bare server answers without
 * authentication, so no production layout may route to it.
 */
function benchFrontend(bind: string, port: number, tls: { pem: string; ca: string }, app: Host, t: typeof HAPROXY_TIMING): string {
  return `
# ---------------------------------------------------------------- HTTPS: the benchmark's bare server
frontend fe_bench
    mode http
    bind ${bind}:${port} ssl crt ${tls.pem}
    no log
    timeout client 60s
    timeout http-request 10s
    timeout http-keep-alive 10s
    default_backend be_bench

backend be_bench
    mode http
    option httpchk
    http-check send meth GET uri /health ver HTTP/1.1 hdr Host ${app.name}
    http-check expect status 200
    default-server inter 1s fastinter 500ms downinter 2s fall 2 rise 2 maxconn 200 pool-purge-delay 5s
    timeout connect ${t.connectTimeoutS}s
    timeout server ${t.writeServerTimeoutS}s
    http-reuse safe
    server bare ${app.address}:${BENCH_BARE_PORT} check ssl verify required ca-file ${tls.ca} verifyhost ${app.name} crt ${tls.pem}
`
}
