// Early refusals (429 RATE_LIMITED), before a body is read, parsed or validated (issue 12: the limit
// ran after validation, so a flood of large invalid bodies never met it):
//   onRequest, before the token is checked: a client address that sent too many requests this second,
//     or had too many refused (401/403) — a token-guessing or anonymous flood costs no verification;
//   preParsing, once the auth plugin has named the officer: too many writes, or reads, from one officer.
// Registered before the auth plugin so its onRequest hook runs first. Counters are shared through Redis
// (the redis plugin attaches the store) and fall back to per-node counts when Redis is away.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Counter, Gauge } from 'prom-client'
import { AppError } from '../errors.ts'
import { FLUSH_MS, RequestRateLimiter } from '../services/request-rate-limiter.ts'
import type { Config } from '../config.ts'

declare module 'fastify' {
  interface FastifyInstance {
    rateLimiter: RequestRateLimiter
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

const tooMany = (message: string) => new AppError(429, 'RATE_LIMITED', message, undefined, { 'retry-after': '1' })

async function rateLimitPlugin(app: FastifyInstance, opts: { config: Config }) {
  const limits = opts.config.rateLimits
  const limiter = new RequestRateLimiter()
  app.decorate('rateLimiter', limiter)
  const refused = new Counter({
    name: 'tqdt_rate_limited_total',
    help: 'Requests refused with 429, by the limit that refused them',
    labelNames: ['limit'] as const,
    registers: [app.metrics.registry],
  })
  new Gauge({
    name: 'tqdt_rate_limit_store_errors',
    help: 'Failed sends of rate-limit counts to Redis since start (counts stay per node meanwhile)',
    registers: [app.metrics.registry],
    collect() {
      this.set(limiter.storeErrors)
    },
  })

  const refuse = (limit: string, message: string) => {
    refused.inc({ limit })
    return tooMany(message)
  }

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const address = request.ip
    if (!limiter.allow(`addr:${address}`, limits.addressPerSecond)) {
      throw refuse('address', `More than ${limits.addressPerSecond} requests a second from ${address}; slow down`)
    }
    // Only looked at here: refusals are counted when they are answered (onResponse below).
    if (limiter.reached(`addr-refused:${address}`, limits.addressRefusalsPerSecond)) {
      throw refuse('address-refusals', `More than ${limits.addressRefusalsPerSecond} refused requests a second from ${address}; check the token`)
    }
  })

  app.addHook('preParsing', async (request: FastifyRequest) => {
    const actor = request.verifiedActor
    if (actor === null) return
    if (READ_METHODS.has(request.method)) {
      if (!limiter.allow(`reads:${actor.officerId}`, limits.officerReadsPerSecond)) {
        throw refuse('officer-reads', `More than ${limits.officerReadsPerSecond} reads a second from one officer; slow down`)
      }
    } else if (!limiter.allow(`writes:${actor.officerId}`, limits.officerWritesPerSecond)) {
      throw refuse('officer-writes', `More than ${limits.officerWritesPerSecond} writes a second from one officer; slow down`)
    }
  })

  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401 || reply.statusCode === 403) limiter.allow(`addr-refused:${request.ip}`, Infinity)
  })

  const timer = setInterval(() => void limiter.flush(), FLUSH_MS)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['metrics'] })
