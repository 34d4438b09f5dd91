// docs/chaos.md from run records: a drill recorded on two layouts keeps both results (the later
// loopback run must not hide the namespace lab's), a shortened run is never the drill's result, and
// a dirty run names the files that differed from its commit.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { renderChaosPage } from '../../chaos/report/chaos-page.ts'
import type { RunSummary } from '../../chaos/report/run-summary.ts'
import { findDrill } from '../../chaos/drills/drill-catalogue.ts'
import { REPO_ROOT } from '../../infra/launcher/inventory.ts'

const recorded = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/chaos/runs/20261204T233656Z-incident-2019-01-25.json'), 'utf8')) as RunSummary

function run(id: string, startedAt: string, inventory: string, changes: Partial<RunSummary> = {}): RunSummary {
  const r = structuredClone(recorded)
  return { ...r, id, startedAt, record: { ...r.record, layout: { ...r.record.layout!, inventory } }, ...changes }
}

const incident = findDrill('incident-2019-01-25')!

t.test('the latest full-hold run of each layout is shown, newest first', async (t) => {
  const page = renderChaosPage([incident], [
    run('A-production', '2026-12-04T22:00:00.000Z', 'infra/inventory/production.json'),
    run('B-loopback-old', '2026-12-04T22:30:00.000Z', 'infra/inventory/local.json', { pass: false }),
    run('C-loopback', '2026-12-04T23:00:00.000Z', 'infra/inventory/local.json'),
  ])
  t.match(page, /PASS 2026-12-04 23:00 UTC \(local\.json, [0-9a-f]{10}\)<br>PASS 2026-12-04 22:00 UTC \(production\.json, /)
  t.ok(page.includes('Run `C-loopback`') && page.includes('Run `A-production`'), 'both layouts keep a run block')
  t.notOk(page.includes('Run `B-loopback-old`'), 'an older run of the same layout is not the result')
  t.ok(page.indexOf('Run `C-loopback`') < page.indexOf('Run `A-production`'), 'newest first')
})

t.test('a shortened run is reported as such, never as the result', async (t) => {
  const page = renderChaosPage([incident], [run('S-short', '2026-12-04T23:00:00.000Z', 'infra/inventory/local.json', { fullHold: false, holdSeconds: 30, pass: false })])
  t.match(page, /none recorded/)
  t.match(page, /No run recorded at the full hold yet/)
  t.match(page, /A later run at a shortened hold \(not the drill's result\): `S-short`/)
})

t.test('a dirty run names what differed from its commit', async (t) => {
  const base = run('D-dirty', '2026-12-04T23:00:00.000Z', 'infra/inventory/local.json')
  const page = renderChaosPage([incident], [{ ...base, record: { ...base.record, commit: { ...base.record.commit, dirty: true, changed: ['src/app.ts'] } } }])
  t.match(page, /\(with uncommitted changes: src\/app\.ts\)/)
})
