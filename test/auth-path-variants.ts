// Spellings of one protected path that a prefix test on the raw URL would have let through (issue
// 12), shared by the in-process test and the test through HAProxy. Sent over a real socket with
// `http.request`, which puts the path on the wire as written: fetch() and app.inject() resolve `..`
// before sending, and would hide the very case under test.
import { request } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Test } from 'tap'

export interface PathVariant {
  name: string
  path: string
  /** False: the spelling names no route (decoded once, it is not the protected path) — 404 once authenticated. */
  namesTheRoute: boolean
}

/** Variants of `target` (an absolute path starting with /api/). */
export function pathVariants(target: string): PathVariant[] {
  if (!target.startsWith('/api/')) throw new Error(`pathVariants: ${target} must start with /api/`)
  const rest = target.slice('/api/'.length)
  const lastSlash = target.lastIndexOf('/')
  const parent = target.slice(0, lastSlash)
  const leaf = target.slice(lastSlash + 1)
  return [
    { name: 'canonical', path: target, namesTheRoute: true },
    { name: 'percent-encoded letter', path: `/%61pi/${rest}`, namesTheRoute: true },
    { name: 'percent-encoded upper-case hex', path: `/%41PI/${rest}`, namesTheRoute: true },
    { name: 'upper case', path: target.toUpperCase(), namesTheRoute: true },
    { name: 'mixed case prefix', path: `/Api/${rest}`, namesTheRoute: true },
    { name: 'leading double slash', path: `/${target}`, namesTheRoute: true },
    { name: 'inner double slash', path: target.replace('/api/', '/api//'), namesTheRoute: true },
    { name: 'dot-dot segment', path: target.replace('/api/v1/', '/api/v1/../v1/'), namesTheRoute: true },
    { name: 'dot-dot above the root', path: `/../..${target}`, namesTheRoute: true },
    { name: 'percent-encoded dot-dot', path: target.replace('/api/v1/', '/api/v1/%2e%2e/v1/'), namesTheRoute: true },
    { name: 'dot segment', path: target.replace('/api/', '/api/./'), namesTheRoute: true },
    { name: 'semicolon parameter', path: `${target};jsessionid=1`, namesTheRoute: true },
    { name: 'semicolon on a segment', path: `${parent};x=1/${leaf}`, namesTheRoute: false },
    { name: 'trailing slash', path: `${target}/`, namesTheRoute: true },
    { name: 'trailing double slash', path: `${target}//`, namesTheRoute: true },
    { name: 'double-encoded letter', path: `/%2561pi/${rest}`, namesTheRoute: false },
    { name: 'double-encoded dot-dot', path: target.replace('/api/v1/', '/api/v1/%252e%252e/v1/'), namesTheRoute: false },
    { name: 'encoded slash', path: `/api%2F${rest}`, namesTheRoute: false },
  ]
}

export interface RawResponse {
  status: number
  body: string
  json(): Record<string, unknown>
}

/** GET with the path exactly as given (no client-side normalisation); over TLS (the cluster's front) with `ca`. */
export function rawGet(baseUrl: string, path: string, headers: Record<string, string> = {}, ca?: Buffer): Promise<RawResponse> {
  const base = new URL(baseUrl)
  const send = base.protocol === 'https:' ? httpsRequest : request
  return new Promise((resolve, reject) => {
    const req = send({ host: base.hostname, port: base.port, method: 'GET', path, headers, agent: false, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) as Record<string, unknown> })
      })
      res.on('error', reject)
    })
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer in 10 s`)))
    req.on('error', reject)
    req.end()
  })
}

/** What each caller must get for a variant of a route that admits `allowed` and refuses `refused`. */
export function expectedStatus(variant: PathVariant, who: 'anonymous' | 'refused' | 'allowed'): number {
  if (who === 'anonymous') return 401
  if (!variant.namesTheRoute) return 404
  return who === 'refused' ? 403 : 200
}

/**
 * Sends every spelling of a route that `refusedToken`'s role may not use and `allowedToken`'s may:
 * 401 anonymous, 403 refused, 200 allowed (404 once authenticated for spellings that name no route).
 * `leak` matches what the route's answer would contain, which no refused caller may see.
 */
export async function checkPathVariants(
  t: Test,
  baseUrl: string,
  target: string,
  tokens: { refused: string; allowed: string },
  leak: RegExp,
  ca?: Buffer,
): Promise<void> {
  const refused = { authorization: `Bearer ${tokens.refused}` }
  const allowed = { authorization: `Bearer ${tokens.allowed}` }
  for (const variant of pathVariants(target)) {
    const anonymous = await rawGet(baseUrl, variant.path, {}, ca)
    t.equal(anonymous.status, expectedStatus(variant, 'anonymous'), `${variant.name} ${variant.path}: no token`)
    t.notMatch(anonymous.body, leak, 'the handler did not run')
    const wrongRole = await rawGet(baseUrl, variant.path, refused, ca)
    t.equal(wrongRole.status, expectedStatus(variant, 'refused'), `${variant.name}: the wrong role`)
    t.notMatch(wrongRole.body, leak, 'the handler did not run')
    const rightRole = await rawGet(baseUrl, variant.path, allowed, ca)
    t.equal(rightRole.status, expectedStatus(variant, 'allowed'), `${variant.name}: the right role`)
  }
}
