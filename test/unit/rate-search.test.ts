// The benchmark's rising search: a failing step is confirmed once before it ends the rise.
import t from 'tap'
import { searchRate } from '../../loadtests/bench/rate-search.ts'
import type { StepResult } from '../../loadtests/bench/k6-step.ts'

const result = (rate: number, ok: boolean): StepResult => ({
  scenario: 'fake', rate, durationS: 10, reqPerS: rate, requests: rate * 10, allRequests: rate * 12, writeShare: 0,
  p50Ms: 1, p95Ms: 2, p99Ms: ok ? 10 : 80, maxMs: 90, failedRate: 0, dropped: 0, ok, k6Exit: 0,
})

/** A server whose edge is `edge`/s, and that stalls once on the attempts listed in `blips` (1-based). */
function fakeServer(edge: number, blips: number[] = []) {
  const offered: number[] = []
  return {
    offered,
    run: async (rate: number) => {
      offered.push(rate)
      return result(rate, rate <= edge && !blips.includes(offered.length))
    },
  }
}

t.test('one stall does not end the rise: the step is run again and passes', async (t) => {
  const server = fakeServer(1000, [2])
  const search = await searchRate(server.run, { startRate: 100, factor: 2, maxSteps: 20, refine: 0 }, 50)
  t.same(server.offered.slice(0, 4), [100, 200, 200, 400], 'the stalled step at 200 was repeated')
  t.equal(search.best?.rate, 800)
  t.match(search.stoppedBy, /p99 80\.0 ms/)
})

t.test('a step that fails twice is the edge; bisection confirms failures the same way', async (t) => {
  const server = fakeServer(300)
  const search = await searchRate(server.run, { startRate: 100, factor: 2, maxSteps: 20, refine: 1 }, 50)
  t.same(server.offered, [100, 200, 400, 400, 300], 'rise to 400 (twice), then one bisection passes at 300')
  t.equal(search.best?.rate, 300)
  t.equal(search.steps.length, 5, 'every attempt is reported')
})

t.test('the step limit counts repeated attempts too', async (t) => {
  const server = fakeServer(0)
  const search = await searchRate(server.run, { startRate: 100, factor: 2, maxSteps: 3, refine: 0 }, 50)
  t.equal(server.offered.length, 3)
  t.equal(search.best, null)
})
