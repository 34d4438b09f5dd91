// The pgBackRest repository as the launcher, the backup command, the drills and the tests see it:
// running pgbackrest as postgres with a host's generated config, reading `info`, the stanza, backups,
// and the primary's archiver. Needs only node: builtins and pg.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import type { Host, Inventory } from '../launcher/inventory.ts'
import type { BackupLayout } from '../launcher/render/pgbackrest-config.ts'
import { backupLayout, pgbackrestConfigFile } from '../launcher/render/pgbackrest-config.ts'
import { runDir } from '../launcher/render/render-context.ts'
import { namespacePrefix } from '../launcher/lab/run-in-lab.ts'
import { patroniLeaderHost, patroniMembers } from '../launcher/patroni-client.ts'

const PGBACKREST = '/usr/bin/pgbackrest'

export class BackupError extends Error {}

export function requireLayout(inv: Inventory): BackupLayout {
  const layout = backupLayout(inv)
  if (!layout) throw new BackupError(`${inv.file} has no host with role pgbackrest-repo: backups are not configured`)
  return layout
}

export interface RunResult {
  status: number
  stdout: string
  stderr: string
  ms: number
}

/**
 * Runs a command as postgres (PostgreSQL's files and the repository belong to it): through setpriv
 * when we are root, directly when we already are postgres.
 */
export function runAsPostgres(command: string, args: string[], opts: { timeoutMs?: number; env?: Record<string, string>; netns?: string } = {}): RunResult {
  const asRoot = process.getuid?.() === 0
  const [cmd0, argv0] = asRoot
    ? ['/usr/bin/setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--reset-env', '/usr/bin/env', ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`), command, ...args]]
    : [command, args]
  // A server started here (a scratch instance) listens on a host's address: in a namespace lab, in that host's namespace.
  const [cmd, ...argv] = [...namespacePrefix(opts.netns), cmd0, ...argv0]
  const t0 = performance.now()
  const res = spawnSync(cmd, argv, {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 600_000,
    env: asRoot ? undefined : { ...process.env, ...opts.env },
    // postgres must be able to enter the working folder.
    cwd: '/',
    maxBuffer: 64 * 1024 * 1024,
  })
  return {
    status: res.status ?? (res.error ? 127 : 1),
    stdout: res.stdout ?? '',
    stderr: (res.stderr ?? '') + (res.error ? `\n${res.error.message}` : ''),
    ms: performance.now() - t0,
  }
}

/** pgbackrest with the given host's generated config (the repository host's by default). */
export function pgbackrest(inv: Inventory, args: string[], opts: { host?: Host; config?: string; timeoutMs?: number } = {}): RunResult {
  const layout = requireLayout(inv)
  const config = opts.config ?? pgbackrestConfigFile(inv, opts.host ?? layout.repoHost)
  if (!existsSync(config)) throw new BackupError(`${config} does not exist: run the launcher's up (or generate-configs) first`)
  return runAsPostgres(PGBACKREST, [`--config=${config}`, `--stanza=${layout.stanza}`, ...args], { timeoutMs: opts.timeoutMs })
}

function check(res: RunResult, what: string): RunResult {
  if (res.status !== 0) throw new BackupError(`${what} failed (exit ${res.status}): ${(res.stderr || res.stdout).trim()}`)
  return res
}

// ------------------------------------------------------------------ info

export interface BackupInfo {
  label: string
  type: 'full' | 'diff' | 'incr'
  prior: string | null
  /** Unix seconds. */
  timestamp: { start: number; stop: number }
  lsn: { start: string; stop: string }
  archive: { start: string; stop: string }
  info: { size: number; delta: number; repository: { size: number; delta: number } }
  error?: boolean
}

export interface StanzaInfo {
  name: string
  status: { code: number; message: string }
  archive: Array<{ id: string; min: string | null; max: string | null }>
  backup: BackupInfo[]
  db: Array<{ id: number; 'system-id': number; version: string }>
}

/** `pgbackrest info` of the stanza; null when the stanza does not exist yet. */
export function repositoryInfo(inv: Inventory): StanzaInfo | null {
  const res = check(pgbackrest(inv, ['--output=json', 'info'], { timeoutMs: 60_000 }), 'pgbackrest info')
  const stanzas = JSON.parse(res.stdout) as StanzaInfo[]
  const s = stanzas[0]
  // code 1: "missing stanza path"
  if (!s || s.status.code === 1) return null
  return s
}

// ------------------------------------------------------------------ the live cluster

/** A superuser connection to one database host over its local socket (peer: the only way the superuser logs in). */
async function superuserClient(inv: Inventory, host: Host, database = 'postgres'): Promise<pg.Client> {
  const client = new pg.Client({
    host: runDir(inv, host),
    port: host.ports.postgres,
    user: 'postgres',
    database,
    connectionTimeoutMillis: 3000,
    statement_timeout: 60_000,
  })
  client.on('error', () => {})
  await client.connect()
  return client
}

export interface ArchiverState {
  host: string
  archivedCount: number
  lastArchivedWal: string | null
  lastArchivedTime: Date | null
  failedCount: number
  lastFailedWal: string | null
  lastFailedTime: Date | null
  /** The segment being written now: everything before it should be in the repository. */
  currentWal: string
  currentLsn: string
}

export async function archiverState(inv: Inventory, host: Host): Promise<ArchiverState> {
  const c = await superuserClient(inv, host)
  try {
    const { rows } = await c.query(`
      SELECT archived_count, last_archived_wal, last_archived_time, failed_count, last_failed_wal, last_failed_time,
             pg_walfile_name(pg_current_wal_lsn()) AS current_wal, pg_current_wal_lsn()::text AS current_lsn
        FROM pg_stat_archiver`)
    const r = rows[0]
    return {
      host: host.name,
      archivedCount: Number(r.archived_count),
      lastArchivedWal: r.last_archived_wal,
      lastArchivedTime: r.last_archived_time,
      failedCount: Number(r.failed_count),
      lastFailedWal: r.last_failed_wal,
      lastFailedTime: r.last_failed_time,
      currentWal: r.current_wal,
      currentLsn: r.current_lsn,
    }
  } finally {
    await c.end().catch(() => {})
  }
}

/**
 * Closes the primary's current WAL segment (pg_switch_wal) and waits until the archiver has shipped
 * it: afterwards every commit made before the call is in the repository. Returns the segment.
 */
export async function flushArchive(inv: Inventory, timeoutMs = 60_000): Promise<{ host: string; segment: string; waitedMs: number }> {
  const leader = await patroniLeaderHost(inv)
  if (!leader) throw new BackupError('no running Patroni leader: cannot switch WAL')
  const c = await superuserClient(inv, leader)
  const t0 = performance.now()
  try {
    // Patroni names a new leader a moment before PostgreSQL has finished its promotion.
    while ((await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r === true) {
      if (performance.now() - t0 > timeoutMs) throw new BackupError(`${leader.name} is still in recovery after ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 200))
    }
    const { rows } = await c.query(`SELECT pg_walfile_name(pg_switch_wal()) AS segment`)
    const segment = rows[0].segment as string
    for (;;) {
      // The archiver marks the segment .done once archive_command succeeded for it.
      const { rows: a } = await c.query(
        `SELECT (SELECT last_archived_wal FROM pg_stat_archiver) AS last,
                EXISTS (SELECT 1 FROM pg_ls_archive_statusdir() WHERE name = $1) AS done`,
        [`${segment}.done`],
      )
      const last = a[0].last as string | null
      if (a[0].done) return { host: leader.name, segment, waitedMs: performance.now() - t0 }
      if (performance.now() - t0 > timeoutMs) {
        throw new BackupError(`segment ${segment} not archived after ${timeoutMs} ms (last archived: ${last}); see docs/runbooks/WalArchivingFailing.md`)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  } finally {
    await c.end().catch(() => {})
  }
}

// ------------------------------------------------------------------ stanza and backups

/**
 * Creates the stanza when it is missing (idempotent: "already exists and is valid"), through the
 * given database host's config: pg1 there is the primary's own data folder.
 */
export function ensureStanza(inv: Inventory, primary: Host): string {
  const res = pgbackrest(inv, ['--log-level-console=info', 'stanza-create'], { host: primary, timeoutMs: 120_000 })
  check(res, 'pgbackrest stanza-create')
  return /already exists/.test(res.stdout) ? 'stanza exists and matches the cluster' : 'stanza created'
}

export type BackupType = 'full' | 'diff' | 'incr'

export interface BackupRun {
  type: BackupType
  label: string | null
  fromStandby: boolean
  seconds: number
  output: string
}

/**
 * A backup through the repository host's config. From a standby when one is streaming (files are
 * copied from it, only backup start/stop run on the primary); from the primary otherwise.
 */
export async function takeBackup(inv: Inventory, type: BackupType): Promise<BackupRun> {
  const members = await patroniMembers(inv)
  const standby = members.some((m) => m.role !== 'leader' && m.state === 'streaming')
  const before = new Set((repositoryInfo(inv)?.backup ?? []).map((b) => b.label))
  const args = [`--type=${type}`, '--log-level-console=info']
  if (!standby) args.push('--no-backup-standby')
  const res = check(pgbackrest(inv, [...args, 'backup'], { timeoutMs: 6 * 3600_000 }), `pgbackrest backup --type=${type}`)
  const after = repositoryInfo(inv)?.backup ?? []
  const made = after.find((b) => !before.has(b.label))
  return { type: made?.type ?? type, label: made?.label ?? null, fromStandby: standby, seconds: res.ms / 1000, output: res.stdout }
}

// ------------------------------------------------------------------ the recovery window

export interface RecoveryWindow {
  /** The earliest moment a point-in-time restore can reach: the end of the oldest backup. */
  oldest: Date | null
  /** The latest moment known to be in the repository: the primary's last archived segment. */
  newest: Date | null
  /** How far the archive trails the primary now (seconds since its last archived segment). */
  archiveLagS: number | null
  backups: BackupInfo[]
  archiver: ArchiverState | null
}

export async function recoveryWindow(inv: Inventory): Promise<RecoveryWindow> {
  const info = repositoryInfo(inv)
  const backups = (info?.backup ?? []).filter((b) => !b.error)
  const leader = await patroniLeaderHost(inv)
  const archiver = leader ? await archiverState(inv, leader).catch(() => null) : null
  const oldest = backups.length > 0 ? new Date(Math.min(...backups.map((b) => b.timestamp.stop)) * 1000) : null
  const newest = archiver?.lastArchivedTime ?? null
  return {
    oldest,
    newest,
    archiveLagS: newest ? (Date.now() - newest.getTime()) / 1000 : null,
    backups,
    archiver,
  }
}

/**
 * The repository's file for a WAL segment (archive/<stanza>/<archive id>/<first 16>/<segment>-<sha1>.<ext>),
 * or null. Read straight from the folder: it is on this machine's disk.
 */
export function segmentInRepository(inv: Inventory, segment: string): string | null {
  const layout = requireLayout(inv)
  const root = join(layout.repoPath, 'archive', layout.stanza)
  if (!existsSync(root)) return null
  for (const archiveId of readdirSync(root).filter((d) => /^\d+-\d+$/.test(d))) {
    const dir = join(root, archiveId, segment.slice(0, 16))
    if (!existsSync(dir)) continue
    const file = readdirSync(dir).find((f) => f.startsWith(`${segment}-`))
    if (file) return join(dir, file)
  }
  return null
}
