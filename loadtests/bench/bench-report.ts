// Renders docs/benchmarks.md (and its SVG charts) from the recorded results: the figures, the ratios
// against the ceilings measured in the same run, the machine and the date, the data-growth table with
// indexes and plans, memory, and where the time goes. Every sentence with a number is computed here
// from results.json, so the page never says more than the run showed.
import { statfsSync, writeFileSync } from 'node:fs'
import { basename, join, relative, dirname } from 'node:path'
import { clusterPath, loadInventory, REPO_ROOT } from '../../infra/launcher/cluster-api.ts'
import { growthChart, latencyChart, rssChart, throughputChart, type Pair } from './bench-charts.ts'
import type { BenchResults, GrowthPoint, MainRun, RssRun } from './bench-results.ts'
import type { StepResult } from './k6-step.ts'
import { COMPONENTS } from './cpu-by-component.ts'
import { interleavedSection, latestInterleaved } from './interleaved-page.ts'
import { earlierTlsCostLines, tlsCostRuns, tlsCostSection } from './tls-cost.ts'

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en') : '–')
const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '–')
const pct = (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.01 ? 2 : 0)} %`
const gb = (b: number) => (b < 1e9 ? `${Math.round(b / 1e6).toLocaleString('en')} MB` : `${(b / 1e9).toFixed(1)} GB`)
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : NaN)
const r2 = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–')

const TITLES: Record<string, string> = {
  'handover.get': 'GET a handover by id',
  'handover.search': 'search handovers by container number',
  'handover.create': 'create a handover (POST)',
  mixed: 'the mixed officer workload',
  'bare.get': 'bare GET (one SELECT by id)',
  'bare.post': 'bare POST (one INSERT)',
  'bare.mix': 'bare mix (GET/POST in the workload’s proportion)',
}

function stepTable(steps: StepResult[]): string[] {
  return [
    '| offered (it./s) | answered req/s | p50 | p95 | p99 | max | errors | dropped | step |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|:---|',
    ...steps.map((s) =>
      `| ${s.rate} | ${n0(s.reqPerS)} | ${ms(s.p50Ms)} | ${ms(s.p95Ms)} | ${ms(s.p99Ms)} | ${ms(s.maxMs)} | ${pct(s.failedRate)} | ${s.dropped} | ${s.ok ? 'pass' : '**fail**'} |`),
  ]
}

function comparisons(m: MainRun): Array<Pair & { target: number | null; note: string; oursP99: number; ceilingP99: number }> {
  const best = (s: string) => m.scenarios[s]?.best
  const pgbest = m.pgbench.best
  const row = (label: string, ours: string, ceil: string, ceilingLabel: string, target: number | null, note = '') => ({
    label, ceilingLabel, target, note,
    ours: best(ours)?.reqPerS ?? 0, ceiling: best(ceil)?.reqPerS ?? 0,
    oursP99: best(ours)?.p99Ms ?? NaN, ceilingP99: best(ceil)?.p99Ms ?? NaN,
  })
  return [
    row('GET handover by id', 'handover.get', 'bare.get', 'bare GET', 0.8),
    row('search by container', 'handover.search', 'bare.get', 'bare GET', null),
    row('create a handover', 'handover.create', 'bare.post', 'bare POST', null),
    {
      label: 'create a handover', ceilingLabel: 'pgbench INSERT', target: null, note: 'TPS of single-row INSERTs, same sync standby',
      ours: best('handover.create')?.reqPerS ?? 0, ceiling: pgbest?.tps ?? 0, oursP99: best('handover.create')?.p99Ms ?? NaN, ceilingP99: pgbest?.p99Ms ?? NaN,
    },
    row('mixed officer workload', 'mixed', 'bare.mix', 'bare mix', 0.6),
  ]
}

/** CPU milliseconds per answered request, by component, at each scenario's best step. */
function cpuSection(m: MainRun): string[] {
  const rows = Object.entries(m.scenarios).filter(([, s]) => s.best?.cpu && s.best.requests > 0)
  if (rows.length === 0) return []
  const out = [
    '**CPU per request at each scenario\'s best step**, on the whole machine (every process, grouped by what it is; `loadtests/bench/cpu-by-component.ts`). Two cores give 2,000 CPU ms a second: a scenario\'s ceiling is about 2,000 ÷ its total.',
    '',
    `| scenario | req/s | ${COMPONENTS.join(' | ')} | total ms/req | both cores busy |`,
    `|:---|---:|${COMPONENTS.map(() => '---:').join('|')}|---:|---:|`,
  ]
  for (const [name, s] of rows) {
    const best = s.best as StepResult
    const cpu = best.cpu as Record<string, number>
    const per = (c: string) => ((cpu[c] ?? 0) * 1000) / best.requests
    const total = COMPONENTS.reduce((sum, c) => sum + per(c), 0)
    const busy = COMPONENTS.reduce((sum, c) => sum + (cpu[c] ?? 0), 0) / (best.durationS * m.machine.cpus)
    out.push(`| ${TITLES[name] ?? name} | ${n0(best.reqPerS)} | ${COMPONENTS.map((c) => per(c).toFixed(2)).join(' | ')} | ${total.toFixed(2)} | ${pct(busy)} |`)
  }
  out.push('')
  return out
}

function profileSection(m: MainRun): string[] {
  const out: string[] = []
  for (const p of m.profiles) {
    const perReq = p.probe && p.step.requests ? p.probe.statements / p.step.requests : NaN
    out.push(`### ${TITLES[p.scenario] ?? p.scenario}, profiled at ${p.step.rate}/s on one extra node`, '')
    out.push(
      `${n0(p.step.reqPerS)} req/s answered by one node (p99 ${ms(p.step.p99Ms)}, errors ${pct(p.step.failedRate)}). ` +
        (p.probe
          ? `The node sent **${(p.probe.statements / Math.max(1, p.probe.connects)).toFixed(1)} statements per pooled connection checkout** ` +
            `(${n0(p.probe.statements)} statements, ${n0(p.probe.connects)} checkouts in the measured phase: ${perReq.toFixed(1)} per HTTP request). ` +
            `Pool waits: ${n0(p.probe.waitsOver1ms)} checkouts waited over 1 ms, ${n0(p.probe.waitsOver10ms)} over 10 ms, the longest ${ms(p.probe.waitMsMax)}, ` +
            `${ms(p.probe.waitMsTotal / Math.max(1, p.probe.connects))} on average.`
          : 'The pool probe wrote no figures.'),
      '',
    )
    if (p.summary) {
      out.push(`CPU (${pct(1 - p.summary.idleShare)} of the profiled time busy), by part of the stack:`, '')
      out.push('| part | share of busy time |', '|:---|---:|', ...p.summary.byPart.slice(0, 10).map((b) => `| ${b.part} | ${pct(b.share)} |`), '')
      out.push('Top functions by self time:', '')
      out.push('| function | where | share |', '|:---|:---|---:|', ...p.summary.topFunctions.slice(0, 10).map((f) => `| \`${f.fn}\` | ${f.where || '–'} | ${pct(f.share)} |`), '')
    }
  }
  return out
}

function growthSection(growth: GrowthPoint[]): string[] {
  if (growth.length === 0) return ['No dataset size has been measured yet: `npm run bench -- --growth 100000,1000000`.', '']
  const first = growth[0]!
  const last = growth.at(-1)!
  const out = [
    `Each size is measured at the same offered rate (${first.rate}/s) for ${first.get.durationS} s, with ids and container numbers drawn uniformly from **all** seeded handovers (so the whole history is read, not a hot corner). Where a size was measured more than once (runs alternating GET and search) the table shows the run with the median p99; every run's p99 is listed below it.`,
    '',
    '| seeded handovers | all handovers | audit rows | database (one node) | seeding to this size | GET by id p50 / p99 | search p50 / p99 | errors |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...growth.map((g) =>
      `| ${n0(g.size)} | ${n0(g.dataset.handovers)} | ${n0(g.dataset.auditRows)} | ${gb(g.dataset.databaseBytes)} | ${g.seed ? `${n0(g.seed.seconds)} s from ${n0(g.seed.from)} (${n0(g.seed.handoversPerS)}/s)` : '–'} | ${ms(g.get.p50Ms)} / ${ms(g.get.p99Ms)} | ${ms(g.search.p50Ms)} / ${ms(g.search.p99Ms)} | ${pct(Math.max(g.get.failedRate, g.search.failedRate))} |`),
    '',
    ...growth
      .filter((g) => (g.getRuns?.length ?? 0) > 1)
      .map((g) => `* ${n0(g.size)}: GET p99 of each run ${g.getRuns!.map((r) => ms(r.p99Ms)).join(', ')}; search ${g.searchRuns!.map((r) => ms(r.p99Ms)).join(', ')}.`),
    '',
  ]
  if (growth.length > 1) {
    const g = last.get.p99Ms / first.get.p99Ms
    const s = last.search.p99Ms / first.search.p99Ms
    const verdict = (x: number) => (x <= 1.2 ? 'within the 20 % target' : '**beyond the 20 % target**')
    out.push(`From ${n0(first.size)} to ${n0(last.size)} handovers the p99 of GET by id went ×${g.toFixed(2)} (${verdict(g)}) and of the search ×${s.toFixed(2)} (${verdict(s)}).`, '')
  }
  // What the largest size would take, from the measured bytes per handover and seeding rate.
  const perHandover = last.dataset.databaseBytes / Math.max(1, last.dataset.handovers)
  const rate = [...growth].reverse().find((x) => x.seed)?.seed?.handoversPerS
  let free = NaN
  try {
    // The cluster's data folder, or (after a purge) the repository on the same disk.
    const st = statfsSync(clusterPath(loadInventory(), 'data'), { bigint: false })
    free = st.bavail * st.bsize
  } catch {
    try {
      const st = statfsSync(REPO_ROOT)
      free = st.bavail * st.bsize
    } catch {
      // no disk figure
    }
  }
  if (last.size < 10_000_000) {
    out.push(
      `**10⁷ handovers were not seeded on this machine.** Measured at ${n0(last.size)}: ${gb(perHandover * 1000)} per 1,000 handovers on one node, ` +
        `so 10⁷ would need about ${gb(perHandover * 1e7)} per node and ${gb(perHandover * 1e7 * 3)} for the three nodes (each holds a full copy), ` +
        `against ${Number.isFinite(free) ? gb(free) : 'an unknown amount of'} free on the disk they share` +
        (rate ? `, and seeding would take about ${((1e7 - last.size) / rate / 3600).toFixed(1)} h at the measured ${n0(rate)} handovers/s.` : '.'),
      '',
    )
  }
  out.push('![p99 as the data grows](benchmarks/growth.svg)', '')
  out.push(`### Indexes behind the lookups (at ${n0(last.size)} handovers)`, '')
  out.push('| table | index | size |', '|:---|:---|---:|', ...last.indexes.map((i) => `| ${i.table} | \`${i.definition.replace(/ ON [^ ]+ USING /, ' … USING ')}\` | ${gb(i.bytes)} |`), '')
  for (const [label, plans] of [['GET by id (one prepared statement, on the primary)', last.plans.get], ['search by container (on a replica)', last.plans.search]] as const) {
    out.push(`### Plans: ${label}, at ${n0(last.size)} handovers`, '')
    for (const p of plans) out.push('```sql', p.text.replace(/\s+/g, ' ').trim(), '```', '```', p.plan, '```', '')
  }
  return out
}

function rssText(r: RssRun): string {
  const first = r.samples[0]?.mib ?? NaN
  const last = r.samples.at(-1)?.mib ?? NaN
  const max = Math.max(...r.samples.map((s) => s.mib))
  return `RSS of ${r.node} over ${Math.round(r.durationS / 60)} min of the \`${r.profile}\` profile: ${first} MiB at the start, ${last} MiB at the end, ${max} MiB at most ` +
    `(${n0(r.requests)} requests through HAProxy to all three nodes, p99 ${ms(r.p99Ms)}, errors ${pct(r.failedRate)}).` +
    rssTrend(r)
}

/** Least-squares slope of RSS after the first 5 minutes (warm-up, JIT, pools filling), in MiB per hour. */
function rssTrend(r: RssRun): string {
  const settled = r.samples.filter((s) => s.t >= 300)
  if (settled.length < 10) return ''
  const n = settled.length
  const mt = settled.reduce((a, s) => a + s.t, 0) / n
  const mm = settled.reduce((a, s) => a + s.mib, 0) / n
  const slope = settled.reduce((a, s) => a + (s.t - mt) * (s.mib - mm), 0) / settled.reduce((a, s) => a + (s.t - mt) ** 2, 0)
  return ` After the first 5 minutes the RSS moved by ${(slope * 3600).toFixed(1)} MiB per hour (least-squares slope over ${n} samples).`
}

export function writeReport(results: BenchResults, mdFile: string, chartsDir: string): string {
  const m = results.main
  const rel = relative(dirname(mdFile), chartsDir) || '.'
  const out: string[] = ['# Benchmarks: the service against its ceiling', '']
  out.push('_Generated by `npm run bench` (loadtests/bench/); edit the generator, not this page._', '')
  // The interleaved record (issue 14.4) is the headline when there is one: it alone compares like
  // with like (same HAProxy hop, alternating sides, medians); the full run below keeps the profiles,
  // steps and growth figures, and says when it is older than the interleaved run.
  const runsDir = join(chartsDir, 'runs')
  const interleaved = latestInterleaved(runsDir)
  if (interleaved) out.push(...interleavedSection(interleaved.file, interleaved.run, `${rel}/runs`))
  const [tls, ...earlierTls] = tlsCostRuns(runsDir)
  if (tls) out.push(...tlsCostSection(tls.file, tls.run, `${rel}/runs`), ...earlierTlsCostLines(earlierTls, `${rel}/runs`))
  const fullRunIsOlder = !!(m && interleaved && m.machine.date < interleaved.run.startedAt)
  if (fullRunIsOlder) {
    out.push(
      '## The full run',
      '',
      `> The full run below (${m.machine.date.slice(0, 10)}) is older than the interleaved run above: its absolute figures, statement lists and profiles describe the code of that day, and its ceiling was reached without HAProxy's HTTP hop. It is kept for its method and its growth and memory figures until \`npm run bench\` runs again.`,
      '',
    )
  }
  if (!m) {
    out.push('No main run recorded yet: `npm run bench`.', '')
  } else {
    const mc = m.machine
    out.push(
      `**Run of ${mc.date.slice(0, 16).replace('T', ' ')} UTC**${m.mode === 'smoke' ? ' — **smoke run: tiny load, the figures mean nothing**' : ''}. ` +
        `Machine: ${mc.cpus} × ${mc.cpuModel}, ${mc.memoryGiB} GiB memory, ${mc.os}, kernel ${mc.kernel}; everything below shares these ${mc.cpus} cores: ` +
        'HAProxy, three app nodes, three PostgreSQL (synchronous standby on), etcd ×3, Patroni ×3, Redis + Sentinels, Prometheus, exporters — and k6 itself. ' +
        `Load average at the start: ${mc.loadAverage.join(' / ')}.`,
      '',
      `Versions: ${Object.entries(mc.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      '',
      `Dataset during the run: ${n0(m.dataset.handovers)} handovers (${n0(m.seededHandovers)} seeded), ${n0(m.dataset.handoverContainers)} containers, ${n0(m.dataset.gateConfirmations)} gate confirmations, ${n0(m.dataset.auditRows)} audit rows; database ${gb(m.dataset.databaseBytes)} per node.`,
      '',
      '## Results',
      '',
      `Each figure is the highest step of a rising constant arrival rate whose p99 stayed within ${m.settings.p99Ms} ms with no failed request and at most 0.1 % of arrivals dropped by k6; the ceiling is measured in the same run.`,
      '',
      '| what | the service | ceiling | ours / ceiling | target |',
      '|:---|---:|---:|---:|:---|',
    )
    const pairs = comparisons(m)
    for (const p of pairs) {
      const r = ratio(p.ours, p.ceiling)
      const target = p.target === null ? '–' : `≥ ${p.target} ${r >= p.target ? '✔ met' : '✘ **not met**'}`
      out.push(`| ${p.label} vs ${p.ceilingLabel} | ${n0(p.ours)} req/s (p99 ${ms(p.oursP99)}) | ${n0(p.ceiling)} ${p.ceilingLabel === 'pgbench INSERT' ? 'TPS' : 'req/s'} (p99 ${ms(p.ceilingP99)}) | ${r2(r)} | ${target} |`)
    }
    out.push('', `The bare mix sends writes in the share the mixed workload's best step measured: ${pct(m.scenarios.mixed?.best?.writeShare ?? m.scenarios.mixed?.steps[0]?.writeShare ?? NaN)} of requests.`, '')
    writeFileSync(join(chartsDir, 'throughput.svg'), throughputChart(pairs))
    writeFileSync(join(chartsDir, 'latency.svg'), latencyChart(m.scenarios, m.settings.p99Ms))
    out.push(`![throughput against the ceiling](${rel}/throughput.svg)`, '', `![p99 against load](${rel}/latency.svg)`, '')

    out.push('## Method', '')
    out.push(
      `* **k6 with arrival-rate steps** (\`loadtests/bench/bench-scenarios.js\`): each step is ${m.settings.warmupSeconds} s of warm-up at half the rate, then ${m.settings.stepSeconds} s at a constant arrival rate; the next step offers ${m.settings.factor}× more while the last passed, then two bisections narrow the edge. A failing step is run once more before it counts (one stall of a neighbour on these shared cores would otherwise end a rise early); both attempts are listed below. Open arrivals: a slow server shows as latency or dropped arrivals, never as a quietly lower rate.`,
      '* **The service** is reached through HAProxy `:8080` (three app nodes). GET and search read seeded handovers drawn at random over the whole dataset, with an officer token of the handover\'s office; the create scenario spreads over 24 offices of its own; the mixed scenario is `loadtests/officer-workload.js` itself (`officerAction`: handover, gate, paper-declaration and lookup sessions).',
      '* **The bare ceiling** (`loadtests/bench/bare-server.ts`) is one Fastify process on an app host\'s address with the app\'s pool size, one `pg` query per request through the same HAProxy ports (`:5001` for the GET, `:5000` for the INSERT), no auth, validation, audit or idempotency. k6 reaches it directly, without HAProxy\'s HTTP hop.',
      '* **pgbench** inserts one row per transaction into a scratch table through HAProxy `:5000`, with the cluster\'s synchronous standby, at 8, 16 and 32 clients; the best is the ceiling.',
      '* Profiles, statement counts and pool waits come from one **extra** app node started for the run (`node --cpu-prof`, `loadtests/bench/pool-probe.ts`), loaded directly; the cluster\'s own nodes are never restarted.',
      '',
    )

    out.push('## Every step', '')
    for (const [name, s] of Object.entries(m.scenarios)) {
      out.push(`### ${TITLES[name] ?? name}`, '', `Stopped by: ${s.stoppedBy}.`, '', ...stepTable(s.steps), '')
    }
    out.push('### pgbench', '', `${m.pgbench.version}`, '', '| clients | TPS | avg | p50 | p99 | failed |', '|---:|---:|---:|---:|---:|---:|')
    for (const r of m.pgbench.runs) out.push(`| ${r.clients} | ${n0(r.tps)} | ${ms(r.avgMs)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${r.failed} |`)
    out.push('')

    out.push('## Where the time goes', '')
    out.push(
      `**Statements per request**, captured by running the app's own services against a recording connection: GET by id **${m.statements.get.length}** (one after another on one connection), search by container **${m.statements.search.length}**, create **${m.statements.create.length}** (including BEGIN/COMMIT). The bare server sends one. Each statement is a round trip through HAProxy to PostgreSQL, and on these two cores every round trip is CPU time in HAProxy, the backend and Node.`,
      '',
      '<details><summary>The statements of one create</summary>', '', '```sql', ...m.statements.create.map((t) => t.replace(/\s+/g, ' ').trim()), '```', '</details>', '',
    )
    out.push(...cpuSection(m))
    out.push(...profileSection(m))
    // The analysis of an older full run describes code that has changed: the interleaved section then carries it.
    if (!fullRunIsOlder) out.push(...closingTheGap(m))
  }

  out.push('## Data growth', '')
  out.push(...growthSection(results.growth))
  if (results.growth.length > 0) writeFileSync(join(chartsDir, 'growth.svg'), growthChart(results.growth))

  out.push('## Memory', '')
  if (m?.memory) out.push(rssText(m.memory), '')
  if (results.soak) {
    writeFileSync(join(chartsDir, 'soak-rss.svg'), rssChart(results.soak, `RSS of ${results.soak.node} during the soak`))
    out.push(`Soak of ${results.soak.date.slice(0, 10)}: ${rssText(results.soak)}`, '', `![RSS during the soak](${rel}/soak-rss.svg)`, '')
  } else {
    out.push('No soak recorded yet: `npm run bench -- --soak` (30 minutes).', '')
  }
  for (const note of results.notes) out.push(`> ${note}`, '')

  out.push('## Running it', '', '```sh',
    'npm run bench                                  # the main run (about 30 minutes); rewrites this page',
    'npm run bench -- --interleaved --repeats 3     # service and ceiling alternating (90 minutes in the recorded run); a record in runs/, rewrites this page',
    'npm run bench -- --page                        # only rewrite this page from results.json and runs/',
    'npm run bench -- --growth 100000,1000000       # seed up to each size and measure lookups there',
    'npm run bench -- --soak                        # 30 minutes of the soak profile, RSS of app1',
    'npm run bench -- --smoke                       # CI: every piece once, tiny; report in a temp folder',
    'npm run seed -- --handovers 100000   # only the seeding (DATABASE_URL = the primary)',
    '```', '')
  writeFileSync(mdFile, out.join('\n'))
  return relative(REPO_ROOT, mdFile).startsWith('..') ? mdFile : relative(REPO_ROOT, mdFile) || basename(mdFile)
}

/** CPU ms per answered request of one component at a scenario's best step (NaN when not measured). */
function cpuPerRequest(m: MainRun, scenario: string, component: string): number {
  const best = m.scenarios[scenario]?.best
  return best?.cpu && best.requests > 0 ? ((best.cpu[component] ?? 0) * 1000) / best.requests : NaN
}

/** Share of both cores busy during a scenario's best step (NaN when not measured). */
function busyShare(m: MainRun, scenario: string): number {
  const best = m.scenarios[scenario]?.best
  return best?.cpu ? Object.values(best.cpu).reduce((a, b) => a + b, 0) / (best.durationS * m.machine.cpus) : NaN
}

/** What would close each gap, stated only where the run shows the gap, with this run's figures. */
function closingTheGap(m: MainRun): string[] {
  const best = (s: string) => m.scenarios[s]?.best?.reqPerS
  const getRatio = ratio(best('handover.get'), best('bare.get'))
  const mixRatio = ratio(best('mixed'), best('bare.mix'))
  const c = (scenario: string, component: string) => cpuPerRequest(m, scenario, component).toFixed(2)
  const vs = (ours: string, bare: string, component: string) => `${component} ${c(ours, component)} ms (bare ${c(bare, component)} ms)`
  const out = ['### What would close the gap', '']
  if (!(getRatio >= 0.8)) {
    out.push(
      `* **Single-row reads (${r2(getRatio)} of the bare GET, target 0.8×).** A GET by id is ${m.statements.get.length} statement (the handover with its containers, goods lines and receipt as one prepared query). ` +
        `CPU per request at the best step, ours against the bare route: ${vs('handover.get', 'bare.get', 'node')}, ${vs('handover.get', 'bare.get', 'postgres')}, ${vs('handover.get', 'bare.get', 'haproxy')}, ${vs('handover.get', 'bare.get', 'k6')}. ` +
        'What the bare route does not pay: the HTTP hop through HAProxy (k6 reaches the bare server directly), the token check, request validation and the serialisation of a 30-field view, and a query with two `json_agg` sub-selects and a join instead of one row. ' +
        'Closing the rest on this machine would mean dropping one of those (the load balancer or the checks are the service); on hardware where PostgreSQL, the app nodes and the load generator do not share two cores, each gets its own share and the ratio is set by the app node alone.',
    )
  }
  if (!(mixRatio >= 0.6)) {
    out.push(
      `* **Mixed workload (${r2(mixRatio)} of the bare mix, target 0.6×).** A create is ${m.statements.create.length} statements (including BEGIN/COMMIT): the idempotency lock and lookup, the office's number counter, the handover with its containers and goods (one statement), the view, the audit row with its outbox event (one statement), the stored response. ` +
        `CPU per request at the best step, ours against the bare mix: ${vs('mixed', 'bare.mix', 'node')}, ${vs('mixed', 'bare.mix', 'postgres')}, ${vs('mixed', 'bare.mix', 'haproxy')}. ` +
        `At the mix's best step both cores were ${pct(busyShare(m, 'mixed'))} busy: the mix stops at the p99 limit before the CPU runs out, on the tail of its writes — each a chain of sequential round trips, every one a wake-up of Node, HAProxy and a PostgreSQL backend among some forty busy processes on two cores. ` +
        'Each write also waits for the synchronous standby to apply it (`remote_apply`) while it holds the office\'s counter row and an audit stripe\'s head. ' +
        'Left to try: the number counter folded into the INSERT, the view returned by the INSERT\'s CTE instead of read back, and the stored response written in the audit statement (a create at 6 statements); the remaining CPU is in PostgreSQL itself (index maintenance of an audited, idempotent write on three tables, WAL, and the standbys applying it on the same two cores).',
    )
  }
  out.push('')
  return out
}
