// ETag / If-Match / If-None-Match of versioned records — paper declarations, handovers (RFC 9110
// §8.8.3, §13.1.1–13.1.2). The entity tag is the record's version, quoted: "3".
import type { FastifyInstance } from 'fastify'
import { DomainError } from '../domain/errors.ts'
import { AppError } from '../errors.ts'

export const entityTagOf = (version: number) => `"${version}"`

interface EntityTag {
  weak: boolean
  opaque: string
}

// One list member: optional W/, a quoted opaque tag (etagc excludes DQUOTE), then a comma or the end.
const MEMBER = /[ \t]*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)/y

/** The tags of a header value, '*' or null when it is not a valid list. */
function parseTags(value: string): EntityTag[] | '*' | null {
  if (value.trim() === '*') return '*'
  const tags: EntityTag[] = []
  MEMBER.lastIndex = 0
  while (MEMBER.lastIndex < value.length) {
    const m = MEMBER.exec(value)
    if (!m) return null
    tags.push({ weak: m[1] !== undefined, opaque: m[2] as string })
  }
  return tags.length > 0 ? tags : null
}

const versionOf = (opaque: string) => (/^[1-9]\d{0,9}$/.test(opaque) ? Number(opaque) : null)

/**
 * The versions an If-Match header allows. Missing, or '*' (which names no version), answers 428:
 * an update must say which version it was made from. Weak tags never match (strong comparison).
 */
export function versionsFromIfMatch(header: string | string[] | undefined): number[] {
  const value = Array.isArray(header) ? header.join(', ') : header
  if (value === undefined || value.trim() === '' || value.trim() === '*') {
    throw new AppError(428, 'PRECONDITION_REQUIRED', 'Send If-Match: "<version>" with the ETag of the record you read')
  }
  const tags = parseTags(value)
  if (tags === null || tags === '*') {
    throw new AppError(400, 'VALIDATION_FAILED', 'If-Match must be a list of quoted entity tags, e.g. "3"', [
      { field: 'header.if-match', code: 'INVALID_IF_MATCH' },
    ])
  }
  return tags.filter((t) => !t.weak).flatMap((t) => versionOf(t.opaque) ?? [])
}

/** Whether If-None-Match names the current version (weak comparison); a malformed header is ignored. */
export function ifNoneMatchHolds(header: string | string[] | undefined, version: number): boolean {
  const value = Array.isArray(header) ? header.join(', ') : header
  if (value === undefined) return false
  const tags = parseTags(value)
  if (tags === '*') return true
  return tags !== null && tags.some((t) => versionOf(t.opaque) === version)
}

/**
 * Runs a write made from an If-Match version; a stale version (the service's 412 VERSION_CONFLICT)
 * answers with the current version's entity tag, so the client can read the record again.
 */
export async function withCurrentTagOnConflict<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (err) {
    if (!(err instanceof DomainError) || err.code !== 'VERSION_CONFLICT') throw err
    const { currentVersion } = err.details as { currentVersion: number }
    throw new AppError(412, err.code, err.message, err.details, { etag: entityTagOf(currentVersion) })
  }
}

/**
 * Every answer that is one versioned record carries its ETag (and a 201 its Location), including a
 * replayed Idempotency-Key response: the write door sends the stored outcome's body, and the headers
 * are derived from it here.
 */
export function tagVersionedAnswers(app: FastifyInstance): void {
  app.addHook('preSerialization', async (request, reply, payload) => {
    const body = payload as { id?: unknown; version?: unknown } | null
    if (reply.statusCode < 300 && body && typeof body.version === 'number' && typeof body.id === 'string') {
      reply.header('etag', entityTagOf(body.version))
      if (reply.statusCode === 201) reply.header('location', `${request.url.split('?')[0]?.replace(/\/$/, '')}/${body.id}`)
    }
    return payload
  })
}
