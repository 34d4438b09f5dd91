// The shape of what a benchmark run records (docs/benchmarks/results.json for real runs, a temp
// folder for the smoke). Runs of different kinds (the main run, each dataset size, the soak) are
// merged into one file, and the report is always rendered from the whole of it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { DatasetFigures } from './bench-database.ts'
import type { StepResult } from './k6-step.ts'
import type { MachineInfo } from './machine-info.ts'
import type { PgbenchCeiling } from './pgbench-ceiling.ts'
import type { ProfileSummary } from './cpu-profile-summary.ts'
import type { RateSearch } from './rate-search.ts'

export interface Settings {
  p99Ms: number
  stepSeconds: number
  warmupSeconds: number
  factor: number
}

export interface ProbeStats {
  statements: number
  connects: number
  waitMsTotal: number
  waitMsMax: number
  waitsOver1ms: number
  waitsOver10ms: number
  /** When the measured phase began (monotonic µs); 0 if the mark never came. */
  markUs: number
}

export interface ProfiledStep {
  scenario: string
  step: StepResult
  probe: ProbeStats | null
  summary: ProfileSummary | null
}

export interface RssRun {
  node: string
  profile: string
  durationS: number
  samples: Array<{ t: number; mib: number }>
  requests: number
  p99Ms: number
  failedRate: number
}

export interface MainRun {
  mode: 'full' | 'smoke'
  machine: MachineInfo
  settings: Settings
  dataset: DatasetFigures
  seededHandovers: number
  scenarios: Record<string, RateSearch>
  pgbench: PgbenchCeiling
  statements: { get: string[]; search: string[]; create: string[] }
  profiles: ProfiledStep[]
  memory: RssRun | null
}

export interface GrowthPoint {
  size: number
  date: string
  dataset: DatasetFigures
  /** Time to seed from the previous size to this one (null when nothing had to be added). */
  seed: { from: number; seconds: number; handoversPerS: number } | null
  rate: number
  /** The run with the median p99 of getRuns / searchRuns (a single run in older results). */
  get: StepResult
  search: StepResult
  getRuns?: StepResult[]
  searchRuns?: StepResult[]
  plans: { get: Array<{ text: string; plan: string }>; search: Array<{ text: string; plan: string }> }
  indexes: Array<{ table: string; index: string; definition: string; bytes: number }>
}

export interface BenchResults {
  main: MainRun | null
  growth: GrowthPoint[]
  soak: (RssRun & { date: string }) | null
  /** Sizes that were not measured, with the reason and what was measured instead. */
  notes: string[]
}

export function loadResults(file: string): BenchResults {
  if (!existsSync(file)) return { main: null, growth: [], soak: null, notes: [] }
  return { main: null, growth: [], soak: null, notes: [], ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<BenchResults>) }
}

export function saveResults(file: string, r: BenchResults): void {
  r.growth.sort((a, b) => a.size - b.size)
  writeFileSync(file, JSON.stringify(r, null, 1) + '\n')
}
