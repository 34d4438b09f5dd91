// Runs the officer workload (loadtests/officer-workload.js) with the real k6 as a child process:
// its journal goes to a file (--console-output), its summary to summary.json, its own output to
// k6.log. The drill runner tails the journal for live progress.
import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { closeSync, openSync, readSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { HAPROXY_TIMING, REPO_ROOT } from '../../infra/launcher/cluster-api.ts'
import type { OfficerSet } from './officer-tokens.ts'
import type { RequestRecord } from '../verify/journal.ts'

export interface K6Run {
  pid: number
  journalFile: string
  summaryFile: string
  logFile: string
  startedAt: number
  exited: Promise<number | null>
  /** SIGINT: k6 stops gracefully (in-flight iterations get gracefulStop) and writes its summary. */
  interrupt(): void
  kill(): void
}

export interface K6Options {
  k6: string
  runDir: string
  officers: OfficerSet
  profile: string
  /** The drill profile's arrival rate and length; the shared profiles (smoke, average, …) set their own. */
  rate?: number
  durationSeconds?: number
  baseUrl: string
  /** The CA k6 trusts (the cluster's): Go reads SSL_CERT_FILE instead of the system's roots. */
  caFile: string
  /** See spawnK6. */
  ownProcessGroup?: boolean
  /** The officers' client timeout: a request unanswered by then counts as failed (default: officer-api.js's 30 s). */
  requestTimeoutS?: number
}

/**
 * The one way this project starts k6: the pinned binary (k6-build.ts), quiet, its own output to
 * `logFile`, the cluster's CA trusted (Go reads SSL_CERT_FILE instead of the system's roots), no
 * usage report. The drills' officer workload, the benchmark's steps and `npm run workload` call it.
 */
export function spawnK6(o: {
  k6: string
  script: string
  args?: string[]
  env: Record<string, string>
  /** The CA k6 trusts (none: the system's, for a plain-HTTP target). */
  caFile?: string
  logFile: string
  /**
   * k6 in a process group of its own: a Ctrl-C at the terminal reaches only its parent, which stops
   * k6 with exactly one SIGINT (a second one makes k6 stop hard, without its summary).
   */
  ownProcessGroup?: boolean
}): ChildProcess {
  const log = openSync(o.logFile, 'a')
  const child = spawn(o.k6, ['run', '--quiet', '--no-color', '--log-format=raw', ...(o.args ?? []), resolve(REPO_ROOT, o.script)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...o.env, K6_NO_USAGE_REPORT: 'true', ...(o.caFile ? { SSL_CERT_FILE: o.caFile } : {}) },
    stdio: ['ignore', log, log],
    detached: o.ownProcessGroup ?? false,
  })
  closeSync(log)
  return child
}

export function startK6(opts: K6Options): K6Run {
  const officersFile = join(opts.runDir, 'officers.json')
  writeFileSync(officersFile, JSON.stringify(opts.officers, null, 2), { mode: 0o600 })
  const journalFile = join(opts.runDir, 'journal.jsonl')
  const summaryFile = join(opts.runDir, 'k6-summary.json')
  const logFile = join(opts.runDir, 'k6.log')
  const child = spawnK6({
    k6: opts.k6,
    script: 'loadtests/officer-workload.js',
    args: [`--console-output=${journalFile}`, `--summary-export=${summaryFile}`],
    env: {
      PROFILE: opts.profile,
      ...(opts.rate !== undefined ? { RATE: String(opts.rate) } : {}),
      ...(opts.durationSeconds !== undefined ? { DURATION: `${opts.durationSeconds}s` } : {}),
      OFFICERS_FILE: officersFile,
      BASE_URL: opts.baseUrl,
      ...(opts.requestTimeoutS ? { REQUEST_TIMEOUT: `${opts.requestTimeoutS}s` } : {}),
      // The client's silence times come from the request budget they must fit (haproxy-config.ts).
      CLIENT_READ_SILENCE_MS: String(HAPROXY_TIMING.clientReadSilenceS * 1000),
      CLIENT_WRITE_SILENCE_MS: String(HAPROXY_TIMING.clientWriteSilenceS * 1000),
      RUN_ID: opts.officers.runId,
    },
    caFile: opts.caFile,
    logFile,
    ownProcessGroup: opts.ownProcessGroup,
  })
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code))
    child.on('error', () => resolve(null))
  })
  return {
    pid: child.pid!,
    journalFile,
    summaryFile,
    logFile,
    startedAt: Date.now(),
    exited,
    interrupt: () => child.kill('SIGINT'),
    kill: () => child.kill('SIGKILL'),
  }
}

/** Reads the journal's new complete lines since the last call: live figures while k6 runs. */
export class JournalTail {
  private offset = 0
  private rest = ''
  private readonly file: string
  readonly requests: RequestRecord[] = []
  acks = 0

  constructor(file: string) {
    this.file = file
  }

  poll(): void {
    let size: number
    try {
      size = statSync(this.file).size
    } catch {
      return
    }
    if (size <= this.offset) return
    const fd = openSync(this.file, 'r')
    try {
      const buf = Buffer.alloc(size - this.offset)
      readSync(fd, buf, 0, buf.length, this.offset)
      this.offset = size
      const lines = (this.rest + buf.toString('utf8')).split('\n')
      this.rest = lines.pop() ?? ''
      for (const line of lines) {
        try {
          const e = JSON.parse(line) as { t: string }
          if (e.t === 'req') this.requests.push(e as unknown as RequestRecord)
          else if (e.t === 'ack') this.acks++
        } catch {
          // not a journal line
        }
      }
    } finally {
      closeSync(fd)
    }
  }

  /** Answered, failed and p99 over the last `seconds`. */
  recent(seconds: number): { answered: number; failed: number; p99Ms: number | null } {
    const since = Date.now() - seconds * 1000
    const recent = this.requests.filter((r) => r.end >= since)
    const sorted = recent.map((r) => r.ms).sort((a, b) => a - b)
    return {
      answered: recent.length,
      failed: recent.filter((r) => r.status < 200 || r.status >= 300).length,
      p99Ms: sorted.length ? sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)]! : null,
    }
  }
}
