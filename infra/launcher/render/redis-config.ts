// Redis primary + replica watched by three Sentinels. Redis holds only what may be lost (cache and
// rate-limit counters): no persistence, asynchronous replication, and the app works without it.
//
// Nobody reaches either without a password: the `default` user is off on Redis and on Sentinel, and
// every client has its own ACL user with what it needs (REDIS_USERS). Passwords are stored as SHA-256
// in the ACL lines; only what a program must send in clear (masterauth, Sentinel's auth-pass and
// sentinel-pass) is written in clear, in files only root can read.
import { createHash } from 'node:crypto'
import type { Host } from '../inventory.ts'
import { hostByName, hostsWithRole } from '../inventory.ts'
import type { RedisAuth } from '../redis-probe.ts'
import type { Inventory } from '../inventory.ts'
import type { Secrets } from '../secrets.ts'
import { hostTls, operatorTlsOptions } from '../tls/certificates.ts'
import { readSecrets } from '../secrets.ts'
import type { RenderContext, RenderedFile } from './render-context.ts'
import { GENERATED_HEADER, configDir, dataDir } from './render-context.ts'

/** Sentinel timing; see docs/architecture.md ("Redis"). */
const SENTINEL_TIMING = {
  /** A master silent this long is subjectively down; 2 of 3 Sentinels agreeing makes it objectively down. */
  downAfterMs: 2000,
  /** Bounds one failover attempt and the pause before the next attempt on the same master. */
  failoverTimeoutMs: 10000,
  quorum: 2,
}

/** The ACL users of Redis and Sentinel, and the secret each one's password is kept in. */
export const REDIS_USERS = {
  /** The app: rate-limit counters on Redis; master discovery and +switch-master on Sentinel. */
  app: { name: 'tqdt-app', secret: 'redisAppPassword' },
  /** A replica's replication link (masteruser). */
  replica: { name: 'tqdt-replica', secret: 'redisReplicationPassword' },
  /** Sentinel on Redis (auth-user), and Sentinels between themselves (sentinel-user). */
  sentinel: { name: 'tqdt-sentinel', secret: 'redisSentinelPassword' },
  /** redis_exporter and the probes of the launcher and the drills: read-only. */
  monitor: { name: 'tqdt-monitor', secret: 'redisMonitorPassword' },
  /** Operators (runbooks): everything, on Redis only. */
  admin: { name: 'tqdt-admin', secret: 'redisAdminPassword' },
} as const satisfies Record<string, { name: string; secret: keyof Secrets }>

export type RedisUser = keyof typeof REDIS_USERS

export function redisAuth(secrets: Secrets, user: RedisUser): { user: string; password: string } {
  return { user: REDIS_USERS[user].name, password: secrets[REDIS_USERS[user].secret] }
}

/** A user as the operators' programs log in: its password, over TLS with the operators' certificate. */
export function redisUserAuth(inv: Inventory, user: RedisUser): RedisAuth {
  return { ...redisAuth(readSecrets(inv), user), tls: operatorTlsOptions(inv) }
}

/** The read-only user the launcher's status and the drills' sampler use. */
export function redisMonitorAuth(inv: Inventory): RedisAuth {
  return redisUserAuth(inv, 'monitor')
}

/**
 * TLS only, both ways: the plain port is closed (port 0), every client and every peer (a replica to
 * its master, Sentinel to Redis and to the other Sentinels: tls-replication) shows a certificate of
 * the cluster CA and checks the server's.
 */
function tlsLines(ctx: RenderContext, host: Host, port: number): string[] {
  const tls = hostTls(ctx.inv, host)
  return [
    'port 0',
    `tls-port ${port}`,
    `tls-cert-file ${tls.cert}`,
    `tls-key-file ${tls.key}`,
    `tls-ca-cert-file ${tls.ca}`,
    'tls-auth-clients yes',
    'tls-replication yes',
    'tls-protocols "TLSv1.2 TLSv1.3"',
  ]
}

const hashed = (password: string) => `#${createHash('sha256').update(password).digest('hex')}`

/**
 * What each user may run. The app's user may use every key (the instance is the app's alone) but
 * no administrative or dangerous command; the monitor's is the list redis_exporter documents
 * (README, "Authenticating with Redis") without key reads; Sentinel's is the list the Redis
 * documentation gives for Sentinel with ACLs (sentinel.md, "Redis Access Control List authentication").
 */
const REDIS_ACL: Record<Exclude<RedisUser, never>, string> = {
  app: '~* resetchannels -@all +@read +@write +@transaction +@scripting +@connection -@dangerous +info',
  replica: 'resetkeys resetchannels -@all +psync +replconf +ping',
  sentinel:
    'resetkeys allchannels -@all +multi +exec +slaveof +replicaof +ping +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill',
  monitor: 'resetkeys resetchannels -@all +ping +info +config|get +cluster|info +slowlog +latency +memory +select +client|setname +role',
  admin: '~* &* +@all',
}

/**
 * Sentinel's users: its own (sentinel-user, for the other Sentinels and operators), the app's
 * (the client profile of the Sentinel documentation, plus SUBSCRIBE for ioredis' failover
 * detector) and the monitor's (redis_exporter's Sentinel metrics, the launcher's status).
 */
const SENTINEL_ACL: Partial<Record<RedisUser, string>> = {
  sentinel: '~* allchannels +@all',
  app:
    'allchannels -@all +auth +hello +ping +client|setname +client|getname +client|id +command +role +subscribe +unsubscribe ' +
    '+sentinel|get-master-addr-by-name +sentinel|master +sentinel|myid +sentinel|replicas +sentinel|slaves +sentinel|sentinels',
  monitor:
    'resetchannels -@all +auth +hello +ping +info +client|setname +role ' +
    '+sentinel|masters +sentinel|master +sentinel|sentinels +sentinel|slaves +sentinel|replicas +sentinel|ckquorum +sentinel|get-master-addr-by-name +sentinel|myid',
}

function aclLines(secrets: Secrets, rules: Partial<Record<RedisUser, string>>): string[] {
  return [
    // Anonymous connections are refused: AUTH is the only command the default user could run, and it is off.
    'user default off resetkeys resetchannels -@all',
    ...Object.entries(rules).map(([user, rule]) => {
      const u = REDIS_USERS[user as RedisUser]
      return `user ${u.name} on ${hashed(secrets[u.secret])} ${rule}`
    }),
  ]
}

export function renderRedis(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv, secrets } = ctx
  const primary = hostByName(inv, inv.cluster.redisInitialPrimary)
  const replica = redisAuth(secrets, 'replica')
  const lines = [
    GENERATED_HEADER(inv).trimEnd(),
    `bind ${host.address}`,
    ...tlsLines(ctx, host, host.ports.redis),
    // The default user is off (users.acl), so protected mode has nothing left to protect.
    'protected-mode yes',
    'daemonize no',
    'logfile ""',
    `dir ${dataDir(inv, host, 'redis')}`,
    `aclfile ${configDir(ctx, host)}/users.acl`,
    // A replica authenticates to its master; every node carries it, as any may become a replica.
    `masteruser ${replica.user}`,
    `masterauth ${replica.password}`,
    // Outgoing replication connections leave from this host's address and the replica announces it,
    // or the master would list the replica as 127.0.0.1 and Sentinel could not promote it.
    `bind-source-addr ${host.address}`,
    `replica-announce-ip ${host.address}`,
    `replica-announce-port ${host.ports.redis}`,
    // Cache only: nothing is written to disk, a restart starts empty.
    'save ""',
    'appendonly no',
    'maxmemory 256mb',
    'maxmemory-policy allkeys-lru',
    'replica-read-only yes',
    // Diskless full sync starts at once (the default waits 5 s for more replicas to join).
    'repl-diskless-sync yes',
    'repl-diskless-sync-delay 0',
    'replica-serve-stale-data yes',
    // Clients that vanished without a FIN are dropped after ~30 s.
    'tcp-keepalive 30',
    'timeout 0',
  ]
  if (host.name !== primary.name) lines.push(`replicaof ${primary.address} ${primary.ports.redis}`)
  return [
    // Redis rewrites its config (replicaof) when Sentinel reconfigures it after a failover.
    { host: host.name, name: 'redis.conf', content: lines.join('\n') + '\n', mode: 0o600, runtimeOwned: true },
    // Read once at start; never rewritten by Redis (no ACL SAVE is ever run).
    { host: host.name, name: 'users.acl', content: aclLines(secrets, REDIS_ACL).join('\n') + '\n', mode: 0o600 },
  ]
}

export function renderSentinel(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv, secrets } = ctx
  const primary = hostByName(inv, inv.cluster.redisInitialPrimary)
  const name = inv.cluster.redisMasterName
  const t = SENTINEL_TIMING
  const own = redisAuth(secrets, 'sentinel')
  if (hostsWithRole(inv, 'sentinel').length < t.quorum) throw new Error('fewer Sentinels than the quorum')
  const lines = [
    GENERATED_HEADER(inv).trimEnd(),
    `bind ${host.address}`,
    ...tlsLines(ctx, host, host.ports.sentinel),
    'protected-mode yes',
    'daemonize no',
    'logfile ""',
    `dir ${dataDir(inv, host, 'sentinel')}`,
    `bind-source-addr ${host.address}`,
    ...aclLines(secrets, SENTINEL_ACL),
    // What this Sentinel sends to the other Sentinels (their default user is off too).
    `sentinel sentinel-user ${own.user}`,
    `sentinel sentinel-pass ${own.password}`,
    // Sentinels find each other through hello messages on the master; without an announced address
    // every one of them would announce 127.0.0.1:26379 and they would count as one.
    `sentinel announce-ip ${host.address}`,
    `sentinel announce-port ${host.ports.sentinel}`,
    'sentinel resolve-hostnames no',
    `sentinel monitor ${name} ${primary.address} ${primary.ports.redis} ${t.quorum}`,
    `sentinel auth-user ${name} ${own.user}`,
    `sentinel auth-pass ${name} ${own.password}`,
    `sentinel down-after-milliseconds ${name} ${t.downAfterMs}`,
    `sentinel failover-timeout ${name} ${t.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} 1`,
  ]
  // Sentinel rewrites this file with what it learns (epochs, peers, the current master).
  return [{ host: host.name, name: 'sentinel.conf', content: lines.join('\n') + '\n', mode: 0o600, runtimeOwned: true }]
}
