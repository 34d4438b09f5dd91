// Secrets are generated once per checkout into the inventory's secrets folder (mode 0600) and never
// regenerated, so a restart keeps passwords, tokens signed with the JWT secret stay valid, and a
// `down --purge` (which keeps this folder) does not invalidate what tests or operators hold.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Inventory } from './inventory.ts'
import { clusterPath } from './inventory.ts'

export interface Secrets {
  /** HS256 key of the app's JWTs. */
  jwtSecret: string
  /** Password of the application role (cluster.databaseUser). */
  dbPassword: string
  /** `tqdt_owner`, the schema's owner: the migrations only. */
  ownerPassword: string
  /** PostgreSQL superuser `postgres` (Patroni's configuration; it logs in over the local socket, by peer). */
  superuserPassword: string
  /** `replicator`: streaming replication and pg_basebackup. */
  replicationPassword: string
  /** `rewinder`: pg_rewind of a demoted primary. */
  rewindPassword: string
  /** `tqdt_monitor` (pg_monitor): postgres_exporter. */
  monitorPassword: string
  /** Redis and Sentinel ACL user `tqdt-app`: the app's rate-limit counters (render/redis-config.ts). */
  redisAppPassword: string
  /** Redis ACL user `tqdt-replica`: a replica's link to its master (masteruser/masterauth). */
  redisReplicationPassword: string
  /** `tqdt-sentinel`: Sentinel's own user on Redis and between Sentinels (auth-user, sentinel-user). */
  redisSentinelPassword: string
  /** `tqdt-monitor` on Redis and Sentinel: redis_exporter, the launcher's and the drills' probes. */
  redisMonitorPassword: string
  /** `tqdt-admin` on Redis: operators (the runbooks' redis-cli). */
  redisAdminPassword: string
  /** HAProxy's stats page and its Prometheus exporter (user `tqdt-stats`, basic auth). */
  haproxyStatsPassword: string
  /** Bearer token for the app nodes' internal listener (/metrics, /health/deps): Prometheus and operators. */
  appInternalToken: string
  /** Patroni's unsafe REST endpoints (user tqdt-patroni, basic auth; a client certificate too). */
  patroniRestPassword: string
}

const FILES: Record<keyof Secrets, string> = {
  jwtSecret: 'jwt-secret',
  dbPassword: 'db-password',
  ownerPassword: 'db-owner-password',
  superuserPassword: 'pg-superuser-password',
  replicationPassword: 'pg-replication-password',
  rewindPassword: 'pg-rewind-password',
  monitorPassword: 'pg-monitor-password',
  redisAppPassword: 'redis-app-password',
  redisReplicationPassword: 'redis-replication-password',
  redisSentinelPassword: 'redis-sentinel-password',
  redisMonitorPassword: 'redis-monitor-password',
  redisAdminPassword: 'redis-admin-password',
  haproxyStatsPassword: 'haproxy-stats-password',
  appInternalToken: 'app-internal-token',
  patroniRestPassword: 'patroni-rest-password',
}

/** Where a secret lives, for programs that read it from a file (the app, Prometheus). */
export function secretFile(inv: Inventory, key: keyof Secrets): string {
  return join(clusterPath(inv, 'secrets'), FILES[key])
}

/** base64url: safe inside connection URLs, YAML and shell without quoting surprises. */
function newSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

export function ensureSecrets(inv: Inventory): Secrets {
  const dir = clusterPath(inv, 'secrets')
  // The parent (.run) must stay traversable for the postgres user; only this folder is closed.
  mkdirSync(dirname(dir), { recursive: true, mode: 0o755 })
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  for (const [key, file] of Object.entries(FILES)) {
    const path = join(dir, file)
    if (!existsSync(path)) writeFileSync(path, newSecret(key === 'jwtSecret' ? 48 : 24) + '\n', { mode: 0o600 })
  }
  ensureAuditKeys(inv)
  return readSecrets(inv)
}

/**
 * The Ed25519 key that signs the audit trail's checkpoints (the app's, like the JWT secret: PostgreSQL
 * never sees it) and the file of trusted public keys that every verifier reads. Generated once; a
 * rotation adds the new public key to the trusted file and keeps the old ones (docs/operations/audit.md).
 */
export function auditKeyFiles(inv: Inventory): { signingKey: string; trustedKeys: string } {
  const dir = clusterPath(inv, 'secrets')
  return { signingKey: join(dir, 'audit-signing-key.pem'), trustedKeys: join(dir, 'audit-public-keys.pem') }
}

function ensureAuditKeys(inv: Inventory): void {
  const files = auditKeyFiles(inv)
  if (existsSync(files.signingKey)) return
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  writeFileSync(files.trustedKeys, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 })
  writeFileSync(files.signingKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
}

export function readSecrets(inv: Inventory): Secrets {
  const dir = clusterPath(inv, 'secrets')
  const out: Partial<Secrets> = {}
  for (const [key, file] of Object.entries(FILES) as Array<[keyof Secrets, string]>) {
    try {
      out[key] = readFileSync(join(dir, file), 'utf8').trim()
    } catch {
      throw new Error(`secret ${join(dir, file)} is missing: run \`npm run up\` (or generate-configs) first`)
    }
  }
  return out as Secrets
}
