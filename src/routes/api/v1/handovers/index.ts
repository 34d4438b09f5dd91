// /api/v1/handovers: goods handovers under customs supervision (biên bản bàn giao hàng hóa, BBBG).
import type { FastifyInstance } from 'fastify'
import { tagVersionedAnswers } from '../../../entity-tags.ts'
import handoverReadRoutes from './read-routes.ts'
import handoverWriteRoutes from './write-routes.ts'
import approvalRequestRoutes from './approval-request-routes.ts'

export default async function handoverRoutes(app: FastifyInstance) {
  // One handover answers with its ETag: an amendment names it in If-Match.
  tagVersionedAnswers(app)
  await app.register(handoverWriteRoutes)
  await app.register(handoverReadRoutes)
  await app.register(approvalRequestRoutes)
}
