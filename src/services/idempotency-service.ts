// Idempotency-Key semantics (IETF draft "The Idempotency-Key HTTP Header Field", Stripe's notes):
// same key + same payload → the stored response; same key + other payload → 422; a concurrent
// duplicate → 409. Only successful responses are stored: an error (including a 503 from a failover)
// is never the final answer for a key, so a retry after the failover can succeed.
import { createHash } from 'node:crypto'
import { RetryWriteLater, type Database } from '../db/database.ts'
import { findStoredResponse, storeResponse, tryLockKey } from '../db/idempotency-repository.ts'
import { AppError } from '../errors.ts'
import { canonicalJson } from './canonical-json.ts'
import type { Actor } from './jwt-service.ts'
import type { WriteContext } from './write-context.ts'

export interface WriteRequest {
  actor: Actor
  requestId: string
  /** The client's Idempotency-Key, or null (the request id then stands in for it, see below). */
  key: string | null
  method: string
  path: string
  body: unknown
}

export interface WriteResult {
  status: number
  body: unknown
  replayed: boolean
  /** What this request changed (empty on a replay): for business metrics after COMMIT. */
  changes: WriteContext['changes']
}

export function fingerprintOf(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body ?? null)}`).digest('hex')
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/

export function checkKeyFormat(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new AppError(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1–255 visible ASCII characters', [
      { field: 'header.idempotency-key', code: 'IDEMPOTENCY_KEY_INVALID' },
    ])
  }
}

/**
 * Runs one write in one transaction with its idempotency record. Without a client key the request
 * id is used as the key: a retry of the same request (HAProxy's redispatch, or our own retry after
 * a COMMIT whose outcome was lost in a failover) then finds the first attempt's stored response
 * instead of writing twice.
 */
export async function runIdempotentWrite(
  db: Database,
  request: WriteRequest,
  ttlHours: number,
  work: (ctx: WriteContext) => Promise<{ status: number; body: unknown }>,
): Promise<WriteResult> {
  const caller = request.actor.officerId
  const key = request.key ?? `request:${request.requestId}`
  if (request.key !== null) checkKeyFormat(request.key)
  const fingerprint = fingerprintOf(request.method, request.path, request.body)
  return db.write(
    async (tx, attempt) => {
      if (!(await tryLockKey(tx, caller, key))) {
        // On our own retry the holder is usually this request's previous attempt: its connection was
        // dropped (query timeout) while its COMMIT still waits on the server for a synchronous
        // standby, holding the lock. Wait for it to finish — then its stored response is found —
        // instead of answering our own client with a 409.
        if (attempt > 1) throw new RetryWriteLater('idempotency key still held by an earlier attempt')
        throw new AppError(409, 'IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed; retry shortly')
      }
      const stored = await findStoredResponse(tx, caller, key)
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          throw new AppError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request')
        }
        return { status: stored.status_code, body: stored.response_body, replayed: true, changes: [] }
      }
      const now = new Date().toISOString()
      const ctx: WriteContext = { tx, actor: request.actor, requestId: request.requestId, now, changes: [] }
      const result = await work(ctx)
      await storeResponse(tx, { caller, key, fingerprint, statusCode: result.status, body: result.body, ttlHours })
      return { ...result, replayed: false, changes: ctx.changes }
    },
    { idempotent: true },
  )
}
