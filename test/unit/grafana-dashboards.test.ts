// Every Grafana dashboard (infra/grafana/dashboards) is valid JSON that Grafana can provision, and
// every panel query parses as PromQL: the queries are written into a throwaway rule file as
// recording rules, with Grafana's variables replaced, and checked by `promtool check rules`.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const DASHBOARDS_DIR = join(ROOT, 'infra/grafana/dashboards')
const PROMTOOL = process.env.PROMTOOL ?? (existsSync('/usr/bin/promtool') ? '/usr/bin/promtool' : 'promtool')

// What Grafana puts in place of its variables; anything else left with a `$` is a typo.
const GRAFANA_VARIABLES: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '3h',
  node: '.*',
}
const PANEL_TYPES = ['row', 'timeseries', 'stat', 'state-timeline', 'table', 'bargauge', 'gauge', 'text']

interface Target {
  refId?: string
  expr?: string
  datasource?: { type?: string; uid?: string }
}
interface Panel {
  id: number
  type: string
  title: string
  gridPos?: { h: number; w: number; x: number; y: number }
  datasource?: { type?: string; uid?: string }
  targets?: Target[]
  panels?: Panel[]
}
interface Dashboard {
  uid: string
  title: string
  tags: string[]
  panels: Panel[]
  templating?: { list: Array<{ name: string; type: string; query?: unknown; definition?: string }> }
  annotations?: { list: Array<{ expr?: string }> }
}

const files = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort()

function substituteVariables(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => GRAFANA_VARIABLES[name] ?? whole)
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])])
}

t.test('the five dashboards of issue 6 are there', async (t) => {
  for (const name of ['service-overview', 'database-cluster', 'redis', 'queue', 'business']) {
    t.ok(files.includes(`${name}.json`), `${name}.json`)
  }
})

const queries: Array<{ where: string; expr: string }> = []
const uids = new Set<string>()

for (const file of files) {
  t.test(`${file} is a valid dashboard`, async (t) => {
    let dashboard: Dashboard
    try {
      dashboard = JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as Dashboard
    } catch (err) {
      t.fail(`${file} is not valid JSON: ${(err as Error).message}`)
      return
    }
    t.ok(dashboard.uid && dashboard.uid.length <= 40, 'uid set, at most 40 characters (Grafana limit)')
    t.notOk(uids.has(dashboard.uid), `uid ${dashboard.uid} is unique`)
    uids.add(dashboard.uid)
    t.ok(dashboard.title, 'title')
    t.ok(dashboard.tags.includes('tqdt'), 'tagged tqdt (the dashboards link to each other by tag)')
    const variables = dashboard.templating?.list ?? []
    t.ok(variables.some((v) => v.name === 'datasource' && v.type === 'datasource'), 'has a datasource variable')

    const panels = allPanels(dashboard.panels)
    t.ok(panels.length > 3, 'has panels')
    const ids = new Set<number>()
    for (const panel of panels) {
      const where = `${file} › ${panel.title}`
      t.ok(Number.isInteger(panel.id) && !ids.has(panel.id), `${where}: unique integer id`)
      ids.add(panel.id)
      t.ok(PANEL_TYPES.includes(panel.type), `${where}: known panel type ${panel.type}`)
      const g = panel.gridPos
      t.ok(g && g.w > 0 && g.h > 0 && g.x >= 0 && g.x + g.w <= 24, `${where}: gridPos within 24 columns`)
      if (panel.type === 'row' || panel.type === 'text') continue
      t.equal(panel.datasource?.uid, '${datasource}', `${where}: uses the datasource variable`)
      t.ok((panel.targets ?? []).length > 0, `${where}: has queries`)
      for (const target of panel.targets ?? []) {
        if (!t.ok(target.expr, `${where} ${target.refId}: has an expression`) || !target.expr) continue
        queries.push({ where: `${where} ${target.refId}`, expr: target.expr })
      }
    }
    for (const v of variables.filter((v) => v.type === 'query')) {
      const q = typeof v.query === 'object' && v.query ? (v.query as { query?: string }).query : v.definition
      const labelValues = /^label_values\((.+),\s*\w+\)$/.exec(q ?? '')
      if (t.ok(labelValues, `${file} variable ${v.name}: label_values(selector, label)`) && labelValues) {
        queries.push({ where: `${file} variable ${v.name}`, expr: labelValues[1] as string })
      }
    }
    for (const a of dashboard.annotations?.list ?? []) {
      if (a.expr) queries.push({ where: `${file} annotation`, expr: a.expr })
    }
  })
}

t.test('every panel query parses as PromQL', async (t) => {
  t.ok(queries.length > 50, `${queries.length} queries collected`)
  const rules = queries.map((q, i) => ({ record: `dashboard:query_${i}:check`, expr: substituteVariables(q.expr) }))
  for (const [i, rule] of rules.entries()) {
    t.notMatch(rule.expr, /\$/, `${queries[i]?.where}: no Grafana variable left unreplaced`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'tqdt-dashboards-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'dashboard-queries.yml')
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard-queries', rules }] }))
  const result = spawnSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8', timeout: 60_000 })
  if (result.error) throw new Error(`cannot run ${PROMTOOL} (Debian package "prometheus"): ${result.error.message}`)
  // promtool names the failing rule by index: map it back to the panel.
  const output = `${result.stdout}${result.stderr}`.replace(/dashboard:query_(\d+):check/g, (_, i: string) => queries[Number(i)]?.where ?? i)
  t.equal(result.status, 0, output)
  t.match(output, `SUCCESS: ${rules.length} rules found`)
})
