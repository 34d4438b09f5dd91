// What the second synchronous standby costs a write: the same fixed-rate steps with Patroni's
// synchronous_node_count 1 (FIRST 1: one synchronous standby, the other asynchronous) and 2 (FIRST 2:
// both synchronous, what patroni-config.ts sets), alternated so that drift of the machine falls on
// both alike. Reported by `npm run bench -- --sync-cost` into docs/benchmarks/runs/<stamp>-sync-cost.json.
import type { RunRecord } from '../../chaos/report/run-record.ts'

export interface SyncCostStep {
  /** synchronous_node_count during the step. */
  syncNodes: number
  scenario: string
  rate: number
  reqPerS: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
  failedRate: number
}

export interface SyncCostRecord {
  id: string
  mode: 'sync-cost' | 'smoke'
  startedAt: string
  finishedAt: string
  commandLine: string
  record: RunRecord
  steps: SyncCostStep[]
}

/** The order of the settings: A, B, A, B, … `rounds` times each. */
export function alternation(settings: number[], rounds: number): number[] {
  return Array.from({ length: rounds }, () => settings).flat()
}

export interface SyncCostSummary {
  scenario: string
  /** Per setting: median p50 and p99 over its steps, and the steps' p99s. */
  bySetting: Array<{ syncNodes: number; p50Ms: number; p99Ms: number; p99s: number[] }>
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export function summarizeSyncCost(steps: SyncCostStep[]): SyncCostSummary[] {
  const scenarios = [...new Set(steps.map((s) => s.scenario))]
  return scenarios.map((scenario) => {
    const mine = steps.filter((s) => s.scenario === scenario)
    const settings = [...new Set(mine.map((s) => s.syncNodes))].sort((a, b) => a - b)
    return {
      scenario,
      bySetting: settings.map((syncNodes) => {
        const of = mine.filter((s) => s.syncNodes === syncNodes)
        return { syncNodes, p50Ms: median(of.map((s) => s.p50Ms)), p99Ms: median(of.map((s) => s.p99Ms)), p99s: of.map((s) => s.p99Ms) }
      }),
    }
  })
}
