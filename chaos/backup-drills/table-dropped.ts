// Restore drill "a table dropped by mistake": point-in-time recovery into a scratch instance while
// the live cluster keeps running.
//
//   npm run backup-drill -- table-dropped [--rows 50] [--rows-after 10] [--interval-ms 20] [--keep]
//
// Runs against the inventory's cluster (TQDT_INVENTORY, default the main one): it adds one table,
// drops it, and restores into scratch instances on the repository host. Exit 0 pass, 1 fail, 2 could not run.
import { parseArgs } from 'node:util'
import type { Inventory, ScratchRestoreResult } from '../../infra/launcher/cluster-api.ts'
import { beforeTime, beforeXid, dropScratch, loadInventory, patroniLeaderHost, repositoryInfo, restoreToScratch } from '../../infra/launcher/cluster-api.ts'
import type { BackupDrillReport, BackupDrillStory, VerdictCheck } from './backup-drill-kit.ts'
import { EventLog, RowWriter, check, drillTableName, ownerClient, scratchSuperuser, writeReport } from './backup-drill-kit.ts'
import { verdictOf } from '../verify/verdict-check.ts'
import { recordRun } from '../report/run-record.ts'

export const TABLE_DROPPED: BackupDrillStory = {
  name: 'table-dropped',
  title: 'A table dropped by mistake is restored to the moment before',
  given: [
    'the cluster is up with a Patroni leader, WAL archiving to the pgBackRest repository and at least one backup',
    'a table receives a known series of rows through HAProxy, one committed and acknowledged transaction each',
    'the moment after the last of them is noted from the primary\'s clock; a few more rows follow it',
  ],
  when: [
    'the table is dropped by mistake (its transaction id is noted, as an audit trail would show it)',
    'the repository is restored into a scratch instance to just before the noted moment',
    'and, a second time, to just before the mistaken transaction',
  ],
  then: [
    'the first restore has every row acknowledged before the moment and none after it',
    'the second restore has every acknowledged row: only the DROP is undone',
    'the live cluster kept running: its primary answered throughout',
  ],
}

export interface TableDroppedOptions {
  rows?: number
  rowsAfter?: number
  intervalMs?: number
  keep?: boolean
  log?: (line: string) => void
}

async function idsIn(inv: Inventory, r: ScratchRestoreResult, table: string): Promise<number[] | null> {
  const c = await scratchSuperuser(inv, r.instance)
  try {
    const exists = await c.query(`SELECT to_regclass($1) IS NOT NULL AS e`, [table])
    if (!exists.rows[0].e) return null
    const { rows } = await c.query(`SELECT id FROM ${table} ORDER BY id`)
    return rows.map((x) => Number(x.id))
  } finally {
    await c.end().catch(() => {})
  }
}

export async function runTableDropped(inv: Inventory, opts: TableDroppedOptions = {}): Promise<BackupDrillReport> {
  const rows = opts.rows ?? 50
  const rowsAfter = opts.rowsAfter ?? 10
  const events = new EventLog(opts.log)
  const startedAt = new Date().toISOString()

  // Given
  const leader = await patroniLeaderHost(inv)
  if (!leader) throw new Error('no running Patroni leader')
  const info = repositoryInfo(inv)
  if (!info || info.backup.length === 0) throw new Error('the repository has no backup: take one first (backup-command.ts backup --type full)')
  events.say(`given: leader ${leader.name}, ${info.backup.length} backup(s), newest ${info.backup[info.backup.length - 1].label}`)
  const record = await recordRun(inv, leader.name)

  const client = await ownerClient(inv)
  const table = drillTableName('backup_drill_dropped')
  const writer = new RowWriter(client, table)
  let mistakeXid = ''
  let moment = ''
  try {
    await writer.createTable()
    await writer.writeSeries('before', rows, opts.intervalMs ?? 20)
    moment = (await client.query(`SELECT clock_timestamp()::text AS t`)).rows[0].t as string
    events.say(`${rows} rows acknowledged in ${table}; the moment: ${moment}`)
    await writer.writeSeries('after', rowsAfter, opts.intervalMs ?? 20)
    events.say(`${rowsAfter} more rows acknowledged after the moment`)

    // When: the mistake, in its own transaction, whose id an audit trail would record.
    await client.query('BEGIN')
    mistakeXid = String((await client.query(`SELECT txid_current() AS x`)).rows[0].x)
    await client.query(`DROP TABLE ${table}`)
    await client.query('COMMIT')
    events.say(`the mistake: DROP TABLE ${table} in transaction ${mistakeXid}`)
  } finally {
    await client.end().catch(() => {})
  }

  const before = writer.acked.filter((r) => r.phase === 'before')
  const after = writer.acked.filter((r) => r.phase === 'after')
  const checks: VerdictCheck[] = []
  const restores: Record<string, unknown> = {}
  const nameBase = `drill-${Date.now().toString(36)}`
  let primaryAnswered = true
  let byTime: ScratchRestoreResult | null = null
  let byXid: ScratchRestoreResult | null = null
  let idsByTime: number[] | null = null
  let idsByXid: number[] | null = null
  try {
    events.say(`restoring to just before ${moment} into scratch ${nameBase}-t`)
    byTime = await restoreToScratch(inv, beforeTime(moment), { name: `${nameBase}-t`, log: (l) => events.say(`  ${l}`) })
    idsByTime = await idsIn(inv, byTime, table)
    primaryAnswered &&= (await patroniLeaderHost(inv)) !== null

    events.say(`restoring to just before transaction ${mistakeXid} into scratch ${nameBase}-x`)
    byXid = await restoreToScratch(inv, beforeXid(mistakeXid, new Date(startedAt)), { name: `${nameBase}-x`, flushArchive: false, log: (l) => events.say(`  ${l}`) })
    idsByXid = await idsIn(inv, byXid, table)
    primaryAnswered &&= (await patroniLeaderHost(inv)) !== null
  } finally {
    if (!opts.keep) {
      for (const r of [byTime, byXid]) if (r) dropScratch(r.instance)
    }
  }

  // Then
  const want = (set: { id: number }[]) => set.map((r) => r.id)
  const missing = (got: number[] | null, expected: number[]) => expected.filter((id) => !got?.includes(id))
  const extra = (got: number[] | null, allowed: number[]) => (got ?? []).filter((id) => !allowed.includes(id))
  checks.push(check('the table exists in the restore to the moment', idsByTime !== null, String(idsByTime !== null), 'true'))
  checks.push(check('rows acknowledged before the moment, missing', missing(idsByTime, want(before)).length === 0, String(missing(idsByTime, want(before)).length), '0'))
  checks.push(check('rows written after the moment, present', extra(idsByTime, want(before)).length === 0, String(extra(idsByTime, want(before)).length), '0'))
  checks.push(check('the table exists in the restore to just before the DROP', idsByXid !== null, String(idsByXid !== null), 'true'))
  checks.push(check('acknowledged rows missing before the DROP', missing(idsByXid, want([...before, ...after])).length === 0, String(missing(idsByXid, want([...before, ...after])).length), '0'))
  checks.push(check('the live primary answered throughout', primaryAnswered, String(primaryAnswered), 'true'))

  const lastRecovered = before.filter((r) => idsByTime?.includes(r.id)).at(-1) ?? null
  for (const [key, r] of [['toMoment', byTime], ['beforeMistake', byXid]] as const) {
    if (r) {
      restores[key] = {
        target: r.target.description,
        backupSet: r.backupSet,
        archiveFlushS: r.archiveFlushS,
        restoreS: r.restoreS,
        recoveryS: r.recoveryS,
        totalS: r.totalS,
        recoveryStop: r.recoveryStop,
        rowsFound: key === 'toMoment' ? idsByTime?.length ?? null : idsByXid?.length ?? null,
      }
    }
  }
  const report: BackupDrillReport = {
    drill: TABLE_DROPPED,
    inventory: inv.file,
    startedAt,
    finishedAt: new Date().toISOString(),
    verdict: verdictOf(checks).pass ? 'pass' : 'fail',
    checks,
    restoreTimeS: byTime ? (byTime.archiveFlushS ?? 0) + byTime.totalS : -1,
    lastWriteRecovered: lastRecovered ? { id: lastRecovered.id, acknowledgedAt: lastRecovered.acknowledgedAt.toISOString() } : null,
    figures: { table, moment, mistakeXid, rowsBefore: before.length, rowsAfter: after.length, restores },
    events: events.events,
    record,
  }
  return report
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      'rows-after': { type: 'string' },
      'interval-ms': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  })
  const inv = loadInventory()
  let report: BackupDrillReport
  try {
    report = await runTableDropped(inv, {
      rows: values.rows ? Number(values.rows) : undefined,
      rowsAfter: values['rows-after'] ? Number(values['rows-after']) : undefined,
      intervalMs: values['interval-ms'] ? Number(values['interval-ms']) : undefined,
      keep: values.keep,
    })
  } catch (err) {
    console.error(`table-dropped drill could not run: ${(err as Error).message}`)
    return 2
  }
  const file = writeReport(report)
  for (const c of report.checks) console.log(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.value} (limit ${c.limit})`)
  console.log(`verdict ${report.verdict}; restore time ${report.restoreTimeS.toFixed(1)} s; last write recovered: ${JSON.stringify(report.lastWriteRecovered)}; report ${file}`)
  return report.verdict === 'pass' ? 0 : 1
}

if (import.meta.main) main().then((code) => (process.exitCode = code))
