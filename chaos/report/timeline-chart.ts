// The drill's picture as one self-contained SVG (no script, no fonts, no CDN): requests/s and
// errors/s, p99 latency on a log scale, and bands naming where HAProxy sent writes and which Redis
// master the Sentinels named, second by second; the fault, the heal and the return of full
// redundancy as vertical lines, and the longest write stall shaded.
import type { TimelinePoint } from '../verify/drill-metrics.ts'

export interface BandSample {
  /** Seconds since the load started. */
  t: number
  value: string | null
}

export interface ChartMarker {
  t: number
  label: string
  color: string
}

export interface ChartInput {
  title: string
  points: TimelinePoint[]
  primaryBand: BandSample[]
  redisBand: BandSample[]
  markers: ChartMarker[]
  /** Seconds since the load started. */
  shaded: { from: number; to: number; label: string } | null
}

const W = 1000
const LEFT = 70
const RIGHT = 20
const PLOT_W = W - LEFT - RIGHT
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#9c755f', '#76b7b2', '#edc948']

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const f1 = (n: number) => (Math.round(n * 10) / 10).toString()

function niceMax(v: number): number {
  if (v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p
  return 10 * p
}

export function renderTimelineSvg(input: ChartInput): string {
  const { points } = input
  const span = Math.max(10, points.length ? points[points.length - 1]!.t + 1 : 10)
  const x = (t: number) => LEFT + (t / span) * PLOT_W
  const parts: string[] = []
  let y0 = 40

  // Panel 1: throughput and errors.
  const h1 = 130
  const maxRps = niceMax(Math.max(1, ...points.map((p) => p.rps)))
  const y1 = (v: number) => y0 + h1 - (v / maxRps) * h1
  parts.push(panelFrame(y0, h1, 'requests/s'))
  for (const frac of [0, 0.5, 1]) {
    parts.push(`<text x="${LEFT - 6}" y="${f1(y1(maxRps * frac) + 4)}" text-anchor="end" class="tick">${f1(maxRps * frac)}</text>`)
  }
  for (const p of points) {
    if (p.errors > 0) {
      // At least 5 px: one failed request among a hundred must still be seen.
      const top = Math.min(y1(p.errors), y0 + h1 - 5)
      parts.push(`<rect x="${f1(x(p.t))}" y="${f1(top)}" width="${f1(Math.max(1, PLOT_W / span))}" height="${f1(y0 + h1 - top)}" fill="#e15759"/>`)
    }
  }
  parts.push(polyline(points.map((p) => [x(p.t + 0.5), y1(p.rps)]), '#4e79a7', 1.5))
  parts.push(polyline(points.map((p) => [x(p.t + 0.5), y1(p.writesAcked)]), '#59a14f', 1))
  parts.push(legend(y0 - 8, [['#4e79a7', 'answered/s'], ['#59a14f', 'writes acknowledged/s'], ['#e15759', 'errors/s']]))
  y0 += h1 + 40

  // Panel 2: latency, log scale from 1 ms to 60 s.
  const h2 = 130
  const lo = Math.log10(1)
  const hi = Math.log10(60_000)
  const y2 = (ms: number) => y0 + h2 - ((Math.log10(Math.max(1, ms)) - lo) / (hi - lo)) * h2
  parts.push(panelFrame(y0, h2, 'latency'))
  for (const [ms, label] of [[1, '1 ms'], [10, '10 ms'], [100, '100 ms'], [1000, '1 s'], [10_000, '10 s'], [60_000, '60 s']] as const) {
    parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${f1(y2(ms))}" y2="${f1(y2(ms))}" class="grid"/>`)
    parts.push(`<text x="${LEFT - 6}" y="${f1(y2(ms) + 4)}" text-anchor="end" class="tick">${label}</text>`)
  }
  const withLat = points.filter((p) => p.maxMs !== null)
  parts.push(polyline(withLat.map((p) => [x(p.t + 0.5), y2(p.maxMs!)]), '#bab0ac', 1))
  const writes = points.filter((p) => p.p99WriteMs !== null)
  const reads = points.filter((p) => p.p99ReadMs !== null)
  parts.push(polyline(writes.map((p) => [x(p.t + 0.5), y2(p.p99WriteMs!)]), '#f28e2b', 1.5))
  parts.push(polyline(reads.map((p) => [x(p.t + 0.5), y2(p.p99ReadMs!)]), '#4e79a7', 1.5))
  parts.push(legend(y0 - 8, [['#f28e2b', 'p99 of writes sent that second'], ['#4e79a7', 'p99 of reads'], ['#bab0ac', 'max of all']]))
  y0 += h2 + 30

  // Bands: where writes were routed, and the Redis master.
  const bandH = 22
  const colors = new Map<string, string>()
  const colorOf = (v: string) => {
    if (!colors.has(v)) colors.set(v, PALETTE[colors.size % PALETTE.length]!)
    return colors.get(v)!
  }
  for (const [label, band] of [['where HAProxy sends writes', input.primaryBand], ['Redis master named by the Sentinels', input.redisBand]] as const) {
    parts.push(`<text x="${LEFT}" y="${y0 - 3}" class="tick">${esc(label)}</text>`)
    y0 += 2
    parts.push(`<rect x="${LEFT}" y="${y0}" width="${PLOT_W}" height="${bandH}" fill="#f4f4f4"/>`)
    for (let i = 0; i < band.length; i++) {
      const s = band[i]!
      const next = band[i + 1]?.t ?? s.t + 1
      const w = Math.max(0.5, x(Math.min(next, s.t + 2)) - x(s.t))
      const fill = s.value === null ? '#d3d3d3' : s.value.includes('+') ? '#e15759' : colorOf(s.value)
      parts.push(`<rect x="${f1(x(s.t))}" y="${y0}" width="${f1(w)}" height="${bandH}" fill="${fill}"><title>${esc(s.value ?? 'none')}</title></rect>`)
    }
    y0 += bandH + 18
  }
  const keys = [...colors.entries()].map(([v, c]) => [c, v] as [string, string])
  parts.push(legend(y0 + 12, [...keys, ['#d3d3d3', 'none'], ['#e15759', 'two at once']]))
  y0 += 30

  // Shaded stall and the markers across all panels.
  const top = 40
  const bottom = y0 - 30
  if (input.shaded) {
    parts.unshift(
      `<rect x="${f1(x(input.shaded.from))}" y="${top}" width="${f1(Math.max(1, x(input.shaded.to) - x(input.shaded.from)))}" height="${bottom - top}" fill="#e15759" opacity="0.08"><title>${esc(input.shaded.label)}</title></rect>`,
    )
  }
  input.markers.forEach((m, i) => {
    parts.push(`<line x1="${f1(x(m.t))}" x2="${f1(x(m.t))}" y1="${top - 4}" y2="${bottom}" stroke="${m.color}" stroke-width="1.5" stroke-dasharray="5,3"/>`)
    parts.push(`<text x="${f1(x(m.t) + 3)}" y="${top + 10 + (i % 3) * 11}" class="marker" fill="${m.color}">${esc(m.label)}</text>`)
  })
  // Time axis.
  const step = span > 600 ? 120 : span > 240 ? 60 : span > 120 ? 30 : 10
  for (let t = 0; t <= span; t += step) {
    parts.push(`<text x="${f1(x(t))}" y="${y0}" text-anchor="middle" class="tick">${t} s</text>`)
  }
  const H = y0 + 12
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    '<style>.tick{fill:#555}.grid{stroke:#eee}.marker{font-size:11px}.title{font-size:14px;font-weight:bold}</style>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${LEFT}" y="18" class="title">${esc(input.title)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n')
}

function panelFrame(y: number, h: number, label: string): string {
  return (
    `<rect x="${LEFT}" y="${y}" width="${PLOT_W}" height="${h}" fill="none" stroke="#ccc"/>` +
    `<text transform="translate(14 ${y + h / 2}) rotate(-90)" text-anchor="middle" class="tick">${esc(label)}</text>`
  )
}

function polyline(pts: Array<[number, number]>, color: string, width: number): string {
  if (pts.length === 0) return ''
  return `<polyline fill="none" stroke="${color}" stroke-width="${width}" points="${pts.map(([a, b]) => `${f1(a)},${f1(b)}`).join(' ')}"/>`
}

function legend(y: number, items: Array<[string, string]>): string {
  let xPos = LEFT + 4
  return items
    .map(([color, label]) => {
      const s = `<rect x="${xPos}" y="${y - 8}" width="10" height="10" fill="${color}"/><text x="${xPos + 14}" y="${y + 1}" class="tick">${esc(label)}</text>`
      xPos += 24 + label.length * 6
      return s
    })
    .join('')
}
