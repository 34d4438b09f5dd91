// JSON Web Tokens with node:crypto only: HS256 with a shared secret (demos, tests) or RS256 with a
// public key / JWKS (an existing identity provider). No Fastify here: the auth plugin and the
// officer command both use it.
import { createHmac, createPublicKey, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'

export type Role = 'officer' | 'supervisor' | 'admin'
export const ROLES: readonly Role[] = ['officer', 'supervisor', 'admin']

export interface Actor {
  officerId: string
  name: string
  office: string
  role: Role
}

export class TokenError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url')

export interface VerifierOptions {
  secret: string | null
  publicKeyFile: string | null
  issuer: string
  audience: string
  /** How many verified tokens to remember (default 10,000). */
  cacheSize?: number
}

export interface TokenVerifier {
  verify(token: string, nowSeconds?: number): Actor
  /** The tokens remembered as verified, oldest first. */
  remembered(): string[]
}

function loadPublicKeys(file: string): Map<string | undefined, KeyObject> {
  const text = readFileSync(file, 'utf8')
  const keys = new Map<string | undefined, KeyObject>()
  if (text.trimStart().startsWith('{')) {
    const jwks = JSON.parse(text) as { keys: Array<Record<string, string>> }
    for (const jwk of jwks.keys) keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }))
  } else {
    keys.set(undefined, createPublicKey(text))
  }
  return keys
}

// An officer's client sends the same token on every request for hours; checking its signature each
// time (HMAC and its digest) was ~5 % of an app node's busy CPU in a --cpu-prof at 150 GETs/s. A token whose signature and claims
// checked out once is remembered with its time window, which is checked again on every use.
const VERIFIED_CACHE_SIZE = 10_000

interface Verified {
  actor: Actor
  exp: number
  nbf: number | null
}

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const full = createUncachedVerifier(options)
  const verified = new Map<string, Verified>()
  const cacheSize = options.cacheSize ?? VERIFIED_CACHE_SIZE
  return {
    remembered: () => [...verified.keys()],
    verify(token, nowSeconds = Math.floor(Date.now() / 1000)) {
      const hit = verified.get(token)
      if (hit) {
        if (hit.exp <= nowSeconds) {
          verified.delete(token)
          throw new TokenError('TOKEN_EXPIRED', 'The bearer token has expired')
        }
        if (hit.nbf !== null && hit.nbf > nowSeconds + 30) throw new TokenError('TOKEN_NOT_YET_VALID', 'The bearer token is not valid yet')
        return hit.actor
      }
      const result = full.verify(token, nowSeconds)
      // Oldest first out: a Map iterates in insertion order.
      if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string)
      verified.set(token, { actor: result.actor, exp: result.exp, nbf: result.nbf })
      return result.actor
    },
  }
}

function createUncachedVerifier(options: VerifierOptions): { verify(token: string, nowSeconds: number): Verified } {
  const publicKeys = options.publicKeyFile ? loadPublicKeys(options.publicKeyFile) : null
  return {
    verify(token, nowSeconds) {
      const parts = token.split('.')
      if (parts.length !== 3) throw new TokenError('TOKEN_MALFORMED', 'The bearer token is not a JWT')
      const [h, p, s] = parts as [string, string, string]
      let header: { alg?: string; kid?: string }
      let claims: Record<string, unknown>
      try {
        header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'))
        claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'))
      } catch {
        throw new TokenError('TOKEN_MALFORMED', 'The bearer token is not a JWT')
      }
      const signed = Buffer.from(`${h}.${p}`)
      const signature = Buffer.from(s, 'base64url')
      let ok = false
      if (header.alg === 'HS256' && options.secret && !publicKeys) {
        const expected = createHmac('sha256', options.secret).update(signed).digest()
        ok = expected.length === signature.length && timingSafeEqual(expected, signature)
      } else if (header.alg === 'RS256' && publicKeys) {
        const key = publicKeys.get(header.kid) ?? (publicKeys.size === 1 ? [...publicKeys.values()][0] : undefined)
        ok = key !== undefined && verifySignature('sha256', signed, key, signature)
      } else {
        throw new TokenError('TOKEN_ALGORITHM_REJECTED', `Tokens signed with ${header.alg ?? 'no algorithm'} are not accepted`)
      }
      if (!ok) throw new TokenError('TOKEN_SIGNATURE_INVALID', 'The bearer token signature does not verify')
      if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) {
        throw new TokenError('TOKEN_EXPIRED', 'The bearer token has expired')
      }
      if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds + 30) {
        throw new TokenError('TOKEN_NOT_YET_VALID', 'The bearer token is not valid yet')
      }
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
      if (claims.iss !== options.issuer || !aud.includes(options.audience)) {
        throw new TokenError('TOKEN_AUDIENCE_REJECTED', 'The bearer token was issued for another issuer or audience')
      }
      const role = claims.role as Role
      if (typeof claims.sub !== 'string' || typeof claims.office !== 'string' || !ROLES.includes(role)) {
        throw new TokenError('TOKEN_CLAIMS_MISSING', 'The bearer token lacks sub, office or a known role')
      }
      const actor: Actor = {
        officerId: claims.sub,
        office: claims.office,
        role,
        name: typeof claims.name === 'string' ? claims.name : claims.sub,
      }
      // Frozen: one remembered token hands the same object to every request that carries it.
      return { actor: Object.freeze(actor), exp: claims.exp, nbf: typeof claims.nbf === 'number' ? claims.nbf : null }
    },
  }
}

/** Signs an HS256 token (the officer command, tests, demos). */
export function signToken(
  actor: Actor,
  secret: string,
  options: { issuer: string; audience: string; ttlSeconds: number },
): string {
  const now = Math.floor(Date.now() / 1000)
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const payload = b64url(
    JSON.stringify({
      sub: actor.officerId,
      name: actor.name,
      office: actor.office,
      role: actor.role,
      iss: options.issuer,
      aud: options.audience,
      iat: now,
      exp: now + options.ttlSeconds,
    }),
  )
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')
  return `${header}.${payload}.${signature}`
}
