// npm run bench: the service against its ceiling on this machine, in one run.
//
//   npm run bench                          ceilings + the service's scenarios (rising arrival rate until
//                                          p99 > 50 ms or errors), statements, plans, CPU profile, RSS
//                                          under the average profile → docs/benchmarks.md
//   npm run bench -- --growth 100000,1000000   seed up to each size, then lookups and searches at a
//                                          fixed rate and their plans at that size
//   npm run bench -- --soak [--soak-minutes 30] RSS of an app node over a long shift
//   npm run bench -- --interleaved [--repeats 3]   each service scenario against its ceiling, service
//                                          and ceiling alternating, repeats times; medians and spread
//                                          of the ratios → docs/benchmarks/runs/<stamp>-interleaved.json,
//                                          and docs/benchmarks.md rewritten with it as its headline
//   npm run bench -- --tls-cost [--tls-seconds 60]   what TLS costs per component: perf samples of the
//                                          whole machine during a fixed-rate step of GET, create and the
//                                          mix → docs/benchmarks/runs/<stamp>-tls-cost.json, and the page
//   npm run bench -- --page                only rewrite docs/benchmarks.md from results.json and runs/
//   npm run bench -- --sync-cost [--sync-seconds 60]  a create and the mix with one synchronous standby
//                                          and with two, alternated → docs/benchmarks/runs/<stamp>-sync-cost.json
//   npm run bench -- --smoke [--out DIR]   every piece once, tiny and short: checks the machinery
//                                          (CI); never fails on speed; writes to a temp folder
//
// Needs the cluster up and healthy (npm run up). Writes raw k6 output under .run/bench/<run>/.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { BENCH_BARE_PORT, clusterPath, ensureK6, clusterRequest, clusterStatus, endpoints, enterOpsNamespace, hostNamespace, hostProcesses, hostsWithRole, hostTls, loadBalancerAddress, loadInventory, namespacePath, patchPatroniConfig, PATRONI_DCS, REPO_ROOT, secrets, waitHealthy } from '../../infra/launcher/cluster-api.ts'
import { recordRun } from '../../chaos/report/run-record.ts'
import { PAIRS, nextStartRate, ratioOf, side, summarise, summaryTable, type Trial } from './interleaved-comparison.ts'
import { startK6 } from '../../chaos/load/k6-load.ts'
import { makeOfficers, newRunId } from '../../chaos/load/officer-tokens.ts'
import { seededCount, seedHandovers } from '../../src/commands/seed-command.ts'
import {
  createStatements,
  datasetFigures,
  emptyScratchTables,
  explain,
  indexDefinitions,
  prepareScratchTables,
  readStatements,
  sampleSeeded,
  serverVersion,
  withClient,
  type Statement,
} from './bench-database.ts'
import { CREATE_OFFICES, makeFixture, writeFixture, type Fixture } from './bench-fixtures.ts'
import { loadResults, saveResults, type BenchResults, type GrowthPoint, type MainRun, type ProbeStats, type ProfiledStep, type RssRun, type Settings } from './bench-results.ts'
import { writeReport } from './bench-report.ts'
import { summarizeProfile } from './cpu-profile-summary.ts'
import { runStep, type StepResult } from './k6-step.ts'
import { machineInfo } from './machine-info.ts'
import { sampleRss, startNode } from './node-processes.ts'
import { PERF_HZ, perfCommand, perfRows, recordPerf, tlsCost, type TlsCostRecord, type TlsCostStep } from './tls-cost.ts'
import { alternation, summarizeSyncCost, type SyncCostRecord, type SyncCostStep } from './sync-commit-cost.ts'

// In a namespace lab the benchmark runs from the ops namespace, as the drills do; --page only
// reads the committed records and needs no cluster.
const entered = process.argv.slice(2).includes('--page') ? null : await enterOpsNamespace(loadInventory())
if (entered !== null) process.exit(entered)
import { pgbenchCeiling } from './pgbench-ceiling.ts'
import { searchRate, type RateSearch } from './rate-search.ts'

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    interleaved: { type: 'boolean', default: false },
    'tls-cost': { type: 'boolean', default: false },
    'tls-seconds': { type: 'string', default: '60' },
    'sync-cost': { type: 'boolean', default: false },
    'sync-seconds': { type: 'string', default: '60' },
    page: { type: 'boolean', default: false },
    repeats: { type: 'string', default: '3' },
    soak: { type: 'boolean', default: false },
    growth: { type: 'string' },
    size: { type: 'string', default: '100000' },
    'growth-rate': { type: 'string', default: '200' },
    'step-seconds': { type: 'string', default: '20' },
    'soak-minutes': { type: 'string', default: '30' },
    'average-minutes': { type: 'string', default: '2' },
    out: { type: 'string' },
  },
})

const SMOKE = args.smoke
const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)
const runDir = join(dirname(clusterPath(loadInventory(), 'run')), 'bench', `${stamp}-${SMOKE ? 'smoke' : args.soak ? 'soak' : args.growth ? 'growth' : args.interleaved ? 'interleaved' : args['tls-cost'] ? 'tls-cost' : args['sync-cost'] ? 'sync-cost' : 'full'}`)
// The smoke never touches docs/: its report goes to a temp folder (or --out).
const outDir = args.out ?? (SMOKE ? join(tmpdir(), `tqdt-bench-smoke-${stamp}`) : join(REPO_ROOT, 'docs'))
const resultsFile = join(outDir, SMOKE || args.out ? 'benchmarks-results.json' : 'benchmarks/results.json')
mkdirSync(runDir, { recursive: true })
mkdirSync(join(outDir, 'benchmarks'), { recursive: true })

const settings: Settings = {
  p99Ms: 50,
  stepSeconds: SMOKE ? 3 : Number(args['step-seconds']),
  warmupSeconds: SMOKE ? 1 : 5,
  factor: 1.5,
}

const say = (line: string) => console.log(`bench: ${line}`)
// --page reads no cluster (and may run where none was ever started: no secrets to read).
const ep = args.page ? (null as unknown as ReturnType<typeof endpoints>) : endpoints()
const inv = loadInventory()
const appHost = inv.hosts.find((h) => h.roles.includes('app'))!
/** The bare server and the profiled node run on app1's host: in a namespace lab, in its namespace. */
const APP_HOST_NETNS = inv.lab ? namespacePath(hostNamespace(inv, appHost.name)) : undefined
const lbHost = hostsWithRole(inv, 'haproxy')[0]
const BENCH_PORT = lbHost?.ports.bench
// Where the inventory renders HAProxy's fe_bench, the bare server speaks HTTPS (as an app node) and
// the bench reaches it through HAProxy like the service: the ratio compares like with like (14.4).
const BARE_DIRECT_URL = `${BENCH_PORT ? 'https' : 'http'}://${appHost.address}:${BENCH_BARE_PORT}`
const BARE_URL = BENCH_PORT ? `https://${loadBalancerAddress(inv)}:${BENCH_PORT}` : BARE_DIRECT_URL
// HTTPS like every app node; k6 reaches it straight from the ops namespace, so it asks no client
// certificate, admits any peer and has no internal listener (app1's own has that port).
const PROFILED_URL = `https://${appHost.address}:3901`

/** Started processes, stopped by PID on the way out — also when a step throws. */
const cleanups: Array<() => Promise<unknown>> = []

function fmtStep(s: StepResult): string {
  return `${s.scenario} @ ${s.rate}/s: ${Math.round(s.reqPerS)} req/s, p50 ${s.p50Ms.toFixed(1)} ms, p99 ${s.p99Ms.toFixed(1)} ms, errors ${(s.failedRate * 100).toFixed(2)} %, dropped ${s.dropped} → ${s.ok ? 'pass' : 'FAIL'}`
}

/** A cluster still healing from an earlier drill or test gets two minutes; a broken one fails the run. */
async function preflight(): Promise<void> {
  const status = await clusterStatus()
  if (status.healthy) return
  say(`waiting up to 120 s for a healthy cluster: ${status.problems.join('; ')}`)
  await waitHealthy(120_000)
}

async function ensureSeeded(target: number): Promise<{ from: number; to: number; seconds: number }> {
  return withClient(ep.databaseUrl, async (c) => {
    let last = 0
    const r = await seedHandovers(c, {
      target,
      batchSize: 1000,
      onProgress: (p) => {
        if (Date.now() - last < 10_000 && p.seeded < p.target) return
        last = Date.now()
        say(`seeding ${p.seeded.toLocaleString('en')}/${p.target.toLocaleString('en')} handovers (${Math.round(p.added / Math.max(0.001, p.elapsedMs / 1000))}/s)`)
      },
    })
    return { from: r.before, to: r.after, seconds: r.elapsedMs / 1000 }
  })
}

interface Context {
  k6: string
  k6Version: string
  fixtureFile: string
  officersFile: string
  fixture: Fixture
}

async function prepare(sampleSize: number): Promise<Context> {
  const k6 = await ensureK6((line) => say(line))
  const seeded = await withClient(ep.databaseUrl, (c) => seededCount(c))
  const sample = await withClient(ep.databaseReplicaUrl, (c) => sampleSeeded(c, seeded, sampleSize))
  if (sample.length === 0) throw new Error('no seeded handovers to read: the seeding step found none')
  const runId = newRunId()
  const fixture = makeFixture({ runId, apiUrl: ep.httpBaseUrl, bareUrl: BARE_URL, jwtSecret: secrets().jwtSecret, sample, createDestination: '43IH' })
  const fixtureFile = writeFixture(join(runDir, 'fixture.json'), fixture)
  const officersFile = join(runDir, 'officers.json')
  writeFileSync(officersFile, JSON.stringify(makeOfficers(4, runId), null, 2), { mode: 0o600 })
  return { k6: k6.path, k6Version: k6.version, fixtureFile, officersFile, fixture }
}

/**
 * The officer workload numbers paper declarations per VU and iteration: a second step with the same
 * officers would enter the same receipt numbers again (409). Each step of it gets offices of its own.
 */
function freshOfficers(ctx: Context, dir: string): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'officers.json')
  // Eight a side: two officers at the per-officer write limit (RATE_LIMIT_OFFICER_WRITES, 50/s) ended
  // a rise on 429 RATE_LIMITED before the service's edge (issue 14.4: the bench measures the service,
  // not its guards).
  writeFileSync(file, JSON.stringify(makeOfficers(8, newRunId())), { mode: 0o600 })
  return file
}

function stepRunner(ctx: Context, scenario: string, extra: { writeFraction?: number; apiUrl?: string; fixtureFile?: string } = {}) {
  let n = 0
  return (rate: number) => {
    const dir = join(runDir, scenario, `step${++n}-${rate}`)
    return runStep({
      k6: ctx.k6,
      scenario,
      rate,
      durationS: settings.stepSeconds,
      warmupS: settings.warmupSeconds,
      fixtureFile: extra.fixtureFile ?? ctx.fixtureFile,
      officersFile: scenario === 'mixed' ? freshOfficers(ctx, dir) : ctx.officersFile,
      apiUrl: extra.apiUrl ?? ep.httpBaseUrl,
      dir,
      writeFraction: extra.writeFraction,
      p99Ms: settings.p99Ms,
      caFile: ep.caFile,
    })
  }
}

// Where each rise starts (iterations/s; a mixed iteration is a session of ~3 requests) and its steps.
const START_RATES: Record<string, number> = {
  'bare.get': 600, 'bare.post': 300, 'bare.mix': 400, 'handover.get': 600, 'handover.search': 300, 'handover.create': 60, mixed: 30,
}

async function rise(ctx: Context, scenario: string, extra: { writeFraction?: number } = {}, startRate = START_RATES[scenario]!): Promise<RateSearch> {
  say(`${scenario}: rising from ${SMOKE ? 2 : startRate}/s`)
  const search = await searchRate(
    stepRunner(ctx, scenario, extra),
    SMOKE
      ? { startRate: 2, factor: 1, maxSteps: 1, refine: 0, onStep: (s) => say(fmtStep(s)) }
      : { startRate, factor: settings.factor, maxSteps: 14, refine: 2, onStep: (s) => say(fmtStep(s)) },
    settings.p99Ms,
  )
  say(`${scenario}: best ${search.best ? `${Math.round(search.best.reqPerS)} req/s (p99 ${search.best.p99Ms.toFixed(1)} ms)` : 'none'}; stopped by ${search.stoppedBy}`)
  return search
}

async function startBare(): Promise<void> {
  const tls = hostTls(inv, appHost)
  const bare = await startNode({
    inv,
    args: [join(REPO_ROOT, 'loadtests/bench/bare-server.ts')],
    env: {
      BARE_HOST: appHost.address, BARE_PORT: String(BENCH_BARE_PORT), DATABASE_URL: ep.databaseUrl, DATABASE_REPLICA_URL: ep.databaseReplicaUrl,
      ...(BENCH_PORT ? { BARE_TLS_CERT: tls.cert, BARE_TLS_KEY: tls.key, BARE_TLS_CA: tls.ca } : {}),
    },
    url: BARE_DIRECT_URL,
    readyPath: '/health',
    logFile: join(runDir, 'bare-server.log'),
    netns: APP_HOST_NETNS,
  })
  cleanups.push(() => bare.stop())
  if (BENCH_PORT) {
    // HAProxy admits it after two passing checks (rise 2, 500 ms apart): measure only once it does.
    const deadline = Date.now() + 15_000
    for (;;) {
      const res = await clusterRequest(inv, `${BARE_URL}/health`, { timeoutMs: 1000 }).catch(() => null)
      if (res?.status === 200) break
      if (Date.now() > deadline) throw new Error(`HAProxy's fe_bench (${BARE_URL}) did not route to the bare server within 15 s`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  say(`bare server pid ${bare.pid} on ${BARE_DIRECT_URL}, measured through ${BARE_URL}`)
}

/** The app node's settings from the launcher's env file, as variables (not --env-file: that path marks a process as app1's). */
function appEnv(host: string): Record<string, string> {
  const text = readFileSync(join(clusterPath(inv, 'config'), host, 'app.env'), 'utf8')
  return Object.fromEntries(text.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
}

/** One extra app node with --cpu-prof and the pool probe, loaded straight (no HAProxy) with one scenario at one rate. */
async function profileScenario(ctx: Context, scenario: string, rate: number): Promise<ProfiledStep> {
  const dir = join(runDir, `profile-${scenario}`)
  mkdirSync(dir, { recursive: true })
  const node = await startNode({
    inv,
    args: [`--cpu-prof`, `--cpu-prof-dir=${dir}`, '--import', join(REPO_ROOT, 'loadtests/bench/pool-probe.ts'), join(REPO_ROOT, 'src/server.ts')],
    env: {
      ...appEnv(appHost.name),
      HOST: appHost.address, PORT: '3901', NODE_NAME: `${appHost.name}-profiled`, QUEUE_ENABLED: 'false',
      SHUTDOWN_DRAIN_MS: '0', BENCH_PROBE_FILE: join(dir, 'probe.json'),
      TLS_CLIENT_CA_FILE: '', ALLOWED_CLIENTS: '', INTERNAL_PORT: '0',
    },
    url: PROFILED_URL,
    readyPath: '/health/ready',
    logFile: join(dir, 'node.log'),
    netns: APP_HOST_NETNS,
  })
  cleanups.push(() => node.stop())
  say(`profiling ${scenario} @ ${rate}/s on an extra node (pid ${node.pid}, ${PROFILED_URL})`)
  const fixtureFile = writeFixture(join(dir, 'fixture.json'), { ...ctx.fixture, apiUrl: PROFILED_URL })
  // The measured phase starts after the warm-up: mark it, so counters and profile cover it alone.
  const mark = setTimeout(() => process.kill(node.pid, 'SIGUSR2'), settings.warmupSeconds * 1000)
  const step = await stepRunner(ctx, scenario, { apiUrl: PROFILED_URL, fixtureFile })(rate)
  clearTimeout(mark)
  await node.stop()
  const read = <T>(file: string): T | null => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as T
    } catch {
      return null
    }
  }
  const profile = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  const probe = read<ProbeStats>(join(dir, 'probe.json'))
  return { scenario, step, probe, summary: profile ? summarizeProfile(join(dir, profile), probe?.markUs ?? 0) : null }
}

function appNodePid(): number {
  const procs = hostProcesses(appHost.name)
  const p = procs.find((x) => x.foundBy === 'pidfile') ?? procs[0]
  if (!p) throw new Error(`no process found for ${appHost.name}`)
  return p.pid
}

/** The officer workload with a shared profile, sampling the RSS of one app node meanwhile. */
async function rssUnder(ctx: Context, profile: string, durationS: number, rate: number): Promise<RssRun> {
  const pid = appNodePid()
  const dir = join(runDir, `rss-${profile}`)
  mkdirSync(dir, { recursive: true })
  const officers = JSON.parse(readFileSync(ctx.officersFile, 'utf8'))
  const sampler = sampleRss(pid, profile === 'soak' ? 10_000 : 1000)
  const k6 = startK6({ k6: ctx.k6, runDir: dir, officers, profile, rate, durationSeconds: durationS, baseUrl: ep.httpBaseUrl, caFile: ep.caFile })
  cleanups.push(async () => k6.interrupt())
  await k6.exited
  const samples = sampler.stop()
  const summary = JSON.parse(readFileSync(k6.summaryFile, 'utf8')) as { metrics: Record<string, Record<string, number>> }
  const failed = summary.metrics.http_req_failed ?? {}
  return {
    node: appHost.name,
    profile,
    durationS: samples.at(-1)?.t ?? 0,
    samples,
    requests: summary.metrics.http_reqs?.count ?? 0,
    p99Ms: summary.metrics.http_req_duration?.['p(99)'] ?? NaN,
    failedRate: failed.value ?? failed.rate ?? 0,
  }
}

async function growthPoint(ctx: Context, size: number, seed: GrowthPoint['seed']): Promise<GrowthPoint> {
  const rate = SMOKE ? 5 : Number(args['growth-rate'])
  // Three runs of each, alternating, and the median p99: one stall of this shared machine (a
  // checkpoint, the WAL archiver) in one 30-second run would otherwise decide a size's figure.
  const repeats = SMOKE ? 1 : 3
  const getRuns: StepResult[] = []
  const searchRuns: StepResult[] = []
  for (let i = 0; i < repeats; i++) {
    getRuns.push(await stepRunner(ctx, 'handover.get')(rate))
    say(`growth ${size} (${i + 1}/${repeats}): ${fmtStep(getRuns.at(-1)!)}`)
    searchRuns.push(await stepRunner(ctx, 'handover.search')(rate))
    say(`growth ${size} (${i + 1}/${repeats}): ${fmtStep(searchRuns.at(-1)!)}`)
  }
  const median = (runs: StepResult[]) => [...runs].sort((a, b) => a.p99Ms - b.p99Ms)[Math.floor(runs.length / 2)]!
  const get = median(getRuns)
  const search = median(searchRuns)
  const sample = ctx.fixture.handovers[0]!
  const container = ctx.fixture.containers[0]!
  const captured = await withClient(ep.databaseUrl, (c) => readStatements(c, { id: sample.id, office: sample.office, containerNumber: container.containerNumber }))
  // Each plan where the app runs the statement: GET by id on the primary, the search on a replica.
  const explainAll = (url: string, list: Statement[]) =>
    withClient(url, async (c) => {
      const out: Array<{ text: string; plan: string }> = []
      for (const s of list) out.push({ text: s.text, plan: await explain(c, s) })
      return out
    })
  const plans = { get: await explainAll(ep.databaseUrl, captured.get), search: await explainAll(ep.databaseReplicaUrl, captured.search) }
  const dataset = await withClient(ep.databaseReplicaUrl, (c) => datasetFigures(c))
  const indexes = await withClient(ep.databaseReplicaUrl, (c) => indexDefinitions(c, ['handovers', 'handover_containers']))
  return { size, date: new Date().toISOString(), dataset, seed, rate, get, search, getRuns, searchRuns, plans, indexes }
}

async function mainRun(results: BenchResults): Promise<void> {
  const size = SMOKE ? 300 : Number(args.size)
  const seeded = await ensureSeeded(size)
  const pgVersion = await withClient(ep.databaseUrl, (c) => serverVersion(c))
  const ctx = await prepare(SMOKE ? 50 : 5000)
  const machine = machineInfo({ postgresql: pgVersion, k6: ctx.k6Version.replace(/^k6 /, '').split(' ')[0] ?? ctx.k6Version })
  await withClient(ep.ownerDatabaseUrl, (c) => prepareScratchTables(c))
  cleanups.push(() => withClient(ep.ownerDatabaseUrl, (c) => emptyScratchTables(c)))
  await startBare()

  const scenarios: Record<string, RateSearch> = {}
  for (const s of ['bare.get', 'bare.post', 'handover.get', 'handover.search', 'handover.create', 'mixed']) scenarios[s] = await rise(ctx, s)
  // The bare mix has the mixed workload's share of writes, as measured in its best step.
  const writeShare = scenarios.mixed?.best?.writeShare ?? scenarios.mixed?.steps[0]?.writeShare ?? 0.5
  scenarios['bare.mix'] = await rise(ctx, 'bare.mix', { writeFraction: writeShare })

  say('pgbench: single-row INSERTs through HAProxy :5000 (synchronous standby)')
  const pgbench = await pgbenchCeiling(ep.databaseUrl, SMOKE ? [2] : [8, 16, 32], SMOKE ? 2 : 15, join(runDir, 'pgbench'))
  for (const r of pgbench.runs) say(`pgbench -c ${r.clients}: ${Math.round(r.tps)} TPS, p99 ${r.p99Ms.toFixed(1)} ms`)

  const statements = await requestStatements(ctx)

  // Profiles at about two thirds of each scenario's best rate on the cluster: busy, not saturated.
  const profiles: ProfiledStep[] = []
  for (const s of ['handover.get', 'mixed']) {
    const best = scenarios[s]?.best?.rate ?? 5
    profiles.push(await profileScenario(ctx, s, SMOKE ? 2 : Math.max(1, Math.round(best * 0.66))))
  }

  say(`RSS of ${appHost.name} under the average profile`)
  const memory = await rssUnder(ctx, SMOKE ? 'smoke' : 'average', SMOKE ? 5 : Number(args['average-minutes']) * 60, 1)

  const dataset = await withClient(ep.databaseReplicaUrl, (c) => datasetFigures(c))
  const main: MainRun = { mode: SMOKE ? 'smoke' : 'full', machine, settings, dataset, seededHandovers: seeded.to, scenarios, pgbench, statements, profiles, memory }
  results.main = main
  // The main run's dataset is one growth point as well, when no growth run measured that size yet.
  if (!results.growth.some((g) => g.size === seeded.to)) {
    results.growth.push(await growthPoint(ctx, seeded.to, seeded.from === seeded.to ? null : { from: seeded.from, seconds: seeded.seconds, handoversPerS: (seeded.to - seeded.from) / seeded.seconds }))
  }
}

/** The SQL of one GET by id, one search by container and one create, as the app's own services send it. */
async function requestStatements(ctx: Context): Promise<{ get: string[]; search: string[]; create: string[] }> {
  const sample = ctx.fixture.handovers[0]!
  const container = ctx.fixture.containers[0]!
  const reads = await withClient(ep.databaseUrl, (c) => readStatements(c, { id: sample.id, office: sample.office, containerNumber: container.containerNumber }))
  const create = await withClient(ep.databaseUrl, (c) => createStatements(c, CREATE_OFFICES[0]!, '43IH'))
  return { get: reads.get.map((s) => s.text), search: reads.search.map((s) => s.text), create: create.map((s) => s.text) }
}

/**
 * Issue 14.4: each pair service, ceiling, service, ceiling, … `repeats` times, under the same retry
 * rule; the ratios' median and spread per pair, with the run's commit, settings and load averages,
 * in a committed record (docs/benchmarks/runs/<stamp>-interleaved.json).
 */
async function interleavedRun(): Promise<string> {
  const repeats = SMOKE ? 1 : Number(args.repeats)
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats ${args.repeats}: expected a whole number ≥ 1`)
  const startedAt = new Date().toISOString()
  const seeded = await ensureSeeded(SMOKE ? 300 : Number(args.size))
  const ctx = await prepare(SMOKE ? 50 : 5000)
  await withClient(ep.ownerDatabaseUrl, (c) => prepareScratchTables(c))
  cleanups.push(() => withClient(ep.ownerDatabaseUrl, (c) => emptyScratchTables(c)))
  await startBare()
  const status = await clusterStatus()
  const record = await recordRun(inv, status.postgres?.leader ?? hostsWithRole(inv, 'postgres')[0]!.name, ctx.k6Version)
  // The round trips behind each figure, from the same code and cluster as the figures (14: "the page
  // shows the measured cause ... round trips per request").
  const statements = await requestStatements(ctx)
  const bestOf = new Map<string, number>()
  const trials: Trial[] = []
  for (let repeat = 1; repeat <= repeats; repeat++) {
    for (const pair of PAIRS) {
      const loadAverage = loadavg()[0]!
      const at = new Date().toISOString()
      say(`interleaved ${repeat}/${repeats}: ${pair.name} (load ${loadAverage.toFixed(2)})`)
      const start = (scenario: string) => nextStartRate(bestOf.get(scenario) ?? null, START_RATES[scenario]!, settings.factor)
      const a = await rise(ctx, pair.service, {}, start(pair.service))
      if (a.best) bestOf.set(pair.service, a.best.rate)
      // The bare mix writes the share of writes the mixed workload wrote in its best step.
      const extra = pair.ceiling === 'bare.mix' ? { writeFraction: a.best?.writeShare ?? a.steps[0]?.writeShare ?? 0.5 } : {}
      const b = await rise(ctx, pair.ceiling, extra, start(pair.ceiling))
      if (b.best) bestOf.set(pair.ceiling, b.best.rate)
      const service = side(pair.service, a, availableParallelism())
      const ceiling = side(pair.ceiling, b, availableParallelism())
      trials.push({ pair: pair.name, repeat, service, ceiling, ratio: ratioOf(service, ceiling), loadAverage, startedAt: at })
    }
  }
  const summaries = summarise(PAIRS, trials)
  const table = summaryTable(summaries)
  for (const line of table.split('\n')) say(line)
  const file = recordPath('interleaved')
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(
    file,
    JSON.stringify(
      {
        id: `${stamp}-interleaved`,
        startedAt,
        finishedAt: new Date().toISOString(),
        commandLine: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
        mode: SMOKE ? 'smoke' : 'interleaved',
        repeats,
        settings,
        seededHandovers: seeded.to,
        ceilingThroughHaproxy: BENCH_PORT !== undefined,
        record,
        statements,
        summaries,
        trials,
        table,
      },
      null,
      1,
    ) + '\n',
  )
  return file.startsWith(REPO_ROOT) ? relative(REPO_ROOT, file) : file
}

async function growthRun(results: BenchResults, sizes: number[]): Promise<void> {
  for (const size of sizes.sort((a, b) => a - b)) {
    const seeded = await ensureSeeded(size)
    say(`dataset at ${seeded.to.toLocaleString('en')} seeded handovers (${seeded.from === seeded.to ? 'already there' : `seeded in ${Math.round(seeded.seconds)} s`})`)
    const ctx = await prepare(5000)
    const point = await growthPoint(ctx, seeded.to, seeded.from === seeded.to ? null : { from: seeded.from, seconds: seeded.seconds, handoversPerS: (seeded.to - seeded.from) / seeded.seconds })
    // Measuring a size again keeps how long it took to seed it the first time.
    const earlier = results.growth.find((g) => g.size === point.size)
    if (!point.seed && earlier?.seed) point.seed = earlier.seed
    results.growth = [...results.growth.filter((g) => g.size !== point.size), point]
    saveResults(resultsFile, results)
  }
}

async function soakRun(results: BenchResults): Promise<void> {
  await ensureSeeded(Number(args.size))
  const ctx = await prepare(100)
  const minutes = Number(args['soak-minutes'])
  say(`soak: ${minutes} min of the soak profile; RSS of ${appHost.name} every 10 s`)
  results.soak = { ...(await rssUnder(ctx, 'soak', minutes * 60, 1)), date: new Date().toISOString() }
}

/**
 * What TLS costs per component (tls-cost.ts): each scenario at a fixed rate well below the lab's
 * edge, perf sampling every CPU over the step's measured phase, into a committed record.
 */
const TLS_STEPS: Array<[scenario: string, rate: number]> = [['handover.get', 100], ['handover.create', 20], ['mixed', 15]]

async function tlsCostRun(): Promise<string> {
  perfCommand()
  const startedAt = new Date().toISOString()
  await ensureSeeded(SMOKE ? 300 : Number(args.size))
  const ctx = await prepare(SMOKE ? 50 : 5000)
  const status = await clusterStatus()
  const record = await recordRun(inv, status.postgres?.leader ?? hostsWithRole(inv, 'postgres')[0]!.name, ctx.k6Version)
  const seconds = SMOKE ? 3 : Number(args['tls-seconds'])
  if (!Number.isFinite(seconds) || seconds < 1) throw new Error(`--tls-seconds ${args['tls-seconds']}: expected seconds ≥ 1`)
  const steps: TlsCostStep[] = []
  for (const [scenario, fullRate] of TLS_STEPS) {
    const rate = SMOKE ? 2 : fullRate
    const dir = join(runDir, `${scenario}-${rate}`)
    mkdirSync(dir, { recursive: true })
    const perfFile = join(dir, 'perf.data')
    say(`tls-cost: ${scenario} @ ${rate}/s for ${settings.warmupSeconds} + ${seconds} s, perf sampling the measured ${seconds} s`)
    // The step's measured phase starts after its warm-up: perf samples that window alone. A perf
    // that fails to start is reported when the step ends; a step that throws stops perf with it.
    let perf: ReturnType<typeof recordPerf> | null = null
    let perfFailed: Error | null = null
    const startPerf = setTimeout(() => {
      perf = recordPerf(perfFile, seconds, PERF_HZ)
      const started = perf
      cleanups.push(async () => started.stop())
      started.done.catch((err: Error) => (perfFailed = err))
    }, settings.warmupSeconds * 1000)
    let step: StepResult
    try {
      step = await runStep({
        k6: ctx.k6, scenario, rate, durationS: seconds, warmupS: settings.warmupSeconds, fixtureFile: ctx.fixtureFile,
        officersFile: scenario === 'mixed' ? freshOfficers(ctx, dir) : ctx.officersFile, apiUrl: ep.httpBaseUrl, dir, p99Ms: settings.p99Ms, caFile: ep.caFile,
      })
    } finally {
      clearTimeout(startPerf)
    }
    const sampled = perf as ReturnType<typeof recordPerf> | null
    if (sampled === null) throw new Error(`tls-cost: ${scenario}: the step ended before its measured phase began (see ${dir}/k6.log)`)
    await sampled.done.catch(() => undefined)
    if (perfFailed) throw perfFailed
    const cost = tlsCost(perfRows(perfFile), step.requests, PERF_HZ, seconds)
    say(`  ${fmtStep(step)}; TLS ${cost.tlsMsPerRequest.toFixed(2)} of ${cost.cpuMsPerRequest.toFixed(2)} ms CPU per request; ` +
      cost.rows.slice(0, 5).map((r) => `${r.component} ${r.tlsMsPerRequest.toFixed(2)}/${r.cpuMsPerRequest.toFixed(2)}`).join(', '))
    steps.push({ scenario, rate, reqPerS: step.reqPerS, p99Ms: step.p99Ms, failedRate: step.failedRate, cost })
  }
  const run: TlsCostRecord = {
    id: `${stamp}-tls-cost`,
    mode: SMOKE ? 'smoke' : 'tls-cost',
    startedAt,
    finishedAt: new Date().toISOString(),
    commandLine: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    record,
    steps,
  }
  return writeRecord('tls-cost', run)
}

/**
 * What the second synchronous standby costs (sync-commit-cost.ts): a create and the mix at fixed
 * rates with synchronous_node_count 1 and 2, alternated; the setting patroni-config.ts wants is put
 * back at the end, also when a step fails.
 */
const SYNC_STEPS: Array<[scenario: string, rate: number]> = [['handover.create', 20], ['mixed', 15]]

async function setSyncNodes(n: number): Promise<void> {
  await patchPatroniConfig(inv, { synchronous_node_count: n })
  const deadline = Date.now() + 60_000
  for (;;) {
    const status = await clusterStatus().catch(() => null)
    const named = status?.postgres?.syncStandbys.length ?? -1
    if (named === n) return
    if (Date.now() > deadline) throw new Error(`synchronous_node_count ${n}: the primary names ${named} synchronous standbys after 60 s`)
    await new Promise((r) => setTimeout(r, 1000))
  }
}

async function syncCostRun(): Promise<string> {
  const startedAt = new Date().toISOString()
  await ensureSeeded(SMOKE ? 300 : Number(args.size))
  const ctx = await prepare(SMOKE ? 50 : 5000)
  const status = await clusterStatus()
  const record = await recordRun(inv, status.postgres?.leader ?? hostsWithRole(inv, 'postgres')[0]!.name, ctx.k6Version)
  const seconds = SMOKE ? 3 : Number(args['sync-seconds'])
  if (!Number.isFinite(seconds) || seconds < 1) throw new Error(`--sync-seconds ${args['sync-seconds']}: expected seconds ≥ 1`)
  const wanted = PATRONI_DCS.synchronous_node_count
  cleanups.push(() => setSyncNodes(wanted))
  const steps: SyncCostStep[] = []
  for (const syncNodes of alternation([1, 2], SMOKE ? 1 : 2)) {
    say(`sync-cost: synchronous_node_count ${syncNodes}`)
    await setSyncNodes(syncNodes)
    for (const [scenario, fullRate] of SYNC_STEPS) {
      const rate = SMOKE ? 2 : fullRate
      const dir = join(runDir, `${syncNodes}-${scenario}-${rate}`)
      mkdirSync(dir, { recursive: true })
      const step = await runStep({
        k6: ctx.k6, scenario, rate, durationS: seconds, warmupS: settings.warmupSeconds, fixtureFile: ctx.fixtureFile,
        officersFile: scenario === 'mixed' ? freshOfficers(ctx, dir) : ctx.officersFile, apiUrl: ep.httpBaseUrl, dir, p99Ms: settings.p99Ms, caFile: ep.caFile,
      })
      say(`  ${fmtStep(step)}`)
      steps.push({ syncNodes, scenario, rate, reqPerS: step.reqPerS, p50Ms: step.p50Ms, p95Ms: step.p95Ms, p99Ms: step.p99Ms, failedRate: step.failedRate })
    }
  }
  await setSyncNodes(wanted)
  for (const s of summarizeSyncCost(steps)) {
    say(`${s.scenario}: ${s.bySetting.map((b) => `FIRST ${b.syncNodes}: p50 ${b.p50Ms.toFixed(1)} ms, p99 ${b.p99Ms.toFixed(1)} ms (${b.p99s.map((x) => x.toFixed(1)).join(', ')})`).join('; ')}`)
  }
  const run: SyncCostRecord = {
    id: `${stamp}-sync-cost`,
    mode: SMOKE ? 'smoke' : 'sync-cost',
    startedAt,
    finishedAt: new Date().toISOString(),
    commandLine: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    record,
    steps,
  }
  return writeRecord('sync-cost', run)
}

/** Where a run of this kind is recorded: docs/benchmarks/runs/<stamp>-<kind>.json; a smoke or --out run, beside its report. */
function recordPath(kind: string): string {
  return SMOKE || args.out ? join(outDir, `benchmarks-${kind}.json`) : join(REPO_ROOT, 'docs/benchmarks/runs', `${stamp}-${kind}.json`)
}

function writeRecord(kind: string, run: unknown): string {
  const file = recordPath(kind)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(run, null, 2) + '\n')
  return relative(REPO_ROOT, file)
}

/** The preflight, then the work; whatever it started is stopped (by PID) after it, also on failure. */
async function measured<T>(work: () => Promise<T>): Promise<T> {
  try {
    await preflight()
    return await work()
  } finally {
    for (const c of cleanups.reverse()) await c().catch((err) => say(`cleanup: ${(err as Error).message}`))
  }
}

async function main(): Promise<number> {
  if (args.page) {
    say(`wrote ${writeReport(loadResults(resultsFile), join(outDir, 'benchmarks.md'), join(outDir, 'benchmarks'))} from ${relative(REPO_ROOT, resultsFile)} and docs/benchmarks/runs/`)
    return 0
  }
  if (args['tls-cost']) {
    say(`wrote ${await measured(tlsCostRun)} (raw output and perf data ${runDir})`)
    if (!SMOKE && !args.out) say(`wrote ${writeReport(loadResults(resultsFile), join(outDir, 'benchmarks.md'), join(outDir, 'benchmarks'))}`)
    return 0
  }
  if (args['sync-cost']) {
    say(`wrote ${await measured(syncCostRun)} (raw output ${runDir})`)
    return 0
  }
  if (args.interleaved) {
    say(`wrote ${await measured(interleavedRun)} (raw output ${runDir})`)
    // A recorded run is the page's headline: rewrite it (a smoke or --out run leaves docs/ alone).
    if (!SMOKE && !args.out) say(`wrote ${writeReport(loadResults(resultsFile), join(outDir, 'benchmarks.md'), join(outDir, 'benchmarks'))}`)
    return 0
  }
  const results: BenchResults = SMOKE ? loadResults('/nonexistent') : loadResults(resultsFile)
  await measured(async () => {
    if (args.soak) await soakRun(results)
    else if (args.growth) await growthRun(results, args.growth.split(',').map(Number))
    else await mainRun(results)
  })
  saveResults(resultsFile, results)
  const report = writeReport(results, join(outDir, 'benchmarks.md'), join(outDir, 'benchmarks'))
  say(`wrote ${report} (results ${resultsFile}; raw output ${runDir})`)
  return 0
}

// Ctrl-C or a kill: stop what this run started (by PID) before going. The same signal may come twice
// (the terminal's to the whole group, and the one the CLI passes on): a repeat must not cut the cleanup short.
let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    say(`${signal}: stopping what this run started`)
    void Promise.allSettled(cleanups.reverse().map((c) => c())).then(() => process.exit(130))
  })
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench: failed: ${(err as Error).stack ?? err}`)
    process.exit(1)
  },
)
