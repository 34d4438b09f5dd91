// The one door for HTTP writes: Idempotency-Key header, the transaction, the stored response, and
// the `Idempotent-Replayed` header. Route handlers pass their service call as `work`.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { runIdempotentWrite } from '../services/idempotency-service.ts'
import type { WriteContext } from '../services/write-context.ts'

export async function sendWrite(
  request: FastifyRequest,
  reply: FastifyReply,
  work: (ctx: WriteContext) => Promise<{ status: number; body: unknown }>,
) {
  const header = request.headers['idempotency-key']
  const key = Array.isArray(header) ? (header[0] ?? null) : (header ?? null)
  const result = await runIdempotentWrite(
    request.server.db,
    {
      actor: request.actor,
      requestId: request.id,
      key,
      method: request.method,
      path: request.url,
      body: request.body,
    },
    request.server.config.idempotencyTtlHours,
    work,
  )
  if (result.replayed) reply.header('idempotent-replayed', 'true')
  request.server.metrics.recordChanges(result.changes)
  return reply.status(result.status).send(result.body)
}
