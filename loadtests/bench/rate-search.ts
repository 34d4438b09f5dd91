// "Rising until p99 exceeds the SLO or errors appear": steps of a constant arrival rate, each
// `factor` above the last while it passes, then a few bisections between the last passing and the
// first failing rate. The figure reported for a scenario is its best passing step.
//
// A failing step is run once more before it counts: everything shares two cores here, and one stall
// of a neighbour (an etcd fsync, a checkpoint, a Prometheus scrape) in a 20-second step would
// otherwise end a scenario far below its edge. Ceilings and the service get the same rule; both
// attempts are reported.
import type { StepResult } from './k6-step.ts'

export interface RateSearch {
  steps: StepResult[]
  best: StepResult | null
  /** Why the rise stopped: the first failing step's reason, or the step limit. */
  stoppedBy: string
}

export interface RateSearchOptions {
  startRate: number
  factor: number
  maxSteps: number
  /** Bisections between the last pass and the first failure. */
  refine: number
  onStep?: (s: StepResult) => void
}

function failureReason(s: StepResult, p99Ms: number): string {
  const reasons: string[] = []
  if (s.failedRate > 0) reasons.push(`errors ${(s.failedRate * 100).toFixed(2)} %`)
  if (s.dropped > 0) reasons.push(`${s.dropped} arrivals dropped`)
  if (!(s.p99Ms <= p99Ms)) reasons.push(`p99 ${s.p99Ms.toFixed(1)} ms > ${p99Ms} ms`)
  return reasons.join(', ') || 'no requests'
}

export async function searchRate(run: (rate: number) => Promise<StepResult>, o: RateSearchOptions, p99Ms: number): Promise<RateSearch> {
  const steps: StepResult[] = []
  const once = async (rate: number) => {
    const s = await run(Math.max(1, Math.round(rate)))
    steps.push(s)
    o.onStep?.(s)
    return s
  }
  const step = async (rate: number) => {
    const first = await once(rate)
    return first.ok || steps.length >= o.maxSteps ? first : once(rate)
  }
  let best: StepResult | null = null
  let failed: StepResult | null = null
  let rate = o.startRate
  while (steps.length < o.maxSteps) {
    const s = await step(rate)
    if (!s.ok) {
      failed = s
      break
    }
    best = s
    rate *= o.factor
  }
  // Even the first step failed: come down until one passes, so the scenario has a figure.
  while (!best && failed && steps.length < o.maxSteps && failed.rate > 1) {
    const s = await step(failed.rate / 2)
    if (s.ok) best = s
    else failed = s
  }
  for (let i = 0; i < o.refine && best && failed && failed.rate - best.rate > Math.max(1, best.rate * 0.05); i++) {
    const s = await step((best.rate + failed.rate) / 2)
    if (s.ok) best = s
    else failed = s
  }
  return { steps, best, stoppedBy: failed ? failureReason(failed, p99Ms) : `step limit (${o.maxSteps}) reached while passing` }
}
