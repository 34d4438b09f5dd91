// What the cluster and the tests need on a fresh Debian 12 machine besides Node (which tqdt.sh brings):
// Debian packages, Patroni and schemathesis from PyPI (pinned, each in its own venv under .tools/), k6
// (k6-build.ts), and traverse permission for postgres up to the checkout. Each step checks first and
// does only what is missing, so `up` and `test` run it every time.
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { PATRONI_VENV } from '../components.ts'
import { REPO_ROOT } from '../inventory.ts'
import { ensureK6 } from '../k6-build.ts'
import { LaunchError, say } from '../launch-progress.ts'

// Debian's Patroni 3.0.2 loses acknowledged writes after a frozen primary resumes (fixed upstream
// in patroni/patroni#2689): Patroni comes from PyPI, pinned, into a venv that postgres can read.
const PATRONI_SPEC = ['patroni[etcd3]==4.1.5', 'psycopg2-binary==2.9.13']
const PATRONI_VERSION = 'patroni 4.1.5'

const APT_PACKAGES = [
  'postgresql-15', 'etcd-server', 'etcd-client', 'haproxy', 'redis-server', 'redis-sentinel', 'redis-tools',
  'prometheus', 'prometheus-postgres-exporter', 'prometheus-redis-exporter',
  'nftables', 'python3-venv', 'util-linux', 'procps', 'pgbackrest',
  // the namespace lab: a floating address between the load balancers; the lab's CA
  'keepalived', 'iproute2', 'openssl',
  // what TLS costs per component: CPU samples by process and symbol (npm run bench -- --tls-cost)
  'linux-perf',
  // the examples of docs/api.md, run by test/integration/api-doc-examples.test.ts
  'curl', 'jq',
  // prints opened as a person opens them (test/integration/prints.test.ts)
  'chromium', 'poppler-utils',
]

/** schemathesis, the contract stage's fuzzer, every package pinned; reinstalled when the file changes. */
const SCHEMATHESIS_REQUIREMENTS = join(REPO_ROOT, 'test/contract/requirements.txt')
const SCHEMATHESIS_VENV = join(REPO_ROOT, '.tools/schemathesis-venv')

function run(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): void {
  const res = spawnSync(command, args, { env: opts.env ?? process.env, stdio: ['ignore', opts.quiet ? 'ignore' : 'inherit', 'inherit'] })
  if (res.status !== 0) throw new LaunchError(`${command} ${args.join(' ')} failed (exit ${res.status ?? res.signal}${res.error ? `: ${res.error.message}` : ''})`)
}

function ensurePackages(): void {
  const missing = APT_PACKAGES.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0)
  if (missing.length === 0) return
  say(`apt-get install ${missing.join(' ')}`)
  // The packages' own services would take ports the lab's hosts need (prometheus and the exporters
  // listen on every address): keep apt from starting them, as on a Docker image.
  const guard = '/usr/sbin/policy-rc.d'
  const placed = !existsSync(guard)
  if (placed) {
    writeFileSync(guard, '#!/bin/sh\nexit 101\n')
    chmodSync(guard, 0o755)
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  try {
    run('apt-get', ['update', '-qq'], { env })
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, quiet: true })
  } finally {
    if (placed) rmSync(guard, { force: true })
  }
}

function venv(dir: string, packages: string[]): void {
  rmSync(dir, { recursive: true, force: true })
  // Debian's python3, not a per-user one (pyenv under /root): postgres must be able to run it.
  run('/usr/bin/python3', ['-m', 'venv', dir])
  run(join(dir, 'bin/pip'), ['install', '-q', '--disable-pip-version-check', ...packages])
}

function ensurePatroni(): void {
  const bin = join(PATRONI_VENV, 'bin/patroni')
  // A venv whose interpreter is gone (Python upgraded) fails to run at all: rebuilt like a wrong version.
  if (existsSync(bin) && spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.trim() === PATRONI_VERSION) return
  say(`installing ${PATRONI_SPEC.join(' ')} into .tools/patroni-venv`)
  venv(PATRONI_VENV, PATRONI_SPEC)
  run('chmod', ['-R', 'a+rX', PATRONI_VENV])
}

function ensureSchemathesis(): void {
  const stamp = join(SCHEMATHESIS_VENV, '.requirements')
  const wanted = readFileSync(SCHEMATHESIS_REQUIREMENTS, 'utf8')
  if (existsSync(join(SCHEMATHESIS_VENV, 'bin/st')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return
  say('installing schemathesis (test/contract/requirements.txt) into .tools/schemathesis-venv')
  venv(SCHEMATHESIS_VENV, ['-r', SCHEMATHESIS_REQUIREMENTS])
  copyFileSync(SCHEMATHESIS_REQUIREMENTS, stamp)
}

/**
 * PostgreSQL runs as postgres: it must reach the venv, its config and its data folder inside the
 * repository. Give traverse permission (not read) on any ancestor that lacks it.
 */
function ensureTraversable(): void {
  for (let dir = REPO_ROOT; dir !== '/'; dir = dirname(dir)) {
    const ok = spawnSync('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', 'test', '-x', dir], { stdio: 'ignore' }).status === 0
    if (ok) continue
    say(`chmod o+x ${dir} (postgres must traverse it to reach .run/ and .tools/)`)
    chmodSync(dir, statSync(dir).mode | 0o001)
  }
}

/** `up` needs the servers; `install` (the test suite's first stage) also the tools the tests run. */
export async function installPrerequisites(scope: 'cluster' | 'everything'): Promise<void> {
  if (process.getuid?.() !== 0) throw new LaunchError('installing needs root (apt, and running PostgreSQL as postgres)')
  ensurePackages()
  ensurePatroni()
  ensureTraversable()
  if (scope === 'cluster') return
  ensureSchemathesis()
  await ensureK6(say)
  say('everything the cluster and the tests need is installed')
}
