// One log line per request, with what an SRE greps for: method, url, status, time, request id.
import t from 'tap'
import { Writable } from 'node:stream'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createTestSchema, testDatabaseUrl, TEST_JWT_SECRET } from '../helper.ts'

t.test('each request writes exactly one "request completed" line', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  const schema = await createTestSchema(t)
  const config = loadConfig({}, { databaseUrl: testDatabaseUrl(), databaseSchema: schema, jwtSecret: TEST_JWT_SECRET, queueEnabled: false, writeDeadlineMs: 5000 })
  const app = await buildApp(config, { logger: { level: 'info', stream } })
  await app.ready()
  t.teardown(() => app.close())

  const before = lines.length
  const res = await app.inject({ method: 'GET', url: '/api/v1/handovers/not-a-uuid', headers: { 'x-request-id': 'log-test-1' } })
  t.equal(res.statusCode, 401)
  const mine = lines.slice(before).filter((l) => l.reqId === 'log-test-1')
  t.equal(mine.length, 1, 'one line, not an "incoming request" line and a "request completed" line')
  t.match(mine[0], { msg: 'request completed', method: 'GET', url: '/api/v1/handovers/not-a-uuid', statusCode: 401, ms: Number })
})
