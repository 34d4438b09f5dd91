// One front door (issue 16): every npm script is a command of infra/launcher/tqdt-cli.ts reached
// through tqdt.sh, whose bash only provides Node; the docs name commands that exist; no other shell
// script is an entry point. Each rule reads the repository as it is, so a new `node some/file.ts`
// in the README or a second launcher script fails here.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { COMMANDS } from '../../infra/launcher/tqdt-cli.ts'
import { stageCounts } from '../../infra/launcher/commands/test-suite.ts'

const REPO_ROOT = resolve(import.meta.dirname, '../..')
const CLI = join(REPO_ROOT, 'infra/launcher/tqdt-cli.ts')
const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts

function files(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (['node_modules', '.git', '.tools', 'runs'].includes(name) || name.startsWith('.run')) return []
    return statSync(path).isDirectory() ? files(path, keep) : keep(path) ? [path] : []
  })
}

t.test('every npm script is the CLI command of its own name, and every command has its script', async (t) => {
  t.equal(scripts.tqdt, 'bash infra/launcher/tqdt.sh', 'npm run tqdt -- COMMAND reaches any command')
  const others = Object.entries(scripts).filter(([name]) => name !== 'tqdt')
  for (const [name, line] of others) t.equal(line, `bash infra/launcher/tqdt.sh ${name}`, `npm run ${name}`)
  t.same(others.map(([name]) => name).sort(), Object.keys(COMMANDS).sort(), 'the scripts and the commands are the same set')
})

t.test("every command either runs in the CLI or names a program that exists", async (t) => {
  for (const [name, c] of Object.entries(COMMANDS)) {
    t.ok((c.run === undefined) !== (c.program === undefined), `${name}: run or program, not both`)
    if (c.program) t.ok(existsSync(join(REPO_ROOT, c.program)), `${name}: ${c.program} exists`)
    t.ok(c.summary.length > 10, `${name} says what it does`)
  }
})

t.test('bash only provides Node: tqdt.sh and ensure-node.sh, and the hooks Patroni runs', async (t) => {
  const shell = files(REPO_ROOT, (p) => p.endsWith('.sh') || /^#!.*\b(bash|sh)\b/.test(readFileSync(p, 'utf8').slice(0, 40)))
    .map((p) => relative(REPO_ROOT, p))
    .sort()
  t.same(shell, [
    '.ci/run', // CI's one line: npm test
    // Patroni's custom bootstrap and replica-creation methods: Patroni runs them as postgres, nobody types them.
    'infra/backup/bootstrap-from-repository.sh',
    'infra/backup/create-replica-from-repository.sh',
    'infra/launcher/ensure-node.sh',
    'infra/launcher/tqdt.sh',
  ])
  const entry = readFileSync(join(REPO_ROOT, 'infra/launcher/tqdt.sh'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'))
  t.same(entry.filter((l) => !/^(set -euo pipefail|here=.*|source "\$here\/ensure-node.sh" >&2|exec node "\$here\/tqdt-cli.ts" "\$@")$/.test(l)), [], 'tqdt.sh does nothing but bring Node and hand over')
  t.equal(readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8').trim().split('\n').at(-1), 'npm test', 'CI runs the README\'s test command')
})

t.test('the docs name only commands that exist, and no program by its path', async (t) => {
  const docs = [join(REPO_ROOT, 'README.md'), ...files(join(REPO_ROOT, 'docs'), (p) => p.endsWith('.md')), join(REPO_ROOT, 'chaos/report/chaos-page-template.md')]
  t.ok(docs.length > 10, `${docs.length} documents read`)
  const unknown: string[] = []
  const byPath: string[] = []
  for (const doc of docs) {
    const text = readFileSync(doc, 'utf8')
    for (const m of text.matchAll(/npm run (?:-s )?([\w:-]+)/g)) if (!(m[1] in scripts)) unknown.push(`${relative(REPO_ROOT, doc)}: npm run ${m[1]}`)
    // docs/examples/ are programs for a third party (an auditor's proof check), run with their own Node.
    for (const m of text.matchAll(/\b(?:node|bash|sh) +((?:src|infra|chaos|loadtests|test)\/[\w./-]+)/g)) byPath.push(`${relative(REPO_ROOT, doc)}: ${m[0]}`)
  }
  t.same(unknown, [], 'every `npm run X` in the docs is a script')
  t.same(byPath, [], 'no doc runs a program by its path: it names the command')
})

t.test("programs' messages and usage lines name commands too, except what a launcher itself starts", async (t) => {
  // Started by the launcher or the benchmark, never typed: the front door's two forwarders, the bare server.
  const startedByUs = new Set(['infra/launcher/lab/front-door.ts', 'loadtests/bench/bare-server.ts'])
  const code = ['src', 'infra', 'chaos', 'loadtests', 'test'].flatMap((dir) => files(join(REPO_ROOT, dir), (p) => /\.(ts|js)$/.test(p)))
  t.ok(code.length > 300, `${code.length} files read`)
  const byPath: string[] = []
  for (const file of code) {
    const name = relative(REPO_ROOT, file)
    if (startedByUs.has(name) || name === 'test/unit/command-line.test.ts') continue
    for (const m of readFileSync(file, 'utf8').matchAll(/(lab-exec -- )?\b(?:node|bash) +((?:src|infra|chaos|loadtests|test)\/[\w./-]+\.(?:ts|sh))/g)) {
      // tqdt.sh is the front door itself; `npm run lab-exec -- node FILE` runs a test program where the lab is reachable.
      if (!m[1] && m[2] !== 'infra/launcher/tqdt.sh') byPath.push(`${name}: ${m[0]}`)
    }
  }
  t.same(byPath, [], 'no program tells a person to run a file by its path')
})

t.test('the CLI: help lists every command; a wrong command is refused with the list, not a stack trace', async (t) => {
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 })
  const help = run('help')
  t.equal(help.status, 0)
  for (const name of Object.keys(COMMANDS)) t.match(help.stdout, new RegExp(`^  ${name.replace(/[:]/g, '\\$&')}\\b`, 'm'), `help lists ${name}`)
  const wrong = run('updown')
  t.equal(wrong.status, 2, 'exit 2')
  t.match(wrong.stderr, /unknown command "updown": the commands are setup, up, status, down/)
  t.notMatch(wrong.stderr, /\n\s+at /, 'no stack trace')
  t.equal(run().status, 2, 'no command: the help, exit 2')
})

t.test('a command asked for help says what it does and does nothing; one that takes nothing refuses arguments', async (t) => {
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, TQDT_INVENTORY: '/nonexistent/inventory.json' } })
  // An inventory that does not exist: a command that went on to its work would fail to load it.
  for (const [name, command] of Object.entries(COMMANDS)) {
    // The drill runner answers --help itself, at more length; it reads the real inventory as it loads.
    const help = command.ownHelp ? spawnSync(process.execPath, [CLI, name, '--help'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 }) : run(name, '--help')
    t.equal(help.status, 0, `${name} --help: exit 0`)
    t.match(help.stdout, new RegExp(`^usage: npm run ${name.replace(/[:]/g, '\\$&')}\\b`), `${name} --help prints its usage`)
    t.notMatch(help.stdout + help.stderr, /deploying|nonexistent/, `${name} --help does nothing else`)
  }
  t.equal(run('deploy', '-h').status, 0, '-h too')
  const extra = run('deploy', 'now')
  t.equal(extra.status, 2, 'deploy takes no arguments: exit 2')
  t.match(extra.stderr, /deploy takes no arguments \(got now\)\nusage: npm run deploy/)
  const lost = run('status')
  t.equal(lost.status, 2, 'an inventory that cannot be read: exit 2')
  t.match(lost.stderr, /^status: TQDT_INVENTORY=\/nonexistent\/inventory.json: cannot read inventory/m, 'said in a sentence')
  t.notMatch(lost.stderr, /\n\s+at /, 'no stack trace')
  // With TQDT_INVENTORY unset, lab-exec runs the command right here when the inventory has no lab;
  // with the default (a lab), it needs the lab. Either way it is not the usage line.
  for (const args of [['--', 'echo', '--help'], ['echo', '-h']]) {
    const passed = run('lab-exec', ...args)
    t.notMatch(passed.stdout, /^usage: npm run lab-exec/, `lab-exec ${args.join(' ')}: the -h is the command's, not lab-exec's`)
    t.match(passed.stderr, /cannot read inventory/, `lab-exec ${args.join(' ')} went past the help, to reading the inventory`)
  }
  t.match(run('lab-exec', '--help').stdout, /^usage: npm run lab-exec/, "lab-exec's own --help")
})

t.test('a program whose command shows no arguments reads none', async (t) => {
  // Such a command refuses arguments (exit 2): a program that reads options would lose them all.
  for (const [name, command] of Object.entries(COMMANDS)) {
    if (!command.program || command.usage !== '') continue
    const source = readFileSync(join(REPO_ROOT, command.program), 'utf8')
    t.notMatch(source, /parseArgs\(|process\.argv\.slice\(2\)/, `${name} (${command.program}) reads arguments: give its usage`)
  }
})

t.test("the test suite's stage counts come from tap's closing line", async (t) => {
  t.same(stageCounts('ok 1\n# { total: 2425, pass: 2425 }\n', 0), { passed: 2425, failed: 0 })
  t.same(stageCounts('# { total: 10, pass: 9, fail: 1 }\n', 1), { passed: 9, failed: 1 })
  t.same(stageCounts('# { total: 3, pass: 1 }\n# { total: 12, pass: 11, fail: 1 }\n', 1), { passed: 11, failed: 1 }, 'the last totals line')
  t.same(stageCounts('# { total: 5, pass: 5 }\n', 1), { passed: 5, failed: 1 }, 'a non-zero exit without a failed assertion still fails')
  t.same(stageCounts('typecheck ok\n', 0), { passed: 1, failed: 0 }, 'a stage without tap counts as one')
  t.same(stageCounts('error TS2304\n', 2), { passed: 0, failed: 1 })
})
