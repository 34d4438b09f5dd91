// The alert rules (infra/prometheus/rules) are valid for Prometheus, each alert is proven by a
// promtool unit test to fire and to stay quiet, each has its runbook, and the generated
// prometheus.yml scrapes every job the rules read.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { loadInventory, hostsWithRole } from '../../infra/launcher/inventory.ts'
import { renderPrometheus } from '../../infra/launcher/render/prometheus-config.ts'
import type { Secrets } from '../../infra/launcher/secrets.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const RULES_DIR = join(ROOT, 'infra/prometheus/rules')
const TESTS_DIR = join(ROOT, 'infra/prometheus/tests')
const RUNBOOKS_DIR = join(ROOT, 'docs/runbooks')
const PROMTOOL = process.env.PROMTOOL ?? (existsSync('/usr/bin/promtool') ? '/usr/bin/promtool' : 'promtool')

/** The scrape jobs the rules and dashboards are written against (docs/monitoring.md). */
const SCRAPE_JOBS = ['app', 'haproxy', 'patroni', 'etcd', 'postgres', 'redis', 'sentinel']
const SEVERITIES = ['critical', 'warning', 'info']
const RUNBOOK_SECTIONS = ['## What it means', '## How to confirm', '## What to do', '## How to verify the fix']

interface Rule {
  alert?: string
  record?: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}
interface RuleFile {
  groups: Array<{ name: string; rules: Rule[] }>
}
interface AlertTest {
  alertname: string
  eval_time: string
  exp_alerts?: unknown[] | null
}
interface TestFile {
  rule_files: string[]
  tests: Array<{ name?: string; alert_rule_test?: AlertTest[] }>
}

const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yml')).sort().map((f) => join(dir, f))
const ruleFiles = yamlFiles(RULES_DIR)
const testFiles = yamlFiles(TESTS_DIR)
const rules = ruleFiles.flatMap((f) => (parse(readFileSync(f, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules))
const alerts = rules.filter((r): r is Rule & { alert: string } => typeof r.alert === 'string')
const alertNames = [...new Set(alerts.map((r) => r.alert))]

function promtool(args: string[]) {
  const result = spawnSync(PROMTOOL, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  if (result.error) throw new Error(`cannot run ${PROMTOOL} (Debian package "prometheus"): ${result.error.message}`)
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

t.test('promtool check rules accepts every rule file', async (t) => {
  t.ok(ruleFiles.length > 0, 'there are rule files')
  const { status, output } = promtool(['check', 'rules', ...ruleFiles])
  t.equal(status, 0, output)
})

t.test('promtool test rules passes every unit test file', async (t) => {
  t.ok(testFiles.length > 0, 'there are test files')
  const { status, output } = promtool(['test', 'rules', ...testFiles])
  t.equal(status, 0, output)
})

t.test('every alert is tested firing and not firing', async (t) => {
  const fired = new Set<string>()
  const quiet = new Set<string>()
  const testedRuleFiles = new Set<string>()
  for (const file of testFiles) {
    const doc = parse(readFileSync(file, 'utf8')) as TestFile
    for (const rf of doc.rule_files) testedRuleFiles.add(resolve(dirname(file), rf))
    for (const test of doc.tests) {
      for (const a of test.alert_rule_test ?? []) {
        t.ok(alertNames.includes(a.alertname), `${file}: ${a.alertname} is an alert of the rules`)
        if ((a.exp_alerts ?? []).length > 0) fired.add(a.alertname)
        else quiet.add(a.alertname)
      }
    }
  }
  for (const name of alertNames) {
    t.ok(fired.has(name), `${name} has a test where it fires`)
    t.ok(quiet.has(name), `${name} has a test where it does not fire`)
  }
  for (const file of ruleFiles) t.ok(testedRuleFiles.has(file), `${file} is loaded by a test file`)
})

t.test('every alert has a severity, a summary, a description and a runbook', async (t) => {
  for (const rule of alerts) {
    const where = `${rule.alert} (${rule.labels?.reason ?? rule.expr.slice(0, 40)})`
    t.ok(SEVERITIES.includes(rule.labels?.severity ?? ''), `${where}: severity is one of ${SEVERITIES.join(', ')}`)
    t.ok(rule.annotations?.summary, `${where}: summary`)
    t.ok(rule.annotations?.description, `${where}: description`)
    t.equal(rule.annotations?.runbook_url, `docs/runbooks/${rule.alert}.md`, `${where}: runbook_url`)
  }
  for (const name of alertNames) {
    const file = join(RUNBOOKS_DIR, `${name}.md`)
    if (!t.ok(existsSync(file), `${file} exists`)) continue
    const text = readFileSync(file, 'utf8')
    t.ok(text.startsWith(`# ${name}\n`), `${name}.md is titled with the alert name`)
    for (const section of RUNBOOK_SECTIONS) t.ok(text.includes(`\n${section}\n`), `${name}.md has "${section}"`)
  }
  for (const file of readdirSync(RUNBOOKS_DIR)) {
    t.ok(alertNames.includes(file.replace(/\.md$/, '')), `docs/runbooks/${file} belongs to an alert`)
  }
})

t.test('recording rules are named level:metric:operations', async (t) => {
  for (const rule of rules.filter((r) => r.record)) {
    t.match(rule.record, /^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/, `${rule.record}`)
  }
})

t.test('rules select only the documented scrape jobs', async (t) => {
  const monitoringDoc = readFileSync(join(ROOT, 'docs/monitoring.md'), 'utf8')
  for (const job of SCRAPE_JOBS) t.ok(monitoringDoc.includes(`| \`${job}\``), `docs/monitoring.md lists job ${job}`)
  for (const rule of rules) {
    for (const [, op, value] of rule.expr.matchAll(/\bjob\s*(=~|=)\s*"([^"]*)"/g) as Iterable<[string, string, string]>) {
      const jobs = op === '=~' ? value.split('|') : [value]
      for (const job of jobs) t.ok(SCRAPE_JOBS.includes(job), `${rule.alert ?? rule.record}: job "${job}" is documented`)
    }
  }
})

t.test("the generated prometheus.yml scrapes every job and loads these rules", async (t) => {
  const inv = loadInventory()
  const [host] = hostsWithRole(inv, 'prometheus')
  if (!t.ok(host, 'the inventory has a prometheus host') || !host) return
  const [file] = renderPrometheus({ inv, secrets: {} as Secrets, configRoot: '/nonexistent' }, host)
  const config = parse(file?.content ?? '') as { rule_files: string[]; scrape_configs: Array<{ job_name: string }> }
  const scraped = config.scrape_configs.map((c) => c.job_name)
  for (const job of SCRAPE_JOBS) t.ok(scraped.includes(job), `scrape job "${job}" is configured (has: ${scraped.join(', ')})`)
  t.ok(
    config.rule_files.some((pattern) => pattern.endsWith('infra/prometheus/rules/*.yml')),
    `rule_files load infra/prometheus/rules/*.yml (${config.rule_files.join(', ')})`,
  )
})
