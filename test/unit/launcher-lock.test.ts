// One launcher at a time per inventory (launcher-lock.ts): a second `up`/`down` waits for the first
// instead of racing it. Real flock(1) on a real lock file; the "launcher" is a tiny program that
// takes the lock the way tqdt-cli.ts does and notes when it ran.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const REPO_ROOT = resolve(import.meta.dirname, '../..')

t.test('a second launcher of the same inventory waits for the first; another inventory does not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tqdt-lock-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const inventory = (name: string) => {
    const file = join(dir, `${name}.json`)
    writeFileSync(file, '{}')
    return file
  }
  const trace = join(dir, 'trace')
  const program = join(dir, 'launcher.ts')
  writeFileSync(program, `
import { appendFileSync } from 'node:fs'
import { underLauncherLock } from ${JSON.stringify(join(REPO_ROOT, 'infra/launcher/launcher-lock.ts'))}
const [invFile, name, holdMs] = process.argv.slice(2)
const code = await underLauncherLock({ file: invFile } as never, process.argv.slice(2))
if (code !== null) process.exit(code)
appendFileSync(${JSON.stringify(trace)}, \`\${name} start \${Date.now()}\\n\`)
await new Promise((r) => setTimeout(r, Number(holdMs)))
appendFileSync(${JSON.stringify(trace)}, \`\${name} end \${Date.now()}\\n\`)
`)
  const run = (inv: string, name: string, holdMs: number) =>
    new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn(process.execPath, [program, inv, name, String(holdMs)], { cwd: REPO_ROOT, env: { ...process.env, TQDT_LAUNCHER_LOCK_HELD: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      child.stdout.on('data', (c: Buffer) => (out += c))
      child.stderr.on('data', (c: Buffer) => (out += c))
      child.on('exit', (code) => done({ code, out }))
    })
  const lab = inventory('lock-test-a')
  const first = run(lab, 'first', 1500)
  await new Promise((r) => setTimeout(r, 500))
  const [second, other] = await Promise.all([run(lab, 'second', 10), run(inventory('lock-test-b'), 'other', 10)])
  await first
  t.equal(second.code, 0)
  t.match(second.out, /another up\/down\/deploy is running .*launcher-lock-test-a\.lock.*: waiting for it/, 'the second says why it waits')
  const at = Object.fromEntries(readFileSync(trace, 'utf8').trim().split('\n').map((l) => { const [n, e, ms] = l.split(' '); return [`${n} ${e}`, Number(ms)] }))
  t.ok(at['second start'] >= at['first end'], `the second started after the first ended (${at['second start'] - at['first end']} ms later)`)
  t.ok(at['other start'] < at['first end'], 'another inventory did not wait')
  t.notMatch(other.out, /waiting/)
  t.equal(spawnSync('flock', ['-n', join(REPO_ROOT, '.run/launcher-lock-test-a.lock'), 'true']).status, 0, 'the lock is free once both ended')
  rmSync(join(REPO_ROOT, '.run/launcher-lock-test-a.lock'), { force: true })
  rmSync(join(REPO_ROOT, '.run/launcher-lock-test-b.lock'), { force: true })
})
