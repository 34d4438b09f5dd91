// The one door for HTTP writes, and the one adapter from domain outcomes to HTTP. A write route
// builds the WriteContext here (the actor, the request id, the clock and the idempotency claim of its
// Idempotency-Key header), calls its service once, and hands the outcome back here for a status,
// a body and the Idempotent-Replayed header. Refusals (DomainError) are mapped in errors.ts.
import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { viewOf, type IdempotencyClaim, type StoredOutcome, type WriteOutcome } from '../domain/write.ts'
import { AppError } from '../errors.ts'
import { canonicalJson } from '../services/canonical-json.ts'
import type { WriteContext } from '../services/write-context.ts'

export const STATUS_OF_OUTCOME: Readonly<Record<StoredOutcome<unknown>['kind'], number>> = {
  created: 201,
  accepted: 202,
  updated: 200,
  unchanged: 200,
  duplicate: 200,
}

export function fingerprintOf(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body ?? null)}`).digest('hex')
}

export const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/

/**
 * The claim of a request. Without a client key the request id stands in: a retry of the same request
 * (HAProxy's redispatch, or our own resend after a COMMIT whose outcome was lost in a failover) then
 * finds the first attempt's stored outcome instead of writing twice.
 */
export function claimOf(request: FastifyRequest): IdempotencyClaim {
  const header = request.headers['idempotency-key']
  const key = Array.isArray(header) ? (header[0] ?? null) : (header ?? null)
  if (key !== null && !KEY_PATTERN.test(key)) {
    throw new AppError(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1–255 visible ASCII characters', [
      { field: 'header.idempotency-key', code: 'IDEMPOTENCY_KEY_INVALID' },
    ])
  }
  return {
    caller: request.actor.officerId,
    key: key ?? `request:${request.id}`,
    fingerprint: fingerprintOf(request.method, request.url, request.body),
    ttlHours: request.server.config.idempotencyTtlHours,
  }
}

export function writeContextOf(request: FastifyRequest): WriteContext {
  return {
    actor: request.actor,
    requestId: request.id,
    now: new Date().toISOString(),
    claim: claimOf(request),
    paperBackdatingDays: request.server.config.paperBackdatingDays,
  }
}

/**
 * Answers a write: the status of the outcome's kind, the body `bodyOf` makes of it (the same for the
 * first answer and a replay), Idempotent-Replayed on a replay, and the changes counted as metrics.
 */
export function sendOutcome<V>(
  request: FastifyRequest,
  reply: FastifyReply,
  outcome: WriteOutcome<V>,
  bodyOf: (outcome: StoredOutcome<V>, view: V) => unknown = (_o, view) => view,
) {
  const answered = outcome.kind === 'replayed' ? outcome.original : outcome
  if (outcome.kind === 'replayed') reply.header('idempotent-replayed', 'true')
  else request.server.metrics.recordChanges(outcome.changes)
  return reply.status(STATUS_OF_OUTCOME[answered.kind]).send(bodyOf(answered, viewOf(answered)))
}
