// A write request's hold is counted from its arrival and still binds its handler when the body
// arrives after the headers, in a separate write on the socket (as a body in its own TLS record
// does): entered in onRequest, the hold was lost across the body's parsing.
import t from 'tap'
import Fastify from 'fastify'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { addRequestHold } from '../../src/plugins/postgres.ts'
import { currentRequestHold } from '../../src/db/database.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('the handler of a POST whose body came late runs inside the hold taken on arrival', async (t) => {
  const app = Fastify()
  addRequestHold(app, 27_000)
  app.post('/w', async () => ({ hold: currentRequestHold() ?? null }))
  app.get('/r', async () => ({ hold: currentRequestHold() ?? null }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const { port } = app.server.address() as AddressInfo

  const body = JSON.stringify({ a: 1 })
  const socket = connect(port, '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  const sentAt = Date.now()
  socket.write(`POST /w HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`)
  await sleep(300)
  socket.write(body)
  let answer = ''
  socket.on('data', (d) => (answer += d))
  await new Promise((resolve) => socket.once('close', resolve))
  const hold = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).hold
  t.type(hold, 'number', `the handler saw a hold (${answer.split('\r\n')[0]})`)
  t.ok(hold >= sentAt + 27_000 - 50 && hold <= sentAt + 27_000 + 250, `counted from the headers' arrival, not the body's (${hold - sentAt} ms after sending)`)

  const read = await app.inject({ method: 'GET', url: '/r' })
  t.equal(read.json().hold, null, 'a read has no write hold')
})
