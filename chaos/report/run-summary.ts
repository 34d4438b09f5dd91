// A drill run as it goes into the record: docs/chaos/runs/<run>.json (and its chart, <run>.svg),
// from which docs/chaos.md is generated (chaos-page.ts). What it tested (commit, settings,
// versions), whether it ran at the drill's full hold, the verdict check by check, the figures, the
// alerts. reports/<run>/ keeps everything else (journal, HTML report, runner log) and is not committed.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../../infra/launcher/cluster-api.ts'
import type { Drill } from '../drill-definition.ts'
import { missingAnywhere } from '../verify/acknowledged-writes.ts'
import type { DrillReport, VerdictCheck } from './drill-report.ts'
import type { FailureGroup } from '../verify/drill-metrics.ts'
import type { RunRecord } from './run-record.ts'

const RUNS_DIR = join(REPO_ROOT, 'docs/chaos/runs')

export interface RunSummary {
  id: string
  drill: string
  startedAt: string
  finishedAt: string
  holdSeconds: number
  /** The drill's own hold; a run held shorter (CI) is marked, never shown as the drill's result. */
  drillHoldSeconds: number
  fullHold: boolean
  rate: number
  commandLine: string
  record: RunRecord
  pass: boolean
  checks: VerdictCheck[]
  figures: {
    requests: number
    failed: number
    cleanRefusals: number
    writeStallS: number | null
    readStallS: number | null
    slowestReadS: number | null
    slowestWriteS: number | null
    acknowledged: number
    acknowledgedByKind: Record<string, number>
    lost: number | null
    missingOnAnyNode: number | null
    duplicates: number | null
    singleCopyAcks: number
    secondsToRedundancy: number | null
    failures: string[]
    /** Requests the officer's client sent again, by what the first attempt got (absent in runs before it could). */
    resent?: string[]
    /** Answers of attempts left open, by outcome (absent in runs before they were journaled). */
    late?: string[]
  }
  faults: string[]
  alerts: Array<{ alert: string; seen: string; kind: string; pass: boolean }>
  events: Array<{ s: number; what: string }>
}

const describeGroup = (f: FailureGroup) => `${f.count}× ${f.kind} → ${f.status || 'no answer'} ${f.cause} (${f.firstS.toFixed(1)}…${f.lastS.toFixed(1)} s after the fault)`

export function summarize(report: DrillReport, drill: Drill, record: RunRecord): RunSummary {
  const m = report.metrics
  const wc = report.writeCheck
  return {
    id: report.run.id,
    drill: drill.name,
    startedAt: report.run.startedAt,
    finishedAt: report.run.finishedAt,
    holdSeconds: report.run.holdSeconds,
    drillHoldSeconds: drill.holdSeconds,
    fullHold: report.run.holdSeconds >= drill.holdSeconds,
    rate: report.run.rate,
    commandLine: report.run.commandLine,
    record,
    pass: report.verdict.pass,
    checks: report.verdict.checks,
    figures: {
      requests: m.requests,
      failed: m.failed,
      cleanRefusals: m.refused,
      writeStallS: m.writeUnavailableS,
      readStallS: m.readUnavailableS,
      slowestReadS: m.slowestReadS,
      slowestWriteS: m.slowestWriteS,
      acknowledged: wc?.acknowledged ?? 0,
      acknowledgedByKind: Object.fromEntries(Object.entries(m.writesByKind).map(([k, w]) => [k, w.acks])),
      lost: wc ? wc.lost.length : null,
      missingOnAnyNode: wc ? missingAnywhere(wc) : null,
      duplicates: wc ? wc.duplicates.length : null,
      singleCopyAcks: report.routing.acksWithoutSyncStandby,
      secondsToRedundancy: report.redundancy.secondsAfterHeal,
      failures: [...m.failures, ...m.refusals].map(describeGroup),
      late: m.lateAnswers.map((f) => `${f.count}× ${f.kind} → ${f.status ? `${f.status} ` : ''}${f.cause} (${f.firstS.toFixed(1)}…${f.lastS.toFixed(1)} s after the fault)`),
      resent: m.resends.map((f) => `${f.count}× ${f.kind}, the first attempt ${f.status ? `${f.status} ` : ''}${f.cause} (${f.firstS.toFixed(1)}…${f.lastS.toFixed(1)} s after the fault)`),
    },
    faults: report.faults,
    alerts: (report.alerts?.check.outcomes ?? []).map((o) => ({ alert: o.expectation, seen: o.seen, kind: o.kind, pass: o.pass || !o.judged })),
    events: report.events.filter((e) => e.s >= -1).map((e) => ({ s: e.s, what: e.what })),
  }
}

export function writeSummary(summary: RunSummary, svg: string): string {
  mkdirSync(RUNS_DIR, { recursive: true })
  const file = join(RUNS_DIR, `${summary.id}.json`)
  writeFileSync(file, JSON.stringify(summary, null, 2) + '\n')
  writeFileSync(join(RUNS_DIR, `${summary.id}.svg`), svg + '\n')
  return file
}

export function readSummaries(dir = RUNS_DIR): RunSummary[] {
  let files: string[] = []
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'))
  } catch {
    return []
  }
  return files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunSummary).sort((a, b) => a.startedAt.localeCompare(b.startedAt))
}
