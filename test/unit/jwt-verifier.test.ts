import t from 'tap'
import { createHmac } from 'node:crypto'
import { createTokenVerifier, signToken, TokenError } from '../../src/services/jwt-service.ts'

const SECRET = 'unit-test-secret-of-enough-length'
const options = { secret: SECRET, publicKeyFile: null, issuer: 'tqdt-ha', audience: 'tqdt-api' }
const actor = { officerId: 'o-1', name: 'Officer One', office: '02CI', role: 'officer' as const }

const codeOf = (fn: () => unknown) => {
  try {
    fn()
    return 'accepted'
  } catch (err) {
    return err instanceof TokenError ? err.code : `unexpected ${String(err)}`
  }
}

const hs256 = (claims: Record<string, unknown>) => {
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `${h}.${p}.${createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url')}`
}

t.test('a remembered token still expires: the time window is checked on every use', async (t) => {
  const verifier = createTokenVerifier(options)
  const token = signToken(actor, SECRET, { issuer: 'tqdt-ha', audience: 'tqdt-api', ttlSeconds: 60 })
  const now = Math.floor(Date.now() / 1000)
  t.same(verifier.verify(token, now), actor)
  t.same(verifier.verify(token, now + 59), actor, 'second use, from the cache')
  t.equal(codeOf(() => verifier.verify(token, now + 61)), 'TOKEN_EXPIRED')
  t.equal(codeOf(() => verifier.verify(token, now + 61)), 'TOKEN_EXPIRED', 'and again after it left the cache')
})

t.test('a token not yet valid is refused from the cache too', async (t) => {
  const verifier = createTokenVerifier(options)
  const now = Math.floor(Date.now() / 1000)
  const token = hs256({ sub: 'o-2', office: '02CI', role: 'officer', iss: 'tqdt-ha', aud: 'tqdt-api', nbf: now + 100, exp: now + 1000 })
  t.equal(codeOf(() => verifier.verify(token, now + 100)), 'accepted')
  t.equal(codeOf(() => verifier.verify(token, now)), 'TOKEN_NOT_YET_VALID')
})

t.test('a refused token is never remembered as good, and a changed byte is a new check', async (t) => {
  const verifier = createTokenVerifier(options)
  const token = signToken(actor, SECRET, { issuer: 'tqdt-ha', audience: 'tqdt-api', ttlSeconds: 60 })
  // A character in the middle of the signature: the last one also carries padding bits, and changing
  // those alone can decode to the same bytes.
  const at = token.length - 10
  const forged = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`
  t.equal(codeOf(() => verifier.verify(forged)), 'TOKEN_SIGNATURE_INVALID')
  t.equal(codeOf(() => verifier.verify(forged)), 'TOKEN_SIGNATURE_INVALID', 'refused again')
  t.same(verifier.verify(token), actor)
  const other = createTokenVerifier({ ...options, secret: 'another-secret-of-enough-length' })
  t.equal(codeOf(() => other.verify(token)), 'TOKEN_SIGNATURE_INVALID', 'each verifier has its own memory')
})

t.test('the memory is bounded: the oldest token leaves first', async (t) => {
  const verifier = createTokenVerifier({ ...options, cacheSize: 3 })
  const now = Math.floor(Date.now() / 1000)
  const tokens = Array.from({ length: 5 }, (_, i) =>
    hs256({ sub: `o-${i}`, office: '02CI', role: 'officer', iss: 'tqdt-ha', aud: 'tqdt-api', exp: now + 1000 }),
  )
  for (const token of tokens) verifier.verify(token, now)
  t.same(verifier.remembered(), tokens.slice(2), 'the three newest')
  t.equal(verifier.verify(tokens[0] as string, now).officerId, 'o-0', 'an evicted token is checked in full again')
  t.same(verifier.remembered(), [tokens[3], tokens[4], tokens[0]])
})
