// Where a restore stops: the latest archived state, a time, a transaction, a WAL position, or "just
// before" one of them — the moment before a named mistake. Parsed from the command line, turned into
// pgBackRest restore options.
import type { BootstrapFromBackup } from '../launcher/render/pgbackrest-config.ts'
import type { BackupInfo } from './repository.ts'

export interface RestoreTarget extends BootstrapFromBackup {
  /** What an operator reads in a report: "just before 2026-11-23 06:01:00+00", "latest". */
  description: string
  /** A moment known to be before the target (an audit row's time): picks the backup for an xid target. */
  notAfter?: Date
}

/** PostgreSQL's timestamptz text in UTC, which pgBackRest parses to choose the backup. */
function pgTimestamp(d: Date): string {
  const iso = d.toISOString() // 2026-11-23T06:01:00.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}+00`
}

function parseTime(text: string): Date {
  const d = new Date(/^\d{4}-\d{2}-\d{2} \d/.test(text) ? text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00') : text)
  if (Number.isNaN(d.getTime())) throw new Error(`cannot read the time "${text}" (use ISO 8601, e.g. 2026-11-23T06:01:00Z)`)
  return d
}

export function latest(): RestoreTarget {
  return { type: 'default', description: 'latest: every archived WAL' }
}

/**
 * A time as pgBackRest and PostgreSQL take it. PostgreSQL's own text (as `select clock_timestamp()`
 * prints it) is passed on untouched, keeping its microseconds; anything else goes through Date
 * (milliseconds), which could move a target to before a commit made in the same millisecond.
 */
function timeText(at: Date | string): { text: string; shown: string } {
  if (typeof at === 'string') {
    if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(at)) return { text: at, shown: at }
    at = parseTime(at)
  }
  return { text: pgTimestamp(at), shown: at.toISOString() }
}

/** Everything committed at or before `at` (inclusive). */
export function toTime(at: Date | string): RestoreTarget {
  const t = timeText(at)
  return { type: 'time', target: t.text, description: `up to ${t.shown}` }
}

/** Everything committed before `at` (a mistake made at that moment is not replayed). */
export function beforeTime(at: Date | string): RestoreTarget {
  const t = timeText(at)
  return { type: 'time', target: t.text, exclusive: true, description: `just before ${t.shown}` }
}

/** Everything committed before transaction `xid` committed: the mistake itself is left out. */
export function beforeXid(xid: string, notAfter?: Date): RestoreTarget {
  if (!/^\d+$/.test(xid)) throw new Error(`a transaction id is a number, not "${xid}"`)
  return { type: 'xid', target: xid, exclusive: true, notAfter, description: `just before transaction ${xid}` }
}

export function beforeLsn(lsn: string): RestoreTarget {
  if (!/^[0-9A-Fa-f]+\/[0-9A-Fa-f]+$/.test(lsn)) throw new Error(`a WAL position looks like 0/5000028, not "${lsn}"`)
  return { type: 'lsn', target: lsn, exclusive: true, description: `just before WAL position ${lsn}` }
}

/**
 * pgBackRest picks the backup by itself for time and lsn targets; for an xid it must be told when
 * the target is older than the newest backup: the newest backup that ended before a moment known to
 * precede the transaction, else the oldest one (it precedes everything in the window).
 */
function backupSetFor(target: RestoreTarget, backups: BackupInfo[]): string | undefined {
  if (target.set) return target.set
  if (target.type !== 'xid' || backups.length === 0) return undefined
  const good = backups.filter((b) => !b.error)
  if (target.notAfter) {
    const limit = target.notAfter.getTime() / 1000
    const before = good.filter((b) => b.timestamp.stop < limit)
    if (before.length > 0) return before[before.length - 1].label
  }
  return good[0]?.label
}

/** pgBackRest restore options for the target (the caller adds --target-action and the rest). */
export function restoreOptions(target: RestoreTarget, backups: BackupInfo[]): string[] {
  const args = [`--type=${target.type}`]
  if (target.target) args.push(`--target=${target.target}`)
  if (target.exclusive) args.push('--target-exclusive')
  const set = backupSetFor(target, backups)
  if (set) args.push(`--set=${set}`)
  return args
}
