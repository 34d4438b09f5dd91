// Bearer-token authentication for /api/v1. Who may do what for which office is a business rule and
// lives in services/; this plugin only establishes `request.actor` (401 when it cannot) and checks
// the route's allowed roles (403).
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'
import { createTokenVerifier, TokenError, type Actor, type Role } from '../services/jwt-service.ts'
import type { Config } from '../config.ts'

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; absent means any authenticated officer. `public` skips auth. */
    roles?: Role[]
    public?: boolean
  }
}

const unauthorized = (code: string, message: string) =>
  new AppError(401, code, message, undefined, { 'www-authenticate': 'Bearer realm="tqdt"' })

async function authPlugin(app: FastifyInstance, opts: { config: Config }) {
  const verifier = createTokenVerifier({
    secret: opts.config.jwtSecret,
    publicKeyFile: opts.config.jwtPublicKeyFile,
    issuer: opts.config.jwtIssuer,
    audience: opts.config.jwtAudience,
  })
  app.decorateRequest('actor', null as unknown as Actor)
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (!request.url.startsWith('/api/')) return
    const routeConfig = request.routeOptions.config
    if (routeConfig?.public) return
    const header = request.headers.authorization
    if (!header) throw unauthorized('AUTH_REQUIRED', 'Send an Authorization: Bearer <token> header')
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    if (!match) throw unauthorized('AUTH_SCHEME_UNSUPPORTED', 'Only Bearer tokens are accepted')
    try {
      request.actor = verifier.verify(match[1] as string)
    } catch (err) {
      if (err instanceof TokenError) throw unauthorized(err.code, err.message)
      throw err
    }
    const roles = routeConfig?.roles
    if (roles && !roles.includes(request.actor.role)) {
      throw new AppError(403, 'ROLE_FORBIDDEN', `This action needs one of the roles: ${roles.join(', ')}`)
    }
  })
}

export default fp(authPlugin, { name: 'auth' })
