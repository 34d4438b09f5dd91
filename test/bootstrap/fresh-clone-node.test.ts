// The README's first command on a fresh machine (issue 12): a fresh clone, no .tools/, and a PATH on
// which the only Node is Debian's /usr/bin/node. The launcher's bootstrap must install its own Node 24
// and run the project's TypeScript with it; a fallback to the machine's Node 20 fails here.
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const REPO_ROOT = new URL('../..', import.meta.url).pathname
const SCRUBBED_PATH = '/usr/sbin:/usr/bin:/sbin:/bin'
const PINNED = 'v24.21.0'

t.test('a fresh clone bootstraps its own Node with a scrubbed PATH', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tqdt-fresh-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const clone = join(dir, 'repo')
  execFileSync('git', ['clone', '--quiet', REPO_ROOT, clone])
  t.notOk(existsSync(join(clone, '.tools')), 'the clone starts without .tools/')

  // What every npm script does on such a machine (package.json: "bash infra/launcher/tqdt.sh …"):
  // tqdt.sh must install, then hand the command to the CLI on the project's Node, with that Node first
  // on the PATH of what the command runs. lab-exec on a loopback inventory runs its command right here.
  const env = { ...process.env, PATH: SCRUBBED_PATH, TQDT_INVENTORY: 'infra/inventory/local.json' }
  const run = spawnSync(
    'bash',
    ['infra/launcher/tqdt.sh', 'lab-exec', '--', 'node', '-e', 'console.log(JSON.stringify({ exec: process.execPath, version: process.version }))'],
    { cwd: clone, env, encoding: 'utf8', timeout: 600_000 },
  )
  t.equal(run.status, 0, `bootstrap exits 0 (stderr: ${run.stderr.slice(-2000)})`)
  const last = run.stdout.trim().split('\n').at(-1) ?? '{}'
  const used = JSON.parse(last) as { exec: string; version: string }
  t.equal(used.version, PINNED, 'the pinned Node ran the script')
  t.ok(used.exec.startsWith(join(clone, '.tools') + '/'), `its binary is the clone's own (${used.exec})`)
  t.ok(existsSync(join(clone, 'node_modules', '.lock-stamp')), 'npm ci ran and left its stamp')

  // A second run is idempotent: nothing to install, the same Node.
  const again = spawnSync('bash', ['infra/launcher/tqdt.sh', 'lab-exec', '--', 'node', '-e', 'console.log(process.execPath)'], {
    cwd: clone,
    env,
    encoding: 'utf8',
  })
  t.equal(again.status, 0)
  t.notMatch(again.stdout + again.stderr, /installing|npm ci/, 'the second run installs nothing')
  t.equal(again.stdout.trim(), used.exec)
})

t.test('the bootstrap stops when its install did not land where it runs node from', async (t) => {
  // The failure of issue 12: npm installed Node 24 somewhere else (the repository's node_modules),
  // and `node` fell back to Debian's Node 20. An npm that "succeeds" without installing anything
  // reproduces it; the bootstrap must stop with a message instead of running the wrong node.
  const dir = mkdtempSync(join(tmpdir(), 'tqdt-fresh-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'infra', 'launcher'), { recursive: true })
  mkdirSync(join(dir, 'fake-bin'))
  copyFileSync(join(REPO_ROOT, 'infra/launcher/ensure-node.sh'), join(dir, 'infra/launcher/ensure-node.sh'))
  writeFileSync(join(dir, 'fake-bin', 'npm'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
  const run = spawnSync('bash', ['-c', 'source infra/launcher/ensure-node.sh && echo "ran with $(command -v node)"'], {
    cwd: dir,
    env: { ...process.env, PATH: `${join(dir, 'fake-bin')}:${SCRUBBED_PATH}` },
    encoding: 'utf8',
    timeout: 60_000,
  })
  t.not(run.status, 0, 'exits non-zero')
  t.notMatch(run.stdout, /ran with/, 'runs nothing after the failed check')
  t.match(run.stderr, /ensure-node: expected Node v?24\.21\.0 at .*\.tools\/node-24\.21\.0/, 'names the node it expected')
  t.match(run.stderr, /\/usr\/bin\/node/, 'and the node it found instead')
})
