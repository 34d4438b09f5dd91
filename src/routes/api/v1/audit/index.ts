// GET /api/v1/audit/verify (supervisor, admin): walks every hash chain of the audit trail.
// GET /api/v1/audit/:entityType/:entityId: the trail of one record.
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { auditTrail, verifyAuditChain } from '../../../../services/audit-service.ts'

const ChainReport = Type.Object({
  ok: Type.Boolean(),
  rowsChecked: Type.Integer(),
  stripes: Type.Integer(),
  problems: Type.Array(Type.Object({ stripe: Type.Integer(), seq: Type.String(), problem: Type.String() })),
})

export default async function auditRoutes(app: FastifyInstance) {
  app.get(
    '/verify',
    {
      config: { roles: ['supervisor', 'admin'] },
      schema: {
        tags: ['audit'],
        summary: 'Verify the hash chain of the whole audit trail (any edit or deletion is reported)',
        response: { 200: ChainReport },
      },
    },
    async () => app.db.readFresh((q) => verifyAuditChain(q)),
  )

  app.get(
    '/:entityType/:entityId',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit trail of one record (who, office, when, action, before/after); offices that took part in it, and admins',
        params: Type.Object({ entityType: Type.String({ maxLength: 40 }), entityId: Type.String({ maxLength: 80 }) }),
      },
    },
    async (request) => {
      const { entityType, entityId } = request.params as { entityType: string; entityId: string }
      return { items: await app.db.readFresh((q) => auditTrail(q, request.actor, entityType, entityId)) }
    },
  )
}
