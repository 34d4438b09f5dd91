// The service against its ceiling, interleaved (issue 14.4): each pair is measured service, ceiling,
// service, ceiling, … so a drift of this shared machine (a checkpoint, the WAL archiver, a neighbour)
// falls on both sides alike, and each figure is the median of the ratios with their spread — not one
// run of each side an hour apart. Pure: the runner (bench-runner.ts --interleaved) measures, this
// module judges and summarises.
import type { RateSearch } from './rate-search.ts'

export interface Pair {
  /** As the page names it. */
  name: string
  service: string
  ceiling: string
  /** The ratio issue 14 asks for (median of the interleaved runs). */
  target: number
}

export const PAIRS: readonly Pair[] = [
  { name: 'create a handover vs bare POST', service: 'handover.create', ceiling: 'bare.post', target: 0.4 },
  { name: 'GET a handover by id vs bare GET', service: 'handover.get', ceiling: 'bare.get', target: 0.8 },
  { name: 'search by container vs bare GET', service: 'handover.search', ceiling: 'bare.get', target: 0.5 },
  { name: 'mixed officer workload vs bare mix', service: 'mixed', ceiling: 'bare.mix', target: 0.5 },
]

/** One side of one trial: the best passing step of its rise and why the rise stopped. */
export interface Side {
  scenario: string
  /** Requests per second answered at the best passing step (0 when no step passed). */
  reqPerS: number
  p99Ms: number | null
  rate: number | null
  stoppedBy: string
  steps: number
  /** Steps run twice (a failing step is run once more before it counts: rate-search.ts), the same rule for both sides. */
  retried: number
  /**
   * CPU milliseconds per answered request at the best step, by component, over the whole machine
   * (cpu-by-component.ts): where the two sides' capacity went (absent in older records).
   */
  cpuMsPerRequest?: Record<string, number>
  /** The share of all cores busy during the best step's measured phase. */
  busyShare?: number
}

export interface Trial {
  pair: string
  repeat: number
  service: Side
  ceiling: Side
  /** service / ceiling; null when the ceiling had no passing step. */
  ratio: number | null
  /** The 1-minute load average when the trial began. */
  loadAverage: number
  startedAt: string
}

export interface PairSummary {
  pair: string
  target: number
  ratios: number[]
  median: number | null
  min: number | null
  max: number | null
  /** The median meets the target; null when there is no ratio. */
  meetsTarget: boolean | null
  serviceMedianReqPerS: number | null
  ceilingMedianReqPerS: number | null
  /** Per component, the median over the trials of each side's CPU ms per request (absent in older records). */
  cpu?: {
    service: Record<string, number>
    ceiling: Record<string, number>
    serviceBusy: number | null
    ceilingBusy: number | null
    /** Medians of each trial's total (not the sum of the components' medians), and of each trial's ceiling ÷ service total. */
    serviceTotal: number
    ceilingTotal: number
    cpuRatio: number
  }
}

export function side(scenario: string, search: RateSearch, cpus: number): Side {
  const rates = search.steps.map((s) => s.rate)
  const best = search.best
  const cpu = best?.cpu && best.requests > 0 ? best.cpu : null
  return {
    scenario,
    reqPerS: search.best?.reqPerS ?? 0,
    p99Ms: search.best?.p99Ms ?? null,
    rate: search.best?.rate ?? null,
    stoppedBy: search.stoppedBy,
    steps: search.steps.length,
    retried: rates.filter((r, i) => rates.indexOf(r) !== i).length,
    ...(cpu
      ? {
          cpuMsPerRequest: Object.fromEntries(Object.entries(cpu).map(([c, seconds]) => [c, (seconds * 1000) / best!.requests])),
          busyShare: Object.values(cpu).reduce((a, b) => a + b, 0) / (best!.durationS * cpus),
        }
      : {}),
  }
}

/** Per component, the median of the sides' CPU ms per request; null when no side recorded CPU. */
function medianCpu(sides: Side[]): Record<string, number> | null {
  const withCpu = sides.filter((s) => s.cpuMsPerRequest)
  if (withCpu.length === 0) return null
  const components = [...new Set(withCpu.flatMap((s) => Object.keys(s.cpuMsPerRequest!)))]
  return Object.fromEntries(components.map((c) => [c, median(withCpu.map((s) => s.cpuMsPerRequest![c] ?? 0))!]))
}

export function ratioOf(service: Side, ceiling: Side): number | null {
  return ceiling.reqPerS > 0 ? service.reqPerS / ceiling.reqPerS : null
}

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function summarise(pairs: readonly Pair[], trials: Trial[]): PairSummary[] {
  return pairs.map((p) => {
    const mine = trials.filter((t) => t.pair === p.name)
    const ratios = mine.map((t) => t.ratio).filter((r): r is number => r !== null)
    const m = median(ratios)
    return {
      pair: p.name,
      target: p.target,
      ratios,
      median: m,
      min: ratios.length ? Math.min(...ratios) : null,
      max: ratios.length ? Math.max(...ratios) : null,
      meetsTarget: m === null ? null : m >= p.target,
      serviceMedianReqPerS: median(mine.map((t) => t.service.reqPerS)),
      ceilingMedianReqPerS: median(mine.map((t) => t.ceiling.reqPerS)),
      ...cpuSummary(mine),
    }
  })
}

function cpuSummary(trials: Trial[]): Pick<PairSummary, 'cpu'> {
  const service = medianCpu(trials.map((t) => t.service))
  const ceiling = medianCpu(trials.map((t) => t.ceiling))
  if (!service || !ceiling) return {}
  const busy = (sides: Side[]) => median(sides.flatMap((s) => (s.busyShare === undefined ? [] : [s.busyShare])))
  // Totals and their ratio per trial first, then the median: the same way the ratio itself is taken.
  const totalOf = (s: Side) => Object.values(s.cpuMsPerRequest!).reduce((a, b) => a + b, 0)
  const both = trials.filter((t) => t.service.cpuMsPerRequest && t.ceiling.cpuMsPerRequest)
  return {
    cpu: {
      service,
      ceiling,
      serviceBusy: busy(trials.map((t) => t.service)),
      ceilingBusy: busy(trials.map((t) => t.ceiling)),
      serviceTotal: median(both.map((t) => totalOf(t.service)))!,
      ceilingTotal: median(both.map((t) => totalOf(t.ceiling)))!,
      cpuRatio: median(both.map((t) => totalOf(t.ceiling) / totalOf(t.service)))!,
    },
  }
}

/**
 * Where a later rise of a scenario starts: two factors below its previous best, so it passes at
 * least twice before the edge (the same rule for service and ceiling); the first rise of a scenario
 * starts at its configured rate.
 */
export function nextStartRate(previousBest: number | null, configured: number, factor: number): number {
  if (previousBest === null || previousBest <= 0) return configured
  return Math.max(1, Math.round(previousBest / (factor * factor)))
}

export function summaryTable(summaries: PairSummary[]): string {
  const f = (v: number | null, digits = 2) => (v === null ? '–' : v.toFixed(digits))
  return [
    '| pair | service req/s (median) | ceiling req/s (median) | ratio median | spread (min–max) | runs | target | met |',
    '|---|---:|---:|---:|---|---:|---:|---|',
    ...summaries.map(
      (s) =>
        `| ${s.pair} | ${f(s.serviceMedianReqPerS, 0)} | ${f(s.ceilingMedianReqPerS, 0)} | ${s.median === null ? '–' : `${f(s.median)}×`} | ${s.min === null ? '–' : `${f(s.min)}–${f(s.max)}×`} | ${s.ratios.length} | ${s.target}× | ${s.meetsTarget === null ? '–' : s.meetsTarget ? 'yes' : '**no**'} |`,
    ),
  ].join('\n')
}
