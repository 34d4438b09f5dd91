// docs/benchmarks.md's headline comes from the newest committed interleaved record: every figure
// from that record, a target marked met only when its median meets it, the run and commit named, a
// smoke record never taken for a run, and the round trips of the same run shown when recorded.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { interleavedSection, latestInterleaved, type InterleavedRecord } from '../../loadtests/bench/interleaved-page.ts'
import { PAIRS, ratioOf, side, summarise, type Side, type Trial } from '../../loadtests/bench/interleaved-comparison.ts'
import type { StepResult } from '../../loadtests/bench/k6-step.ts'

const step = (scenario: string, reqPerS: number): StepResult => ({
  scenario, rate: reqPerS, durationS: 20, reqPerS, requests: reqPerS * 20, allRequests: reqPerS * 25, writeShare: 0, p50Ms: 2, p95Ms: 10, p99Ms: 31.25, maxMs: 100, failedRate: 0, dropped: 0, ok: true, k6Exit: 0,
})

function record(id: string, mode: 'interleaved' | 'smoke', withStatements: boolean): InterleavedRecord {
  const get = PAIRS.find((p) => p.service === 'handover.get')!
  const create = PAIRS.find((p) => p.service === 'handover.create')!
  const trial = (pair: typeof get, repeat: number, service: number, ceiling: number, load: number): Trial => {
    const a = side(pair.service, { steps: [step(pair.service, service)], best: step(pair.service, service), stoppedBy: 'p99 80.0 ms > 50 ms' }, 2)
    const b = side(pair.ceiling, { steps: [step(pair.ceiling, ceiling)], best: step(pair.ceiling, ceiling), stoppedBy: 'errors 0.20 %' }, 2)
    return { pair: pair.name, repeat, service: a, ceiling: b, ratio: ratioOf(a, b), loadAverage: load, startedAt: '2026-12-05T23:00:00.000Z' }
  }
  const trials = [
    trial(get, 1, 900, 1000, 1.5), trial(create, 1, 300, 1000, 2.25),
    trial(get, 2, 700, 1000, 3.5), trial(create, 2, 500, 1000, 2.5),
    trial(get, 3, 850, 1000, 2), trial(create, 3, 450, 1000, 2),
  ]
  return {
    id, startedAt: '2026-12-05T23:00:00.000Z', finishedAt: '2026-12-06T00:10:00.000Z', commandLine: 'npm run bench -- --interleaved --repeats 3', mode, repeats: 3,
    settings: { p99Ms: 50, stepSeconds: 20, warmupSeconds: 5, factor: 1.5 }, seededHandovers: 100000, ceilingThroughHaproxy: true,
    record: {
      commit: { sha: 'abcdef0123456789', subject: 'the subject', dirty: false },
      settings: { patroni: { synchronous_mode_strict: true }, postgres: { synchronous_commit: 'remote_apply' }, haproxy: { timeouts: ['timeout server 28s'], appChecks: null, databaseChecks: null }, app: { databasePoolMax: 10, writeDeadlineMs: 27000 } },
      machine: {} as InterleavedRecord['record']['machine'],
    },
    ...(withStatements ? { statements: { get: ['SELECT 1'], search: ['SELECT 2'], create: ['SELECT 3', 'WITH x AS (SELECT 4)\n  SELECT 5'] } } : {}),
    summaries: summarise([get, create], trials),
    trials,
  }
}

t.test('the newest interleaved record is the headline; a smoke record never is', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'interleaved-page-'))
  t.equal(latestInterleaved(join(dir, 'missing')), null, 'no folder, no record')
  writeFileSync(join(dir, '20261205T230000Z-interleaved.json'), JSON.stringify(record('20261205T230000Z-interleaved', 'interleaved', false)))
  writeFileSync(join(dir, '20261206T010000Z-interleaved.json'), JSON.stringify(record('20261206T010000Z-interleaved', 'smoke', false)))
  writeFileSync(join(dir, '20261204T224123Z-statements.json'), '{}')
  t.equal(latestInterleaved(dir)?.run.id, '20261205T230000Z-interleaved')
})

t.test('the section: medians and spread from the record, targets judged on the median, run and settings named', async (t) => {
  const lines = interleavedSection('R.json', record('R', 'interleaved', true), 'benchmarks/runs')
  const text = lines.join('\n')
  const row = (name: string) => lines.find((l) => l.startsWith(`| ${name} |`))!
  t.match(row('GET a handover by id vs bare GET'), /\| 850 \| 1,000 \| 0\.85× \| 0\.70–0\.90× \| 3 \| ≥ 0\.8× \| ✔ met \|/)
  t.match(row('create a handover vs bare POST'), /\| 450 \| 1,000 \| 0\.45× \| 0\.30–0\.50× \| 3 \| ≥ 0\.4× \| ✔ met \|/)
  t.match(text, /\[record\]\(benchmarks\/runs\/R\.json\)/)
  t.match(text, /commit `abcdef0` \(the subject\)/)
  t.match(text, /1\.50–3\.50/, 'the range of load averages')
  t.match(text, /synchronous_mode_strict true/)
  t.match(text, /synchronous_commit remote_apply/)
  t.match(text, /databasePoolMax=10/)
  t.notMatch(text, /writeDeadlineMs/, 'only the pool sizes of the app settings')
  t.match(text, /GET by id \*\*1\*\*, search by container \*\*1\*\*, create \*\*2\*\*/)
  t.match(text, /WITH x AS \(SELECT 4\) SELECT 5/, 'a statement on one line')
  t.match(text, /same HAProxy HTTP hop/)
})

t.test('a median under its target is marked not met; a dirty commit and a direct ceiling are said', async (t) => {
  const run = record('R', 'interleaved', false)
  run.summaries = run.summaries.map((s) => (s.pair.startsWith('GET') ? { ...s, median: 0.79, meetsTarget: false } : s))
  run.record.commit = { ...run.record.commit, dirty: true, changed: ['src/app.ts'] }
  run.ceilingThroughHaproxy = false
  const text = interleavedSection('R.json', run, 'runs').join('\n')
  t.match(text, /\| 0\.79× \| 0\.70–0\.90× \| 3 \| ≥ 0\.8× \| ✘ \*\*not met\*\* \|/)
  t.match(text, /uncommitted changes to src\/app\.ts/)
  t.match(text, /reached directly \(no HAProxy hop/)
  t.notMatch(text, /Round trips per request/, 'no statements recorded, none claimed')
})

t.test('CPU by component: a table for both sides, and for a pair under its target what the difference is made of', async (t) => {
  const run = record('R', 'interleaved', true)
  const withCpu = (s: Side, cpu: Record<string, number>, busy: number): Side => ({ ...s, cpuMsPerRequest: cpu, busyShare: busy })
  run.trials = run.trials.map((tr) =>
    tr.pair.startsWith('create')
      ? { ...tr, service: withCpu(tr.service, { node: 3, postgres: 4, haproxy: 0.5, k6: 1 }, 0.6), ceiling: withCpu(tr.ceiling, { node: 0.2, postgres: 0.5, haproxy: 0.1, k6: 0.3 }, 0.7) }
      : tr,
  )
  run.summaries = summarise(PAIRS.filter((p) => p.service === 'handover.create' || p.service === 'handover.get'), run.trials).map((s) =>
    s.pair.startsWith('create') ? { ...s, median: 0.3, meetsTarget: false } : s,
  )
  const text = interleavedSection('R.json', run, 'runs').join('\n')
  t.match(text, /\| create a handover \| 1\.00 \| 3\.00 \| 4\.00 \| 0\.50 \| – \| – \| – \| – \| \*\*8\.50\*\* \| 60 % \|/)
  t.match(text, /\| bare POST \(ceiling\) \| 0\.30 \| 0\.20 \| 0\.50 \| 0\.10 \|/)
  t.match(text, /Its own work \(k6, node, postgres, haproxy\) is 8\.50 ms against 1\.10 ms: postgres \+3\.50, node \+2\.80, k6 \+0\.70, haproxy \+0\.40/)
  t.match(text, /A create is 2 round trips/)
  t.match(text, /What a create does that the bare POST does not: in Node, verify the officer's token/, 'what the service does more, by pair')
  t.match(text, /both stop on their p99 at about the same load/, '60 % and 70 % busy: the same load, within 10 points')
  t.match(text, /the ceiling's CPU per request over the service's, 0\.13×/)
  t.match(text, /\*\*What would close it:\*\* a request of the service at 2\.75 CPU ms or less \(CPU ratio 0\.13× → 0\.4×\), 5\.75 ms \(68 %\) less than now, taken from postgres and node/)
  const apart = { ...run, trials: run.trials.map((tr) => (tr.pair.startsWith('create') ? { ...tr, ceiling: { ...tr.ceiling, busyShare: 0.95 } } : tr)) }
  apart.summaries = summarise(PAIRS.filter((p) => p.service === 'handover.create'), apart.trials).map((s) => ({ ...s, median: 0.3, meetsTarget: false }))
  t.match(interleavedSection('R.json', apart, 'runs').join('\n'), /they stop at different loads, so CPU per request alone does not explain the ratio/, 'no remedy claimed when the loads differ')
  t.notMatch(text, /GET a handover by id: /, 'a pair without CPU gets no gap line')
})
