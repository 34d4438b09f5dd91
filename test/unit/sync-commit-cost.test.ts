import t from 'tap'
import { alternation, summarizeSyncCost, type SyncCostStep } from '../../loadtests/bench/sync-commit-cost.ts'

t.test('settings alternate, A B A B', async (t) => {
  t.same(alternation([1, 2], 2), [1, 2, 1, 2])
  t.same(alternation([1, 2], 0), [])
})

t.test('medians per scenario and setting', async (t) => {
  const step = (syncNodes: number, scenario: string, p50Ms: number, p99Ms: number): SyncCostStep =>
    ({ syncNodes, scenario, rate: 20, reqPerS: 20, p50Ms, p95Ms: p99Ms, p99Ms, failedRate: 0 })
  const summary = summarizeSyncCost([step(1, 'create', 10, 30), step(2, 'create', 12, 40), step(1, 'create', 14, 34), step(2, 'create', 16, 50), step(1, 'create', 11, 31)])
  t.same(summary, [{
    scenario: 'create',
    bySetting: [
      { syncNodes: 1, p50Ms: 11, p99Ms: 31, p99s: [30, 34, 31] },
      { syncNodes: 2, p50Ms: 14, p99Ms: 45, p99s: [40, 50] },
    ],
  }])
})
