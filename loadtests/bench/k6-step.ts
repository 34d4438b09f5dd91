// Runs one benchmark step (bench-scenarios.js at one arrival rate) as a k6 child process and reads
// its summary: what was offered, what was answered, how fast, what failed.
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cpuBetween, cpuSnapshot, type CpuSnapshot } from './cpu-by-component.ts'
import { REPO_ROOT } from '../../infra/launcher/cluster-api.ts'

export interface StepResult {
  scenario: string
  /** Iterations per second offered (constant arrival rate). */
  rate: number
  durationS: number
  /** HTTP requests answered per second in the measured phase. */
  reqPerS: number
  requests: number
  /** Warm-up included: what the server answered in all. */
  allRequests: number
  writeShare: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
  maxMs: number
  failedRate: number
  dropped: number
  /** p99 within the SLO, no failed request, at most 0.1 % of arrivals dropped. */
  ok: boolean
  k6Exit: number | null
  /** CPU seconds per component on the whole machine during the measured phase (cpu-by-component.ts). */
  cpu?: Record<string, number>
}

export interface StepOptions {
  k6: string
  scenario: string
  rate: number
  durationS: number
  warmupS: number
  fixtureFile: string
  officersFile: string
  apiUrl: string
  dir: string
  writeFraction?: number
  p99Ms: number
  /** The cluster's CA certificate (the API is HTTPS). */
  caFile: string
}

type Metric = { values: Record<string, number> }

// A step may drop this share of its arrivals (k6 found no free VU in time, e.g. during a stall of this
// shared machine) and still pass; more means the offered load was not really offered.
const DROP_TOLERANCE = 0.001

function metric(summary: { metrics: Record<string, Metric> }, name: string): Record<string, number> {
  return summary.metrics[name]?.values ?? {}
}

export async function runStep(o: StepOptions): Promise<StepResult> {
  mkdirSync(o.dir, { recursive: true })
  const summaryFile = join(o.dir, 'summary.json')
  const log = openSync(join(o.dir, 'k6.log'), 'a')
  const args = ['run', '--quiet', '--no-color', '--log-format=raw']
  // The officer workload journals every request on the console; keep it beside the step, off the terminal.
  args.push(`--console-output=${join(o.dir, 'journal.jsonl')}`)
  args.push(join(REPO_ROOT, 'loadtests/bench/bench-scenarios.js'))
  const child = spawn(o.k6, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      SCENARIO: o.scenario,
      RATE: String(o.rate),
      DURATION: `${o.durationS}s`,
      WARMUP: `${o.warmupS}s`,
      FIXTURE_FILE: o.fixtureFile,
      OFFICERS_FILE: o.officersFile,
      BASE_URL: o.apiUrl,
      SUMMARY_FILE: summaryFile,
      WRITE_FRACTION: String(o.writeFraction ?? 0.5),
      P99_MS: String(o.p99Ms),
      K6_NO_USAGE_REPORT: 'true',
      // The cluster's CA: Go reads SSL_CERT_FILE instead of the system's roots.
      SSL_CERT_FILE: o.caFile,
    },
    stdio: ['ignore', log, log],
  })
  closeSync(log)
  // The measured phase starts after the warm-up; its CPU is read over the same
  // window, counted from k6's spawn (k6's own start-up, under a second, shifts it a little earlier).
  let cpuStart: CpuSnapshot | null = null
  let cpuEnd: CpuSnapshot | null = null
  const startTimer = setTimeout(() => (cpuStart = cpuSnapshot()), o.warmupS * 1000)
  const endTimer = setTimeout(() => (cpuEnd = cpuSnapshot()), (o.warmupS + o.durationS) * 1000)
  const exit = await new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code))
    child.on('error', () => resolve(null))
  })
  clearTimeout(startTimer)
  clearTimeout(endTimer)
  // 99 = a threshold (the SLO) failed: that is a measurement. Anything else without a summary is a broken machine.
  if (!existsSync(summaryFile)) {
    throw new Error(`k6 step ${o.scenario} @ ${o.rate}/s wrote no summary (exit ${exit}); see ${join(o.dir, 'k6.log')}`)
  }
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { metrics: Record<string, Metric> }
  const duration = metric(summary, 'http_req_duration{phase:main}')
  const reqs = metric(summary, 'http_reqs{phase:main}')
  const writes = metric(summary, 'http_reqs{phase:main,op:write}')
  const failed = metric(summary, 'http_req_failed{phase:main}')
  const dropped = metric(summary, 'dropped_iterations{scenario:main}')
  const requests = reqs.count ?? 0
  const result: StepResult = {
    scenario: o.scenario,
    rate: o.rate,
    durationS: o.durationS,
    reqPerS: requests / o.durationS,
    requests,
    allRequests: metric(summary, 'http_reqs').count ?? requests,
    writeShare: requests ? (writes.count ?? 0) / requests : 0,
    p50Ms: duration.med ?? NaN,
    p95Ms: duration['p(95)'] ?? NaN,
    p99Ms: duration['p(99)'] ?? NaN,
    maxMs: duration.max ?? NaN,
    failedRate: failed.rate ?? 0,
    dropped: dropped.count ?? 0,
    ok: false,
    k6Exit: exit,
    ...(cpuStart && cpuEnd ? { cpu: cpuBetween(cpuStart, cpuEnd) } : {}),
  }
  const iterations = metric(summary, 'iterations{phase:main}').count ?? 0
  result.ok = requests > 0 && result.p99Ms <= o.p99Ms && result.failedRate === 0 && result.dropped <= DROP_TOLERANCE * (iterations + result.dropped)
  return result
}
