// The ceiling the benchmark compares the service with: a bare Fastify server doing exactly one pg
// query per request through the same HAProxy ports as the app (writes :5000 → primary, reads :5001 →
// replicas), with the app's pool size and no auth, validation, audit or idempotency. Not part of the
// product: bench-runner.ts starts it on an app host's address for the run and stops it by PID.
// With BARE_TLS_CERT/KEY/CA it speaks HTTPS and asks for a client certificate of the CA, as an app
// node does, so HAProxy reaches it the way it reaches the app (fe_bench, haproxy-config.ts).
//
//   BARE_HOST=127.0.0.41 BARE_PORT=3900 DATABASE_URL=… DATABASE_REPLICA_URL=… [BARE_TLS_CERT=… BARE_TLS_KEY=… BARE_TLS_CA=…] node loadtests/bench/bare-server.ts
//
//   GET  /bare/handovers/:id   one SELECT of a handover row by primary key (the app's first query)
//   POST /bare/rows            one INSERT of the JSON body into bench.bare_rows (synchronous commit)
import Fastify from 'fastify'
import pg from 'pg'
import { serverTlsOptions } from '../../src/tls-files.ts'

const env = process.env
const poolMax = Number(env.BARE_POOL_MAX || 10)
const pool = (connectionString: string | undefined, name: string) =>
  new pg.Pool({ connectionString, max: poolMax, keepAlive: true, application_name: `bench-bare-${name}`, connectionTimeoutMillis: 2000 })

const writes = pool(env.DATABASE_URL, 'primary')
const reads = pool(env.DATABASE_REPLICA_URL || env.DATABASE_URL, 'replica')
// An idle client's error must not take the process down in the middle of a measurement.
for (const p of [writes, reads]) p.on('error', () => undefined)

const tls = env.BARE_TLS_CERT && env.BARE_TLS_KEY ? { certFile: env.BARE_TLS_CERT, keyFile: env.BARE_TLS_KEY, clientCaFile: env.BARE_TLS_CA || null } : null
const app = Fastify({ logger: false, keepAliveTimeout: 72_000, ...(tls ? { https: serverTlsOptions(tls) } : {}) })

app.get('/health', async () => ({ ok: true }))

app.get<{ Params: { id: string } }>('/bare/handovers/:id', async (request, reply) => {
  const { rows } = await reads.query(
    `SELECT id, handover_number, status, version, departure_office, destination_office, destination_place,
            declaration_numbers, vehicle, route, handed_over_at, due_at, handed_over_by, origin
       FROM handovers WHERE id = $1`,
    [request.params.id],
  )
  if (!rows[0]) return reply.code(404).send({ code: 'NOT_FOUND' })
  return rows[0]
})

app.post('/bare/rows', async (request, reply) => {
  const { rows } = await writes.query('INSERT INTO bench.bare_rows (payload) VALUES ($1) RETURNING id', [JSON.stringify(request.body ?? null)])
  return reply.code(201).send({ id: rows[0].id })
})

async function stop() {
  await app.close()
  await Promise.allSettled([writes.end(), reads.end()])
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())

await app.listen({ host: env.BARE_HOST || '127.0.0.41', port: Number(env.BARE_PORT || 3900) })
console.log(`bare-server: listening on ${tls ? 'https' : 'http'}://${env.BARE_HOST || '127.0.0.41'}:${env.BARE_PORT || 3900}`)
