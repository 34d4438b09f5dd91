// No input yields a 500 (issue 12: schemathesis found `POST /api/v1/back-entry/batches?fileName=0`
// without a body answering 500). Every authenticated route of the app, walked from its own route
// list, gets bodies, queries and path values of the wrong kind; each answer is a 4xx with a code.
import t from 'tap'
import { buildTestApp } from '../helper.ts'

const bodies: Array<[string, Record<string, string>, string | undefined]> = [
  ['no body, no content type', {}, undefined],
  ['JSON null', { 'content-type': 'application/json' }, 'null'],
  ['a JSON array', { 'content-type': 'application/json' }, '[]'],
  ['a JSON number', { 'content-type': 'application/json' }, '1e400'],
  ['a JSON string', { 'content-type': 'application/json' }, '"x"'],
  ['an empty object', { 'content-type': 'application/json' }, '{}'],
  ['a prototype key', { 'content-type': 'application/json' }, '{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}'],
  ['broken JSON', { 'content-type': 'application/json' }, '{"a": '],
  ['a NUL in a string', { 'content-type': 'application/json' }, '{"reason": "a\\u0000b", "destinationPlace": "\\u0000"}'],
  ['a lone surrogate', { 'content-type': 'application/json' }, '{"reason": "\\ud800"}'],
  ['CSV', { 'content-type': 'text/csv' }, 'kind,originalTime\n,,,\n'],
  ['plain text', { 'content-type': 'text/plain' }, 'hello'],
  ['an unknown media type', { 'content-type': 'application/x-unknown' }, 'x'],
]
const queries = ['?limit=abc', '?limit=1e400', '?limit=-1', '?cursor=%00', '?office=%FF%FE', '?from=2025-13-45', '?fileName=0', `?x=${'y'.repeat(4000)}`]
const pathValues = ['%00', '..%2F..', 'x'.repeat(99), '-1', '1e400', '%F0%9F%92%A9']

t.test('every route, given the wrong kind of input, answers 4xx with a code — never 5xx', async (t) => {
  const { app, token } = await buildTestApp(t)
  const authorization = `Bearer ${token({ role: 'supervisor' })}`
  const routes = app.routeAccess.filter((r) => !r.access().public && r.method !== 'HEAD')
  let sent = 0
  const failures: string[] = []
  const check = async (method: string, url: string, headers: Record<string, string>, payload?: string) => {
    const res = await app.inject({ method: method as 'GET', url, headers: { authorization, ...headers }, payload })
    sent++
    const code = res.headers['content-type']?.includes('json') ? (res.json() as { code?: string }).code : undefined
    if (res.statusCode >= 500 && res.statusCode !== 503) failures.push(`${method} ${url} → ${res.statusCode} ${res.body.slice(0, 120)}`)
    if (res.statusCode >= 400 && !code) failures.push(`${method} ${url} → ${res.statusCode} without a code`)
  }
  for (const route of routes) {
    const filled = (value: string) => route.url.replace(/:[A-Za-z]+/g, value)
    for (const value of pathValues) await check(route.method, filled(value), {})
    for (const query of queries) await check(route.method, `${filled('x')}${query}`, {})
    if (route.method === 'POST' || route.method === 'PUT') {
      for (const [, headers, payload] of bodies) await check(route.method, `${filled('x')}?fileName=0`, headers, payload)
    }
  }
  t.comment(`${sent} requests to ${routes.length} routes`)
  t.same(failures, [], 'no 5xx, and every refusal carries a code')
})
