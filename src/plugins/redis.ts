// Redis through Sentinel, for what may be lost: per-officer rate-limit counters. A Redis outage must
// not fail a single request, so every use fails open and never waits for a reconnect.
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { Counter, Gauge } from 'prom-client'
import { AppError } from '../errors.ts'
import type { Config } from '../config.ts'

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis | null
  }
}

/** Writes an officer may send per second before 429; generous: it guards against runaway clients. */
const WRITES_PER_SECOND = 50

function createClient(config: Config): Redis | null {
  const common = {
    // Bounded: a request never waits long on Redis (ioredis#556, #1021: a hung master is not
    // detected without timeouts). commandTimeout also bounds time in the offline queue.
    commandTimeout: 500,
    socketTimeout: 2000,
    connectTimeout: 1000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
    reconnectOnError: (err: Error) => (err.message.includes('READONLY') ? 2 : false),
    // The app's ACL user: Redis refuses anonymous clients (infra/launcher/render/redis-config.ts).
    username: config.redisUsername ?? undefined,
    password: config.redisPassword ?? undefined,
  } as const
  if (config.redisSentinels.length > 0) {
    return new Redis({
      ...common,
      sentinels: config.redisSentinels,
      name: config.redisMasterName,
      role: 'master',
      failoverDetector: true,
      sentinelUsername: config.redisSentinelUsername ?? undefined,
      sentinelPassword: config.redisSentinelPassword ?? undefined,
      sentinelRetryStrategy: (times: number) => Math.min(times * 200, 2000),
    })
  }
  if (config.redisUrl) return new Redis(config.redisUrl, common)
  return null
}

async function redisPlugin(app: FastifyInstance, opts: { config: Config }) {
  const redis = createClient(opts.config)
  app.decorate('redis', redis)
  const failures = new Counter({
    name: 'tqdt_redis_errors_total',
    help: 'Redis errors (requests carried on without Redis)',
    registers: [app.metrics.registry],
  })
  new Gauge({
    name: 'tqdt_redis_ready',
    help: '1 when this node has a ready connection to the Redis master',
    registers: [app.metrics.registry],
    collect() {
      this.set(redis?.status === 'ready' ? 1 : 0)
    },
  })
  if (!redis) return
  redis.on('error', (err: Error) => {
    failures.inc()
    app.log.warn({ err: err.message }, 'redis error')
  })
  redis.on('sentinelError' as 'error', (err: Error) => app.log.warn({ err: err.message }, 'redis sentinel error'))
  redis.on('+switch-master' as 'error', () => app.log.warn('redis master switched'))
  app.dependencyProbes.set('redis', async () => ({ status: redis.status }))

  app.addHook('preHandler', async (request) => {
    if (request.method === 'GET' || request.method === 'HEAD' || !request.actor) return
    // Not ready (failover, outage): skip rather than queue, so no request waits on Redis.
    if (redis.status !== 'ready') return
    const bucket = `rl:${request.actor.officerId}:${Math.floor(Date.now() / 1000)}`
    let count: number
    try {
      const result = await redis.multi().incr(bucket).expire(bucket, 2).exec()
      count = Number(result?.[0]?.[1] ?? 0)
    } catch (err) {
      failures.inc()
      request.log.warn({ err: (err as Error).message }, 'rate limiter skipped: redis unavailable')
      return
    }
    if (count > WRITES_PER_SECOND) {
      throw new AppError(429, 'RATE_LIMITED', `More than ${WRITES_PER_SECOND} writes a second from one officer; slow down`, undefined, {
        'retry-after': '1',
      })
    }
  })

  app.addHook('onClose', async () => {
    await redis.quit().catch(() => undefined)
    // With failoverDetector the sentinel sockets outlive quit() (ioredis#1362).
    redis.disconnect()
  })
}

export default fp(redisPlugin, { name: 'redis', dependencies: ['metrics', 'health'] })
