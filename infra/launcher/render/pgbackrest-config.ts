// pgBackRest: one config per database host (archive-push / archive-get / restore of that host's
// data folder) and one on the repository host (backups of the whole cluster, from a standby).
//
// Locally the repository is a folder on the repository host's part of the disk, reached by path
// from every database host (there is no SSH between simulated hosts, and the processes share one
// file system). In production the same settings move behind pgBackRest's TLS server
// (`repo1-host=backup1`, `repo1-host-type=tls` on the database hosts; `pgN-host`/`pgN-host-type=tls`
// on the repository host) or into object storage (`repo1-type=s3`): docs/operations/backup.md.
import { join } from 'node:path'
import type { BackupSettings, Host, Inventory } from '../inventory.ts'
import { REPO_ROOT, clusterPath, hostsWithRole } from '../inventory.ts'
import type { RenderContext, RenderedFile } from './render-context.ts'
import { GENERATED_HEADER, dataDir, runDir } from './render-context.ts'

const BACKUP_DEFAULTS: Required<Omit<BackupSettings, 'stanza'>> = {
  // Two full backups: the recovery window reaches back to the older one (about two weeks with a
  // weekly full), and one full may be lost or corrupt without losing every restore point.
  retentionFull: 2,
  // A week of daily differentials on top of the newest full.
  retentionDiff: 6,
  // A quiet primary still ships its WAL within a minute: the most a site loss can take.
  archiveTimeoutS: 60,
}

export interface BackupLayout {
  repoHost: Host
  stanza: string
  settings: Required<Omit<BackupSettings, 'stanza'>>
  /** The repository folder (repo1-path). */
  repoPath: string
  /** Scratch restores live under here, one folder per instance. */
  scratchRoot: string
}

/** The backup layout of the inventory, or null when it has no pgbackrest-repo host (no archiving). */
export function backupLayout(inv: Inventory): BackupLayout | null {
  const repoHost = hostsWithRole(inv, 'pgbackrest-repo')[0]
  if (!repoHost) return null
  return {
    repoHost,
    stanza: inv.cluster.backup?.stanza ?? inv.cluster.scope,
    settings: { ...BACKUP_DEFAULTS, ...inv.cluster.backup },
    repoPath: clusterPath(inv, 'data', repoHost.name, 'pgbackrest-repo'),
    scratchRoot: clusterPath(inv, 'data', repoHost.name, 'scratch'),
  }
}

export function pgbackrestConfigFile(inv: Inventory, host: Host): string {
  return clusterPath(inv, 'config', host.name, 'pgbackrest.conf')
}

/** Folders pgBackRest writes as postgres on that host (the launcher creates and hands them over). */
export function pgbackrestDirs(inv: Inventory, host: Host): { log: string; lock: string } {
  return { log: clusterPath(inv, 'logs', 'pgbackrest', host.name), lock: join(runDir(inv, host), 'pgbackrest-lock') }
}

/** `pgbackrest --config=… --stanza=…`: the prefix of every command Patroni and PostgreSQL run. */
function pgbackrestCommand(inv: Inventory, host: Host): string {
  const layout = backupLayout(inv)
  if (!layout) throw new Error('the inventory has no pgbackrest-repo host')
  return `/usr/bin/pgbackrest --config=${pgbackrestConfigFile(inv, host)} --stanza=${layout.stanza}`
}

const CREATE_REPLICA_SCRIPT = join(REPO_ROOT, 'infra/backup/create-replica-from-repository.sh')
const BOOTSTRAP_SCRIPT = join(REPO_ROOT, 'infra/backup/bootstrap-from-repository.sh')

function ini(sections: Array<[string, Record<string, string | number>]>): string {
  return sections
    .map(([name, options]) => `[${name}]\n${Object.entries(options).map(([k, v]) => `${k}=${v}`).join('\n')}\n`)
    .join('\n')
}

function globalOptions(inv: Inventory, host: Host, layout: BackupLayout): Record<string, string | number> {
  const dirs = pgbackrestDirs(inv, host)
  return {
    'repo1-path': layout.repoPath,
    'repo1-retention-full': layout.settings.retentionFull,
    'repo1-retention-diff': layout.settings.retentionDiff,
    // zstd: about as fast as lz4 here and a third smaller than gzip.
    'compress-type': 'zst',
    'compress-level': 3,
    // A backup starts at once (an immediate checkpoint), not after the next spread checkpoint.
    'start-fast': 'y',
    'process-max': 2,
    'log-path': dirs.log,
    'log-level-file': 'info',
    'log-level-console': 'warn',
    // The default /tmp/pgbackrest would be shared by every simulated host (and by a lab cluster).
    'lock-path': dirs.lock,
  }
}

function pgOptions(inv: Inventory, index: number, db: Host): Record<string, string | number> {
  return {
    [`pg${index}-path`]: dataDir(inv, db, 'postgres'),
    [`pg${index}-port`]: db.ports.postgres,
    // Unix socket of that host (peer authentication as postgres): every host has its own folder.
    [`pg${index}-socket-path`]: runDir(inv, db),
  }
}

/** The database host's config: its own data folder is pg1. */
export function renderPgbackrestDb(ctx: RenderContext, host: Host): RenderedFile[] {
  const layout = backupLayout(ctx.inv)
  if (!layout) return []
  const content = ini([
    ['global', globalOptions(ctx.inv, host, layout)],
    // Archiving runs once per 16 MB segment on the primary's commit path: favour speed.
    ['global:archive-push', { 'compress-level': 1 }],
    [layout.stanza, pgOptions(ctx.inv, 1, host)],
  ])
  return [{ host: host.name, name: 'pgbackrest.conf', content: GENERATED_HEADER(ctx.inv) + content, mode: 0o640, owner: 'postgres' }]
}

/** The repository host's config: every database host, so a backup finds the primary and a standby. */
export function renderPgbackrestRepo(ctx: RenderContext, host: Host): RenderedFile[] {
  const layout = backupLayout(ctx.inv)
  if (!layout) return []
  const dbs = hostsWithRole(ctx.inv, 'postgres')
  const content = ini([
    [
      'global',
      {
        ...globalOptions(ctx.inv, host, layout),
        // Copy files from a replica; only backup start/stop touch the primary.
        'backup-standby': 'y',
      },
    ],
    [layout.stanza, Object.assign({}, ...dbs.map((db, i) => pgOptions(ctx.inv, i + 1, db)))],
  ])
  return [{ host: host.name, name: 'pgbackrest.conf', content: GENERATED_HEADER(ctx.inv) + content, mode: 0o640, owner: 'postgres' }]
}

/**
 * How a new cluster is bootstrapped from the repository (`npm run up` with
 * TQDT_BOOTSTRAP_FROM_BACKUP set; infra/backup/backup-command.ts rebuild sets it). Absent: initdb.
 */
export interface BootstrapFromBackup {
  /** pgBackRest restore --type: `default` replays every archived WAL (the latest state). */
  type: 'default' | 'time' | 'xid' | 'lsn' | 'immediate'
  target?: string
  /** Stop just before the target (a mistake's transaction or time) instead of just after it. */
  exclusive?: boolean
  /** A backup label; default: the newest one that reaches the target. */
  set?: string
}

/** TQDT_BOOTSTRAP_FROM_BACKUP: `latest`, or JSON such as {"type":"time","target":"…","exclusive":true}. */
export function parseBootstrapFromBackup(value: string | undefined): BootstrapFromBackup | undefined {
  if (!value) return undefined
  if (value === 'latest') return { type: 'default' }
  const parsed = JSON.parse(value) as BootstrapFromBackup
  if (!['default', 'time', 'xid', 'lsn', 'immediate'].includes(parsed.type)) {
    throw new Error(`TQDT_BOOTSTRAP_FROM_BACKUP: unknown type ${parsed.type}`)
  }
  if (['time', 'xid', 'lsn'].includes(parsed.type) && !parsed.target) throw new Error(`TQDT_BOOTSTRAP_FROM_BACKUP: type ${parsed.type} needs a target`)
  return parsed
}

/** Patroni's part: archiving, restore_command, replicas from the repository, custom bootstrap. */
export function patroniBackupSettings(inv: Inventory, host: Host, bootstrapFrom?: BootstrapFromBackup): {
  parameters: Record<string, string>
  postgresql: Record<string, unknown>
  bootstrap: Record<string, unknown>
} {
  const layout = backupLayout(inv)
  if (!layout) return { parameters: {}, postgresql: {}, bootstrap: {} }
  const cmd = pgbackrestCommand(inv, host)
  const restoreMethod: Record<string, unknown> = {
    command: `${BOOTSTRAP_SCRIPT} --config=${pgbackrestConfigFile(inv, host)} --stanza=${layout.stanza}`,
    // pgBackRest writes the recovery settings (restore_command, target, promote); Patroni keeps them.
    keep_existing_recovery_conf: true,
  }
  if (bootstrapFrom) {
    restoreMethod.restore_type = bootstrapFrom.type
    if (bootstrapFrom.target) restoreMethod.restore_target = bootstrapFrom.target
    if (bootstrapFrom.exclusive) restoreMethod.restore_exclusive = 'y'
    if (bootstrapFrom.set) restoreMethod.restore_set = bootstrapFrom.set
  }
  return {
    // Local parameters (not bootstrap.dcs): they take effect on the next Patroni start of an
    // existing cluster too, and the config path differs per host.
    parameters: {
      // 'on', not 'always': only the primary archives, whichever node that is after a failover.
      archive_mode: 'on',
      archive_command: `${cmd} archive-push %p`,
      archive_timeout: `${layout.settings.archiveTimeoutS}s`,
    },
    postgresql: {
      // Replicas (and pg_rewind) fetch WAL the primary no longer has from the repository.
      recovery_conf: { restore_command: `${cmd} archive-get %f "%p"` },
      // A new or re-initialised replica restores from the repository when that means replaying
      // less WAL than copying the database (the script decides), else pg_basebackup from the primary.
      create_replica_methods: ['pgbackrest', 'basebackup'],
      pgbackrest: {
        command: `${CREATE_REPLICA_SCRIPT} --config=${pgbackrestConfigFile(inv, host)} --stanza=${layout.stanza}`,
        // A delta restore reuses the files of a re-initialised replica that are still right.
        keep_data: true,
      },
      // During a custom bootstrap Patroni opens trust access for its own connections only from the
      // socket and the listen address, but a TCP connection here leaves from 127.0.0.1 (see
      // docs/architecture.md): over TCP it could never confirm the end of recovery.
      ...(bootstrapFrom ? { use_unix_socket: true } : {}),
    },
    bootstrap: {
      ...(bootstrapFrom ? { method: 'pgbackrest' } : {}),
      pgbackrest: restoreMethod,
    },
  }
}
