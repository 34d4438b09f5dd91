// Point-in-time restore into a scratch instance: a plain PostgreSQL (no Patroni) on the repository
// host's address with its own port and data folder, so the live cluster keeps running while an
// operator reads the lost rows back out of it (pg_dump -t … | psql into the live primary).
// The scratch instance never archives: its WAL would otherwise land in the live stanza.
import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import pg from 'pg'
import type { Inventory } from '../launcher/inventory.ts'
import { readProcess } from '../launcher/host-processes.ts'
import { hostNamespace, namespacePath } from '../launcher/lab/lab-namespaces.ts'
import { patroniLeaderHost } from '../launcher/patroni-client.ts'
import { BackupError, flushArchive, repositoryInfo, requireLayout, runAsPostgres } from './repository.ts'
import type { RestoreTarget } from './restore-target.ts'
import { restoreOptions } from './restore-target.ts'
import { hostTls } from '../launcher/tls/certificates.ts'

export interface ScratchInstance {
  name: string
  dir: string
  dataDir: string
  address: string
  port: number
  logFile: string
}

export interface ScratchRestoreResult {
  instance: ScratchInstance
  target: RestoreTarget
  backupSet: string | null
  /** pg_switch_wal on the live primary and the wait for that segment to be archived (null: skipped). */
  archiveFlushS: number | null
  /** pgbackrest restore: files from the repository into the data folder. */
  restoreS: number
  /** PostgreSQL start, WAL replay up to the target, promotion. */
  recoveryS: number
  /** restore + recovery: what an operator waits for once they start the command. */
  totalS: number
  /** PostgreSQL's own words on where it stopped ("recovery stopping before commit of transaction …"). */
  recoveryStop: string | null
  lastCompletedTransaction: string | null
  connection: { host: string; port: number; user: string; database: string }
}

const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl'

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))
  if (!line) throw new BackupError('there is no postgres user')
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

export function scratchInstance(inv: Inventory, name: string, port?: number): ScratchInstance {
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) throw new BackupError(`scratch name "${name}": use [a-z0-9-], at most 41 characters`)
  const layout = requireLayout(inv)
  const dir = join(layout.scratchRoot, name)
  return {
    name,
    dir,
    dataDir: join(dir, 'data'),
    address: layout.repoHost.address,
    port: port ?? layout.repoHost.ports.scratchPostgres,
    logFile: join(dir, 'postgresql.log'),
  }
}

function scratchRunning(instance: ScratchInstance): number | null {
  try {
    const pid = Number(readFileSync(join(instance.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    return readProcess(pid)?.argv.some((a) => a.includes(instance.dataDir)) ? pid : null
  } catch {
    return null
  }
}

export function listScratch(inv: Inventory): Array<ScratchInstance & { running: number | null; created: Date }> {
  const layout = requireLayout(inv)
  if (!existsSync(layout.scratchRoot)) return []
  return readdirSync(layout.scratchRoot)
    .filter((n) => existsSync(join(layout.scratchRoot, n, 'scratch.json')))
    .map((n) => {
      const meta = JSON.parse(readFileSync(join(layout.scratchRoot, n, 'scratch.json'), 'utf8')) as { port: number }
      const instance = scratchInstance(inv, n, meta.port)
      return { ...instance, running: scratchRunning(instance), created: statSync(instance.dir).mtime }
    })
}

export function stopScratch(instance: ScratchInstance): boolean {
  if (scratchRunning(instance) === null) return false
  const res = runAsPostgres(PG_CTL, ['-D', instance.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], { timeoutMs: 90_000 })
  if (res.status !== 0) throw new BackupError(`pg_ctl stop of scratch ${instance.name} failed: ${res.stderr || res.stdout}`)
  return true
}

export function dropScratch(instance: ScratchInstance): void {
  stopScratch(instance)
  rmSync(instance.dir, { recursive: true, force: true })
}

/**
 * Whether nothing listens on address:port (a second scratch instance must not meet the first): a
 * refused connection. A connect works from wherever this runs, also from outside the repository
 * host's namespace in a namespace lab, where binding its address to try would fail.
 */
function portFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port })
    const done = (free: boolean) => {
      socket.destroy()
      resolve(free)
    }
    socket.setTimeout(2000, () => done(false))
    socket.once('connect', () => done(false))
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED'))
  })
}

async function freePort(address: string, from: number): Promise<number> {
  for (let port = from; port < from + 50; port++) if (await portFree(address, port)) return port
  throw new BackupError(`no free port on ${address} from ${from} to ${from + 49} for a scratch instance`)
}

function ini(sections: Record<string, Record<string, string | number>>): string {
  return Object.entries(sections)
    .map(([name, options]) => `[${name}]\n${Object.entries(options).map(([k, v]) => `${k}=${v}`).join('\n')}\n`)
    .join('\n')
}

async function scratchClient(inv: Inventory, instance: ScratchInstance): Promise<pg.Client> {
  const c = new pg.Client({
    // Over its socket: the restored pg_hba admits the superuser nowhere else (peer, as root or postgres).
    host: instance.dir,
    port: instance.port,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  })
  c.on('error', () => {})
  await c.connect()
  return c
}

function logTail(instance: ScratchInstance, lines = 15): string {
  try {
    return readFileSync(instance.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/**
 * Restores the repository into a new scratch instance, up to the target, and waits until it has
 * replayed to the target and promoted. Throws (leaving the folder for inspection) when PostgreSQL
 * cannot reach the target, e.g. a time after the last archived WAL.
 */
export async function restoreToScratch(
  inv: Inventory,
  target: RestoreTarget,
  opts: { name: string; port?: number; replace?: boolean; flushArchive?: boolean; timeoutMs?: number; log?: (line: string) => void },
): Promise<ScratchRestoreResult> {
  const log = opts.log ?? (() => {})
  const layout = requireLayout(inv)
  const existing = scratchInstance(inv, opts.name, opts.port)
  if (existsSync(existing.dir)) {
    if (!opts.replace) throw new BackupError(`scratch instance ${existing.name} exists (${existing.dir}): drop it first or pass --replace`)
    dropScratch(listScratch(inv).find((s) => s.name === opts.name) ?? existing)
  }
  const port = opts.port ?? (await freePort(existing.address, existing.port))
  if (!(await portFree(existing.address, port))) throw new BackupError(`${existing.address}:${port} is in use`)
  const instance = scratchInstance(inv, opts.name, port)
  const info = repositoryInfo(inv)
  if (!info || info.backup.length === 0) throw new BackupError('the repository has no backup to restore')

  // The target may lie in the primary's current WAL segment, not archived yet: close it first.
  let archiveFlushS: number | null = null
  if (opts.flushArchive !== false && target.type !== 'immediate' && (await patroniLeaderHost(inv))) {
    const f = await flushArchive(inv)
    archiveFlushS = f.waitedMs / 1000
    log(`archived the primary's current WAL segment ${f.segment} (${archiveFlushS.toFixed(1)} s)`)
  }

  const ids = postgresIds()
  for (const [dir, mode] of [[instance.dir, 0o750], [instance.dataDir, 0o700], [join(instance.dir, 'log'), 0o750], [join(instance.dir, 'lock'), 0o700]] as const) {
    mkdirSync(dir, { recursive: true, mode })
    chownSync(dir, ids.uid, ids.gid)
  }
  const config = join(instance.dir, 'pgbackrest.conf')
  writeFileSync(
    config,
    ini({
      global: { 'repo1-path': layout.repoPath, 'log-path': join(instance.dir, 'log'), 'lock-path': join(instance.dir, 'lock'), 'process-max': 2, 'log-level-console': 'info' },
      [layout.stanza]: { 'pg1-path': instance.dataDir, 'pg1-port': instance.port, 'pg1-socket-path': instance.dir },
    }),
    { mode: 0o640 },
  )
  chownSync(config, ids.uid, ids.gid)
  writeFileSync(join(instance.dir, 'scratch.json'), JSON.stringify({ port: instance.port, target, createdAt: new Date().toISOString() }, null, 2) + '\n')

  const t0 = performance.now()
  const args = [
    `--config=${config}`,
    `--stanza=${layout.stanza}`,
    ...restoreOptions(target, info.backup),
    ...(target.type === 'default' ? [] : ['--target-action=promote']),
    // Never archive from the scratch copy into the live stanza.
    '--archive-mode=off',
    'restore',
  ]
  log(`pgbackrest ${args.join(' ')}`)
  const res = runAsPostgres('/usr/bin/pgbackrest', args, { timeoutMs: opts.timeoutMs ?? 3600_000 })
  if (res.status !== 0) {
    // Nothing to inspect yet: leave no half-made instance behind.
    rmSync(instance.dir, { recursive: true, force: true })
    throw new BackupError(`pgbackrest restore failed (exit ${res.status}): ${(res.stderr || res.stdout).trim()} (recovery window: backup-command.ts info)`)
  }
  const restoreS = (performance.now() - t0) / 1000
  const backupSet = /restore backup set ([^\s,]+)/.exec(res.stdout)?.[1] ?? null
  log(`restored backup set ${backupSet ?? '?'} in ${restoreS.toFixed(1)} s`)

  // The restored configuration is a database host's (its address, socket, pg_hba path, standby
  // settings, certificate): postgresql.auto.conf wins over it.
  const repoTls = hostTls(inv, requireLayout(inv).repoHost)
  appendFileSync(
    join(instance.dataDir, 'postgresql.auto.conf'),
    [
      '',
      `# scratch instance ${instance.name}: written by infra/backup/scratch-restore.ts`,
      `listen_addresses = '${instance.address}'`,
      `port = ${instance.port}`,
      `unix_socket_directories = '${instance.dir}'`,
      `hba_file = '${join(instance.dataDir, 'pg_hba.conf')}'`,
      `ident_file = '${join(instance.dataDir, 'pg_ident.conf')}'`,
      `archive_mode = 'off'`,
      `synchronous_standby_names = ''`,
      `primary_conninfo = ''`,
      `primary_slot_name = ''`,
      `shared_buffers = '64MB'`,
      `cluster_name = 'scratch-${instance.name}'`,
      // TLS as on every PostgreSQL of the cluster, with the certificate of the host it listens on.
      `ssl_cert_file = '${repoTls.cert}'`,
      `ssl_key_file = '${repoTls.key}'`,
      `ssl_ca_file = '${repoTls.ca}'`,
      '',
    ].join('\n'),
  )
  for (const f of ['standby.signal']) rmSync(join(instance.dataDir, f), { force: true })

  const t1 = performance.now()
  const startedAt = Date.now()
  // In a namespace lab the instance runs on the repository host's network, where its address is.
  const netns = inv.lab ? namespacePath(hostNamespace(inv, requireLayout(inv).repoHost.name)) : undefined
  const start = runAsPostgres(PG_CTL, ['-D', instance.dataDir, '-l', instance.logFile, '-W', 'start'], { timeoutMs: 60_000, netns })
  if (start.status !== 0) throw new BackupError(`pg_ctl start failed: ${start.stderr || start.stdout}\n${logTail(instance)}`)
  const deadline = Date.now() + (opts.timeoutMs ?? 3600_000)
  for (;;) {
    if (scratchRunning(instance) === null && Date.now() - startedAt > 3000) {
      throw new BackupError(`the scratch instance stopped during recovery (is the target inside the recovery window?):\n${logTail(instance)}`)
    }
    try {
      const c = await scratchClient(inv, instance)
      try {
        const { rows } = await c.query('SELECT pg_is_in_recovery() AS r')
        if (rows[0].r === false) break
      } finally {
        await c.end().catch(() => {})
      }
    } catch {
      // still starting or replaying
    }
    if (Date.now() > deadline) throw new BackupError(`recovery not finished after ${opts.timeoutMs} ms:\n${logTail(instance)}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  const recoveryS = (performance.now() - t1) / 1000
  const pgLog = readFileSync(instance.logFile, 'utf8')
  const recoveryStop = /LOG:\s+(recovery stopping [^\n]*)/.exec(pgLog)?.[1] ?? null
  const lastCompletedTransaction = /last completed transaction was at log time ([^\n]*)/.exec(pgLog)?.[1] ?? null
  log(`recovered and promoted in ${recoveryS.toFixed(1)} s${recoveryStop ? `: ${recoveryStop}` : ''}`)
  return {
    instance,
    target,
    backupSet,
    archiveFlushS,
    restoreS,
    recoveryS,
    totalS: restoreS + recoveryS,
    recoveryStop,
    lastCompletedTransaction,
    connection: { host: instance.address, port: instance.port, user: inv.cluster.databaseUser, database: inv.cluster.database },
  }
}
