// The internal listener: /metrics, /health/deps and the two health checks on a port of their own
// (INTERNAL_PORT), which HAProxy's client frontend never routes to. Prometheus scrapes it directly;
// only the peers of INTERNAL_ALLOWED_CLIENTS may connect, and /metrics and /health/deps also ask for
// the internal token (INTERNAL_TOKEN_FILE), so what a node reveals of itself — its dependencies, its
// pool, its error counts — stays with the people who run it.
import fp from 'fastify-plugin'
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Config } from '../config.ts'
import { AppError, sendError, toAppError } from '../errors.ts'
import { HEALTH_ROUTE_OPTIONS } from './health.ts'
import { serverTlsOptions } from '../tls-files.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Listens in server.ts beside the client port; tests inject into it. */
    internalListener: FastifyInstance
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest()

function bearer(request: FastifyRequest): string | null {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? null
}

async function internalListenerPlugin(app: FastifyInstance, opts: { config: Config }) {
  const { internalToken } = opts.config
  const internal = Fastify({
    // The same certificate as the client port: Prometheus and operators verify it as they verify every host.
    ...(opts.config.tls ? { https: serverTlsOptions(opts.config.tls) } : {}),
    loggerInstance: app.log.child({ listener: 'internal' }),
    logController: new LogController({ disableRequestLogging: true }),
  })
  app.admitOnlyPeers(internal.server, opts.config.internalAllowedClients, 'internal')
  internal.setNotFoundHandler((request, reply) => sendError(request, reply, new AppError(404, 'ROUTE_NOT_FOUND', 'No such route on the internal listener')))
  internal.setErrorHandler((error, request, reply) => sendError(request, reply, toAppError(error as Error)))
  // Every route asks for the token but the two checks load balancers and launchers poll; the
  // matched route decides, never the raw URL.
  internal.addHook('onRequest', async (request) => {
    if (internalToken === null || request.routeOptions.config?.public) return
    const given = bearer(request)
    if (given === null || !timingSafeEqual(digest(given), digest(internalToken))) {
      throw new AppError(401, 'INTERNAL_TOKEN_REQUIRED', 'Send Authorization: Bearer <the internal token>', undefined, {
        'www-authenticate': 'Bearer realm="tqdt-internal"',
      })
    }
  })

  // Which code runs here: a rolling deploy waits for each node to report the new build.
  internal.get('/health/live', HEALTH_ROUTE_OPTIONS, async () => ({ status: 'ok', node: app.config.nodeName, build: app.config.build }))
  internal.get('/health/ready', HEALTH_ROUTE_OPTIONS, async (_request, reply) => {
    const { ready, reasons } = app.health.readiness()
    return ready ? { status: 'ready' } : reply.status(503).send({ status: 'unavailable', reasons })
  })
  internal.get('/health/deps', async () => app.health.dependencies())
  internal.get('/metrics', async (_request, reply) => {
    reply.header('content-type', app.metrics.registry.contentType)
    return app.metrics.registry.metrics()
  })

  app.decorate('internalListener', internal)
  app.addHook('onClose', async () => internal.close())
}

export default fp(internalListenerPlugin, { name: 'internal-listener', dependencies: ['metrics', 'health', 'client-allowlist'] })
