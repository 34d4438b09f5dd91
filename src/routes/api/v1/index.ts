// /api/v1: one folder per resource, mirroring the URL.
import type { FastifyInstance } from 'fastify'
import handoverRoutes from './handovers/index.ts'
import gateRoutes from './gate-confirmations/index.ts'
import declarationRoutes from './declarations/index.ts'
import auditRoutes from './audit/index.ts'
import backEntryRoutes from './back-entry/index.ts'
import noticeRoutes from './notices/index.ts'
import printRoutes from './prints/index.ts'
import reportRoutes from './reports/index.ts'
import officeRoutes from './offices/index.ts'
import approvalRoutes from './approvals/index.ts'

export default async function apiV1Routes(app: FastifyInstance) {
  await app.register(handoverRoutes, { prefix: '/handovers' })
  await app.register(gateRoutes, { prefix: '/gate' })
  await app.register(declarationRoutes, { prefix: '/paper-declarations' })
  await app.register(auditRoutes, { prefix: '/audit' })
  await app.register(backEntryRoutes, { prefix: '/back-entry' })
  await app.register(noticeRoutes, { prefix: '/notices' })
  await app.register(printRoutes, { prefix: '/prints' })
  await app.register(reportRoutes, { prefix: '/reports' })
  await app.register(officeRoutes, { prefix: '/offices' })
  await app.register(approvalRoutes, { prefix: '/approvals' })
}
