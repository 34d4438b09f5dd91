// Redis through Sentinel, for what may be lost: the rate limiter's counters (per officer, per address). A Redis outage must
// not fail a single request, so every use fails open and never waits for a reconnect.
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { Counter, Gauge } from 'prom-client'
import type { Config } from '../config.ts'
import { redisTlsOptions } from '../tls-files.ts'

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis | null
  }
}

function createClient(config: Config): Redis | null {
  const tls = config.redisTls ? redisTlsOptions(config.redisTls) : null
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
    // TLS to Redis (the master the Sentinels name is verified by its address, which its certificate carries).
    ...(tls ? { tls } : {}),
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
      ...(tls ? { sentinelTLS: tls, enableTLSForSentinelMode: true } : {}),
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

  // The rate limiter's shared counters (src/plugins/rate-limit.ts): one pipeline per flush, every
  // command bounded by commandTimeout; nothing is sent while the connection is not ready.
  app.rateLimiter.useSharedStore({
    ready: () => redis.status === 'ready',
    async addAll(increments) {
      const pipeline = redis.pipeline()
      for (const { key, by } of increments) pipeline.incrby(`rl:${key}`, by).expire(`rl:${key}`, 3)
      const results = (await pipeline.exec()) ?? []
      return increments.map((_, i) => {
        const [err, total] = results[2 * i] ?? [new Error('no answer'), 0]
        if (err) throw err
        return Number(total)
      })
    },
  })

  app.addHook('onClose', async () => {
    await redis.quit().catch(() => undefined)
    // With failoverDetector the sentinel sockets outlive quit() (ioredis#1362).
    redis.disconnect()
  })
}

export default fp(redisPlugin, { name: 'redis', dependencies: ['metrics', 'health', 'rate-limit'] })
