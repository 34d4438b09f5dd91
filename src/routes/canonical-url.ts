// One URL, one route. Authentication is decided by the route the router matched (plugins/auth.ts),
// so every spelling of a path must reach the same route as its canonical form — or no route at all:
// `/%61pi/...` (decoded once by the router), `/API/...`, `//api/...`, `/api/v1/../v1/...`,
// `/api/...;x=1`, `/api/.../`. Double encoding (`/%2561pi/...`) is decoded once, like every path,
// and names no route. Issue 12: the old prefix test on the raw URL let `/%61pi/v1/audit/verify`
// through without a token.
import type { IncomingMessage } from 'node:http'

/** find-my-way's own normalisations (fastify `routerOptions`). */
export const routerOptions = {
  caseSensitive: false,
  ignoreTrailingSlash: true,
  ignoreDuplicateSlashes: true,
  // `;` ends the path, as in RFC 2396 path parameters: `/x;a=1` is `/x` with the query `a=1`.
  useSemicolonDelimiter: true,
}

// A segment that is `.` or `..`, also percent-encoded (RFC 3986 6.2.2.2: `%2E` is `.`).
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$|[?;#])/i

/**
 * Removes dot segments from the path (RFC 3986 5.2.4), which find-my-way matches literally; the
 * query is kept as sent. Paths without a dot segment (all but a hostile few) are returned as is.
 */
export function canonicalUrl(url: string): string {
  const queryAt = url.search(/[?;#]/)
  const path = queryAt === -1 ? url : url.slice(0, queryAt)
  if (!DOT_SEGMENT.test(path)) return url
  const out: string[] = []
  for (const segment of path.split('/').slice(1)) {
    const decoded = segment.replace(/%2e/gi, '.')
    if (decoded === '.') continue
    if (decoded === '..') out.pop()
    else out.push(segment)
  }
  const last = path.split('/').at(-1)?.replace(/%2e/gi, '.')
  const trailing = last === '.' || last === '..' ? '/' : ''
  return `/${out.join('/')}${out.length > 0 ? trailing : ''}${queryAt === -1 ? '' : url.slice(queryAt)}`
}

/** fastify `rewriteUrl`: runs before routing, so hooks and handlers see the canonical path. */
export const rewriteUrl = (req: IncomingMessage): string => canonicalUrl(req.url ?? '/')
