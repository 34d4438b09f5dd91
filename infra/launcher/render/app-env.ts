// Environment of each app node and of the exporters, as env files (`node --env-file=...`).
import type { Host } from '../inventory.ts'
import { appDatabaseAddress, clusterPath, hostsWithRole, loadBalancerAddress, monitoredHost } from '../inventory.ts'
import type { RenderContext, RenderedFile } from './render-context.ts'
import { GENERATED_HEADER } from './render-context.ts'
import { REDIS_USERS, redisAuth } from './redis-config.ts'
import { auditKeyFiles, secretFile } from '../secrets.ts'
import { hostTls, postgresUrl } from '../tls/certificates.ts'
import { HAPROXY_TIMING } from './haproxy-config.ts'

function envFile(lines: Record<string, string>): string {
  return Object.entries(lines).map(([k, v]) => `${k}=${v}`).join('\n') + '\n'
}

/**
 * The connection URLs an app node uses: always through HAProxy — its own host's when it has one
 * (appDatabaseAddress) — TLS verified against the CA copy on its host.
 */
function databaseUrls(ctx: RenderContext, from: Host): { primary: string; replica: string } {
  const { inv, secrets } = ctx
  const lb = from.roles.includes('haproxy') ? from : hostsWithRole(inv, 'haproxy')[0]
  const c = { user: inv.cluster.databaseUser, password: secrets.dbPassword, host: appDatabaseAddress(inv, from), database: inv.cluster.database }
  const ca = hostTls(inv, from).ca
  return { primary: postgresUrl(inv, { ...c, port: lb.ports.pgPrimary }, ca), replica: postgresUrl(inv, { ...c, port: lb.ports.pgReplica }, ca) }
}

/**
 * Prometheus hosts may reach the internal listener. On the loopback lab every program that does not
 * bind its source address (Prometheus cannot) connects from 127.0.0.1, so there the machine itself
 * is admitted too and the internal token is what keeps anonymous clients out; on real hosts, or in
 * the namespace lab, the list is exact (in the lab: Prometheus and the operators' namespace, where
 * the launcher's status and the tests run).
 */
function internalClients(inv: RenderContext['inv'], host: Host): string[] {
  const prometheus = hostsWithRole(inv, 'prometheus').map((h) => h.address)
  if (inv.lab) return [...prometheus, inv.lab.opsAddress]
  return host.address.startsWith('127.') ? [...prometheus, '127.0.0.1'] : prometheus
}

/**
 * An app host's store of audit checkpoint copies (services/audit-checkpoint-store.ts): a folder of the
 * app's own user (mode 0700), which the postgres user — and so a database superuser running COPY TO
 * PROGRAM — cannot write.
 */
export function auditCheckpointDir(inv: RenderContext['inv'], host: Host): string {
  return clusterPath(inv, 'data', host.name, 'audit-checkpoints')
}

/** The name inside every signed checkpoint of this cluster's audit log. */
export const auditLogNameOf = (inv: RenderContext['inv']) => `tqdt-ha/${inv.cluster.scope}`

export function renderAppEnv(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv, secrets } = ctx
  const urls = databaseUrls(ctx, host)
  const lbs = hostsWithRole(inv, 'haproxy')
  const tls = hostTls(inv, host)
  const env = {
    NODE_NAME: host.name,
    HOST: host.address,
    PORT: String(host.ports.app),
    DATABASE_URL: urls.primary,
    DATABASE_REPLICA_URL: urls.replica,
    REDIS_SENTINELS: hostsWithRole(inv, 'sentinel').map((s) => `${s.address}:${s.ports.sentinel}`).join(','),
    REDIS_MASTER_NAME: inv.cluster.redisMasterName,
    // The write hold that HAProxy's timeouts and the client's 30 s are sized around.
    WRITE_DEADLINE_MS: String(HAPROXY_TIMING.appWriteDeadlineS * 1000),
    SHUTDOWN_DRAIN_MS: String(HAPROXY_TIMING.appDrainS * 1000),
    REDIS_USERNAME: REDIS_USERS.app.name,
    REDIS_PASSWORD_FILE: secretFile(inv, 'redisAppPassword'),
    REDIS_SENTINEL_USERNAME: REDIS_USERS.app.name,
    REDIS_SENTINEL_PASSWORD_FILE: secretFile(inv, 'redisAppPassword'),
    REDIS_TLS_CA_FILE: tls.ca,
    REDIS_TLS_CERT_FILE: tls.cert,
    REDIS_TLS_KEY_FILE: tls.key,
    // HTTPS on both listeners; every client shows a certificate of the CA (HAProxy, Prometheus, operators).
    TLS_CERT_FILE: tls.cert,
    TLS_KEY_FILE: tls.key,
    TLS_CLIENT_CA_FILE: tls.ca,
    JWT_SECRET: secrets.jwtSecret,
    // HAProxy connects from its own host address (its `source`), so trust every load balancer host.
    TRUST_PROXY: lbs.map((l) => l.address).join(','),
    // Clients reach the node only through a load balancer; Prometheus only the internal listener.
    ALLOWED_CLIENTS: lbs.map((l) => l.address).join(','),
    INTERNAL_PORT: String(host.ports.appInternal),
    INTERNAL_TOKEN_FILE: secretFile(inv, 'appInternalToken'),
    INTERNAL_ALLOWED_CLIENTS: internalClients(inv, host).join(','),
    LOG_LEVEL: 'info',
    QUEUE_ENABLED: 'true',
    // Print links and the QR codes on printed forms point at the front door, whichever node signs them.
    PUBLIC_BASE_URL: `https://${loadBalancerAddress(inv)}:${lbs[0].ports.http}`,
    AUDIT_SIGNING_KEY_FILE: auditKeyFiles(inv).signingKey,
    AUDIT_TRUSTED_KEYS_FILE: auditKeyFiles(inv).trustedKeys,
    AUDIT_CHECKPOINT_DIR: auditCheckpointDir(inv, host),
    AUDIT_LOG_NAME: auditLogNameOf(inv),
  }
  return [{ host: host.name, name: 'app.env', content: GENERATED_HEADER(inv) + envFile(env), mode: 0o600 }]
}

export function renderPostgresExporterEnv(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv, secrets } = ctx
  const db = monitoredHost(inv, host)
  if (!db.roles.includes('postgres')) throw new Error(`${host.name} monitors ${db.name}, which is not a postgres host`)
  // Straight to its database host, not through HAProxy: each instance is watched, replicas too.
  const url = postgresUrl(inv, { user: 'tqdt_monitor', password: secrets.monitorPassword, host: db.address, port: db.ports.postgres, database: 'postgres' }, hostTls(inv, host).ca)
  const env = { DATA_SOURCE_NAME: `${url}&connect_timeout=2` }
  return [{ host: host.name, name: 'postgres-exporter.env', content: GENERATED_HEADER(inv) + envFile(env), mode: 0o600 }]
}

/** The exporter scrapes its Redis and, through /scrape, the Sentinels: both know the monitor user. */
export function renderRedisExporterEnv(ctx: RenderContext, host: Host): RenderedFile[] {
  const monitor = redisAuth(ctx.secrets, 'monitor')
  const env = { REDIS_USER: monitor.user, REDIS_PASSWORD: monitor.password }
  return [{ host: host.name, name: 'redis-exporter.env', content: GENERATED_HEADER(ctx.inv) + envFile(env), mode: 0o600 }]
}
