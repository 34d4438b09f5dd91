// Restore drill "the whole site lost": every database host's data folder and etcd are destroyed, and
// the cluster is rebuilt from the pgBackRest repository alone (backup-command.ts rebuild).
//
//   TQDT_INVENTORY=infra/inventory/backup-lab.json npm run backup-drill -- site-lost [--seconds 20] [--archive-at 10] [--backup-first]
//
// Destructive: it refuses the main inventory unless --allow-main-cluster is given. The lab cluster
// must be up (`npm run up` with the same TQDT_INVENTORY); it is left up, rebuilt.
// Exit 0 pass, 1 fail, 2 could not run.
import { rmSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { BackupRun, Inventory } from '../../infra/launcher/cluster-api.ts'
import { acknowledgesCommits, backupLayout, dataDir, DEFAULT_INVENTORY, enterOpsNamespace, flushArchive, hostPids, hostsWithRole, latest, loadInventory, patroniLeaderHost, patroniMembers, rebuildCluster, repositoryInfo, takeBackup } from '../../infra/launcher/cluster-api.ts'
import { powerLoss } from '../faults/fault-primitives.ts'
import type { BackupDrillReport, BackupDrillStory, VerdictCheck } from './backup-drill-kit.ts'
import { EventLog, RowWriter, check, drillTableName, lsnToBigInt, ownerClient, segmentEnd, writeReport } from './backup-drill-kit.ts'
import { verdictOf } from '../verify/verdict-check.ts'
import { recordRun } from '../report/run-record.ts'

export const SITE_LOST: BackupDrillStory = {
  name: 'site-lost',
  title: 'The whole site is lost and the cluster is rebuilt from the repository alone',
  given: [
    'a healthy cluster (leader, synchronous standby) archiving WAL to the pgBackRest repository, which lives on its own host',
    'a backup in the repository',
    'rows written through HAProxy, one acknowledged transaction each, while the primary archives its WAL (one archive_timeout tick during the run)',
  ],
  when: [
    'every process of every host of the site is killed at once, mid-write',
    'every database host\'s data folder and etcd\'s data are deleted; only the repository is left',
    'the cluster is rebuilt from the repository: Patroni bootstraps one node by restoring and replaying every archived WAL, the others become replicas',
  ],
  then: [
    'every acknowledged row whose WAL had reached the repository is back, and no row appears that was never acknowledged',
    'the acknowledged writes lost are only those of the last unarchived WAL: the loss window is within archive_timeout',
    'the rebuilt cluster takes writes and regains a synchronous standby; the time to each is measured',
  ],
}

export interface SiteLostOptions {
  /** How long rows are written before the loss. */
  seconds?: number
  /** When (seconds into the writing) the primary's WAL segment is closed and archived, as archive_timeout would. */
  archiveAt?: number
  intervalMs?: number
  /** Take a full backup first (measures the backup time; otherwise the newest backup is used). */
  backupFirst?: boolean
  allowMainCluster?: boolean
  log?: (line: string) => void
}

export async function runSiteLost(inv: Inventory, opts: SiteLostOptions = {}): Promise<BackupDrillReport> {
  if (inv.file === DEFAULT_INVENTORY && !opts.allowMainCluster) {
    throw new Error('site-lost destroys every database host: run it on a lab inventory (TQDT_INVENTORY=infra/inventory/backup-lab.json), or pass --allow-main-cluster')
  }
  const layout = backupLayout(inv)
  if (!layout) throw new Error(`${inv.file} has no pgbackrest-repo host`)
  const events = new EventLog(opts.log)
  const startedAt = new Date().toISOString()
  const seconds = opts.seconds ?? 20
  const archiveAt = opts.archiveAt ?? Math.floor(seconds / 2)
  const intervalMs = opts.intervalMs ?? 100

  // Given
  const members = await patroniMembers(inv)
  const leader = await patroniLeaderHost(inv)
  if (!leader || !members.some(acknowledgesCommits)) {
    throw new Error(`the cluster is not healthy (members: ${members.map((m) => `${m.name} ${m.role} ${m.state}`).join(', ') || 'none'})`)
  }
  const record = await recordRun(inv, leader.name)
  let backup: BackupRun | null = null
  if (opts.backupFirst) {
    backup = await takeBackup(inv, 'full')
    events.say(`given: full backup ${backup.label} taken ${backup.fromStandby ? 'from a standby' : 'from the primary'} in ${backup.seconds.toFixed(1)} s`)
  }
  const info = repositoryInfo(inv)
  if (!info || info.backup.length === 0) throw new Error('the repository has no backup')
  events.say(`given: leader ${leader.name}, newest backup ${info.backup[info.backup.length - 1].label}`)

  const client = await ownerClient(inv)
  const table = drillTableName('backup_drill_site')
  const writer = new RowWriter(client, table)
  let tick: { segment: string; at: Date } | null = null
  try {
    await writer.createTable()
    const t0 = Date.now()
    let ticked = false
    while (Date.now() - t0 < seconds * 1000) {
      await writer.write(ticked ? 'after-tick' : 'before-tick')
      if (!ticked && Date.now() - t0 >= archiveAt * 1000) {
        const f = await flushArchive(inv)
        tick = { segment: f.segment, at: new Date() }
        ticked = true
        events.say(`archive tick: segment ${f.segment} archived (${writer.acked.length} rows so far)`)
      }
      await new Promise((r) => setTimeout(r, intervalMs))
    }
  } finally {
    await client.end().catch(() => {})
  }
  const lastAck = writer.acked[writer.acked.length - 1]

  // When: the site is lost, at once: every host loses power (blackholed, then SIGKILL), as the
  // drills' power loss does; the power comes back only on empty disks.
  const lossAt = new Date()
  const losses = inv.hosts.filter((h) => hostPids(h.name, inv).length > 0).map((h) => powerLoss(inv, h.name))
  for (const f of losses) await f.prepare?.()
  for (const f of losses) await f.inject()
  events.say(`site lost: power loss of ${losses.map((f) => f.targets[0]).join(', ')}, ${writer.acked.length} rows acknowledged, last at ${lastAck.acknowledgedAt.toISOString()}`)
  for (const f of losses) await f.heal()
  await new Promise((r) => setTimeout(r, 1000))
  // What the repository holds now decides which commits can come back.
  const afterLoss = repositoryInfo(inv)
  const archiveMax = afterLoss?.archive.map((a) => a.max).filter((m): m is string => !!m).sort().at(-1) ?? null
  const boundary = archiveMax ? segmentEnd(archiveMax) : 0n
  for (const db of hostsWithRole(inv, 'postgres')) rmSync(dataDir(inv, db, 'postgres'), { recursive: true, force: true })
  for (const e of hostsWithRole(inv, 'etcd')) rmSync(dataDir(inv, e, 'etcd'), { recursive: true, force: true })
  events.say(`data folders of ${hostsWithRole(inv, 'postgres').map((h) => h.name).join(', ')} and etcd deleted; the repository's newest WAL is ${archiveMax}`)

  // A row's commit record ends before the next row's insert began: the next row's insert LSN bounds it.
  const guaranteed = writer.acked.filter((r, i) => {
    const next = writer.acked[i + 1]
    return next !== undefined && lsnToBigInt(next.insertLsn) <= boundary
  })

  // Then: rebuild and verify.
  const rebuild = await rebuildCluster(inv, latest(), { log: (l) => events.say(l) })
  const verify = await ownerClient(inv)
  let present: Array<{ id: number; written_at: Date }> = []
  try {
    const { rows } = await verify.query(`SELECT id, written_at FROM ${table} ORDER BY id`)
    present = rows.map((r) => ({ id: Number(r.id), written_at: r.written_at as Date }))
  } catch (err) {
    events.say(`reading ${table} failed: ${(err as Error).message}`)
  } finally {
    await verify.end().catch(() => {})
  }
  const presentIds = new Set(present.map((r) => r.id))
  const ackedIds = new Set(writer.acked.map((r) => r.id))
  const lostGuaranteed = guaranteed.filter((r) => !presentIds.has(r.id))
  const phantoms = present.filter((r) => !ackedIds.has(r.id))
  const recovered = writer.acked.filter((r) => presentIds.has(r.id))
  const lastRecovered = recovered[recovered.length - 1] ?? null
  const lost = writer.acked.filter((r) => !presentIds.has(r.id))
  // The loss window: from the newest recovered acknowledgement to the newest acknowledgement made.
  const lossWindowS = lastRecovered ? (lastAck.acknowledgedAt.getTime() - lastRecovered.acknowledgedAt.getTime()) / 1000 : null
  const archiveTimeoutS = layout.settings.archiveTimeoutS

  const checks: VerdictCheck[] = [
    check('acknowledged rows whose WAL was in the repository, missing', lostGuaranteed.length === 0, `${lostGuaranteed.length} of ${guaranteed.length}`, '0'),
    check('rows present that were never acknowledged', phantoms.length === 0, String(phantoms.length), '0'),
    check('rows written before the archive tick, recovered', writer.acked.filter((r) => r.phase === 'before-tick').every((r) => presentIds.has(r.id)), `${writer.acked.filter((r) => r.phase === 'before-tick' && presentIds.has(r.id)).length} of ${writer.acked.filter((r) => r.phase === 'before-tick').length}`, 'all'),
    check('loss window (newest acknowledgement − newest recovered one)', lossWindowS !== null && lossWindowS <= archiveTimeoutS + 5, lossWindowS === null ? 'nothing recovered' : `${lossWindowS.toFixed(1)} s`, `≤ archive_timeout ${archiveTimeoutS} s + 5 s`),
    check('the rebuilt cluster takes writes', rebuild.writableS !== null, rebuild.writableS === null ? 'no' : `after ${rebuild.writableS.toFixed(1)} s`, 'yes'),
    check('the rebuilt cluster has a synchronous standby and every replica streaming', rebuild.redundantS !== null, rebuild.redundantS === null ? 'no' : `after ${rebuild.redundantS.toFixed(1)} s`, 'yes'),
  ]
  const { launcherOutput: _, ...rebuildFigures } = rebuild
  return {
    drill: SITE_LOST,
    inventory: inv.file,
    startedAt,
    finishedAt: new Date().toISOString(),
    verdict: verdictOf(checks).pass ? 'pass' : 'fail',
    checks,
    restoreTimeS: rebuild.writableS ?? -1,
    lastWriteRecovered: lastRecovered ? { id: lastRecovered.id, acknowledgedAt: lastRecovered.acknowledgedAt.toISOString() } : null,
    figures: {
      table,
      backupFirst: backup ? { label: backup.label, seconds: backup.seconds, fromStandby: backup.fromStandby } : null,
      archiveTick: tick ? { segment: tick.segment, at: tick.at.toISOString() } : null,
      lossAt: lossAt.toISOString(),
      repositoryNewestWal: archiveMax,
      acknowledged: writer.acked.length,
      inRepositoryAtLoss: guaranteed.length,
      recovered: recovered.length,
      lostAcknowledged: lost.length,
      lossWindowS,
      archiveTimeoutS,
      rebuild: rebuildFigures,
    },
    events: events.events,
    record,
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      'archive-at': { type: 'string' },
      'backup-first': { type: 'boolean', default: false },
      'allow-main-cluster': { type: 'boolean', default: false },
    },
  })
  const inv = loadInventory()
  // A namespace lab is reached from its ops namespace.
  const inLab = await enterOpsNamespace(inv)
  if (inLab !== null) return inLab
  let report: BackupDrillReport
  try {
    report = await runSiteLost(inv, {
      seconds: values.seconds ? Number(values.seconds) : undefined,
      archiveAt: values['archive-at'] ? Number(values['archive-at']) : undefined,
      backupFirst: values['backup-first'],
      allowMainCluster: values['allow-main-cluster'],
    })
  } catch (err) {
    console.error(`site-lost drill could not run: ${(err as Error).message}`)
    return 2
  }
  const file = writeReport(report)
  for (const c of report.checks) console.log(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.value} (limit ${c.limit})`)
  console.log(`verdict ${report.verdict}; rebuild to writable ${report.restoreTimeS.toFixed(1)} s; last write recovered: ${JSON.stringify(report.lastWriteRecovered)}; report ${file}`)
  return report.verdict === 'pass' ? 0 : 1
}

if (import.meta.main) main().then((code) => (process.exitCode = code))
