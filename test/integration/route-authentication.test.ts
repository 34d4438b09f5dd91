// Authentication is bound to the route Fastify matched (issue 12): every route is closed unless it
// declares itself public, and every spelling of a protected path is refused like the path itself.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { buildTestApp, TEST_JWT_SECRET } from '../helper.ts'
import { checkPathVariants, pathVariants, rawGet } from '../auth-path-variants.ts'
import { ROLES } from '../../src/domain/actor.ts'
import authPlugin, { routeAccessOf } from '../../src/plugins/auth.ts'
import { loadConfig } from '../../src/config.ts'
import { sendError, toAppError } from '../../src/errors.ts'

t.test('no business route is public, and every other route answers 401 without a token', async (t) => {
  const { app, token } = await buildTestApp(t)
  const routes = app.routeAccess.map((r) => ({ ...r, rule: r.access() }))
  const publicRoutes = routes.filter((r) => r.rule.public).map((r) => `${r.method} ${r.url}`)
  t.comment(`public routes: ${publicRoutes.join(', ')}`)
  t.ok(routes.some((r) => r.url === '/health/ready'), 'routes registered before the API are listed too: auth is registered first')
  t.ok(publicRoutes.includes('GET /health/ready'), 'HAProxy checks readiness without a token')
  t.ok(publicRoutes.includes('GET /docs/json'), 'the contract is readable before one holds a token')
  // Prints are opened from a signed link by a browser that has no bearer header: the link is their
  // credential (services/print-link-service.ts; expired 401, altered 403, test/integration/prints.test.ts).
  const signedLinkRoutes = ['page', 'pdf', 'verify'].flatMap((p) => [`GET /api/v1/prints/${p}`, `HEAD /api/v1/prints/${p}`]).sort()
  t.same(publicRoutes.filter((r) => r.includes('/api/')).sort(), signedLinkRoutes, 'no /api route is public but the signed-link prints')
  for (const url of ['/api/v1/prints/page', '/api/v1/prints/pdf', '/api/v1/prints/verify']) {
    const noLink = await app.inject({ url })
    t.equal(noLink.statusCode, 400, `${url} without its signed link is refused`)
  }

  const closed = routes.filter((r) => !r.rule.public)
  t.ok(closed.length >= 25, `${closed.length} authenticated routes`)
  for (const route of closed) {
    const url = route.url.replace(/:[A-Za-z]+/g, 'x')
    const anonymous = await app.inject({ method: route.method as 'GET', url })
    t.equal(anonymous.statusCode, 401, `${route.method} ${route.url} without a token`)
    if (route.method !== 'HEAD') t.equal(anonymous.json().code, 'AUTH_REQUIRED')
    const refusedRole = ROLES.find((role) => !(route.rule as { roles: readonly string[] }).roles.includes(role))
    if (refusedRole) {
      const refused = await app.inject({ method: route.method as 'GET', url, headers: { authorization: `Bearer ${token({ role: refusedRole })}` } })
      t.equal(refused.statusCode, 403, `${route.method} ${route.url} as ${refusedRole}`)
    }
  }
})

t.test('a path that names no route is 401 without a token and 404 with one', async (t) => {
  const { app, token } = await buildTestApp(t)
  for (const url of ['/nope', '/api/v1/nope', '/api/v2/handovers', '/docs-not', '/health/secret']) {
    const anonymous = await app.inject({ url })
    t.equal(anonymous.statusCode, 401, `${url} without a token`)
    t.equal(anonymous.json().code, 'AUTH_REQUIRED')
    const known = await app.inject({ url, headers: { authorization: `Bearer ${token()}` } })
    t.equal(known.statusCode, 404, `${url} with a token`)
    t.equal(known.json().code, 'ROUTE_NOT_FOUND')
  }
})

t.test('every spelling of a protected path: 401 without a token, 403 for the wrong role, never 200 or 500', async (t) => {
  const { app, token } = await buildTestApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  await checkPathVariants(t, base, '/api/v1/audit/verify', { refused: token({ role: 'officer' }), allowed: token({ role: 'supervisor' }) }, /rowsChecked/)
  const officer = { authorization: `Bearer ${token({ role: 'officer' })}` }
  // A route with a parameter: the variants must not turn the parameter into a way around the check.
  for (const variant of pathVariants('/api/v1/handovers/00000000-0000-4000-8000-000000000000')) {
    const anonymous = await rawGet(base, variant.path)
    t.equal(anonymous.status, 401, `${variant.name} ${variant.path}: no token`)
    const known = await rawGet(base, variant.path, officer)
    // 404: no such handover, or no such route; 400: `;x=1/…` makes the rest a query of the search.
    t.ok([400, 404].includes(known.status), `${variant.name}: officer gets ${known.status}, never 200 or 500`)
  }
})

t.test('a handler never runs without its actor: reading it unauthenticated is a 401, not a null', async (t) => {
  // A public route that (wrongly) reads the actor: the getter refuses instead of handing out null.
  const app = Fastify({ logger: false })
  app.setErrorHandler((error, request, reply) => sendError(request, reply, toAppError(error as Error)))
  await app.register(authPlugin, { config: loadConfig({}, { jwtSecret: TEST_JWT_SECRET }) })
  app.get('/peek', { config: { public: true } }, async (request) => ({ office: request.actor.office }))
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/peek' })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'AUTH_REQUIRED')
})

t.test('a mistyped access rule stops the server at startup', async (t) => {
  t.throws(() => routeAccessOf({ roles: ['supervisr'] }, 'GET /x'), /config.roles must be/)
  t.throws(() => routeAccessOf({ roles: [] }, 'GET /x'), /config.roles must be/)
  t.throws(() => routeAccessOf({ public: 'yes' }, 'GET /x'), /config.public must be a boolean/)
  t.throws(() => routeAccessOf({ public: true, roles: ['admin'] }, 'GET /x'), /cannot also name roles/)
  t.same(routeAccessOf(undefined, 'GET /x'), { public: false, roles: ROLES }, 'no rule: any authenticated officer')
  t.same(routeAccessOf({ public: false }, 'GET /x'), { public: false, roles: ROLES })
})
