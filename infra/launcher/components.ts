// How each role of a host runs as a process: command line, environment, user, pid and log files.
// The launcher starts and stops these; host-processes.ts finds them again for status and drills.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Host, Inventory, Role } from './inventory.ts'
import { REPO_ROOT, clusterPath } from './inventory.ts'
import { hostNamespace, namespacePath } from './lab/lab-namespaces.ts'
import { dataDir, runDir } from './render/render-context.ts'
import { WEB_TLS_FILE } from './render/web-tls-config.ts'
import { hostTls } from './tls/certificates.ts'
import { codeFingerprint } from './code-fingerprint.ts'

export type Component =
  | 'etcd'
  | 'patroni'
  | 'haproxy'
  | 'keepalived'
  | 'redis'
  | 'sentinel'
  | 'postgres-exporter'
  | 'redis-exporter'
  | 'prometheus'
  | 'app'

/** null: a role without a process of its own (the backup repository is a folder locally). */
export const ROLE_COMPONENT: Record<Role, Component | null> = {
  etcd: 'etcd',
  postgres: 'patroni',
  haproxy: 'haproxy',
  redis: 'redis',
  sentinel: 'sentinel',
  'postgres-exporter': 'postgres-exporter',
  'redis-exporter': 'redis-exporter',
  prometheus: 'prometheus',
  app: 'app',
  'pgbackrest-repo': null,
}

/**
 * The processes a role runs on a host: a load balancer of a pair also runs keepalived, which moves
 * the floating address (rendered only for inventories with cluster.vrrp, see keepalived-config.ts).
 */
function roleComponents(inv: Inventory, role: Role): Component[] {
  const main = ROLE_COMPONENT[role]
  if (main === null) return []
  return role === 'haproxy' && inv.cluster.vrrp && inv.cluster.floatingAddress ? [main, 'keepalived'] : [main]
}

/** Start order; `down` stops in reverse. */
export const START_ORDER: readonly Component[] = [
  'etcd',
  'patroni',
  'haproxy',
  'keepalived',
  'redis',
  'sentinel',
  'postgres-exporter',
  'redis-exporter',
  'prometheus',
  'app',
]

export const PATRONI_VENV = join(REPO_ROOT, '.tools/patroni-venv')

export interface ComponentSpec {
  host: Host
  role: Role
  component: Component
  /** `<host>-<component>`: names the pid and log files. */
  id: string
  command: string
  args: string[]
  env: Record<string, string>
  /** Generated env file merged into env when the process starts (holds secrets). */
  envFile?: string
  /** Runs as this user instead of root (PostgreSQL refuses root). */
  user?: 'postgres'
  cwd: string
  pidFile: string
  logFile: string
  /**
   * Text found in /proc/<pid>/cmdline of the running program: tells a live process of ours from
   * a recycled pid. Redis and Sentinel rewrite their process title to `<address>:<port>`.
   */
  marker: string
  /** How long `down` waits after SIGTERM before SIGKILL (the app drains 3 s; Patroni checkpoints). */
  stopTimeoutMs: number
  /** In a namespace lab: the host's network namespace (/run/netns/<prefix><host>), which the process is started in. */
  netns?: string
}

export function configFile(inv: Inventory, host: Host, name: string): string {
  return clusterPath(inv, 'config', host.name, name)
}

/** Reads `KEY=value` lines of a generated env file. */
export function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line)
    if (m) env[m[1]] = m[2]
  }
  return env
}

const BASE_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' }

export function componentSpec(inv: Inventory, host: Host, role: Role, component: Component | null = ROLE_COMPONENT[role]): ComponentSpec {
  if (component === null) throw new Error(`role ${role} of ${host.name} runs no process`)
  const id = `${host.name}-${component}`
  const common = {
    host,
    role,
    component,
    id,
    env: { ...BASE_ENV },
    cwd: REPO_ROOT,
    pidFile: clusterPath(inv, 'pids', `${id}.pid`),
    logFile: clusterPath(inv, 'logs', `${id}.log`),
    stopTimeoutMs: 10_000,
    ...(inv.lab ? { netns: namespacePath(hostNamespace(inv, host.name)) } : {}),
  }
  const cfg = (name: string) => configFile(inv, host, name)
  const listen = (port: string) => `${host.address}:${host.ports[port]}`
  switch (component) {
    case 'etcd':
      return { ...common, command: '/usr/bin/etcd', args: ['--config-file', cfg('etcd.yml')], marker: cfg('etcd.yml') }
    case 'patroni':
      return {
        ...common,
        // setpriv execs in place (runuser would stay as the parent), so the pid we record is Patroni's.
        command: '/usr/bin/setpriv',
        args: ['--reuid=postgres', '--regid=postgres', '--init-groups', '--reset-env', join(PATRONI_VENV, 'bin/patroni'), cfg('patroni.yml')],
        user: 'postgres',
        marker: cfg('patroni.yml'),
        // Patroni stops PostgreSQL with a checkpoint first.
        stopTimeoutMs: 40_000,
      }
    case 'haproxy':
      return { ...common, command: '/usr/sbin/haproxy', args: ['-db', '-f', cfg('haproxy.cfg')], marker: cfg('haproxy.cfg') }
    case 'keepalived': {
      const run = runDir(inv, host)
      return {
        ...common,
        command: '/usr/sbin/keepalived',
        // VRRP only (-P), in the foreground (-n), logging to its log file (-l -D -G); pid files per
        // host, or a second keepalived on the machine would take the first one's for its own.
        args: ['-f', cfg('keepalived.conf'), '-P', '-n', '-l', '-D', '-G', '-p', `${run}/keepalived.pid`, '-r', `${run}/keepalived-vrrp.pid`],
        marker: cfg('keepalived.conf'),
      }
    }
    case 'redis':
      return { ...common, command: '/usr/bin/redis-server', args: [cfg('redis.conf')], marker: listen('redis') }
    case 'sentinel':
      return { ...common, command: '/usr/bin/redis-sentinel', args: [cfg('sentinel.conf')], marker: listen('sentinel') }
    case 'postgres-exporter':
      return {
        ...common,
        command: '/usr/bin/prometheus-postgres-exporter',
        args: [`--web.listen-address=${listen('postgresExporter')}`, `--web.config.file=${cfg(WEB_TLS_FILE)}`, '--log.level=warn'],
        envFile: cfg('postgres-exporter.env'),
        marker: `--web.listen-address=${listen('postgresExporter')}`,
      }
    case 'redis-exporter': {
      const target = host.monitors ? inv.hosts.find((h) => h.name === host.monitors)! : host
      const tls = hostTls(inv, host)
      return {
        ...common,
        command: '/usr/bin/prometheus-redis-exporter',
        args: [
          // To Redis and the Sentinels over TLS with this host's certificate; /metrics over HTTPS
          // to clients with a certificate of the CA (Prometheus, the operators).
          '-redis.addr', `rediss://${target.address}:${target.ports.redis}`,
          '-tls-ca-cert-file', tls.ca, '-tls-client-cert-file', tls.cert, '-tls-client-key-file', tls.key,
          '-web.listen-address', listen('redisExporter'),
          '-tls-server-cert-file', tls.cert, '-tls-server-key-file', tls.key, '-tls-server-ca-cert-file', tls.ca,
          // A 2 s connection timeout (default 15 s): a Redis without power shows as redis_up 0 within
          // Prometheus' 4 s scrape timeout (MonitoredComponentDown backend_down), not as a failed scrape.
          '-connection-timeout', '2s',
        ],
        // REDIS_USER / REDIS_PASSWORD: the read-only tqdt-monitor user, on Redis and on the Sentinels.
        envFile: cfg('redis-exporter.env'),
        marker: listen('redisExporter'),
      }
    }
    case 'prometheus':
      return {
        ...common,
        command: '/usr/bin/prometheus',
        args: [
          `--config.file=${cfg('prometheus.yml')}`,
          `--storage.tsdb.path=${dataDir(inv, host, 'prometheus')}`,
          '--storage.tsdb.retention.time=2d',
          `--web.listen-address=${listen('prometheus')}`,
          `--web.config.file=${cfg(WEB_TLS_FILE)}`,
          // Lets the alert rules be reloaded with POST /-/reload without a restart.
          '--web.enable-lifecycle',
        ],
        marker: cfg('prometheus.yml'),
      }
    case 'app':
      return {
        ...common,
        // Drain (SHUTDOWN_DRAIN_MS) plus in-flight writes (the write hold) before SIGKILL.
        stopTimeoutMs: 40_000,
        command: process.execPath,
        args: [`--env-file=${cfg('app.env')}`, 'src/server.ts'],
        env: { ...common.env, PATH: `${join(process.execPath, '..')}:${BASE_ENV.PATH}`, APP_BUILD: codeFingerprint(inv) },
        cwd: clusterPath(inv, 'app'),
        marker: cfg('app.env'),
      }
  }
}

/** Every component of a host, in start order. */
export function hostComponentSpecs(inv: Inventory, host: Host): ComponentSpec[] {
  const specs = host.roles.flatMap((r) => roleComponents(inv, r).map((c) => componentSpec(inv, host, r, c)))
  return specs.sort((a, b) => START_ORDER.indexOf(a.component) - START_ORDER.indexOf(b.component))
}

/** Every component of the inventory, in start order. */
export function componentSpecs(inv: Inventory): ComponentSpec[] {
  const specs = inv.hosts.flatMap((h) => hostComponentSpecs(inv, h))
  return specs.sort((a, b) => START_ORDER.indexOf(a.component) - START_ORDER.indexOf(b.component))
}
