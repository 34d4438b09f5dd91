// The contract stage of npm test (issue 12, item 5): schemathesis, every check, against the running
// cluster through HAProxy, once each with an officer's, a supervisor's and an admin's token, the
// stateful phase included (it follows the document's links from each create to its reads).
//
// Passes when at least MIN_CASES test cases ran in all (MIN_CASES_PER_ROLE for each role, the stateful
// phase included), and, for every role: no server error, no response that
// breaks its schema, no undocumented status code or content type — no failure of any check at all,
// but one: "schema-valid request rejected" (ST202) is allowed where the refusal is a rule the schema
// cannot state (a check digit, the office registry, a rule between fields), and only when every
// problem of the refusal is listed in docs/api.md's table "What the schema cannot say". A new kind of
// refusal fails the stage until the schema says it or the table does.
//
//   npm run lab-exec -- node test/contract/run-contract-fuzz.ts [--max-examples N] [--roles officer,supervisor,admin]
// Replay a run with CONTRACT_SEED=<the seed it printed>.
import { execFileSync, spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { clusterPath, endpoints, loadInventory, REPO_ROOT } from '../../infra/launcher/cluster-api.ts'

const MIN_CASES = 1000
const MIN_CASES_PER_ROLE = 200
const ST = join(REPO_ROOT, '.tools/schemathesis-venv/bin/st')
const HERE = join(REPO_ROOT, 'test/contract')
const ROLES = ['officer', 'supervisor', 'admin'] as const
type Role = (typeof ROLES)[number]

interface Rule {
  code: string
  fields: RegExp[]
}

/** The rows of docs/api.md's table between its markers: `CODE` | `field`, `field.N.x`, `*` | rule. */
export function rulesTheSchemaCannotSay(markdown: string): Rule[] {
  const table = /<!-- schema-cannot-say:begin -->([\s\S]*?)<!-- schema-cannot-say:end -->/.exec(markdown)?.[1]
  if (!table) throw new Error('docs/api.md has no table between <!-- schema-cannot-say:begin --> and :end')
  return table
    .split('\n')
    .filter((line) => /^\|\s*`/.test(line))
    .map((line) => {
      const [codes = '', fields = ''] = line.split('|').slice(1)
      const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string)
      const patterns = ticks(fields).map(
        (f) => new RegExp(`^${f.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\\\.N(?=\\\.|$)/g, '\\.\\d+').replaceAll('*', '.*')}$`),
      )
      return ticks(codes).map((code) => ({ code, fields: patterns }))
    })
    .flat()
}

interface ErrorBody {
  code?: string
  details?: Array<{ field?: string; code?: string }>
}

/** Why a rejected schema-valid request is not allowed, or null when every problem is in the table. */
export function unexplained(body: ErrorBody | null, rules: Rule[]): string | null {
  if (!body?.code) return 'the answer has no error code'
  const covered = (code: string, field: string) => rules.some((r) => r.code === code && r.fields.some((f) => f.test(field)))
  const problems = body.details?.length ? body.details.map((d) => ({ code: d.code ?? '?', field: d.field ?? '' })) : [{ code: body.code, field: '-' }]
  const missing = problems.filter((p) => !covered(p.code, p.field))
  return missing.length === 0 ? null : missing.map((p) => `${p.field}:${p.code}`).join(', ')
}

function tokenFor(role: Role): string {
  const inv = loadInventory()
  return execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'src/commands/officer-command.ts'), '--id', `02CI-contract-${role}`, '--name', `Contract ${role}`, '--office', '02CI', '--role', role, '--quiet', '--ttl-hours', '2'],
    { env: { ...process.env, DATABASE_URL: endpoints(inv).databaseUrl, JWT_SECRET: '', JWT_SECRET_FILE: clusterPath(inv, 'secrets', 'jwt-secret') }, encoding: 'utf8' },
  ).trim()
}

interface RoleResult {
  role: Role
  seed: string
  cases: number
  phases: string
  failures: Map<string, number>
  allowed: Map<string, number>
  disallowed: string[]
  errors: string[]
}

interface RunSettings {
  baseUrl: string
  /** The cluster CA: schemathesis verifies the front's certificate with it (never verification off). */
  caFile: string
  maxExamples: number
  /** schemathesis' own time budget for one role's run (--max-time), so the stage stays within its minutes. */
  maxSeconds: number
  /** Threads of one schemathesis run (--workers); its generation holds Python's lock, so 1 unless the API is slow. */
  workers: number
  rules: Rule[]
  logDir: string
}

async function runRole(role: Role, { baseUrl, caFile, maxExamples, maxSeconds, workers, rules, logDir }: RunSettings): Promise<RoleResult> {
  const dir = join(logDir, role)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const seed = process.env.CONTRACT_SEED ?? String(Math.floor(Math.random() * 2 ** 48))
  const args = [
    '--config-file', join(HERE, 'schemathesis.toml'), '--no-color',
    'run', `${baseUrl}/docs/json`, '--url', baseUrl,
    '--tls-verify', caFile,
    '--checks', 'all', '--max-examples', String(maxExamples), '--max-time', String(maxSeconds), '--workers', String(workers), '--seed', seed,
    // An allowed refusal (a check digit) must not end an operation's run before its cases are spent.
    '--continue-on-failure',
    // The three roles share one client address: together under the cluster's 100 refusals a second per
    // address (RATE_LIMIT_ADDRESS_REFUSALS), or an anonymous probe meets 429 before its 401 (ST203).
    '--rate-limit', '30/s',
    // No example store in the working tree (.schemathesis/): each run stands on its seed alone.
    '--generation-database', 'none',
    '--report', 'json,ndjson', '--report-dir', dir,
  ]
  console.log(`==> schemathesis as ${role}: --checks all --max-examples ${maxExamples} --max-time ${maxSeconds} --seed ${seed}`)
  // The roles run at once, each in its own process: hypothesis' generation is CPU-bound Python (one core
  // per process whatever --workers says), and three processes use both cores where one would not.
  const log = join(dir, 'schemathesis.log')
  const run = await new Promise<{ status: number | null; error?: Error }>((resolve) => {
    const out = createWriteStream(log)
    // The token by environment (schemathesis.toml's headers), not on the command line: any user of the
    // machine reads a command line in `ps`, a process's environment only its owner and root.
    const env = { ...process.env, PYTHONPATH: HERE, CONTRACT_TOKEN: tokenFor(role) }
    const child = spawn(ST, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
    child.stdout.pipe(out)
    child.stderr.pipe(out)
    // --max-time bounds the run; this only ends one that hangs past it.
    const timer = setTimeout(() => child.kill('SIGTERM'), (maxSeconds + 120) * 1000)
    child.on('error', (error) => resolve({ status: null, error }))
    child.on('close', (status) => {
      clearTimeout(timer)
      out.end(() => resolve({ status }))
    })
  })
  const result: RoleResult = { role, seed, cases: 0, phases: '', failures: new Map(), allowed: new Map(), disallowed: [], errors: [] }
  if (run.error) result.errors.push(`schemathesis did not run: ${run.error.message}`)
  console.log(`<== schemathesis as ${role}: exit ${run.status}; its output: ${log}`)
  // Its summary (phases, failures, what stateful testing reached) for the test log.
  const text = readFileSync(log, 'utf8')
  const tail = text.indexOf('=== SUMMARY ===') >= 0 ? text.slice(text.lastIndexOf('\n', text.indexOf('=== SUMMARY ==='))) : text.slice(-4000)
  console.log(tail.replace(/^/gm, `  [${role}] `))
  const report = readdirSync(dir).find((f) => f.endsWith('.json'))
  const events = readdirSync(dir).find((f) => f.endsWith('.ndjson'))
  if (!report || !events) {
    result.errors.push(`no report in ${dir} (exit ${run.status})`)
    return result
  }
  const summary = JSON.parse(readFileSync(join(dir, report), 'utf8')) as {
    test_cases: { generated: number }
    phases: Record<string, { status: string; skip_reason: string | null }>
    errors: unknown[]
  }
  result.cases = summary.test_cases.generated
  result.phases = Object.entries(summary.phases).map(([name, p]) => `${name} ${p.status}`).join(', ')
  for (const error of summary.errors) result.errors.push(JSON.stringify(error).slice(0, 300))
  if (summary.phases.stateful?.status === 'skip' || summary.phases.stateful?.status === 'skipped') result.errors.push('the stateful phase did not run')

  for (const line of readFileSync(join(dir, events), 'utf8').split('\n')) {
    if (!line.includes('"ScenarioFinished"')) continue
    const recorder = (JSON.parse(line) as { ScenarioFinished: { recorder: Recorder } }).ScenarioFinished.recorder
    for (const [caseId, checks] of Object.entries(recorder.checks ?? {})) {
      for (const check of checks) {
        if (check.status !== 'failure') continue
        const failure = check.failure_info?.failure
        const code = failure?.code ?? check.name
        const operation = failure?.operation ?? recorder.label
        result.failures.set(code, (result.failures.get(code) ?? 0) + 1)
        const response = recorder.interactions?.[caseId]?.response
        if (code === 'ST202') {
          const body = decodeBody(response?.content)
          const why = unexplained(body, rules)
          if (why === null) {
            // Each code once: a list of 400 duplicates is one rule, not a 400-code key.
            const key = body?.details?.length ? [...new Set(body.details.map((d) => d.code))].join('+') : (body?.code ?? '?')
            result.allowed.set(key, (result.allowed.get(key) ?? 0) + 1)
            continue
          }
          result.disallowed.push(`${operation}: ST202 ${response?.status_code} not in the table: ${why}`)
          continue
        }
        result.disallowed.push(`${operation}: ${code} ${failure?.title ?? ''} (${response?.status_code ?? '-'}) ${firstLine(failure?.message)}`)
      }
    }
  }
  return result
}

interface Recorder {
  label: string
  checks?: Record<string, Array<{ name: string; status: string; failure_info?: { failure?: { code?: string; title?: string; operation?: string; message?: string } } }>>
  interactions?: Record<string, { response?: { status_code: number; content?: { $base64?: string; string?: string } } }>
}

function decodeBody(content: { $base64?: string; string?: string } | undefined): ErrorBody | null {
  const text = content?.$base64 !== undefined ? Buffer.from(content.$base64, 'base64').toString('utf8') : content?.string
  try {
    return text ? (JSON.parse(text) as ErrorBody) : null
  } catch {
    return null
  }
}

const firstLine = (text: string | undefined) => (text ?? '').split('\n')[0]?.slice(0, 160) ?? ''

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'max-examples': { type: 'string', default: '25' },
      'max-seconds': { type: 'string', default: '120' },
      workers: { type: 'string', default: '1' },
      roles: { type: 'string', default: ROLES.join(',') },
    },
  })
  if (!existsSync(ST)) {
    console.error(`contract: ${ST} is missing: run \`npm run setup\``)
    return 1
  }
  const rules = rulesTheSchemaCannotSay(readFileSync(join(REPO_ROOT, 'docs/api.md'), 'utf8'))
  const { httpBaseUrl: baseUrl, caFile } = endpoints(loadInventory())
  const settings = {
    baseUrl,
    caFile,
    maxExamples: Number(values['max-examples']),
    maxSeconds: Number(values['max-seconds']),
    workers: Number(values.workers),
    rules,
    logDir: join(REPO_ROOT, '.run/test-logs/contract'),
  }
  const roles = (values.roles as string).split(',') as Role[]
  const results = await Promise.all(roles.map((role) => runRole(role, settings)))

  console.log('\n==> contract (schemathesis) summary')
  let ok = true
  for (const r of results) {
    // schemathesis' failure codes: `st explain ST101` …
    const count = (...codes: string[]) => codes.reduce((n, code) => n + (r.failures.get(code) ?? 0), 0)
    console.log(
      `  ${r.role.padEnd(10)} ${String(r.cases).padStart(5)} cases (seed ${r.seed}); phases: ${r.phases}\n` +
        `             server errors ${count('ST101', 'ST102')}, response-schema violations ${count('ST108', 'ST109', 'ST104')}, ` +
        `undocumented status codes ${count('ST103')}, undocumented content types ${count('ST105')}, other failures ` +
        `${[...r.failures].filter(([c]) => !['ST101', 'ST102', 'ST108', 'ST109', 'ST104', 'ST103', 'ST105', 'ST202'].includes(c)).reduce((n, [, v]) => n + v, 0)}; ` +
        `schema-valid requests rejected by a documented rule ${[...r.allowed.values()].reduce((a, b) => a + b, 0)}` +
        (r.allowed.size ? ` (${[...r.allowed].map(([k, n]) => `${k} ${n}`).join(', ')})` : ''),
    )
    if (r.cases < MIN_CASES_PER_ROLE) r.errors.push(`only ${r.cases} test cases (at least ${MIN_CASES_PER_ROLE} a role)`)
    for (const line of [...r.errors, ...new Set(r.disallowed)]) {
      ok = false
      console.log(`  FAIL ${r.role}: ${line}`)
    }
  }
  const total = results.reduce((n, r) => n + r.cases, 0)
  console.log(`  all roles  ${String(total).padStart(5)} cases`)
  if (total < MIN_CASES) {
    ok = false
    console.log(`  FAIL: only ${total} test cases in all (at least ${MIN_CASES})`)
  }
  console.log(ok ? 'contract: every check passed for every role' : 'contract: FAILED (reports in .run/test-logs/contract/)')
  return ok ? 0 : 1
}

if (import.meta.main) process.exitCode = await main()
