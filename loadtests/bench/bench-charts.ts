// The report's charts as small self-contained SVG files (no script, no web fonts): throughput of the
// service beside its ceiling, p99 against the offered rate, and p99 against the dataset size.
import type { GrowthPoint, RssRun } from './bench-results.ts'
import type { RateSearch } from './rate-search.ts'

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#9c755f', '#edc948']
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const f1 = (n: number) => String(Math.round(n * 10) / 10)

function niceMax(v: number): number {
  if (!(v > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p
  return 10 * p
}

function svg(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    '<style>.tick{fill:#555;font-size:11px}.grid{stroke:#ddd;stroke-width:1}.axis{stroke:#333;stroke-width:1}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n')
}

export interface Pair {
  label: string
  ours: number
  ceiling: number
  ceilingLabel: string
}

/** Horizontal bars: each comparison's service figure over its ceiling, with the ratio. */
export function throughputChart(pairs: Pair[]): string {
  const W = 860
  const left = 230
  const barH = 16
  const rowH = 52
  const H = 60 + rowH * pairs.length + 30
  const max = niceMax(Math.max(1, ...pairs.flatMap((p) => [p.ours, p.ceiling])))
  const x = (v: number) => left + (v / max) * (W - left - 90)
  const body: string[] = []
  for (const frac of [0, 0.25, 0.5, 0.75, 1]) {
    body.push(`<line x1="${f1(x(max * frac))}" x2="${f1(x(max * frac))}" y1="40" y2="${H - 30}" class="grid"/>`)
    body.push(`<text x="${f1(x(max * frac))}" y="${H - 14}" text-anchor="middle" class="tick">${Math.round(max * frac)}</text>`)
  }
  pairs.forEach((p, i) => {
    const y = 50 + i * rowH
    body.push(`<text x="${left - 8}" y="${y + 13}" text-anchor="end">${esc(p.label)}</text>`)
    body.push(`<rect x="${left}" y="${y}" width="${f1(x(p.ours) - left)}" height="${barH}" fill="${PALETTE[0]}"/>`)
    body.push(`<text x="${left - 8}" y="${y + barH + 15}" text-anchor="end" class="tick">${esc(p.ceilingLabel)}</text>`)
    body.push(`<rect x="${left}" y="${y + barH + 3}" width="${f1(x(p.ceiling) - left)}" height="${barH}" fill="#bbb"/>`)
    const ratio = p.ceiling > 0 && p.ours > 0 ? `${(p.ours / p.ceiling).toFixed(2)}×` : 'no passing step'
    body.push(`<text x="${f1(Math.max(x(p.ours), x(p.ceiling)) + 6)}" y="${y + barH + 4}" font-weight="bold">${ratio}</text>`)
  })
  body.push(`<text x="${W - 10}" y="${H - 2}" text-anchor="end" class="tick">requests/s at the highest step with p99 within the SLO and no error (blue: the service, grey: its ceiling)</text>`)
  return svg(W, H, 'Throughput within the SLO: the service beside its ceiling', body)
}

/** p99 against the offered request rate for every scenario, log-scaled latency, with the SLO line. */
export function latencyChart(searches: Record<string, RateSearch>, sloMs: number): string {
  const W = 860
  const H = 420
  const left = 60
  const right = 190
  const top = 40
  const bottom = 50
  const entries = Object.entries(searches).filter(([, s]) => s.steps.length > 0)
  const maxRate = niceMax(Math.max(1, ...entries.flatMap(([, s]) => s.steps.map((st) => st.reqPerS))))
  const lo = Math.log10(1)
  const hi = Math.log10(2000)
  const x = (v: number) => left + (v / maxRate) * (W - left - right)
  const y = (ms: number) => top + (H - top - bottom) * (1 - (Math.log10(Math.min(2000, Math.max(1, ms))) - lo) / (hi - lo))
  const body: string[] = []
  for (const ms of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]) {
    body.push(`<line x1="${left}" x2="${W - right}" y1="${f1(y(ms))}" y2="${f1(y(ms))}" class="grid"/>`)
    body.push(`<text x="${left - 6}" y="${f1(y(ms) + 4)}" text-anchor="end" class="tick">${ms} ms</text>`)
  }
  for (const frac of [0, 0.25, 0.5, 0.75, 1]) {
    body.push(`<text x="${f1(x(maxRate * frac))}" y="${H - bottom + 16}" text-anchor="middle" class="tick">${Math.round(maxRate * frac)}</text>`)
  }
  body.push(`<text x="${(left + W - right) / 2}" y="${H - 12}" text-anchor="middle" class="tick">requests/s answered</text>`)
  body.push(`<line x1="${left}" x2="${W - right}" y1="${f1(y(sloMs))}" y2="${f1(y(sloMs))}" stroke="#e15759" stroke-dasharray="6 4"/>`)
  body.push(`<text x="${W - right - 4}" y="${f1(y(sloMs) - 4)}" text-anchor="end" fill="#e15759">p99 SLO ${sloMs} ms</text>`)
  entries.forEach(([name, s], i) => {
    const color = PALETTE[i % PALETTE.length]
    const pts = [...s.steps].sort((a, b) => a.reqPerS - b.reqPerS)
    body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${f1(x(p.reqPerS))},${f1(y(p.p99Ms))}`).join(' ')}"/>`)
    for (const p of pts) {
      body.push(`<circle cx="${f1(x(p.reqPerS))}" cy="${f1(y(p.p99Ms))}" r="3" fill="${p.ok ? color : '#fff'}" stroke="${color}"/>`)
    }
    body.push(`<rect x="${W - right + 12}" y="${top + i * 20}" width="12" height="12" fill="${color}"/>`)
    body.push(`<text x="${W - right + 30}" y="${top + i * 20 + 11}">${esc(name)}</text>`)
  })
  body.push(`<text x="${W - right + 12}" y="${top + entries.length * 20 + 16}" class="tick">open circle: step failed</text>`)
  return svg(W, H, 'p99 latency against load (each point one step)', body)
}

/** p99 of the lookups and searches at each dataset size (same offered rate at every size). */
export function growthChart(points: GrowthPoint[]): string {
  const W = 640
  const H = 340
  const left = 60
  const top = 40
  const bottom = 50
  const right = 160
  const maxMs = niceMax(Math.max(1, ...points.flatMap((p) => [p.get.p99Ms, p.search.p99Ms])))
  const sizes = points.map((p) => p.size)
  const lx = (s: number) => Math.log10(Math.max(1, s))
  const minX = Math.min(...sizes.map(lx)) - 0.3
  const maxX = Math.max(...sizes.map(lx)) + 0.3
  const x = (s: number) => left + ((lx(s) - minX) / Math.max(1e-9, maxX - minX)) * (W - left - right)
  const y = (ms: number) => top + (H - top - bottom) * (1 - ms / maxMs)
  const body: string[] = []
  for (const frac of [0, 0.25, 0.5, 0.75, 1]) {
    body.push(`<line x1="${left}" x2="${W - right}" y1="${f1(y(maxMs * frac))}" y2="${f1(y(maxMs * frac))}" class="grid"/>`)
    body.push(`<text x="${left - 6}" y="${f1(y(maxMs * frac) + 4)}" text-anchor="end" class="tick">${f1(maxMs * frac)} ms</text>`)
  }
  for (const s of sizes) {
    body.push(`<text x="${f1(x(s))}" y="${H - bottom + 16}" text-anchor="middle" class="tick">${s.toExponential(0).replace('e+', '×10^')}</text>`)
  }
  body.push(`<text x="${(left + W - right) / 2}" y="${H - 12}" text-anchor="middle" class="tick">seeded handovers (log scale)</text>`)
  const series: Array<[string, (p: GrowthPoint) => number]> = [['GET by id', (p) => p.get.p99Ms], ['search by container', (p) => p.search.p99Ms]]
  series.forEach(([label, val], i) => {
    const color = PALETTE[i]
    body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${f1(x(p.size))},${f1(y(val(p)))}`).join(' ')}"/>`)
    for (const p of points) body.push(`<circle cx="${f1(x(p.size))}" cy="${f1(y(val(p)))}" r="3.5" fill="${color}"/>`)
    body.push(`<rect x="${W - right + 12}" y="${top + i * 20}" width="12" height="12" fill="${color}"/>`)
    body.push(`<text x="${W - right + 30}" y="${top + i * 20 + 11}">${esc(label)}</text>`)
  })
  return svg(W, H, 'p99 as the data grows', body)
}

/** RSS of the app node over a run. */
export function rssChart(run: RssRun, title: string): string {
  const W = 640
  const H = 260
  const left = 60
  const top = 40
  const bottom = 40
  const right = 20
  const maxT = Math.max(1, ...run.samples.map((s) => s.t))
  const maxM = niceMax(Math.max(1, ...run.samples.map((s) => s.mib)))
  const x = (t: number) => left + (t / maxT) * (W - left - right)
  const y = (m: number) => top + (H - top - bottom) * (1 - m / maxM)
  const body: string[] = []
  for (const frac of [0, 0.5, 1]) {
    body.push(`<line x1="${left}" x2="${W - right}" y1="${f1(y(maxM * frac))}" y2="${f1(y(maxM * frac))}" class="grid"/>`)
    body.push(`<text x="${left - 6}" y="${f1(y(maxM * frac) + 4)}" text-anchor="end" class="tick">${Math.round(maxM * frac)} MiB</text>`)
  }
  body.push(`<text x="${W - right}" y="${H - 10}" text-anchor="end" class="tick">${Math.round(maxT / 60)} min</text>`)
  body.push(`<polyline fill="none" stroke="${PALETTE[0]}" stroke-width="2" points="${run.samples.map((s) => `${f1(x(s.t))},${f1(y(s.mib))}`).join(' ')}"/>`)
  return svg(W, H, title, body)
}
