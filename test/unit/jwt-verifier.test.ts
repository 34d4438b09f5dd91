import t from 'tap'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import { createTokenVerifier, signToken, TokenError, type TokenVerifier } from '../../src/services/jwt-service.ts'
import { OfficerRevocationList } from '../../src/services/officer-revocation-list.ts'
import { loadConfig } from '../../src/config.ts'

const SECRET = 'unit-test-secret-of-enough-length'
const options = { secret: SECRET, publicKeyFile: null, issuer: 'tqdt-ha', audience: 'tqdt-api' }
const actor = { officerId: 'o-1', name: 'Officer One', office: '02CI', role: 'officer' as const }
const nowS = () => Math.floor(Date.now() / 1000)

async function codeOf(verifier: TokenVerifier, token: string, now?: number): Promise<string> {
  try {
    await verifier.verify(token, now)
    return 'accepted'
  } catch (err) {
    return err instanceof TokenError ? err.code : `unexpected ${String(err)}`
  }
}

const claims = (extra: JWTPayload = {}): JWTPayload => {
  const now = nowS()
  return { sub: 'o-2', office: '02CI', role: 'officer', iss: 'tqdt-ha', aud: 'tqdt-api', iat: now, exp: now + 3600, ...extra }
}
const hs256 = (payload: JWTPayload, secret = SECRET) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret))

t.test('a remembered token still expires: the time window is checked on every use', async (t) => {
  const verifier = createTokenVerifier(options)
  const token = signToken(actor, SECRET, { issuer: 'tqdt-ha', audience: 'tqdt-api', ttlSeconds: 60 })
  const now = nowS()
  t.same(await verifier.verify(token, now), actor)
  t.same(await verifier.verify(token, now + 59), actor, 'second use, from the cache')
  t.equal(await codeOf(verifier, token, now + 91), 'TOKEN_EXPIRED', 'past exp and the 30 s clock tolerance')
  t.equal(await codeOf(verifier, token, now + 91), 'TOKEN_EXPIRED', 'and again after it left the cache')
})

t.test('a token not yet valid is refused from the cache too', async (t) => {
  const verifier = createTokenVerifier(options)
  const now = nowS()
  const token = await hs256(claims({ nbf: now + 100 }))
  t.equal(await codeOf(verifier, token, now + 100), 'accepted')
  t.equal(await codeOf(verifier, token, now), 'TOKEN_NOT_YET_VALID')
})

t.test('a refused token is never remembered as good, and a changed byte is a new check', async (t) => {
  const verifier = createTokenVerifier(options)
  const token = signToken(actor, SECRET, { issuer: 'tqdt-ha', audience: 'tqdt-api', ttlSeconds: 60 })
  // A character in the middle of the signature: the last one also carries padding bits, and changing
  // those alone can decode to the same bytes.
  const at = token.length - 10
  const forged = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`
  t.equal(await codeOf(verifier, forged), 'TOKEN_SIGNATURE_INVALID')
  t.equal(await codeOf(verifier, forged), 'TOKEN_SIGNATURE_INVALID', 'refused again')
  t.same(await verifier.verify(token), actor)
  const other = createTokenVerifier({ ...options, secret: 'another-secret-of-enough-length-32b' })
  t.equal(await codeOf(other, token), 'TOKEN_SIGNATURE_INVALID', 'each verifier has its own memory')
})

t.test('the memory is bounded: the oldest token leaves first', async (t) => {
  const verifier = createTokenVerifier({ ...options, cacheSize: 3 })
  const tokens = await Promise.all(Array.from({ length: 5 }, (_, i) => hs256(claims({ sub: `o-${i}` }))))
  for (const token of tokens) await verifier.verify(token)
  t.same(verifier.remembered(), tokens.slice(2), 'the three newest')
  t.equal((await verifier.verify(tokens[0] as string)).officerId, 'o-0', 'an evicted token is checked in full again')
  t.same(verifier.remembered(), [tokens[3], tokens[4], tokens[0]])
})

t.test('an HS256 secret shorter than 32 bytes refuses to start', async (t) => {
  for (const secret of ['x', 'a'.repeat(31), 'é'.repeat(15)]) {
    t.throws(() => createTokenVerifier({ ...options, secret }), /at least 32 bytes/, `${Buffer.byteLength(secret)} bytes: no verifier`)
    t.throws(() => loadConfig({ JWT_SECRET: secret }), /HS256 needs at least 32/, `${Buffer.byteLength(secret)} bytes: a configuration error`)
    t.throws(() => signToken(actor, secret, { issuer: 'i', audience: 'a', ttlSeconds: 60 }), /at least 32 bytes/, 'and nothing is signed with it')
  }
  t.equal(loadConfig({ JWT_SECRET: 'a'.repeat(32) }).jwtSecret, 'a'.repeat(32), '32 bytes are enough')
  t.throws(() => loadConfig({ JWT_SECRET: 'a'.repeat(32), JWT_JWKS_URL: 'http://idp/jwks' }), /only one of/, 'one trust source')
  t.throws(() => loadConfig({}), /set JWT_JWKS_URL/, 'and at least one')
})

t.test('a token may live at most the configured lifetime (exp − iat), 12 h by default', async (t) => {
  const verifier = createTokenVerifier(options)
  const now = nowS()
  t.equal(await codeOf(verifier, await hs256(claims({ iat: now, exp: now + 12 * 3600 }))), 'accepted', 'exactly 12 h')
  t.equal(await codeOf(verifier, await hs256(claims({ iat: now, exp: now + 12 * 3600 + 1 }))), 'TOKEN_LIFETIME_TOO_LONG')
  t.equal(await codeOf(verifier, await hs256(claims({ role: 'admin', iat: now, exp: now + 100 * 365 * 86400 }))), 'TOKEN_LIFETIME_TOO_LONG', 'a 100-year admin token')
  t.equal(await codeOf(verifier, await hs256(claims({ iat: undefined }))), 'TOKEN_CLAIMS_MISSING', 'no iat: the lifetime cannot be known')
  const oneHour = createTokenVerifier({ ...options, maxLifetimeSeconds: 3600 })
  t.equal(await codeOf(oneHour, await hs256(claims({ iat: now, exp: now + 2 * 3600 }))), 'TOKEN_LIFETIME_TOO_LONG', 'configurable')
})

t.test('required claims: sub, office in the office-code format, role from the enum, iss, aud', async (t) => {
  const verifier = createTokenVerifier(options)
  const cases: Array<[string, JWTPayload, string]> = [
    ['office ANY-STRING', { office: 'ANY-STRING' }, 'TOKEN_CLAIMS_INVALID'],
    ['office in lower case', { office: '02ci' }, 'TOKEN_CLAIMS_INVALID'],
    ['office a number', { office: 2 }, 'TOKEN_CLAIMS_INVALID'],
    ['no office', { office: undefined }, 'TOKEN_CLAIMS_MISSING'],
    ['role root', { role: 'root' }, 'TOKEN_CLAIMS_INVALID'],
    ['no role', { role: undefined }, 'TOKEN_CLAIMS_MISSING'],
    ['no sub', { sub: undefined }, 'TOKEN_CLAIMS_MISSING'],
    ['sub of 65 characters', { sub: 'x'.repeat(65) }, 'TOKEN_CLAIMS_INVALID'],
    ['sub with a space', { sub: 'a b' }, 'TOKEN_CLAIMS_INVALID'],
    ['no exp', { exp: undefined }, 'TOKEN_CLAIMS_MISSING'],
    ['another issuer', { iss: 'someone-else' }, 'TOKEN_AUDIENCE_REJECTED'],
    ['another audience', { aud: 'another-api' }, 'TOKEN_AUDIENCE_REJECTED'],
    ['no audience', { aud: undefined }, 'TOKEN_CLAIMS_MISSING'],
    ['everything right', {}, 'accepted'],
  ]
  for (const [name, extra, code] of cases) t.equal(await codeOf(verifier, await hs256(claims(extra))), code, name)
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`
  t.equal(await codeOf(verifier, unsigned), 'TOKEN_ALGORITHM_REJECTED', 'alg none')
  t.equal(await codeOf(verifier, 'a.b.c'), 'TOKEN_MALFORMED')
})

t.test('a revoked officer is refused, remembered tokens included; enabling again does not revive old tokens', async (t) => {
  const revocations = new OfficerRevocationList()
  const verifier = createTokenVerifier({ ...options, revocations })
  const now = nowS()
  const old = await hs256(claims({ sub: '02CI-007', iat: now - 10 }))
  t.equal(await codeOf(verifier, old), 'accepted')
  t.same(verifier.remembered(), [old], 'remembered')
  revocations.replace([{ officerId: '02CI-007', disabled: true, revokedBeforeSeconds: now - 5 }])
  t.equal(await codeOf(verifier, old), 'TOKEN_REVOKED', 'the remembered token')
  t.equal(await codeOf(verifier, await hs256(claims({ sub: '02CI-007', iat: now }))), 'TOKEN_REVOKED', 'a token issued after the disable')
  t.equal(await codeOf(verifier, await hs256(claims({ sub: '02CI-008' }))), 'accepted', 'other officers are not touched')
  revocations.replace([{ officerId: '02CI-007', disabled: false, revokedBeforeSeconds: now - 5 }])
  t.equal(await codeOf(verifier, old), 'TOKEN_REVOKED', 'enabled again: a token from before the disable stays refused')
  t.equal(await codeOf(verifier, await hs256(claims({ sub: '02CI-007', iat: now }))), 'accepted', 'a new token is accepted')
})

t.test('keys from a JWKS URL: RS256 and ES256 chosen by kid, a rotation followed, a retired key refused', async (t) => {
  const rsa = await generateKeyPair('RS256')
  const ec = await generateKeyPair('ES256')
  const unknown = await generateKeyPair('ES256')
  const jwk = async (key: CryptoKey, kid: string, alg: string): Promise<JWK> => ({ ...(await exportJWK(key)), kid, alg, use: 'sig' })
  const keyA = await jwk(rsa.publicKey, 'key-a', 'RS256')
  const keyB = await jwk(ec.publicKey, 'key-b', 'ES256')
  let published: JWK[] = [keyA]
  let fetches = 0
  const server: Server = createServer((_req, res) => {
    fetches++
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys: published }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`
  const verifier = createTokenVerifier({ ...options, secret: null, jwksUrl, jwksCooldownMs: 100, jwksRefreshMs: 300 })
  const sign = (key: CryptoKey, kid: string, alg: string, extra: JWTPayload = {}) =>
    new SignJWT(claims(extra)).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key)
  const tokenA = await sign(rsa.privateKey, 'key-a', 'RS256', { sub: 'by-a' })
  const tokenB = await sign(ec.privateKey, 'key-b', 'ES256', { sub: 'by-b' })
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

  t.equal(await codeOf(verifier, tokenA), 'accepted', 'RS256 by key A')
  t.equal(await codeOf(verifier, tokenB), 'TOKEN_KEY_UNKNOWN', 'key B is not published yet')
  t.equal(await codeOf(verifier, await hs256(claims())), 'TOKEN_ALGORITHM_REJECTED', 'HS256 is never accepted with an identity provider')

  published = [keyA, keyB]
  await sleep(150)
  t.equal(await codeOf(verifier, tokenB), 'accepted', 'key B published: an unknown kid fetches the set again (after the cooldown)')
  t.equal(await codeOf(verifier, tokenA), 'accepted', 'key A still published')

  published = [keyB]
  await sleep(350)
  await verifier.verify(tokenB) // the background refresh is due: it starts now
  let code = 'accepted'
  for (let i = 0; i < 50 && code === 'accepted'; i++) {
    await sleep(20)
    code = await codeOf(verifier, tokenA)
  }
  t.equal(code, 'TOKEN_KEY_UNKNOWN', 'key A retired: its remembered token is refused after the refresh')
  t.equal(await codeOf(verifier, tokenB), 'accepted')

  await new Promise<void>((r) => server.close(() => r()))
  server.closeAllConnections()
  await sleep(350)
  const fetchesBefore = fetches
  t.equal(await codeOf(verifier, await sign(ec.privateKey, 'key-b', 'ES256', { sub: 'new-by-b' })), 'accepted', 'provider down: a new token by a known key is accepted')
  const bySomeoneElse = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'key-x' }).sign(unknown.privateKey)
  await sleep(150)
  const refusal = await verifier.verify(bySomeoneElse).catch((err: TokenError) => err)
  t.match(refusal, { code: 'AUTH_KEYS_UNAVAILABLE', unavailable: true }, 'provider down and the kid unknown: unavailable (503), the token may be good')
  t.equal(fetches, fetchesBefore, 'no fetch reached the closed server')
})
