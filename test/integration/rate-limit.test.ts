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

/** Waits for the start of a second, so a burst falls into one rate window. */
async function startOfASecond(): Promise<void> {
  while (Date.now() % 1000 > 30) await sleep(5)
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

  await startOfASecond()
  const statuses: number[] = []
  for (let i = 0; i < 8; i++) statuses.push((await write(first.app, token)).statusCode)
  await sleep(250) // node 1's counts reach Redis
  for (let i = 0; i < 8; i++) {
    statuses.push((await write(second, token)).statusCode)
    await sleep(30)
  }
  const passed = statuses.filter((s) => s === 400).length
  const refused = statuses.filter((s) => s === 429).length
  t.comment(`shared limit 10/s over two nodes: ${passed} writes passed, ${refused} refused (16 sent)`)
  t.equal(passed + refused, 16, 'every write was either refused or went on to validation (400 for {})')
  t.ok(passed <= 12, 'about the limit passed in all: node 2 saw node 1\'s writes')
  t.ok(refused >= 4, 'node 2 refused once the shared count was over')

  await redis.stop()
  await sleep(300)
  for (const [name, app] of [['node 1', first.app], ['node 2', second]] as const) {
    await startOfASecond()
    const burst: number[] = []
    for (let i = 0; i < 15; i++) burst.push((await write(app, token)).statusCode)
    t.equal(burst.filter((s) => s === 400).length, 10, `${name}, Redis gone: the limit holds on this node`)
    t.equal(burst.filter((s) => s === 429).length, 5, `${name}: the rest refused`)
  }
})

t.test('the limits run before the body is read: a refused request never has its body parsed', async (t) => {
  const { app, token } = await buildTestApp(t, { rateLimits: { officerWritesPerSecond: 2, officerReadsPerSecond: 1000, addressPerSecond: 5000, addressRefusalsPerSecond: 1000 } })
  const officer = token({ officerId: '02CI-parse' })
  const notJson = `{"route": "${'x'.repeat(900_000)}`
  await startOfASecond()
  const answers = []
  for (let i = 0; i < 4; i++) answers.push(await write(app, officer, { payload: notJson }))
  t.same(answers.map((a) => a.statusCode), [400, 400, 429, 429], 'MALFORMED_JSON twice, then refused without parsing')
  t.equal(answers[0]?.json().code, 'MALFORMED_JSON')
  t.equal(answers[2]?.json().code, 'RATE_LIMITED')
  t.equal(answers[2]?.headers['retry-after'], '1')
})

t.test('per client address: all requests, and refused ones before their token is even checked', async (t) => {
  const { app, token } = await buildTestApp(t, { rateLimits: { officerWritesPerSecond: 1000, officerReadsPerSecond: 1000, addressPerSecond: 20, addressRefusalsPerSecond: 5 } })
  const from = (remoteAddress: string, headers: Record<string, string> = {}) => app.inject({ url: '/api/v1/handovers', remoteAddress, headers })
  const valid = { authorization: `Bearer ${token()}` }

  await startOfASecond()
  const anonymous: number[] = []
  for (let i = 0; i < 9; i++) anonymous.push((await from('10.9.9.1')).statusCode)
  t.same(anonymous, [401, 401, 401, 401, 401, 429, 429, 429, 429], 'five refusals, then refused before any token check')
  t.equal((await from('10.9.9.1', valid)).statusCode, 429, 'even with a good token, for the rest of the second')
  t.equal((await from('10.9.9.2', valid)).statusCode, 200, 'another address is not touched')

  await startOfASecond()
  const busy: number[] = []
  for (let i = 0; i < 25; i++) busy.push((await from('10.9.9.3', valid)).statusCode)
  t.equal(busy.filter((s) => s === 200).length, 20, 'twenty requests a second from one address')
  t.equal(busy.filter((s) => s === 429).length, 5)
})
