// The interleaved bench's arithmetic (issue 14.4): the median and spread of each pair's ratios, a
// trial whose ceiling had no passing step counted as no ratio (never as 0 or infinity), retried
// steps counted per side, and where a later rise starts.
import t from 'tap'
import { PAIRS, median, nextStartRate, ratioOf, side, summarise, summaryTable, type Trial } from '../../loadtests/bench/interleaved-comparison.ts'
import type { RateSearch } from '../../loadtests/bench/rate-search.ts'
import type { StepResult } from '../../loadtests/bench/k6-step.ts'

const step = (scenario: string, rate: number, reqPerS: number, ok: boolean): StepResult => ({
  scenario, rate, durationS: 20, reqPerS, requests: reqPerS * 20, allRequests: reqPerS * 25, writeShare: 0, p50Ms: 2, p95Ms: 10, p99Ms: ok ? 20 : 80, maxMs: 100, failedRate: 0, dropped: 0, ok, k6Exit: 0,
})

t.test('median: odd, even, none', async (t) => {
  t.equal(median([3, 1, 2]), 2)
  t.equal(median([4, 1, 3, 2]), 2.5)
  t.equal(median([]), null)
})

t.test('a side is its best passing step; a failing step run twice counts as one retry', async (t) => {
  const search: RateSearch = { steps: [step('bare.get', 600, 590, true), step('bare.get', 900, 880, true), step('bare.get', 1350, 1100, false), step('bare.get', 1350, 1120, false), step('bare.get', 1125, 1100, true)], best: null, stoppedBy: 'p99 80.0 ms > 50 ms' }
  search.best = search.steps[4]!
  const s = side('bare.get', search, 2)
  t.equal(s.reqPerS, 1100)
  t.equal(s.rate, 1125)
  t.equal(s.retried, 1)
  t.equal(s.steps, 5)
  const none = side('bare.get', { steps: [step('bare.get', 1, 0, false)], best: null, stoppedBy: 'errors 100.00 %' }, 2)
  t.equal(none.reqPerS, 0)
  t.equal(ratioOf(side('handover.get', { steps: [], best: step('handover.get', 500, 500, true), stoppedBy: '' }, 2), none), null, 'no ceiling, no ratio')
})

t.test('summaries: median and spread of the ratios per pair, judged against the target', async (t) => {
  const pair = PAIRS.find((p) => p.service === 'handover.get')!
  const trial = (repeat: number, service: number, ceiling: number): Trial => {
    const a = side('handover.get', { steps: [], best: step('handover.get', service, service, true), stoppedBy: '' }, 2)
    const b = side('bare.get', { steps: [], best: step('bare.get', ceiling, ceiling, true), stoppedBy: '' }, 2)
    return { pair: pair.name, repeat, service: a, ceiling: b, ratio: ratioOf(a, b), loadAverage: 1, startedAt: '2026-12-05T00:00:00.000Z' }
  }
  const [s] = summarise([pair], [trial(1, 900, 1000), trial(2, 700, 1000), trial(3, 850, 1000)])
  t.equal(s!.median, 0.85)
  t.equal(s!.min, 0.7)
  t.equal(s!.max, 0.9)
  t.equal(s!.meetsTarget, true, '0.85 ≥ 0.8')
  t.equal(s!.ratios.length, 3)
  const [low] = summarise([pair], [trial(1, 900, 1000), trial(2, 700, 1000), trial(3, 750, 1000)])
  t.equal(low!.meetsTarget, false, 'a median of 0.75 misses 0.8 although one run passed it')
  t.match(summaryTable([low!]), /\| 0\.75× \| 0\.70–0\.90× \| 3 \| 0\.8× \| \*\*no\*\* \|/)
  const [empty] = summarise([pair], [])
  t.equal(empty!.meetsTarget, null, 'no run, no verdict')
})

t.test('a later rise starts two factors below the previous best; the first at its configured rate', async (t) => {
  t.equal(nextStartRate(null, 600, 1.5), 600)
  t.equal(nextStartRate(900, 600, 1.5), 400)
  t.equal(nextStartRate(1, 600, 1.5), 1)
})

t.test('the table shows a dash, not a broken range, for a pair without a ratio', async (t) => {
  const [empty] = summarise([PAIRS[0]!], [])
  t.match(summaryTable([empty!]), /\| – \| – \| 0 \| 0\.4× \| – \|$/m)
})

t.test('CPU per request at the best step, by component, and the median of each component over the trials', async (t) => {
  const pair = PAIRS.find((p) => p.service === 'handover.create')!
  const withCpu = (scenario: string, reqPerS: number, cpu: Record<string, number>): StepResult => ({ ...step(scenario, reqPerS, reqPerS, true), cpu })
  // 100 req/s for 20 s = 2,000 requests; 4 CPU s of node = 2 ms a request; 30 CPU s of 40 = 75 % of two cores.
  const a = side('handover.create', { steps: [], best: withCpu('handover.create', 100, { node: 4, postgres: 20, k6: 6 }), stoppedBy: '' }, 2)
  t.same(a.cpuMsPerRequest, { node: 2, postgres: 10, k6: 3 })
  t.equal(a.busyShare, 0.75)
  t.equal(side('x', { steps: [], best: step('x', 100, 100, true), stoppedBy: '' }, 2).cpuMsPerRequest, undefined, 'no CPU measured, none claimed')
  t.equal(side('x', { steps: [], best: null, stoppedBy: '' }, 2).busyShare, undefined, 'no passing step, no CPU')
  const trial = (repeat: number, node: number): Trial => {
    const s = side('handover.create', { steps: [], best: withCpu('handover.create', 100, { node, postgres: 20 }), stoppedBy: '' }, 2)
    const c = side('bare.post', { steps: [], best: withCpu('bare.post', 1000, { node: 4, postgres: 8 }), stoppedBy: '' }, 2)
    return { pair: pair.name, repeat, service: s, ceiling: c, ratio: ratioOf(s, c), loadAverage: 1, startedAt: '2026-12-05T00:00:00.000Z' }
  }
  const [s] = summarise([pair], [trial(1, 2), trial(2, 8), trial(3, 4)])
  t.same(s!.cpu!.service, { node: 2, postgres: 10 }, 'node: the median of 1, 4 and 2 ms')
  t.same(s!.cpu!.ceiling, { node: 0.2, postgres: 0.4 })
  t.equal(s!.cpu!.ceilingBusy, 0.3)
  const [old] = summarise([pair], [{ ...trial(1, 2), service: { ...trial(1, 2).service, cpuMsPerRequest: undefined } }])
  t.equal(old!.cpu, undefined, 'a side without CPU: no CPU summary for the pair')
})
