// Bearer tokens, verified by `jose` (a maintained, audited JOSE implementation) instead of code of our
// own. Two trust sources, never both: an identity provider's keys (RS256 or ES256, from a JWKS URL with
// rotation by `kid`, or a PEM / JWKS file), or — for the local cluster and tests only — an HS256 shared
// secret of at least 32 bytes. No Fastify here: the auth plugin and the officer command both use it.
import { createHmac, createPublicKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  jwtVerify,
  type JWSAlgorithm,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyInput,
} from 'jose'
import { isValidOfficeCode } from './identifiers.ts'

import { ROLES, type Actor, type Role } from '../domain/actor.ts'

export class TokenError extends Error {
  readonly code: string
  /** True when the identity provider's keys could not be fetched: the token may be good, retry later. */
  readonly unavailable: boolean
  constructor(code: string, message: string, unavailable = false) {
    super(message)
    this.code = code
    this.unavailable = unavailable
  }
}

/** HS256 keys shorter than the hash (RFC 7518 3.2) can be brute-forced offline from one token. */
export const MIN_HS256_SECRET_BYTES = 32
/** Clock skew allowed between the identity provider and this node, on exp, nbf and iat. */
const CLOCK_TOLERANCE_S = 30
// An officer id in the `sub` claim; the officers table keys on it. Bounded, printable, no spaces.
const OFFICER_ID = /^[\x21-\x7e]{1,64}$/
const MAX_NAME_LENGTH = 200

/** Answers whether an officer's token is revoked (officer disabled, or tokens issued before a cut-off). */
export interface RevocationCheck {
  isRevoked(officerId: string, issuedAtSeconds: number): boolean
}

export interface VerifierOptions {
  /** HS256 shared secret (local cluster, tests). */
  secret: string | null
  /** An identity provider's JWKS endpoint (RS256 / ES256, keys chosen by `kid`). */
  jwksUrl?: string | null
  /** PEM file of one public key, or a JWKS file (JSON with "keys"). */
  publicKeyFile: string | null
  issuer: string
  audience: string
  /** Longest accepted exp − iat; a token issued for longer is refused whatever its signature. */
  maxLifetimeSeconds?: number
  revocations?: RevocationCheck
  /** How many verified tokens to remember (default 10,000). */
  cacheSize?: number
  /** JWKS URL only: how often known keys are fetched again (default 10 min); tests shorten it. */
  jwksRefreshMs?: number
  /** JWKS URL only: least time between fetches caused by an unknown `kid` (default 30 s). */
  jwksCooldownMs?: number
}

export interface TokenVerifier {
  verify(token: string, nowSeconds?: number): Promise<Actor>
  /** The tokens remembered as verified, oldest first. */
  remembered(): string[]
}

const DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600

interface KeySource {
  key: KeyInput | JWTVerifyGetKey
  algorithms: JWSAlgorithm[]
  /** Changes whenever the set of trusted keys changes: remembered tokens are then checked again. */
  version(): number
  /** Starts a background refresh of the keys when one is due (JWKS URL only). */
  refreshIfDue(): void
}

function keySource(options: VerifierOptions): KeySource {
  const sources = [options.secret, options.jwksUrl, options.publicKeyFile].filter((s) => s)
  if (sources.length !== 1) throw new Error('exactly one of secret, jwksUrl and publicKeyFile must be given')
  const fixed = (key: KeySource['key'], algorithms: JWSAlgorithm[]): KeySource => ({ key, algorithms, version: () => 0, refreshIfDue: () => {} })
  if (options.secret) {
    const secret = new TextEncoder().encode(options.secret)
    if (secret.length < MIN_HS256_SECRET_BYTES) throw new Error(`an HS256 secret needs at least ${MIN_HS256_SECRET_BYTES} bytes`)
    return fixed(secret, ['HS256'])
  }
  if (options.publicKeyFile) {
    const text = readFileSync(options.publicKeyFile, 'utf8')
    const key = text.trimStart().startsWith('{') ? createLocalJWKSet(JSON.parse(text)) : createPublicKey(text)
    return fixed(key, ['RS256', 'ES256'])
  }
  return remoteKeySource(options.jwksUrl as string, options)
}

// jose refetches a remote JWKS only when its copy is stale — and then fails every token while the
// identity provider is down — or when a `kid` is unknown. Here the copy never goes stale for jose
// (cacheMaxAge Infinity): it is refreshed in the background instead, and a failed refresh keeps the
// keys already known, so an identity-provider outage does not lock officers out.
function remoteKeySource(url: string, options: VerifierOptions): KeySource {
  let version = 0
  let lastBody: string | null = null
  let lastRefresh = Date.now()
  const refreshMs = options.jwksRefreshMs ?? 10 * 60_000
  const jwks = createRemoteJWKSet(new URL(url), {
    cacheMaxAge: Infinity,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    timeoutDuration: 2000,
    [customFetch]: async (input, init) => {
      const response = await fetch(input, init)
      const body = await response.clone().text()
      if (response.status === 200 && body !== lastBody) {
        lastBody = body
        version++
      }
      lastRefresh = Date.now()
      return response
    },
  })
  return {
    key: jwks,
    algorithms: ['RS256', 'ES256'],
    version: () => version,
    refreshIfDue() {
      if (Date.now() - lastRefresh < refreshMs || jwks.reloading) return
      lastRefresh = Date.now()
      jwks.reload().catch(() => undefined)
    },
  }
}

interface Verified {
  actor: Actor
  exp: number
  nbf: number | null
  iat: number
  keysVersion: number
}

// An officer's client sends the same token on every request for hours; checking its signature each
// time was ~5 % of an app node's busy CPU in a --cpu-prof at 150 GETs/s. A token that checked out
// once is remembered with its time window, its issue time and the key set it was checked against;
// the window and revocation are checked again on every use, and a change of keys forgets it.
const VERIFIED_CACHE_SIZE = 10_000

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const keys = keySource(options)
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS
  const verified = new Map<string, Verified>()
  const cacheSize = options.cacheSize ?? VERIFIED_CACHE_SIZE

  const checkRevoked = (v: Verified) => {
    if (options.revocations?.isRevoked(v.actor.officerId, v.iat)) {
      throw new TokenError('TOKEN_REVOKED', 'This officer\'s tokens have been revoked; ask an administrator')
    }
  }

  return {
    remembered: () => [...verified.keys()],
    async verify(token, nowSeconds = Math.floor(Date.now() / 1000)) {
      keys.refreshIfDue()
      const hit = verified.get(token)
      if (hit && hit.keysVersion === keys.version()) {
        if (hit.exp + CLOCK_TOLERANCE_S <= nowSeconds) {
          verified.delete(token)
          throw new TokenError('TOKEN_EXPIRED', 'The bearer token has expired')
        }
        if (hit.nbf !== null && hit.nbf > nowSeconds + CLOCK_TOLERANCE_S) {
          throw new TokenError('TOKEN_NOT_YET_VALID', 'The bearer token is not valid yet')
        }
        checkRevoked(hit)
        return hit.actor
      }
      const keysVersion = keys.version()
      const result = await verifyInFull(token, keys, options, maxLifetime, nowSeconds)
      // Checked against the keys of this moment: a fetch during the check may have changed them.
      const entry = { ...result, keysVersion: Math.min(keysVersion, keys.version()) }
      checkRevoked(entry)
      // Oldest first out: a Map iterates in insertion order.
      if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string)
      verified.set(token, entry)
      return entry.actor
    },
  }
}

async function verifyInFull(
  token: string,
  keys: KeySource,
  options: VerifierOptions,
  maxLifetime: number,
  nowSeconds: number,
): Promise<Omit<Verified, 'keysVersion'>> {
  let payload: JWTPayload
  try {
    ;({ payload } = await jwtVerify(token, keys.key, {
      algorithms: keys.algorithms,
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['sub', 'exp', 'iat', 'office', 'role'],
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(nowSeconds * 1000),
    }))
  } catch (err) {
    throw tokenErrorOf(err)
  }
  const { sub, office, role, name, exp, iat, nbf } = payload as JWTPayload & Record<string, unknown>
  if (typeof sub !== 'string' || !OFFICER_ID.test(sub)) {
    throw new TokenError('TOKEN_CLAIMS_INVALID', 'The token\'s sub is not an officer id (1–64 visible characters)')
  }
  if (typeof office !== 'string' || !isValidOfficeCode(office)) {
    throw new TokenError('TOKEN_CLAIMS_INVALID', 'The token\'s office is not an office code (4 characters, e.g. 02CI)')
  }
  if (!ROLES.includes(role as Role)) {
    throw new TokenError('TOKEN_CLAIMS_INVALID', `The token's role is not one of ${ROLES.join(', ')}`)
  }
  const issuedAt = iat as number
  const expiresAt = exp as number
  if (expiresAt - issuedAt > maxLifetime) {
    throw new TokenError('TOKEN_LIFETIME_TOO_LONG', `Tokens may live at most ${maxLifetime / 3600} h (exp − iat); get a shorter one`)
  }
  const actor: Actor = {
    officerId: sub,
    office,
    role: role as Role,
    name: typeof name === 'string' && name.length > 0 ? name.slice(0, MAX_NAME_LENGTH) : sub,
  }
  // Frozen: one remembered token hands the same object to every request that carries it.
  return { actor: Object.freeze(actor), exp: expiresAt, nbf: typeof nbf === 'number' ? nbf : null, iat: issuedAt }
}

function tokenErrorOf(err: unknown): TokenError {
  if (err instanceof joseErrors.JWTExpired) return new TokenError('TOKEN_EXPIRED', 'The bearer token has expired')
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' && err.reason === 'check_failed') return new TokenError('TOKEN_NOT_YET_VALID', 'The bearer token is not valid yet')
    if (err.reason === 'missing') return new TokenError('TOKEN_CLAIMS_MISSING', `The bearer token lacks the ${err.claim} claim`)
    if (err.claim === 'iss' || err.claim === 'aud') {
      return new TokenError('TOKEN_AUDIENCE_REJECTED', 'The bearer token was issued for another issuer or audience')
    }
    return new TokenError('TOKEN_CLAIMS_INVALID', `The bearer token's ${err.claim} claim is invalid`)
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) {
    return new TokenError('TOKEN_ALGORITHM_REJECTED', 'Tokens signed with this algorithm are not accepted')
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new TokenError('TOKEN_SIGNATURE_INVALID', 'The bearer token signature does not verify')
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return new TokenError('TOKEN_KEY_UNKNOWN', 'The bearer token was signed with a key the identity provider does not publish')
  }
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) {
    return new TokenError('TOKEN_MALFORMED', 'The bearer token is not a JWT')
  }
  // The identity provider's JWKS could not be fetched (down, timeout, not JSON): the token may be good.
  return new TokenError('AUTH_KEYS_UNAVAILABLE', 'The identity provider\'s keys could not be fetched; retry shortly', true)
}

/**
 * Signs an HS256 token for the local cluster's own issuer (the officer command, tests, load tests).
 * Production tokens come from the identity provider; what this signs, jose verifies.
 */
export function signToken(
  actor: Actor,
  secret: string,
  options: { issuer: string; audience: string; ttlSeconds: number },
): string {
  if (Buffer.byteLength(secret) < MIN_HS256_SECRET_BYTES) throw new Error(`an HS256 secret needs at least ${MIN_HS256_SECRET_BYTES} bytes`)
  const now = Math.floor(Date.now() / 1000)
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const header = encode({ alg: 'HS256', typ: 'JWT' })
  const payload = encode({
    sub: actor.officerId,
    name: actor.name,
    office: actor.office,
    role: actor.role,
    iss: options.issuer,
    aud: options.audience,
    iat: now,
    exp: now + options.ttlSeconds,
  })
  return `${header}.${payload}.${createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')}`
}
