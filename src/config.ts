import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { MIN_HS256_SECRET_BYTES } from './services/jwt-service.ts'

// The only reader of process.env. Every key has a doc string, a format, a default and its variable,
// so command-line tooling and docs/operations can list them.

export interface Config {
  nodeName: string
  /** The code this process runs (commit, and a hash of uncommitted changes), set by the launcher: /health/live reports it. */
  build: string
  host: string
  port: number
  logLevel: string
  /** Primary through HAProxy's Patroni-checked port (writes, and reads that must be fresh). */
  databaseUrl: string
  /** Replicas through HAProxy's `/replica` port; null sends every read to the primary. */
  databaseReplicaUrl: string | null
  databasePoolMax: number
  /** Schema to work in (search_path); null for the default. Tests use one schema per test file. */
  databaseSchema: string | null
  /** How long a write may wait for a primary during failover before the client sees 503. */
  writeDeadlineMs: number
  queryTimeoutMs: number
  connectTimeoutMs: number
  /** `host:port,host:port,...` of Redis Sentinels; empty with redisUrl empty disables Redis. */
  redisSentinels: Array<{ host: string; port: number }>
  redisMasterName: string
  redisUrl: string | null
  /** ACL user and password on Redis, and on the Sentinels (REDIS_PASSWORD_FILE, REDIS_SENTINEL_PASSWORD_FILE). */
  redisUsername: string | null
  redisPassword: string | null
  redisSentinelUsername: string | null
  redisSentinelPassword: string | null
  /** The internal listener (/metrics, /health/*) for Prometheus and operators; HAProxy never routes to it. 0: none. */
  internalPort: number
  internalHost: string
  /** Bearer token the internal listener asks for /metrics and /health/deps; null: none asked (development). */
  internalToken: string | null
  /** Peers (addresses, CIDR) the client port accepts: the load balancers. Empty: any (development). */
  allowedClients: string[]
  /** Peers the internal listener accepts: Prometheus (and operators' hosts). Empty: any. */
  internalAllowedClients: string[]
  /**
   * HTTPS on both listeners (TLS_CERT_FILE, TLS_KEY_FILE: PEM, re-read on SIGHUP); with
   * TLS_CLIENT_CA_FILE every client must show a certificate of that CA (the load balancers,
   * Prometheus, operators). Null: plain HTTP (tests, development).
   */
  tls: { certFile: string; keyFile: string; clientCaFile: string | null } | null
  /** Redis and its Sentinels over TLS (REDIS_TLS_CA_FILE; this node's certificate as client: REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE). */
  redisTls: { caFile: string; certFile: string | null; keyFile: string | null } | null
  /** HS256 shared secret, at least 32 bytes: the local cluster and tests only. */
  jwtSecret: string | null
  /** The identity provider's JWKS endpoint: RS256 / ES256 keys chosen by `kid`, rotation followed. */
  jwtJwksUrl: string | null
  /** PEM file of an RS256 / ES256 public key, or a JWKS file (JSON with "keys"). */
  jwtPublicKeyFile: string | null
  jwtIssuer: string
  jwtAudience: string
  /** Longest token lifetime accepted (exp − iat), whatever signed it. */
  jwtMaxLifetimeHours: number
  /** How often each node reloads the disabled officers (a revoked token is refused within this, plus a query). */
  revocationRefreshMs: number
  bodyLimitBytes: number
  /** Requests a second before 429 RATE_LIMITED, cluster-wide (per node while Redis is away). */
  rateLimits: {
    /** Writes of one officer: guards against a runaway client. */
    officerWritesPerSecond: number
    /** Reads of one officer: far above any person, below a stolen token's flood. */
    officerReadsPerSecond: number
    /** Every request from one client address (HAProxy's X-Forwarded-For): one source's flood. */
    addressPerSecond: number
    /** Answers 401/403 to one client address, past which it is refused before its token is checked. */
    addressRefusalsPerSecond: number
  }
  /** Proxy addresses trusted for X-Forwarded-For (HAProxy's). */
  trustProxy: string | boolean
  /** Readiness answers 503 this long before the server closes, so HAProxy (inter × fall) stops sending. */
  shutdownDrainMs: number
  idempotencyTtlHours: number
  /** Start pg-boss workers on this node. */
  queueEnabled: boolean
  /** Where outbox events are delivered (the wider customs system); null keeps them queued. */
  outboxEndpoint: string | null
  /** pg-boss's own schema; null: `<databaseSchema>_boss`, or `pgboss` without a databaseSchema. */
  queueSchema: string | null
  /** pg-boss's pool size per node (count it against HAProxy maxconn and max_connections: × app nodes). */
  queuePoolMax: number
  /** How long one outbox POST may take before it counts as failed and is retried with backoff. */
  outboxTimeoutMs: number
  /** Largest back-entry upload (CSV or JSON body). */
  backEntryMaxBytes: number
  /** Most rows in one back-entry batch. */
  backEntryMaxRows: number
  /**
   * Key of the signed print links and of the verification code in a print's QR code; null: derived
   * from jwtSecret (HKDF). With RS256 tokens and no key, print links answer 503.
   */
  printLinkSecret: string | null
  /**
   * A paper record (origin paper) dated more than this many days before it is typed in is entered
   * by a supervisor of the office (an officer gets 403 SUPERVISOR_REQUIRED): an outage's paper forms
   * are typed in within days, and an older one is an exception someone answers for.
   */
  paperBackdatingDays: number
  /** How long a print link opens (a browser tab left open past it asks for a new link). */
  printLinkTtlSeconds: number
  /** The address officers' browsers reach the service at (HAProxy): print links and QR codes point there. */
  publicBaseUrl: string
  /** How often each node re-reads the office registry: an imported office is accepted everywhere within this. */
  officeRegistryRefreshMs: number
  /** PEM file of the Ed25519 key that signs audit checkpoints (the app's, never PostgreSQL's); null: this node does not seal. */
  auditSigningKeyFile: string | null
  /** PEM file of every trusted audit public key (current and retired); null: only the signing key's own. */
  auditTrustedKeysFile: string | null
  /** This host's store of checkpoint copies outside PostgreSQL (a directory the database's OS user cannot write); null: none. */
  auditCheckpointDir: string | null
  /** How often the sealer looks for unsealed audit rows; 0 stops sealing on this node. */
  auditSealIntervalMs: number
  /** Most audit rows sealed under one checkpoint. */
  auditSealBatch: number
  /** The log's name inside every signed checkpoint, so checkpoints of different logs never pass for each other. */
  auditLogName: string
}

type Env = Record<string, string | undefined>

/** PAPER_BACKDATING_DAYS' default, a week: the 2019 outage lasted 11 hours, and a long holiday's paper forms are typed in within days. */
export const DEFAULT_PAPER_BACKDATING_DAYS = 7

class ConfigError extends Error {}

function str(env: Env, name: string, fallback: string): string {
  const v = env[name]
  return v === undefined || v === '' ? fallback : v
}

function optional(env: Env, name: string): string | null {
  const v = env[name]
  return v === undefined || v === '' ? null : v
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}=${raw}: expected an integer from ${min} to ${max}`)
  }
  return n
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (['1', 'true', 'yes'].includes(raw)) return true
  if (['0', 'false', 'no'].includes(raw)) return false
  throw new ConfigError(`${name}=${raw}: expected true or false`)
}

/** A secret kept in a file (the launcher writes them under .run/secrets/), so it stays out of `ps`. */
function secretFromFile(env: Env, name: string): string | null {
  const file = optional(env, name)
  if (file === null) return null
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (err) {
    throw new ConfigError(`${name}=${file}: ${(err as Error).message}`)
  }
}

/** `10.0.1.10,10.0.1.0/24,...`: each an IPv4/IPv6 address with an optional prefix length. */
function peerList(env: Env, name: string): string[] {
  const raw = optional(env, name)
  if (raw === null) return []
  return raw.split(',').map((item) => {
    const entry = item.trim()
    const [address, prefix] = entry.split('/')
    const family = isIP(address ?? '')
    const bits = family === 6 ? 128 : 32
    if (family === 0 || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= bits))) {
      throw new ConfigError(`${name}: "${entry}" is not an address or address/prefix`)
    }
    return entry
  })
}

/** Certificate and key come together or not at all: half a TLS setting is a mistake, not plain HTTP. */
function tlsFiles(env: Env): Config['tls'] {
  const certFile = optional(env, 'TLS_CERT_FILE')
  const keyFile = optional(env, 'TLS_KEY_FILE')
  if ((certFile === null) !== (keyFile === null)) throw new ConfigError('set both TLS_CERT_FILE and TLS_KEY_FILE, or neither')
  return certFile && keyFile ? { certFile, keyFile, clientCaFile: optional(env, 'TLS_CLIENT_CA_FILE') } : null
}

function redisTlsFiles(env: Env): Config['redisTls'] {
  const caFile = optional(env, 'REDIS_TLS_CA_FILE')
  return caFile ? { caFile, certFile: optional(env, 'REDIS_TLS_CERT_FILE'), keyFile: optional(env, 'REDIS_TLS_KEY_FILE') } : null
}

function hostPorts(env: Env, name: string): Array<{ host: string; port: number }> {
  const raw = optional(env, name)
  if (raw === null) return []
  return raw.split(',').map((item) => {
    const [host, port] = item.trim().split(':')
    const n = Number(port)
    if (!host || !Number.isInteger(n)) throw new ConfigError(`${name}: "${item}" is not host:port`)
    return { host, port: n }
  })
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const config: Config = {
    nodeName: str(env, 'NODE_NAME', 'app'),
    build: str(env, 'APP_BUILD', 'unknown'),
    host: str(env, 'HOST', '127.0.0.1'),
    port: int(env, 'PORT', 3000, 0, 65535),
    logLevel: str(env, 'LOG_LEVEL', 'info'),
    databaseUrl: str(env, 'DATABASE_URL', 'postgres://tqdt:tqdt@127.0.0.1:5432/tqdt'),
    databaseReplicaUrl: optional(env, 'DATABASE_REPLICA_URL'),
    databasePoolMax: int(env, 'DATABASE_POOL_MAX', 10, 1, 200),
    databaseSchema: optional(env, 'DATABASE_SCHEMA'),
    // 27 s: above a primary failover's write stall (Patroni's 20 s lease and the replica's attach),
    // and with HAProxy's 1 s margin under the 30 s most clients wait (HAPROXY_TIMING, which the
    // launcher renders into each node's env).
    writeDeadlineMs: int(env, 'WRITE_DEADLINE_MS', 27_000, 1000, 600_000),
    queryTimeoutMs: int(env, 'QUERY_TIMEOUT_MS', 5000, 100, 600_000),
    connectTimeoutMs: int(env, 'CONNECT_TIMEOUT_MS', 2000, 100, 60_000),
    redisSentinels: hostPorts(env, 'REDIS_SENTINELS'),
    redisMasterName: str(env, 'REDIS_MASTER_NAME', 'tqdt'),
    redisUrl: optional(env, 'REDIS_URL'),
    redisUsername: optional(env, 'REDIS_USERNAME'),
    redisPassword: secretFromFile(env, 'REDIS_PASSWORD_FILE'),
    redisSentinelUsername: optional(env, 'REDIS_SENTINEL_USERNAME'),
    redisSentinelPassword: secretFromFile(env, 'REDIS_SENTINEL_PASSWORD_FILE'),
    internalPort: int(env, 'INTERNAL_PORT', 9464, 0, 65535),
    internalHost: str(env, 'INTERNAL_HOST', str(env, 'HOST', '127.0.0.1')),
    internalToken: secretFromFile(env, 'INTERNAL_TOKEN_FILE'),
    allowedClients: peerList(env, 'ALLOWED_CLIENTS'),
    internalAllowedClients: peerList(env, 'INTERNAL_ALLOWED_CLIENTS'),
    tls: tlsFiles(env),
    redisTls: redisTlsFiles(env),
    jwtSecret: optional(env, 'JWT_SECRET') ?? secretFromFile(env, 'JWT_SECRET_FILE'),
    jwtJwksUrl: optional(env, 'JWT_JWKS_URL'),
    jwtPublicKeyFile: optional(env, 'JWT_PUBLIC_KEY_FILE'),
    jwtIssuer: str(env, 'JWT_ISSUER', 'tqdt-ha'),
    jwtAudience: str(env, 'JWT_AUDIENCE', 'tqdt-api'),
    jwtMaxLifetimeHours: int(env, 'JWT_MAX_LIFETIME_HOURS', 12, 1, 24 * 7),
    // 10 s: the promise is "refused on every node within 60 s" (issue 12), with room for a failover.
    revocationRefreshMs: int(env, 'REVOCATION_REFRESH_MS', 10_000, 200, 30_000),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 50 * 1_048_576),
    // The benchmark's busiest token reads ~340/s and its one k6 address sends ~1,700/s at the ceiling
    // (docs/benchmarks.md): the defaults stay above both, so a limit never shapes a measurement.
    rateLimits: {
      officerWritesPerSecond: int(env, 'RATE_LIMIT_OFFICER_WRITES', 50, 1, 100_000),
      officerReadsPerSecond: int(env, 'RATE_LIMIT_OFFICER_READS', 1000, 1, 100_000),
      addressPerSecond: int(env, 'RATE_LIMIT_ADDRESS', 5000, 1, 1_000_000),
      addressRefusalsPerSecond: int(env, 'RATE_LIMIT_ADDRESS_REFUSALS', 100, 1, 100_000),
    },
    trustProxy: str(env, 'TRUST_PROXY', '127.0.0.1'),
    shutdownDrainMs: int(env, 'SHUTDOWN_DRAIN_MS', 5000, 0, 60_000),
    idempotencyTtlHours: int(env, 'IDEMPOTENCY_TTL_HOURS', 48, 24, 24 * 30),
    queueEnabled: bool(env, 'QUEUE_ENABLED', true),
    outboxEndpoint: optional(env, 'OUTBOX_ENDPOINT'),
    queueSchema: optional(env, 'QUEUE_SCHEMA'),
    queuePoolMax: int(env, 'QUEUE_POOL_MAX', 3, 1, 50),
    outboxTimeoutMs: int(env, 'OUTBOX_TIMEOUT_MS', 5000, 100, 120_000),
    backEntryMaxBytes: int(env, 'BACK_ENTRY_MAX_BYTES', 5 * 1_048_576, 1024, 100 * 1_048_576),
    backEntryMaxRows: int(env, 'BACK_ENTRY_MAX_ROWS', 10_000, 1, 1_000_000),
    printLinkSecret: optional(env, 'PRINT_LINK_SECRET') ?? secretFromFile(env, 'PRINT_LINK_SECRET_FILE'),
    paperBackdatingDays: int(env, 'PAPER_BACKDATING_DAYS', DEFAULT_PAPER_BACKDATING_DAYS, 1, 3650),
    printLinkTtlSeconds: int(env, 'PRINT_LINK_TTL_SECONDS', 600, 30, 86_400),
    officeRegistryRefreshMs: int(env, 'OFFICE_REGISTRY_REFRESH_MS', 60_000, 200, 3_600_000),
    publicBaseUrl: str(env, 'PUBLIC_BASE_URL', 'http://127.0.0.10:8080').replace(/\/+$/, ''),
    auditSigningKeyFile: optional(env, 'AUDIT_SIGNING_KEY_FILE'),
    auditTrustedKeysFile: optional(env, 'AUDIT_TRUSTED_KEYS_FILE'),
    auditCheckpointDir: optional(env, 'AUDIT_CHECKPOINT_DIR'),
    // A second: the lag an auditor sees before a change has a proof, for one small query a second.
    auditSealIntervalMs: int(env, 'AUDIT_SEAL_INTERVAL_MS', 1000, 0, 3_600_000),
    auditSealBatch: int(env, 'AUDIT_SEAL_BATCH', 2000, 1, 100_000),
    auditLogName: str(env, 'AUDIT_LOG_NAME', 'tqdt-ha'),
    ...overrides,
  }
  checkTokenSettings(config)
  return config
}

/** Exactly one trust source; an HS256 secret long enough that one token does not give it away offline. */
function checkTokenSettings(config: Pick<Config, 'jwtSecret' | 'jwtJwksUrl' | 'jwtPublicKeyFile'>): void {
  const given = [config.jwtSecret && 'JWT_SECRET', config.jwtJwksUrl && 'JWT_JWKS_URL', config.jwtPublicKeyFile && 'JWT_PUBLIC_KEY_FILE'].filter(Boolean)
  if (given.length === 0) {
    throw new ConfigError('set JWT_JWKS_URL (the identity provider), JWT_PUBLIC_KEY_FILE (PEM or JWKS file), or JWT_SECRET (HS256, local cluster)')
  }
  if (given.length > 1) throw new ConfigError(`set only one of ${given.join(', ')}: tokens are trusted from one source`)
  if (config.jwtSecret && Buffer.byteLength(config.jwtSecret) < MIN_HS256_SECRET_BYTES) {
    throw new ConfigError(
      `JWT_SECRET has ${Buffer.byteLength(config.jwtSecret)} bytes; HS256 needs at least ${MIN_HS256_SECRET_BYTES} (e.g. \`openssl rand -base64 48\`)`,
    )
  }
  if (config.jwtJwksUrl && !/^https?:\/\//.test(config.jwtJwksUrl)) throw new ConfigError(`JWT_JWKS_URL=${config.jwtJwksUrl}: expected an http(s) URL`)
}

export { ConfigError }

/** What the command-line tools need: the database and the token settings, without the server's keys. */
export function loadCommandConfig(env: Env = process.env) {
  return {
    databaseUrl: str(env, 'DATABASE_URL', 'postgres://tqdt:tqdt@127.0.0.1:5432/tqdt'),
    /** The schema owner's connection: migrations only. */
    databaseOwnerUrl: optional(env, 'DATABASE_OWNER_URL'),
    /** pg-boss's schema, prepared by the migrations for the app's role. */
    queueSchema: str(env, 'QUEUE_SCHEMA', 'pgboss'),
    auditTrustedKeysFile: optional(env, 'AUDIT_TRUSTED_KEYS_FILE'),
    auditSigningKeyFile: optional(env, 'AUDIT_SIGNING_KEY_FILE'),
    auditLogName: str(env, 'AUDIT_LOG_NAME', 'tqdt-ha'),
    /** Comma-separated checkpoint store directories (one per app host) to check the database against. */
    auditCheckpointDirs: (optional(env, 'AUDIT_CHECKPOINT_DIRS') ?? optional(env, 'AUDIT_CHECKPOINT_DIR') ?? '').split(',').filter(Boolean),
    jwtSecret: optional(env, 'JWT_SECRET') ?? secretFromFile(env, 'JWT_SECRET_FILE'),
    jwtIssuer: str(env, 'JWT_ISSUER', 'tqdt-ha'),
    jwtAudience: str(env, 'JWT_AUDIENCE', 'tqdt-api'),
    jwtMaxLifetimeHours: int(env, 'JWT_MAX_LIFETIME_HOURS', 12, 1, 24 * 7),
  }
}
