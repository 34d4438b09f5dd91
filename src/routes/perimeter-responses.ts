// The answers the perimeter itself can give — before or around any handler — documented on every route
// that can give them, in one place instead of in each route file (issue 12: schemathesis found 401,
// 403 and 404 answers the document did not list). Applied as an `onRoute` hook, so a route's own
// `response` schemas stay as written and only what is missing is added:
//   400 any route: its inputs, a malformed URL, or a request line too long to read;
//   401, 403 any route that is not public (auth plugin: no or bad token; a role or office not allowed);
//   404 a route with path parameters (no such record);
//   413, 415 a route with a body (too large; not its media type);
//   429 any route (rate-limit plugin, before the body is read);
//   503 any route (no database could answer, or the identity provider's keys could not be fetched).
// Every error answer is JSON whatever the route's success type: a print's 404 is a JSON error, not HTML.
import type { RouteOptions } from 'fastify'
import { ErrorBody } from '../schemas/common-schemas.ts'

const described: Record<number, string> = {
  400: 'The request has invalid fields (VALIDATION_FAILED: details lists the first 100, omittedDetails counts the rest), malformed JSON or URL, or a request line too long to read',
  401: 'No token, or a token that cannot be accepted (AUTH_REQUIRED, TOKEN_EXPIRED, TOKEN_REVOKED, …); WWW-Authenticate: Bearer',
  403: 'Your role or office may not do this (ROLE_FORBIDDEN, OFFICE_FORBIDDEN)',
  404: 'No such record',
  409: 'The record\'s state does not allow this',
  412: 'If-Match names an old version (VERSION_CONFLICT)',
  413: 'The body is larger than the limit (BODY_TOO_LARGE)',
  415: 'Another media type than the route takes (UNSUPPORTED_MEDIA_TYPE)',
  422: 'The Idempotency-Key was used for a different request',
  428: 'If-Match is missing (PRECONDITION_REQUIRED)',
  429: 'Too many requests a second from this officer or address (RATE_LIMITED); Retry-After',
  503: 'No database could answer, or the identity provider\'s keys could not be fetched; nothing was changed; Retry-After',
}

const jsonError = (status: number, schema: unknown = ErrorBody) => ({
  description: described[status] ?? 'Error',
  content: { 'application/json': { schema } },
})

interface RouteSchema {
  hide?: boolean
  params?: unknown
  body?: unknown
  response?: Record<string, unknown>
}

export function documentPerimeterResponses(route: RouteOptions): void {
  const schema = route.schema as RouteSchema | undefined
  if (!schema || schema.hide) return
  const response: Record<string, unknown> = { ...(schema.response ?? {}) }
  const add = (status: number) => {
    if (!(status in response)) response[status] = jsonError(status)
  }
  add(400)
  const isPublic = route.config?.public === true
  if (!isPublic) {
    add(401)
    add(403)
  }
  if (schema.params) add(404)
  if (schema.body) {
    add(413)
    add(415)
  }
  add(429)
  add(503)
  for (const [status, answer] of Object.entries(response)) {
    const isError = Number(status) >= 400
    if (isError && !(answer && typeof answer === 'object' && 'content' in answer)) response[status] = jsonError(Number(status), answer)
  }
  // A public route (a signed print link) takes no bearer token: the document says so, against the
  // document-wide `security: bearer`.
  route.schema = { ...schema, response, ...(isPublic ? { security: [] } : {}) }
}

interface DocumentWithBodies {
  paths: Record<string, Record<string, { requestBody?: { required?: boolean; content?: Record<string, { schema?: { required?: unknown[] } }> } }>>
}

/**
 * A JSON body none of whose fields is required may be left out: the perimeter validates a missing
 * body as {} (app.ts). The document says so (`requestBody.required: false`), where @fastify/swagger
 * marks every body required, and a client (or schemathesis) that sends none is within the contract.
 */
export function documentOptionalBodies<T extends DocumentWithBodies>(document: T): T {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations)) {
      const content = operation.requestBody?.content
      if (!content || Object.keys(content).length !== 1 || !content['application/json']) continue
      const required = content['application/json'].schema?.required
      if (!Array.isArray(required) || required.length === 0) operation.requestBody!.required = false
    }
  }
  return document
}
