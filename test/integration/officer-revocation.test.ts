// `npm run officer -- --disable ID` (the real command) makes two app nodes on one database refuse the
// officer's tokens — one they have already remembered — within the 60 s the issue asks for; the time
// each node took is printed. The nodes keep their default revocation refresh (10 s).
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildNodeOnSchema, buildTestApp, testDatabaseUrl, TEST_JWT_SECRET } from '../helper.ts'

const COMMAND = path.resolve(import.meta.dirname, '../../src/commands/officer-command.ts')
const run = promisify(execFile)

t.test('a disabled officer gets 401 TOKEN_REVOKED on every node within 60 s, remembered tokens included', async (t) => {
  const first = await buildTestApp(t)
  const second = await buildNodeOnSchema(t, first.schema)
  const nodes: Array<[string, FastifyInstance]> = [['node 1', first.app], ['node 2', second]]
  const officer = (...args: string[]) =>
    run(process.execPath, [COMMAND, ...args], {
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), PGOPTIONS: `-c search_path=${first.schema}`, JWT_SECRET: TEST_JWT_SECRET, JWT_SECRET_FILE: '' },
    })
  const get = (app: FastifyInstance, token: string) =>
    app.inject({ url: '/api/v1/handovers', headers: { authorization: `Bearer ${token}` } })

  const id = '02CI-revoked'
  const token = (await officer('--id', id, '--office', '02CI', '--role', 'officer', '--quiet')).stdout.trim()
  for (const [name, app] of nodes) t.equal((await get(app, token)).statusCode, 200, `${name} accepts and remembers the token`)

  const disabledAt = Date.now()
  const { stderr } = await officer('--disable', id)
  t.match(stderr, /officer 02CI-revoked disabled/)
  // Both nodes polled at once: each one's figure is when it first refused.
  const latencies = await Promise.all(
    nodes.map(async ([name, app]) => {
      let res = await get(app, token)
      while (res.statusCode === 200 && Date.now() - disabledAt < 60_000) {
        await new Promise((r) => setTimeout(r, 100))
        res = await get(app, token)
      }
      const seconds = (Date.now() - disabledAt) / 1000
      t.equal(res.statusCode, 401, `${name} refuses the remembered token`)
      t.equal(res.json().code, 'TOKEN_REVOKED')
      t.ok(seconds < 60, `${name} within 60 s`)
      return `${name} ${seconds.toFixed(1)} s`
    }),
  )
  t.comment(`revocation reached: ${latencies.join(', ')} after the command (refresh every ${first.app.config.revocationRefreshMs} ms)`)

  await t.rejects(officer('--id', id, '--office', '02CI', '--role', 'officer'), /officer 02CI-revoked is disabled/, 'no new token while disabled')
  await t.rejects(officer('--disable', 'nobody-like-this'), /no officer nobody-like-this is recorded/)

  await officer('--enable', id)
  // Issued in a later second than the disable: tokens of that second or before stay refused.
  await new Promise((r) => setTimeout(r, 1100))
  const fresh = (await officer('--id', id, '--office', '02CI', '--role', 'officer', '--quiet')).stdout.trim()
  for (const [name, app] of nodes) {
    const deadline = Date.now() + 60_000
    let res = await get(app, fresh)
    while (res.statusCode !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
      res = await get(app, fresh)
    }
    t.equal(res.statusCode, 200, `${name}: enabled again, a new token is accepted`)
    t.equal((await get(app, token)).json().code, 'TOKEN_REVOKED', `${name}: the token from before the disable stays refused`)
  }
})

t.test('the officer command signs no token longer than the service accepts', async (t) => {
  await t.rejects(
    run(process.execPath, [COMMAND, '--office', '02CI', '--no-db', '--ttl-hours', '13'], { env: { ...process.env, JWT_SECRET: TEST_JWT_SECRET } }),
    /at most 12 \(JWT_MAX_LIFETIME_HOURS\)/,
  )
  await t.rejects(
    run(process.execPath, [COMMAND, '--office', '02CI', '--no-db'], { env: { ...process.env, JWT_SECRET: 'short', JWT_SECRET_FILE: '' } }),
    /at least 32 bytes/,
  )
})
