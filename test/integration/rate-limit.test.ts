// Rate limits before the body is read (issue 12): per officer and per client address, shared by two
// app nodes through a real Redis started for this test, and per node once that Redis is gone.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { connect, createServer } from 'node:net'
import type { Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance, InjectOptions } from 'fastify'
import type { Config } from '../../src/config.ts'
import { buildNodeOnSchema, buildTestApp } from '../helper.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise((r) => server.close(r))
  return port
}

/** A throwaway redis-server (Debian's, as the cluster's), stopped by PID at the end of the test. */
async function startRedis(t: Test): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort()
  const dir = mkdtempSync(path.join(tmpdir(), 'tqdt-rl-redis-'))
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  })
  let exited = false
  child.on('exit', () => (exited = true))
  const stop = async () => {
    if (!exited) {
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
    }
    rmSync(dir, { recursive: true, force: true })
  }
  t.teardown(stop)
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.on('connect', () => (socket.destroy(), resolve(true)))
      socket.on('error', () => resolve(false))
    })
    if (up) return { url: `redis://127.0.0.1:${port}`, stop }
    await sleep(100)
  }
  throw new Error('redis-server did not start')
}

/**
 * Runs a burst inside one one-second rate window: starts at the top of a second, and runs again when
 * a slow machine let the burst spill into the next second (the windows are fixed seconds).
 */
async function inOneWindow<T>(burst: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    while (Date.now() % 1000 > 30) await sleep(5)
    const window = Math.floor(Date.now() / 1000)
    const result = await burst()
    if (Math.floor(Date.now() / 1000) === window || attempt === 5) return result
    await sleep(1000) // the counts of the spilt burst leave with their window
  }
}

async function twoNodes(t: Test, overrides: Partial<Config>) {
  const first = await buildTestApp(t, overrides)
  const second = await buildNodeOnSchema(t, first.schema, overrides)
  for (const app of [first.app, second]) {
    for (let i = 0; i < 50 && app.redis?.status !== 'ready'; i++) await sleep(100)
  }
  return { first, second }
}

const write = (app: FastifyInstance, token: string, extra: Partial<InjectOptions> = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/handovers',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: '{}',
    ...extra,
  })

t.test('an officer\'s writes are limited across the nodes through Redis, and per node once Redis is gone', async (t) => {
  const redis = await startRedis(t)
  const limits = { officerWritesPerSecond: 10, officerReadsPerSecond: 1000, addressPerSecond: 5000, addressRefusalsPerSecond: 1000 }
  const { first, second } = await twoNodes(t, { redisUrl: redis.url, rateLimits: limits })
  const token = first.token({ officerId: '02CI-busy' })

  // Node 1's counts reach Redis at its flush, and node 2 learns the total at its own: flushed here
  // by hand instead of waiting for the 100 ms timer, so the burst fits one window on a slow machine.
  const statuses = await inOneWindow(async () => {
    const seen: number[] = []
    for (let i = 0; i < 8; i++) seen.push((await write(first.app, token)).statusCode)
    await first.app.rateLimiter.flush()
    seen.push((await write(second, token)).statusCode)
    await second.rateLimiter.flush()
    for (let i = 0; i < 7; i++) seen.push((await write(second, token)).statusCode)
    return seen
  })
  const passed = statuses.filter((s) => s === 400).length
  const refused = statuses.filter((s) => s === 429).length
  t.comment(`shared limit 10/s over two nodes: ${passed} writes passed, ${refused} refused (16 sent)`)
  t.equal(passed + refused, 16, 'every write was either refused or went on to validation (400 for {})')
  t.equal(passed, 10, 'the limit held across the nodes: node 2 counted node 1\'s writes')
  t.equal(refused, 6)

  await redis.stop()
  await sleep(300)
  for (const [name, app] of [['node 1', first.app], ['node 2', second]] as const) {
    const burst = await inOneWindow(async () => {
      const seen: number[] = []
      for (let i = 0; i < 15; i++) seen.push((await write(app, token)).statusCode)
      await app.rateLimiter.flush() // nothing to send it to: the counts stay on this node
      return seen
    })
    t.equal(burst.filter((s) => s === 400).length, 10, `${name}, Redis gone: the limit holds on this node`)
    t.equal(burst.filter((s) => s === 429).length, 5, `${name}: the rest refused`)
  }
})

t.test('the limits run before the body is read: a refused request never has its body parsed', async (t) => {
  const { app, token } = await buildTestApp(t, { rateLimits: { officerWritesPerSecond: 2, officerReadsPerSecond: 1000, addressPerSecond: 5000, addressRefusalsPerSecond: 1000 } })
  const officer = token({ officerId: '02CI-parse' })
  const notJson = `{"route": "${'x'.repeat(900_000)}`
  const answers = await inOneWindow(async () => {
    const seen = []
    for (let i = 0; i < 4; i++) seen.push(await write(app, officer, { payload: notJson }))
    return seen
  })
  t.same(answers.map((a) => a.statusCode), [400, 400, 429, 429], 'MALFORMED_JSON twice, then refused without parsing')
  t.equal(answers[0]?.json().code, 'MALFORMED_JSON')
  t.equal(answers[2]?.json().code, 'RATE_LIMITED')
  t.equal(answers[2]?.headers['retry-after'], '1')
})

t.test('per client address: all requests, and refused ones before their token is even checked', async (t) => {
  const { app, token } = await buildTestApp(t, { rateLimits: { officerWritesPerSecond: 1000, officerReadsPerSecond: 1000, addressPerSecond: 20, addressRefusalsPerSecond: 5 } })
  const from = (remoteAddress: string, headers: Record<string, string> = {}) => app.inject({ url: '/api/v1/handovers', remoteAddress, headers })
  const valid = { authorization: `Bearer ${token()}` }

  const [anonymous, withToken, elsewhere] = await inOneWindow(async () => {
    const seen: number[] = []
    for (let i = 0; i < 9; i++) seen.push((await from('10.9.9.1')).statusCode)
    return [seen, (await from('10.9.9.1', valid)).statusCode, (await from('10.9.9.2', valid)).statusCode] as const
  })
  t.same(anonymous, [401, 401, 401, 401, 401, 429, 429, 429, 429], 'five refusals, then refused before any token check')
  t.equal(withToken, 429, 'even with a good token, for the rest of the second')
  t.equal(elsewhere, 200, 'another address is not touched')

  const busy = await inOneWindow(async () => {
    const seen: number[] = []
    for (let i = 0; i < 25; i++) seen.push((await from('10.9.9.3', valid)).statusCode)
    return seen
  })
  t.equal(busy.filter((s) => s === 200).length, 20, 'twenty requests a second from one address')
  t.equal(busy.filter((s) => s === 429).length, 5)
})
