// Where an app node's CPU went, from a V8 .cpuprofile (node --cpu-prof): self time per function and
// per part of the stack (our code, each dependency, Node's internals, GC, idle).
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

export interface ProfileSummary {
  totalMs: number
  /** Share of non-idle time, by part: "app src/…", a package name, "node internals", "(garbage collector)"… */
  byPart: Array<{ part: string; ms: number; share: number }>
  topFunctions: Array<{ fn: string; where: string; ms: number; share: number }>
  idleShare: number
}

function partOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1] as string
  if (url.startsWith('node:')) return 'node internals'
  const src = /\/(src\/[^/]+)\//.exec(url)
  if (src) return `app ${src[1]}`
  return 'other'
}

/** Self time of the samples taken from `fromUs` on (monotonic µs, as in the profile's own timestamps). */
export function summarizeProfile(file: string, fromUs = 0, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  let at = p.startTime
  p.samples.forEach((id, i) => {
    at += p.timeDeltas[i] ?? 0
    if (at >= fromUs) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000)
  })
  const parts = new Map<string, number>()
  const fns = new Map<string, { fn: string; where: string; ms: number }>()
  let idle = 0
  let total = 0
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame
    total += ms
    if (functionName === '(idle)') {
      idle += ms
      continue
    }
    const part = partOf(url, functionName)
    parts.set(part, (parts.get(part) ?? 0) + ms)
    const where = url ? `${url.replace(/^.*?\/(node_modules|src|loadtests)\//, '$1/')}:${lineNumber + 1}` : ''
    const key = `${functionName}@${where}`
    const f = fns.get(key) ?? { fn: functionName || '(anonymous)', where, ms: 0 }
    f.ms += ms
    fns.set(key, f)
  }
  const busy = Math.max(1e-9, total - idle)
  return {
    totalMs: total,
    idleShare: idle / Math.max(1e-9, total),
    byPart: [...parts].map(([part, ms]) => ({ part, ms, share: ms / busy })).sort((a, b) => b.ms - a.ms),
    topFunctions: [...fns.values()].sort((a, b) => b.ms - a.ms).slice(0, top).map((f) => ({ ...f, share: f.ms / busy })),
  }
}
