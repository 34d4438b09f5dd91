// What the restore drills share: the story (Given / When / Then), a writer of known rows through
// HAProxy that records every acknowledgement, and the JSON report in reports/backup-drills/.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { DATABASE_ROLES, hostsWithRole, loadBalancerAddress, postgresSsl, REPO_ROOT, secrets } from '../../infra/launcher/cluster-api.ts'

export interface BackupDrillStory {
  name: string
  title: string
  given: string[]
  when: string[]
  then: string[]
}

import type { VerdictCheck } from '../verify/verdict-check.ts'
import type { RunRecord } from '../report/run-record.ts'
export type { VerdictCheck } from '../verify/verdict-check.ts'
export { check } from '../verify/verdict-check.ts'

export interface BackupDrillReport {
  drill: BackupDrillStory
  inventory: string
  startedAt: string
  finishedAt: string
  verdict: 'pass' | 'fail'
  checks: VerdictCheck[]
  /** Seconds from starting the restore to a database that answers with the recovered data. */
  restoreTimeS: number
  /** The newest acknowledged write found in the restored database. */
  lastWriteRecovered: { id: number; acknowledgedAt: string } | null
  figures: Record<string, unknown>
  events: Array<{ at: string; what: string }>
  /** What the run tested: commit, settings in effect, versions (as every drill records). */
  record?: RunRecord
}

const REPORT_DIR = join(REPO_ROOT, 'reports', 'backup-drills')

export function writeReport(report: BackupDrillReport): string {
  mkdirSync(REPORT_DIR, { recursive: true })
  const file = join(REPORT_DIR, `${report.startedAt.replace(/[-:]/g, '').replace(/\..*$/, '')}-${report.drill.name}.json`)
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
  return file
}

export class EventLog {
  readonly events: Array<{ at: string; what: string }> = []
  private readonly echo: (line: string) => void
  constructor(echo: (line: string) => void = (l) => console.log(l)) {
    this.echo = echo
  }
  say(what: string): void {
    const at = new Date().toISOString()
    this.events.push({ at, what })
    this.echo(`[${at.slice(11, 23)}] ${what}`)
  }
}

/**
 * The application's database through HAProxy's primary port as the schema's owner: a drill makes and
 * drops tables of its own, which the app's role may not (migrations/015_app_role.sql) — and a table
 * dropped by mistake is an owner's mistake.
 */
export async function ownerClient(inv: Inventory): Promise<pg.Client> {
  const lb = hostsWithRole(inv, 'haproxy')[0]
  const c = new pg.Client({
    host: loadBalancerAddress(inv),
    port: lb.ports.pgPrimary,
    user: DATABASE_ROLES.owner,
    password: secrets(inv).ownerPassword,
    database: inv.cluster.database,
    connectionTimeoutMillis: 3000,
    query_timeout: 10_000,
    ssl: postgresSsl(inv),
  })
  c.on('error', () => {})
  await c.connect()
  return c
}

/** A superuser session on a scratch restore, over its socket (the restored pg_hba admits the superuser nowhere else). */
export async function scratchSuperuser(inv: Inventory, instance: { dir: string; port: number }): Promise<pg.Client> {
  const c = new pg.Client({ host: instance.dir, port: instance.port, user: 'postgres', database: inv.cluster.database, connectionTimeoutMillis: 3000, query_timeout: 10_000 })
  c.on('error', () => {})
  await c.connect()
  return c
}

export interface AckedRow {
  id: number
  /** When the client got the acknowledgement of the commit. */
  acknowledgedAt: Date
  /** pg_current_wal_insert_lsn() inside the row's transaction: the commit record lies after it. */
  insertLsn: string
  phase: string
}

/** Inserts one row per transaction (autocommit), each acknowledged before the next. */
export class RowWriter {
  readonly acked: AckedRow[] = []
  private nextId = 1
  private readonly client: pg.Client
  readonly table: string
  constructor(client: pg.Client, table: string) {
    this.client = client
    this.table = table
  }

  async createTable(): Promise<void> {
    await this.client.query(`CREATE TABLE ${this.table} (id int PRIMARY KEY, phase text NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp())`)
  }

  async write(phase: string): Promise<AckedRow> {
    const id = this.nextId++
    const { rows } = await this.client.query(`INSERT INTO ${this.table} (id, phase) VALUES ($1, $2) RETURNING pg_current_wal_insert_lsn()::text AS lsn`, [id, phase])
    const row = { id, acknowledgedAt: new Date(), insertLsn: rows[0].lsn as string, phase }
    this.acked.push(row)
    return row
  }

  /** Writes `count` rows, `intervalMs` apart. */
  async writeSeries(phase: string, count: number, intervalMs: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await this.write(phase)
      if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs))
    }
  }
}

export function lsnToBigInt(lsn: string): bigint {
  const [hi, lo] = lsn.split('/')
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`)
}

const WAL_SEGMENT_BYTES = 16n * 1024n * 1024n

/** The first byte after a WAL segment (file name TTTTTTTTXXXXXXXXYYYYYYYY, 16 MB segments). */
export function segmentEnd(walFile: string): bigint {
  const log = BigInt(`0x${walFile.slice(8, 16)}`)
  const seg = BigInt(`0x${walFile.slice(16, 24)}`)
  return (log * 0x100000000n) + (seg + 1n) * WAL_SEGMENT_BYTES
}

export function drillTableName(prefix: string): string {
  return `${prefix}_${new Date().toISOString().replace(/[-:TZ.]/g, '').slice(0, 14)}`
}
