// What a request gets when no route takes it as sent: 405 Method Not Allowed with `Allow` (RFC 9110
// 15.5.6) when the path exists with other methods, else 404. Registered after the auth plugin, so an
// anonymous caller still learns nothing (401), and as an onRequest hook, so the answer comes before
// Fastify reads a body it would never use (a `QUERY` request answered 400 for its content type).
//
// A concrete path wins over a templated one, as OpenAPI matches them: `GET /handovers/overdue-scan`
// is 405 (the path takes POST), not the GET of `/handovers/:id` with id "overdue-scan".
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import { AppError } from '../errors.ts'

const ROUTABLE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

// The router's own normalisations (canonical-url.ts): letter case, repeated and trailing slashes.
const pathKey = (url: string) => (url.split(/[?;#]/)[0] as string).toLowerCase().replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1')

function methodNotAllowed(path: string, method: string, allowed: string[]): AppError {
  return new AppError(405, 'METHOD_NOT_ALLOWED', `${path} takes ${allowed.join(', ')}, not ${method}`, undefined, { allow: allowed.join(', ') })
}

/** 405 for a path some route takes with other methods (those of its most specific route), else 404. */
export function unroutedError(app: FastifyInstance, request: FastifyRequest): AppError {
  const path = request.url.split(/[?;#]/)[0] as string
  const matches = ROUTABLE_METHODS.flatMap((method) => {
    const found = app.findRoute({ method, url: path })
    return found ? [{ method, params: Object.keys(found.params ?? {}).length }] : []
  })
  const fewest = Math.min(...matches.map((m) => m.params))
  const allowed = matches.filter((m) => m.params === fewest).map((m) => m.method)
  if (allowed.length > 0) return methodNotAllowed(path, request.method, allowed)
  return new AppError(404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${path}`)
}

async function unroutedRequests(app: FastifyInstance) {
  // Concrete paths and their methods, from every route registered after this plugin.
  const concrete = new Map<string, Set<string>>()
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.url.includes(':') || route.url.includes('*')) return
    const methods = concrete.get(pathKey(route.url)) ?? new Set<string>()
    for (const method of [route.method].flat()) methods.add(method)
    concrete.set(pathKey(route.url), methods)
  })
  app.addHook('onRequest', async (request) => {
    if (request.is404) throw unroutedError(app, request)
    if (!request.routeOptions.url?.includes(':')) return
    const methods = concrete.get(pathKey(request.url))
    if (methods && !methods.has(request.method)) throw methodNotAllowed(request.url.split(/[?;#]/)[0] as string, request.method, [...methods])
  })
}

export default fp(unroutedRequests, { name: 'unrouted-requests', dependencies: ['auth'] })
