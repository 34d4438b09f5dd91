// Patroni + PostgreSQL 15, one per database host. The numbers here are the failover budget of
// docs/architecture.md; change them there and here together.
import { join } from 'node:path'
import type { Host, Inventory, Role } from '../inventory.ts'
import { hostsWithRole } from '../inventory.ts'
import type { RenderContext, RenderedFile } from './render-context.ts'
import { GENERATED_HEADER, dataDir, runDir } from './render-context.ts'
import { hostTls } from '../tls/certificates.ts'
import { patroniBackupSettings } from './pgbackrest-config.ts'
import { toYaml } from './yaml-text.ts'

/**
 * How many synchronous standbys a cluster at full redundancy has: PATRONI_DCS's count, or every
 * replica where there are fewer. A standby that streams but is not (yet) synchronous — just back
 * from a fault, before Patroni's next loop — leaves the cluster at one copy fewer than chosen.
 */
export function wantedSyncStandbys(inv: Inventory): number {
  return Math.min(PATRONI_DCS.synchronous_node_count, Math.max(0, hostsWithRole(inv, 'postgres').length - 1))
}

/**
 * Cluster-wide settings Patroni stores in etcd at bootstrap (`bootstrap.dcs`). Changing them on a
 * running cluster takes `patronictl edit-config`: the file is only read when the cluster is new.
 */
export const PATRONI_DCS = {
  // Leader lease. Patroni 4 refuses less than 20 ("ttl=10 can't be smaller than 20, adjusting"),
  // and the lease is what a replica waits out before it may promote: the floor of the write stall
  // (measured here: 19.7–21.2 s after a kill, 21.4–22.4 s after a freeze).
  ttl: 20,
  // The HA loop: how often the leader renews its lease and replicas look for a missing leader. 2 s
  // puts promotion within ~2 s of the lease's expiry and names a synchronous standby ~2 s after
  // bootstrap or failover (with the default 10 s a new cluster ran 26 s without one).
  loop_wait: 2,
  // How long etcd or PostgreSQL may fail to answer before Patroni demotes. Must stay under
  // ttl - loop_wait so the lease never expires while the leader is still retrying.
  retry_timeout: 4,
  // A replica more than 1 MB behind the leader's last known position is not a failover candidate.
  // In synchronous mode the synchronous standby always qualifies, so this only guards the case where
  // synchronous mode had to be relaxed (no standby was available).
  maximum_lag_on_failover: 1048576,
  // Every commit acknowledged to a client is on the primary and on every synchronous standby, and
  // Patroni promotes only a node that was synchronous: no acknowledged write is lost on failover.
  // This is also a fence: a frozen primary that resumes cannot acknowledge a commit, because its
  // synchronous standbys now follow (or are) the new primary. Both standbys are synchronous
  // (FIRST 2), not one of them (FIRST 1) and not a quorum (ANY 1):
  //  - each has replayed every acknowledged commit (remote_apply), so a read either serves never
  //    misses a write the client was told is done;
  //  - both are failover candidates, and a candidate defers to another that received more WAL, so
  //    the standby that trails is a prefix of the new primary and follows it without pg_rewind.
  //    With FIRST 1 the asynchronous replica could hold WAL the promoted standby never received,
  //    and the rewind it then needed kept writes waiting past the 27 s hold (primary-freeze run
  //    20261206T082525Z).
  // The price: a commit waits for the slower standby, and losing either standby (not only "the"
  // synchronous one) stalls commits until Patroni drops it (wal_sender_timeout, then a loop).
  // Measured and chosen in docs/architecture.md, "RPO 0 and the price of a lost standby".
  synchronous_mode: true,
  synchronous_node_count: 2,
  // Strict: with no synchronous standby the primary acknowledges nothing rather than writing on one
  // copy (RPO 0 through a second failure): after a promotion, commits wait until the surviving
  // replica streams from the new primary (Patroni sets synchronous_standby_names to '*'); with both
  // replicas gone, writes wait and the app refuses them cleanly after its hold.
  synchronous_mode_strict: true,
  // If the primary's PostgreSQL crashes but Patroni lives, try a local restart for this long before
  // failing over (the default 300 s would be a five-minute outage).
  primary_start_timeout: 20,
  // When all of etcd is unreachable, a primary that can still reach every member over the REST API
  // keeps running instead of demoting: an etcd outage alone no longer stops writes.
  failsafe_mode: true,
  check_timeline: true,
  postgresql: {
    // A demoted primary (e.g. the one that was frozen) rejoins by pg_rewind instead of a full copy.
    use_pg_rewind: true,
    // Replication slots so the primary keeps WAL a replica still needs.
    use_slots: true,
    parameters: {
      // 3 app nodes × (pool 10 + pg-boss 10 + 1 LISTEN) = 63, replica pools, exporters, Patroni,
      // migrations and operators; HAProxy caps the primary backend at 150 and reads falling back to
      // the primary at 40 more (190 of 195), so a surge queues in HAProxy instead of failing with
      // "too many clients" (test/unit/haproxy-read-fallback.test.ts reads these two numbers).
      max_connections: 200,
      superuser_reserved_connections: 5,
      // Sized for a 2-core machine running three instances side by side.
      shared_buffers: '256MB',
      effective_cache_size: '1GB',
      work_mem: '4MB',
      maintenance_work_mem: '64MB',
      max_worker_processes: 4,
      max_parallel_workers: 2,
      max_parallel_workers_per_gather: 1,
      wal_level: 'replica',
      hot_standby: 'on',
      // Needed by pg_rewind (data checksums are on too).
      wal_log_hints: 'on',
      max_wal_senders: 10,
      max_replication_slots: 10,
      wal_keep_size: '256MB',
      max_wal_size: '1GB',
      // remote_apply: a commit is acknowledged only once the synchronous standby has replayed it,
      // so reads served by that standby (HAProxy's :5001 prefers it) see every acknowledged write —
      // also while the primary is gone and reads are all the standbys can serve.
      synchronous_commit: 'remote_apply',
      // Replica reads are long-lived report queries at most; feedback keeps them from being
      // cancelled by vacuum on the primary.
      hot_standby_feedback: 'on',
      // How long a primary keeps a silent standby as synchronous: commits wait for a standby that
      // lost power until its walsender gives up (then Patroni names the other one). 5 s instead of
      // the default 60 s; a live standby answers the walsender's keepalive at half of it.
      wal_sender_timeout: '5s',
      wal_receiver_timeout: '10s',
      // Server side of the app's TCP keepalive: drop sessions of a client host that vanished.
      tcp_keepalives_idle: 10,
      tcp_keepalives_interval: 5,
      tcp_keepalives_count: 3,
      password_encryption: 'scram-sha-256',
      shared_preload_libraries: 'pg_stat_statements',
      track_io_timing: 'on',
      log_destination: 'stderr',
      logging_collector: 'off',
      log_line_prefix: '%m [%p] %q%u@%d ',
      log_min_duration_statement: '1s',
      log_lock_waits: 'on',
      log_checkpoints: 'on',
      log_temp_files: 0,
    },
  },
}

/** Basic-auth user of Patroni's unsafe REST endpoints (switchover, restart, reinitialize, reload…). */
export const PATRONI_REST_USER = 'tqdt-patroni'

/** The database roles besides the app's login role (cluster.databaseUser); the migrations grant to `app`. */
export const DATABASE_ROLES = { owner: 'tqdt_owner', app: 'tqdt_app', monitor: 'tqdt_monitor' } as const

/** A loopback inventory: its hosts are addresses of the machine's 127.0.0.0/8, and clients that do not bind one leave from 127.0.0.1. */
const onLoopback = (inv: Inventory) => inv.hosts.some((h) => h.address.startsWith('127.'))

/**
 * Who may connect as whom (issue 13), over TCP only with TLS and every password checked with
 * scram-sha-256: the superuser only over the local socket (peer: the OS users postgres and root,
 * pg_ident map below), replication and pg_rewind only from database hosts, the app's login role and the schema owner only from the load
 * balancers (and a lab's ops namespace, where tests and drills run), the exporters' role only from
 * the exporters. Anything else matches no line and is refused. On a loopback inventory a client that
 * does not bind its own address connects from 127.0.0.1 (docs/architecture.md), so there that
 * address is on every list: the lists are exact on real hosts and in the namespace lab.
 */
export function pgHbaRules(inv: Inventory): string[] {
  const from = (roles: Role[], extra: Array<string | undefined> = []) => {
    const addresses = [...roles.flatMap((r) => hostsWithRole(inv, r).map((h) => h.address)), ...extra]
    if (onLoopback(inv)) addresses.push('127.0.0.1')
    return [...new Set(addresses.filter((a): a is string => a !== undefined))].map((a) => `${a}/32`)
  }
  const rule = (database: string, user: string, addresses: string[]) =>
    addresses.map((a) => `hostssl ${database} ${user} ${a} scram-sha-256`)
  const { database, databaseUser } = inv.cluster
  const ops = inv.lab?.opsAddress
  return [
    'local all postgres peer map=superuser',
    ...rule('replication', 'replicator', from(['postgres'])),
    ...rule('postgres', 'rewinder', from(['postgres'])),
    ...rule(database, `${databaseUser},${DATABASE_ROLES.owner}`, from(['haproxy'], [ops])),
    ...rule('postgres', DATABASE_ROLES.monitor, from(['postgres-exporter'], [ops])),
    // Without TLS, refused by name: "no pg_hba.conf entry … no encryption" rather than a password prompt.
    'hostnossl all all 0.0.0.0/0 reject',
    'hostnossl replication all 0.0.0.0/0 reject',
  ]
}

/**
 * Where Patroni's unsafe REST endpoints (switchover, restart, reinitialize, reload, PATCH /config,
 * POST /failsafe) may be called from — on top of a client certificate of the CA and the REST
 * password. Rendered for every inventory:
 * - the database hosts, each by address. `allowlist_include_members` alone is not enough: with an
 *   allowlist set, Patroni checks POST /failsafe against the allowlist only (patroni/patroni#3113),
 *   so members left off it answer a leader that lost etcd 403, and failsafe_mode demotes the leader
 *   it exists to keep.
 * - the operators: a namespace lab's ops namespace (launcher, tests, drills); on a loopback inventory
 *   127.0.0.1, where every client of the machine (Patroni's calls to its peers included) connects
 *   from, so there the list admits the machine and the certificate and password keep others out. On
 *   real hosts nobody else: operators run patronictl or the launcher on a database host.
 * CIDRs, not bare addresses: Patroni resolves a bare entry with getaddrinfo.
 */
export function patroniRestAllowlist(inv: Inventory): string[] {
  const operators = inv.lab ? [inv.lab.opsAddress] : onLoopback(inv) ? ['127.0.0.1'] : []
  return [...new Set([...hostsWithRole(inv, 'postgres').map((h) => h.address), ...operators])].map((a) => `${a}/32`)
}

export function renderPatroni(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv, secrets } = ctx
  const run = runDir(inv, host)
  const backup = patroniBackupSettings(inv, host, ctx.bootstrapFromBackup)
  const tls = hostTls(inv, host)
  // Every connection Patroni makes to a PostgreSQL (its own, a replica's stream, pg_basebackup,
  // pg_rewind) is TLS and checks the server's certificate against the CA and the address it dials.
  const verified = { sslmode: 'verify-full', sslrootcert: tls.ca }
  const config = {
    scope: inv.cluster.scope,
    namespace: '/service/',
    name: host.name,
    log: { level: 'INFO', format: '%(asctime)s %(levelname)s: %(message)s' },
    // HTTPS. Reading (HAProxy's checks, Prometheus, the status table) needs no client certificate;
    // the unsafe endpoints (patroni/patroni#1734) need both a certificate of the cluster CA
    // (verify_client: optional) and the REST password, and come only from the allowlist's addresses.
    restapi: {
      listen: `${host.address}:${host.ports.patroni}`,
      connect_address: `${host.address}:${host.ports.patroni}`,
      certfile: tls.cert,
      keyfile: tls.key,
      cafile: tls.ca,
      verify_client: 'optional',
      authentication: { username: PATRONI_REST_USER, password: secrets.patroniRestPassword },
      // Also any member the cluster knows in etcd that this inventory does not list yet (a host added
      // before every member's config was rendered again).
      allowlist: patroniRestAllowlist(inv),
      allowlist_include_members: true,
    },
    // Patroni's own calls to the other members' REST APIs (and patronictl's).
    ctl: { cacert: tls.ca, certfile: tls.cert, keyfile: tls.key },
    etcd3: {
      hosts: hostsWithRole(inv, 'etcd').map((h) => `${h.address}:${h.ports.etcdClient}`),
      protocol: 'https',
      cacert: tls.ca,
      cert: tls.cert,
      key: tls.key,
    },
    bootstrap: {
      dcs: PATRONI_DCS,
      // C.UTF-8: byte-order collation, immune to glibc collation changes between hosts' upgrades.
      initdb: [{ encoding: 'UTF8' }, { locale: 'C.UTF-8' }, 'data-checksums'],
      // Custom bootstrap from the pgBackRest repository (used only when method is set to it).
      ...backup.bootstrap,
    },
    postgresql: {
      listen: `${host.address}:${host.ports.postgres}`,
      connect_address: `${host.address}:${host.ports.postgres}`,
      data_dir: dataDir(inv, host, 'postgres'),
      bin_dir: inv.cluster.postgresBinDir,
      pgpass: join(run, 'pgpass'),
      authentication: {
        superuser: { username: 'postgres', password: secrets.superuserPassword, ...verified },
        replication: { username: 'replicator', password: secrets.replicationPassword, ...verified },
        rewind: { username: 'rewinder', password: secrets.rewindPassword, ...verified },
      },
      parameters: {
        // A socket folder per host: in a loopback lab every host listens on the same port number,
        // and PostgreSQL names its socket and lock file after the port.
        unix_socket_directories: run,
        ssl: 'on',
        ssl_cert_file: tls.cert,
        ssl_key_file: tls.key,
        ssl_ca_file: tls.ca,
        ssl_min_protocol_version: 'TLSv1.2',
        ...backup.parameters,
      },
      pg_hba: pgHbaRules(inv),
      // Patroni (as postgres) and the launcher's and operators' tools (as root) use the socket.
      pg_ident: ['superuser postgres postgres', 'superuser root postgres'],
      use_unix_socket: true,
      // A fast checkpoint lets a new replica's pg_basebackup start at once (a spread one can take
      // minutes), which is what gives the cluster its synchronous standby seconds after bootstrap.
      basebackup: [{ checkpoint: 'fast' }],
      ...backup.postgresql,
    },
    watchdog: {
      // Local: no /dev/watchdog (no softdog in this kernel), so "off"; production: "required" with
      // softdog, so a Patroni that hangs is reset before its lease could be taken over.
      mode: inv.cluster.watchdog,
      device: '/dev/watchdog',
      safety_margin: 5,
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false, ...host.patroniTags },
  }
  return [
    {
      host: host.name,
      name: 'patroni.yml',
      content: toYaml(config, GENERATED_HEADER(inv)),
      // Holds the database passwords; read by Patroni running as postgres.
      mode: 0o600,
      owner: 'postgres',
    },
  ]
}
