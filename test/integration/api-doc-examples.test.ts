// docs/api.md is executable: every ```sh block runs, in order, in ONE bash session (variables set
// by one block are seen by the next, as when an officer's developer pastes them into a terminal)
// under `set -euo pipefail`, against a real server on a fresh schema with the queue running. A
// block that fails (or hangs) fails the test, which prints the block and what it wrote.
import { spawn, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { buildTestApp, freePort } from '../helper.ts'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const DOC = path.join(REPO, 'docs/api.md')
/** The whole session; each block's own waits are bounded loops well inside this. */
const SESSION_TIMEOUT_MS = 90_000

interface Block {
  /** 1-based line of the opening fence in docs/api.md. */
  line: number
  text: string
}

function shBlocks(markdown: string): Block[] {
  const blocks: Block[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trimEnd() !== '```sh') continue
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && lines[i]?.trimEnd() !== '```'; i++) body.push(lines[i] as string)
    if (i >= lines.length) throw new Error(`docs/api.md:${start + 1}: unterminated sh block`)
    blocks.push({ line: start + 1, text: body.join('\n') })
  }
  return blocks
}

/**
 * One bash script: each block writes to its own file and, once it got through under errexit, its
 * number to `done`. The first block missing from `done` is the one that failed.
 */
function sessionScript(blocks: Block[], dir: string): string {
  const parts = [
    'set -euo pipefail',
    `trap 'echo "!! failed (exit $?): $BASH_COMMAND" >&2' ERR`,
  ]
  blocks.forEach((block, i) => {
    parts.push(
      `exec >${JSON.stringify(path.join(dir, `out-${i}.txt`))} 2>&1`,
      block.text,
      `echo ${i} $(date +%s%3N) >>${JSON.stringify(path.join(dir, 'done'))}`,
    )
  })
  return parts.join('\n') + '\n'
}

/** Runs the script in its own process group, so a hung block is killed with everything it started. */
function runSession(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: string | null; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-s'], { cwd: REPO, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
    let log = ''
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()))
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
    }, SESSION_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, log })
    })
    child.stdin.end(script)
  })
}

const missingTools = ['bash', 'curl', 'jq'].filter((tool) => spawnSync('which', [tool]).status !== 0)

t.test('every sh block of docs/api.md runs, in order, against a fresh server', async (t) => {
  t.same(missingTools, [], 'bash, curl and jq are installed (`npm run setup` provides them)')
  if (missingTools.length > 0) return

  const blocks = shBlocks(await readFile(DOC, 'utf8'))
  t.ok(blocks.length > 0, 'docs/api.md has sh blocks')

  // Print links point at the service's public address: here, this test's server.
  const port = await freePort()
  const api = await buildTestApp(t, {
    publicBaseUrl: `http://127.0.0.1:${port}`,
    queueEnabled: true,
    // A list read right after a write would otherwise depend on the replica having replayed it; the
    // doc says lists may trail a write by a moment, and this test is about the examples.
    databaseReplicaUrl: null,
  })
  await api.app.listen({ host: '127.0.0.1', port })
  const address = api.app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address')

  // API_DOC_OUTPUT=<dir> keeps each block's output there, to read what the examples answer.
  const keep = process.env.API_DOC_OUTPUT
  const dir = keep ? path.resolve(keep) : await mkdtemp(path.join(os.tmpdir(), 'api-doc-'))
  if (keep) await mkdir(dir, { recursive: true })
  else t.teardown(() => rm(dir, { recursive: true, force: true }))
  await rm(path.join(dir, 'done'), { force: true })
  const env = {
    ...process.env,
    // The node that runs this test (Node 24) is the node of the examples' `node …` lines.
    PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    API: `http://127.0.0.1:${address.port}`,
    // As `npm run -s officer -- --office 02CI --quiet` etc. would make them (docs/api.md, "Tokens").
    TOKEN: api.token({ office: '02CI', role: 'officer' }),
    TOKEN_DEST: api.token({ office: '06DS', role: 'officer' }),
    TOKEN_SUP: api.token({ office: '02CI', role: 'supervisor' }),
    TOKEN_DEST_SUP: api.token({ office: '06DS', role: 'supervisor' }),
    TOKEN_ROUTE: api.token({ office: '47I1', role: 'officer' }),
  }

  const started = Date.now()
  const result = await runSession(sessionScript(blocks, dir), env)
  const elapsed = Date.now() - started
  const doneText = existsSync(path.join(dir, 'done')) ? await readFile(path.join(dir, 'done'), 'utf8') : ''
  /** Block index → when it finished (ms since the epoch). */
  const finished = new Map(doneText.split('\n').filter(Boolean).map((l) => l.split(' ').map(Number) as [number, number]))

  let previous = started
  for (const [i, block] of blocks.entries()) {
    const outFile = path.join(dir, `out-${i}.txt`)
    const output = existsSync(outFile) ? await readFile(outFile, 'utf8') : '(not run)'
    const end = finished.get(i)
    const took = end === undefined ? '' : ` in ${end - previous} ms`
    t.ok(end !== undefined, `block ${i + 1} of ${blocks.length} (docs/api.md:${block.line}) exits 0${took}`, end !== undefined ? {} : {
      block: block.text,
      output,
      session: result.signal ? `killed by ${result.signal} after ${elapsed} ms` : `exit ${result.code}`,
      ...(result.log ? { sessionOutput: result.log } : {}),
    })
    if (end === undefined) break
    previous = end
  }
  t.equal(result.code, 0, 'the session ends with exit 0')
  t.comment(`${finished.size} of ${blocks.length} sh blocks ran in ${(elapsed / 1000).toFixed(1)} s`)
})
