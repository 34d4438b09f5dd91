// The officer's client as the drills run it (loadtests/lib/officer-api.js, in the real k6): an
// attempt left open when its request was decided is journaled again with the answer it gets later,
// so a drill judges that answer too (chaos/verify/drill-metrics.ts, lateFailure). Against a local
// server that keeps the first attempt silent past the client's silence time, answers the second
// 201, and then the first 500.
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnK6 } from '../../chaos/load/k6-load.ts'
import { ensureK6 } from '../../infra/launcher/k6-build.ts'
import { parseJournal } from '../../chaos/verify/journal.ts'
import { REPO_ROOT } from '../../infra/launcher/inventory.ts'

const SILENCE_MS = 1000
const FIRST_ANSWERS_AFTER_MS = 3000

t.test('an attempt left open is journaled with its later answer; the request with its deciding one', async (t) => {
  let attempts = 0
  const server = createServer((req, res) => {
    const n = ++attempts
    req.resume()
    const answer = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (n === 1) setTimeout(() => answer(500, { code: 'INTERNAL_ERROR', message: 'late', requestId: 'r1' }), FIRST_ANSWERS_AFTER_MS)
    else answer(201, { id: 'h-1' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.address() as AddressInfo).port

  const dir = mkdtempSync(join(tmpdir(), 'tqdt-late-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const script = join(dir, 'one-write.js')
  writeFileSync(
    script,
    `import { write } from '${join(REPO_ROOT, 'loadtests/lib/officer-api.js')}'
export const options = { vus: 1, iterations: 1 }
export default async function () {
  await write('POST', '/api/v1/handovers', { id: 'o1', token: 't' }, 'handover.create', 'k-1', {}, (b) => b.id, null)
}
`,
  )
  const journalFile = join(dir, 'journal.jsonl')
  const k6 = await ensureK6(() => {})
  const code = await new Promise<number | null>((resolve) => {
    const child = spawnK6({
      k6: k6.path,
      script,
      args: [`--console-output=${journalFile}`],
      env: { BASE_URL: `http://127.0.0.1:${port}`, CLIENT_WRITE_SILENCE_MS: String(SILENCE_MS) },
      logFile: join(dir, 'k6.log'),
    })
    // One write of at most the client's 30 s: a k6 still running after a minute is stopped.
    const stop = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('exit', (c) => {
      clearTimeout(stop)
      resolve(c)
    })
    child.on('error', () => resolve(null))
  })
  t.equal(code, 0, 'k6 ran the write')

  const journal = parseJournal(readFileSync(journalFile, 'utf8'))
  t.equal(attempts, 2, 'the client sent a second attempt after the silence')
  t.same(journal.requests.map((r) => [r.kind, r.status]), [['handover.create', 201]], 'the request, decided by the second attempt')
  t.same(journal.requests[0]?.resent?.map((a) => a.error), ['no answer yet (left open)'], 'the first attempt, open when it was decided')
  t.same(journal.late.map((r) => [r.kind, r.op, r.status, r.code]), [['handover.create', 'write', 500, 'INTERNAL_ERROR']], "the first attempt's later answer")
  const late = journal.late[0]!
  t.ok(late.ms >= FIRST_ANSWERS_AFTER_MS - 100 && late.end - late.start === late.ms, `timed from that attempt's sending (${late.ms} ms)`)
  t.equal(journal.requests[0]?.key, 'k-1', 'the request carries its Idempotency-Key')
  t.equal(late.key, 'k-1', 'so does the late answer: it is tied to its request')
  t.equal(journal.unreadable, 0)
})
