// Backups and point-in-time recovery of the cluster in the inventory (TQDT_INVENTORY, default
// infra/inventory/production.json), with pgBackRest. docs/operations/backup.md is the operator's guide.
//
//   npm run backup -- backup [--type full|diff|incr]
//   npm run backup -- list [--json]
//   npm run backup -- info [--json]        recovery window, archive lag, repository state
//   npm run backup -- check                 archive round trip (pgbackrest check)
//   npm run backup -- restore TARGET [--name NAME] [--port N] [--replace] [--json]
//   npm run backup -- scratch list | stop NAME | drop NAME
//   npm run backup -- rebuild TARGET --yes [--discard-old-data] [--no-backup] [--json]
//   npm run backup -- find-audit ENTITY_TYPE ENTITY_ID   audit rows with their transaction ids
//
// TARGET: --latest | --to TIME | --before TIME | --before-xid XID | --before-lsn LSN
//         | --before-audit STRIPE:SEQ (the transaction that wrote that audit row)   [--set LABEL]
// `restore` goes into a scratch instance on the repository host; the live cluster keeps running.
// `rebuild` replaces the whole cluster (stop it first with npm run down).
import { parseArgs } from 'node:util'
import pg from 'pg'
import type { Inventory } from '../launcher/inventory.ts'
import { hostsWithRole, loadBalancerAddress, loadInventory } from '../launcher/inventory.ts'
import { readSecrets } from '../launcher/secrets.ts'
import { rebuildCluster } from './cluster-rebuild.ts'
import type { BackupType } from './repository.ts'
import { BackupError, pgbackrest, recoveryWindow, repositoryInfo, requireLayout, takeBackup } from './repository.ts'
import type { RestoreTarget } from './restore-target.ts'
import { beforeLsn, beforeTime, beforeXid, latest, toTime } from './restore-target.ts'
import { dropScratch, listScratch, restoreToScratch, scratchInstance, stopScratch } from './scratch-restore.ts'
import { postgresSsl } from '../launcher/tls/certificates.ts'

const USAGE = `usage: npm run backup -- backup [--type full|diff|incr]
       npm run backup -- list [--json] | info [--json] | check
       npm run backup -- restore TARGET [--name NAME] [--port N] [--replace] [--json]
       npm run backup -- scratch list | stop NAME | drop NAME
       npm run backup -- rebuild TARGET --yes [--discard-old-data] [--no-backup] [--json]
       npm run backup -- find-audit ENTITY_TYPE ENTITY_ID
TARGET: --latest | --to TIME | --before TIME | --before-xid XID | --before-lsn LSN | --before-audit STRIPE:SEQ  [--set LABEL]`

class UsageError extends Error {}

const iso = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '—')
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const duration = (s: number) => (s < 90 ? `${s.toFixed(0)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`)

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n')
}

/** The live application database through HAProxy, for looking up a mistake's transaction. */
async function liveClient(inv: Inventory): Promise<pg.Client> {
  const lb = hostsWithRole(inv, 'haproxy')[0]
  const c = new pg.Client({
    host: loadBalancerAddress(inv),
    port: lb.ports.pgPrimary,
    user: inv.cluster.databaseUser,
    password: readSecrets(inv).dbPassword,
    database: inv.cluster.database,
    connectionTimeoutMillis: 3000,
    ssl: postgresSsl(inv),
  })
  c.on('error', () => {})
  await c.connect()
  return c
}

/**
 * The transaction that wrote an audit row is its xmin (as long as the row was not updated since,
 * and audit rows never are): restoring "just before" it undoes exactly that change and what came
 * after, keeping everything committed before it.
 */
async function auditTarget(inv: Inventory, ref: string): Promise<RestoreTarget> {
  const m = /^(\d+):(\d+)$/.exec(ref)
  if (!m) throw new UsageError(`--before-audit takes STRIPE:SEQ (see find-audit), not "${ref}"`)
  const c = await liveClient(inv)
  try {
    const { rows } = await c.query(
      `SELECT xmin::text AS xid, recorded_at, entity_type, entity_id, action, officer_id FROM audit_log WHERE stripe = $1 AND seq = $2`,
      [Number(m[1]), Number(m[2])],
    )
    if (rows.length === 0) throw new BackupError(`no audit row ${ref}`)
    const r = rows[0]
    const t = beforeXid(r.xid, new Date(r.recorded_at))
    return { ...t, description: `just before audit row ${ref} (${r.action} ${r.entity_type} ${r.entity_id} by ${r.officer_id} at ${iso(new Date(r.recorded_at))}, transaction ${r.xid})` }
  } finally {
    await c.end().catch(() => {})
  }
}

async function findAudit(inv: Inventory, entityType: string, entityId: string): Promise<void> {
  const c = await liveClient(inv)
  try {
    const { rows } = await c.query(
      `SELECT stripe, seq, xmin::text AS xid, recorded_at, action, officer_id, office FROM audit_log
        WHERE entity_type = $1 AND entity_id = $2 ORDER BY recorded_at`,
      [entityType, entityId],
    )
    console.log(table(['AUDIT ROW', 'TRANSACTION', 'RECORDED AT', 'ACTION', 'OFFICER', 'OFFICE'], rows.map((r) => [`${r.stripe}:${r.seq}`, r.xid, iso(new Date(r.recorded_at)), r.action, r.officer_id, r.office])))
    if (rows.length > 0) console.log(`\nrestore to just before one of them: backup-command.ts restore --before-audit STRIPE:SEQ`)
  } finally {
    await c.end().catch(() => {})
  }
}

interface Flags {
  latest?: boolean
  to?: string
  before?: string
  'before-xid'?: string
  'before-lsn'?: string
  'before-audit'?: string
  set?: string
}

async function targetOf(inv: Inventory, f: Flags): Promise<RestoreTarget> {
  const given = (['latest', 'to', 'before', 'before-xid', 'before-lsn', 'before-audit'] as const).filter((k) => f[k] !== undefined && f[k] !== false)
  if (given.length !== 1) throw new UsageError('name exactly one target: --latest, --to, --before, --before-xid, --before-lsn or --before-audit')
  let t: RestoreTarget
  if (f.latest) t = latest()
  else if (f.to) t = toTime(f.to)
  else if (f.before) t = beforeTime(f.before)
  else if (f['before-xid']) t = beforeXid(f['before-xid'])
  else if (f['before-lsn']) t = beforeLsn(f['before-lsn'])
  else t = await auditTarget(inv, f['before-audit']!)
  return f.set ? { ...t, set: f.set } : t
}

async function list(inv: Inventory, json: boolean): Promise<void> {
  const info = repositoryInfo(inv)
  const backups = info?.backup ?? []
  if (json) {
    console.log(JSON.stringify(backups, null, 2))
    return
  }
  if (backups.length === 0) {
    console.log('no backups in the repository')
    return
  }
  console.log(
    table(
      ['LABEL', 'TYPE', 'BASED ON', 'STARTED', 'TOOK', 'DATABASE', 'IN REPOSITORY', 'WAL START → STOP'],
      backups.map((b) => [
        b.label,
        b.type,
        b.prior ?? '',
        iso(new Date(b.timestamp.start * 1000)),
        duration(b.timestamp.stop - b.timestamp.start),
        mb(b.info.size),
        mb(b.info.repository.delta),
        `${b.archive.start} → ${b.archive.stop}`,
      ]),
    ),
  )
}

async function info(inv: Inventory, json: boolean): Promise<void> {
  const layout = requireLayout(inv)
  const w = await recoveryWindow(inv)
  const repo = repositoryInfo(inv)
  const scratch = listScratch(inv)
  if (json) {
    console.log(JSON.stringify({ stanza: layout.stanza, repository: layout.repoPath, status: repo?.status ?? null, archive: repo?.archive ?? [], window: w, scratch }, null, 2))
    return
  }
  const newest = w.backups[w.backups.length - 1]
  console.log(`stanza ${layout.stanza} in ${layout.repoPath} (host ${layout.repoHost.name}): ${repo ? repo.status.message : 'stanza missing'}`)
  console.log(`retention: ${layout.settings.retentionFull} full, ${layout.settings.retentionDiff} differential; archive_timeout ${layout.settings.archiveTimeoutS} s`)
  console.log(`backups: ${w.backups.length}${newest ? `, newest ${newest.label} (${newest.type}, ended ${iso(new Date(newest.timestamp.stop * 1000))})` : ''}`)
  console.log(`\nrecovery window: ${iso(w.oldest)} → ${iso(w.newest)}${w.oldest && w.newest ? ` (${duration((w.newest.getTime() - w.oldest.getTime()) / 1000)})` : ''}`)
  console.log(`  oldest restorable moment: the end of the oldest backup`)
  console.log(`  newest restorable moment: the primary's last archived WAL segment; commits after it reach the repository within archive_timeout`)
  if (w.archiver) {
    const a = w.archiver
    console.log(`\narchiver on the primary ${a.host}: ${a.archivedCount} archived, last ${a.lastArchivedWal ?? '—'} at ${iso(a.lastArchivedTime)} (${w.archiveLagS?.toFixed(0) ?? '?'} s ago); ` +
      `${a.failedCount} failed${a.lastFailedWal ? `, last ${a.lastFailedWal} at ${iso(a.lastFailedTime)}` : ''}; writing ${a.currentWal}`)
    if (a.lastFailedTime && (!a.lastArchivedTime || a.lastFailedTime > a.lastArchivedTime)) {
      console.log('  ARCHIVING IS FAILING: the last attempt failed (docs/runbooks/WalArchivingFailing.md)')
    }
  } else {
    console.log('\narchiver: no running primary to ask')
  }
  for (const s of scratch) console.log(`scratch ${s.name}: ${s.running ? `running (pid ${s.running}) on ${s.address}:${s.port}` : 'stopped'}, ${s.dir}`)
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      type: { type: 'string' },
      json: { type: 'boolean', default: false },
      latest: { type: 'boolean' },
      to: { type: 'string' },
      before: { type: 'string' },
      'before-xid': { type: 'string' },
      'before-lsn': { type: 'string' },
      'before-audit': { type: 'string' },
      set: { type: 'string' },
      name: { type: 'string' },
      port: { type: 'string' },
      replace: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      'discard-old-data': { type: 'boolean', default: false },
      'no-backup': { type: 'boolean', default: false },
    },
  })
  const inv = loadInventory()
  const say = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`)
  switch (command) {
    case 'backup': {
      const type = (values.type ?? 'incr') as BackupType
      if (!['full', 'diff', 'incr'].includes(type)) throw new UsageError('--type is full, diff or incr')
      say(`${type} backup of ${inv.cluster.scope} (pgBackRest makes it full when there is no full backup yet)`)
      const run = await takeBackup(inv, type)
      say(`backup ${run.label} (${run.type}) taken ${run.fromStandby ? 'from a standby' : 'from the primary (no standby streaming)'} in ${run.seconds.toFixed(1)} s`)
      return 0
    }
    case 'list':
      await list(inv, values.json)
      return 0
    case 'info':
      await info(inv, values.json)
      return 0
    case 'check': {
      const res = pgbackrest(inv, ['--log-level-console=info', 'check'], { timeoutMs: 180_000 })
      process.stdout.write(res.stdout)
      if (res.status !== 0) process.stderr.write(res.stderr)
      return res.status === 0 ? 0 : 1
    }
    case 'restore': {
      const target = await targetOf(inv, values)
      const name = values.name ?? `pitr-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase()}`
      say(`restoring ${target.description} into scratch instance ${name}; the live cluster keeps running`)
      const r = await restoreToScratch(inv, target, { name, port: values.port ? Number(values.port) : undefined, replace: values.replace, log: say })
      if (values.json) console.log(JSON.stringify(r, null, 2))
      else {
        console.log(`scratch instance ${name} is up at ${r.connection.host}:${r.connection.port} (restore ${r.restoreS.toFixed(1)} s + recovery ${r.recoveryS.toFixed(1)} s, backup ${r.backupSet})`)
        if (r.recoveryStop) console.log(`PostgreSQL: ${r.recoveryStop}`)
        console.log(`read it:   psql "host=${r.connection.host} port=${r.connection.port} user=${r.connection.user} dbname=${r.connection.database}"   (the live cluster's passwords)`)
        console.log(`copy back: pg_dump -h ${r.connection.host} -p ${r.connection.port} -U ${r.connection.user} -t TABLE --data-only ${r.connection.database} | psql -h <HAProxy> -p 5000 ...`)
        console.log(`drop it:   npm run backup -- scratch drop ${name}`)
      }
      return 0
    }
    case 'scratch': {
      const [sub, name] = positionals
      if (sub === 'list') {
        const all = listScratch(inv)
        if (all.length === 0) console.log('no scratch instances')
        for (const s of all) console.log(`${s.name}  ${s.running ? `running pid ${s.running}` : 'stopped'}  ${s.address}:${s.port}  ${s.dir}`)
        return 0
      }
      if (!name || (sub !== 'stop' && sub !== 'drop')) throw new UsageError('scratch list | stop NAME | drop NAME')
      const existing = listScratch(inv).find((s) => s.name === name) ?? scratchInstance(inv, name)
      if (sub === 'stop') say(stopScratch(existing) ? `stopped ${name}` : `${name} was not running`)
      else {
        dropScratch(existing)
        say(`dropped ${name}`)
      }
      return 0
    }
    case 'rebuild': {
      // An audit row is looked up on the live cluster: do that before stopping it.
      const target = await targetOf(inv, values)
      if (!values.yes) throw new UsageError(`rebuild replaces every database host's data with ${target.description}: add --yes`)
      say(`rebuilding cluster ${inv.cluster.scope} from the repository: ${target.description}`)
      const report = await rebuildCluster(inv, target, { discardOldData: values['discard-old-data'], log: say })
      let backup = null
      if (!values['no-backup']) {
        say('taking a full backup of the rebuilt cluster (the first of its new timeline)')
        backup = await takeBackup(inv, 'full')
        say(`backup ${backup.label} in ${backup.seconds.toFixed(1)} s`)
      }
      const { launcherOutput: _, ...summary } = report
      if (values.json) console.log(JSON.stringify({ ...summary, backup }, null, 2))
      else {
        console.log(`cluster rebuilt: leader ${report.leader} on timeline ${report.timeline}`)
        console.log(`  leader running after ${report.leaderS?.toFixed(1)} s, writes accepted after ${report.writableS?.toFixed(1)} s, full redundancy after ${report.redundantS?.toFixed(1)} s`)
        for (const [h, how] of Object.entries(report.replicaMethods)) console.log(`  ${h}: ${how}`)
        if (report.oldData.length) console.log(`  previous data: ${report.oldData.join(', ')} (delete when no longer needed)`)
      }
      return 0
    }
    case 'find-audit': {
      const [entityType, entityId] = positionals
      if (!entityType || !entityId) throw new UsageError('find-audit ENTITY_TYPE ENTITY_ID')
      await findAudit(inv, entityType, entityId)
      return 0
    }
    default:
      console.error(USAGE)
      return 2
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      console.error(err instanceof UsageError ? `${err.message}\n${USAGE}` : `backup-command: ${err.message}`)
      process.exitCode = err instanceof UsageError ? 2 : 1
    },
  )
}
