// A small stand-in for the wider customs system, for tests and demos: it accepts outbox events
// (POST, JSON, Idempotency-Key header), applies each key once and counts what arrived.
//   npm run outbox:receiver -- [--host 127.0.0.1] [--port 8099] [--fail-first N]
// GET /stats → {received, duplicates, unique, failed}; GET /events → the unique events in arrival
// order. --fail-first N answers the first N deliveries 503, to show retries with backoff.
// Everything is in memory: it is a demo receiver, not part of the service.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'

export interface ReceiverStats {
  /** Every POST that carried an event, including duplicates and forced failures. */
  received: number
  /** Events whose Idempotency-Key had been applied before (acknowledged, not applied again). */
  duplicates: number
  /** Distinct keys applied. */
  unique: number
  /** Deliveries answered with a forced failure. */
  failed: number
}

export interface OutboxReceiver {
  url: string
  stats(): ReceiverStats
  events(): Array<{ key: string; body: unknown }>
  /** The next n deliveries are answered 503 (and not applied). */
  failNext(n: number): void
  close(): Promise<void>
}

const MAX_BODY = 1_048_576

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new Error('body too large'))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export async function startOutboxReceiver(options: { host?: string; port?: number; failFirst?: number } = {}): Promise<OutboxReceiver> {
  const applied = new Map<string, unknown>()
  const stats: ReceiverStats = { received: 0, duplicates: 0, unique: 0, failed: 0 }
  let failRemaining = options.failFirst ?? 0

  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    try {
      const path = (req.url ?? '/').split('?')[0]
      if (req.method === 'GET' && path === '/stats') return send(200, stats)
      if (req.method === 'GET' && path === '/events') {
        return send(200, { items: [...applied.entries()].map(([key, body]) => ({ key, body })) })
      }
      if (req.method !== 'POST') return send(404, { code: 'NOT_FOUND' })
      const key = req.headers['idempotency-key']
      const text = await readBody(req)
      if (typeof key !== 'string' || key === '') return send(400, { code: 'IDEMPOTENCY_KEY_REQUIRED' })
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        return send(400, { code: 'MALFORMED_JSON' })
      }
      stats.received++
      if (failRemaining > 0) {
        failRemaining--
        stats.failed++
        return send(503, { code: 'FORCED_FAILURE' })
      }
      if (applied.has(key)) {
        stats.duplicates++
        return send(200, { status: 'duplicate' })
      }
      applied.set(key, body)
      stats.unique++
      return send(201, { status: 'applied' })
    } catch {
      if (!res.headersSent) send(500, { code: 'RECEIVER_ERROR' })
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const address = server.address() as AddressInfo
  return {
    url: `http://${address.address}:${address.port}/events`,
    stats: () => ({ ...stats }),
    events: () => [...applied.entries()].map(([key, body]) => ({ key, body })),
    failNext(n) {
      failRemaining = n
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8099' },
      'fail-first': { type: 'string', default: '0' },
    },
  })
  const receiver = await startOutboxReceiver({
    host: values.host,
    port: Number(values.port),
    failFirst: Number(values['fail-first']),
  })
  console.log(`outbox-receiver: listening; set OUTBOX_ENDPOINT=${receiver.url} (stats at GET /stats)`)
  const stop = () => void receiver.close().then(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
