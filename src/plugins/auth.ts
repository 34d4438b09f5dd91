// Bearer-token authentication, bound to the route Fastify matched — never to the URL as sent (issue
// 12: `/%61pi/v1/audit/verify` skipped a prefix test on the raw URL and answered 200 to anyone).
// Every route is authenticated unless it declares `config: { public: true }`; the not-found handler
// is not public either, so an anonymous client learns nothing about which paths exist. This plugin
// only establishes `request.actor` (401 when it cannot) and checks the route's roles (403); who may do
// what for which office is a business rule and lives in services/.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import { AppError } from '../errors.ts'
import { ROLES, type Actor, type Role } from '../domain/actor.ts'
import { createTokenVerifier, TokenError } from '../services/jwt-service.ts'
import { OfficerRevocationList } from '../services/officer-revocation-list.ts'
import type { Config } from '../config.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated officer. Reading it on a request without one throws 401, never yields null. */
    readonly actor: Actor
    /** The authenticated officer, or null before authentication and on public routes. */
    verifiedActor: Actor | null
  }
  interface FastifyInstance {
    /** Every route's access rule, as declared (tests walk it to prove none is open by mistake). */
    routeAccess: Array<{ method: string; url: string; access: () => RouteAccess }>
    /** Disabled officers, kept current by the officer-revocations plugin; checked on every request. */
    officerRevocations: OfficerRevocationList
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; absent means any authenticated officer. */
    roles?: Role[]
    /** Reachable without a token. Absent means authenticated: a new route is closed until it says otherwise. */
    public?: boolean
  }
}

export type RouteAccess = { public: true } | { public: false; roles: readonly Role[] }

const unauthorized = (code: string, message: string) =>
  new AppError(401, code, message, undefined, { 'www-authenticate': 'Bearer realm="tqdt"' })

/** 401 for a token that cannot be accepted; 503 when the identity provider's keys could not be fetched. */
const tokenRefusal = (err: TokenError) =>
  err.unavailable ? new AppError(503, err.code, err.message, undefined, { 'retry-after': '5' }) : unauthorized(err.code, err.message)

/** The access rule of a route's config; throws at startup on anything but `public: true` or known roles. */
export function routeAccessOf(config: { public?: unknown; roles?: unknown } | undefined, where: string): RouteAccess {
  if (config?.public !== undefined && typeof config.public !== 'boolean') throw new Error(`${where}: config.public must be a boolean`)
  if (config?.public === true) {
    if (config.roles !== undefined) throw new Error(`${where}: a public route cannot also name roles`)
    return { public: true }
  }
  const roles = config?.roles ?? ROLES
  if (!Array.isArray(roles) || roles.length === 0 || roles.some((r) => !ROLES.includes(r as Role))) {
    throw new Error(`${where}: config.roles must be a non-empty list of ${ROLES.join(', ')}`)
  }
  return { public: false, roles: roles as Role[] }
}

async function authPlugin(app: FastifyInstance, opts: { config: Config }) {
  const revocations = new OfficerRevocationList()
  app.decorate('officerRevocations', revocations)
  const verifier = createTokenVerifier({
    secret: opts.config.jwtSecret,
    jwksUrl: opts.config.jwtJwksUrl,
    publicKeyFile: opts.config.jwtPublicKeyFile,
    issuer: opts.config.jwtIssuer,
    audience: opts.config.jwtAudience,
    maxLifetimeSeconds: opts.config.jwtMaxLifetimeHours * 3600,
    revocations,
  })
  app.decorateRequest('verifiedActor', null)
  app.decorateRequest('actor', {
    getter(this: FastifyRequest): Actor {
      if (this.verifiedActor === null) throw unauthorized('AUTH_REQUIRED', 'Send an Authorization: Bearer <token> header')
      return this.verifiedActor
    },
  })

  // Routes registered after this plugin (buildApp registers it first) are listed here; a mistyped
  // rule (`roles: ['supervisr']`) stops the server at startup instead of opening or closing a route.
  const routes: FastifyInstance['routeAccess'] = []
  app.decorate('routeAccess', routes)
  app.addHook('onRoute', (route: RouteOptions) => {
    // Read when asked: an encapsulated context may still set the config after this hook (app.ts's docs).
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, access: () => routeAccessOf(route.config, `${method} ${route.url}`) })
    }
  })
  app.addHook('onReady', async () => {
    for (const route of routes) route.access()
  })

  // onRequest: before the body is read or parsed, so an anonymous client costs no parsing.
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const config = request.routeOptions.config
    if (config?.public === true) return
    const header = request.headers.authorization
    if (!header) throw unauthorized('AUTH_REQUIRED', 'Send an Authorization: Bearer <token> header')
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    if (!match) throw unauthorized('AUTH_SCHEME_UNSUPPORTED', 'Only Bearer tokens are accepted')
    let actor: Actor
    try {
      actor = await verifier.verify(match[1] as string)
    } catch (err) {
      if (err instanceof TokenError) throw tokenRefusal(err)
      throw err
    }
    request.verifiedActor = actor
    const roles = config?.roles
    if (roles && !roles.includes(actor.role)) {
      throw new AppError(403, 'ROLE_FORBIDDEN', `This action needs one of the roles: ${roles.join(', ')}`)
    }
  })
}

export default fp(authPlugin, { name: 'auth' })
