// What a drill run tested, so a figure is never read without it: the commit (and whether the tree
// was clean), the settings in effect — read from the running cluster, not from the source: Patroni's
// dynamic configuration, PostgreSQL's replication settings on the leader, HAProxy's timeouts and
// checks from the config it runs, the app's hold, timeouts and pool sizes from its env file — and
// the version of every layer.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import pg from 'pg'
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { componentSpecs, configFile, DATABASE_ROLES, hostsWithRole, patroniConfig, postgresSsl, readEnvFile, REPO_ROOT, secrets } from '../../infra/launcher/cluster-api.ts'
import { machineInfo } from '../../loadtests/bench/machine-info.ts'
import type { MachineInfo } from '../../loadtests/bench/machine-info.ts'
import { loadConfig } from '../../src/config.ts'

export interface RunRecord {
  /** dirty: tracked files differ from the commit (other than the runner's own outputs); changed names them. */
  commit: { sha: string; subject: string; dirty: boolean; changed?: string[] }
  /** The inventory the cluster ran from, and whether its hosts were network namespaces or loopback addresses. */
  layout?: { inventory: string; lab: 'namespace' | 'loopback'; hosts: number }
  settings: {
    patroni: Record<string, unknown> | null
    postgres: Record<string, string> | null
    haproxy: { timeouts: string[]; appChecks: string | null; databaseChecks: string | null } | null
    app: Record<string, number | string> | null
  }
  machine: MachineInfo
}

/** Files the drill runner itself rewrites during a run. */
const RUNNER_OUTPUTS = ['docs/chaos.md']

function git(args: string[], raw = false): string {
  try {
    const out = execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    return raw ? out : out.trim()
  } catch {
    return '?'
  }
}

function version(cmd: string, args: string[], pick: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 })
    return pick.exec(out)?.[1] ?? out.split('\n')[0]!.trim()
  } catch {
    return '?'
  }
}

async function patroniSettings(inv: Inventory): Promise<Record<string, unknown> | null> {
  const c = await patroniConfig(inv)
  if (c === null) return null
  const pick = ['ttl', 'loop_wait', 'retry_timeout', 'synchronous_mode', 'synchronous_mode_strict', 'synchronous_node_count', 'maximum_lag_on_failover', 'failsafe_mode']
  return Object.fromEntries(pick.map((k) => [k, c[k] ?? null]))
}

async function postgresSettings(inv: Inventory, leader: string): Promise<Record<string, string> | null> {
  const h = hostsWithRole(inv, 'postgres').find((x) => x.name === leader)
  if (!h) return null
  // As the exporters' pg_monitor role (it reads every setting): the superuser logs in only over a host's socket.
  const client = new pg.Client({ host: h.address, port: h.ports.postgres, user: DATABASE_ROLES.monitor, password: secrets(inv).monitorPassword, database: 'postgres', connectionTimeoutMillis: 3000, ssl: postgresSsl(inv) })
  client.on('error', () => undefined)
  try {
    await client.connect()
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1) ORDER BY name`,
      [['synchronous_commit', 'synchronous_standby_names', 'wal_sender_timeout', 'wal_receiver_timeout', 'max_connections', 'server_version']],
    )
    return Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting]))
  } catch {
    return null
  } finally {
    await client.end().catch(() => undefined)
  }
}

function haproxySettings(inv: Inventory): RunRecord['settings']['haproxy'] {
  const lb = hostsWithRole(inv, 'haproxy')[0]
  if (!lb) return null
  try {
    const cfg = readFileSync(configFile(inv, lb, 'haproxy.cfg'), 'utf8')
    // The section itself (a line `backend <name>`), not a `default_backend`/`use_backend` naming it.
    const section = (name: string) => {
      const at = new RegExp(`^backend ${name}$`, 'm').exec(cfg)?.index
      return at === undefined ? '' : (cfg.slice(at).split(/\n(?=\S)/)[0] ?? '')
    }
    const defaultServer = (s: string) => /default-server ([^\n]+)/.exec(s)?.[1]?.trim() ?? null
    const timeouts = [...cfg.matchAll(/^\s+((?:timeout|http-request set-timeout|retries|retry-on)[^\n]*)$/gm)].map((m) => m[1]!.trim())
    return { timeouts: [...new Set(timeouts)], appChecks: defaultServer(section('be_app')), databaseChecks: defaultServer(section('be_pg_primary')) }
  } catch {
    return null
  }
}

function appSettings(inv: Inventory): Record<string, number | string> | null {
  // The app's settings reach it as --env-file=…/app.env (its spec has no envFile of its own).
  const spec = componentSpecs(inv).find((s) => s.component === 'app')
  if (!spec) return null
  try {
    const c = loadConfig(readEnvFile(configFile(inv, spec.host, 'app.env')))
    return {
      writeDeadlineMs: c.writeDeadlineMs,
      queryTimeoutMs: c.queryTimeoutMs,
      connectTimeoutMs: c.connectTimeoutMs,
      databasePoolMax: c.databasePoolMax,
      queuePoolMax: c.queuePoolMax,
      shutdownDrainMs: c.shutdownDrainMs,
    }
  } catch {
    return null
  }
}

export async function recordRun(inv: Inventory, leader: string, k6Version = 'not used'): Promise<RunRecord> {
  // The runner's own output (the page it regenerates after each drill) is not code under test: a
  // later drill of one --all run would otherwise be marked dirty by the earlier one's page alone.
  const changed = git(['status', '--porcelain=v1', '-z', '--untracked-files=no'], true)
    .split('\0')
    .filter(Boolean)
    .map((entry) => entry.slice(3))
    .filter((path) => !RUNNER_OUTPUTS.includes(path))
  const dirty = changed.length > 0
  return {
    commit: { sha: git(['rev-parse', 'HEAD']), subject: git(['log', '-1', '--format=%s']), dirty, ...(dirty ? { changed } : {}) },
    layout: { inventory: relative(REPO_ROOT, inv.file), lab: inv.lab ? 'namespace' : 'loopback', hosts: inv.hosts.length },
    settings: {
      patroni: await patroniSettings(inv),
      postgres: await postgresSettings(inv, leader),
      haproxy: haproxySettings(inv),
      app: appSettings(inv),
    },
    machine: machineInfo({
      k6: k6Version.replace(/^k6 /, '').split(' ')[0] ?? k6Version,
      postgresql: version(`${inv.cluster.postgresBinDir}/postgres`, ['--version'], /(\d+\.\d+)/),
      etcd: version('/usr/bin/etcd', ['--version'], /etcd Version: (\S+)/),
      redis: version('/usr/bin/redis-server', ['--version'], /v=(\S+)/),
      prometheus: version('/usr/bin/prometheus', ['--version'], /version (\S+)/),
    }),
  }
}
