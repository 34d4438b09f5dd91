// /api/v1/reports: leaders' figures of an office per Vietnamese calendar day, as JSON or as a file.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, EXPORT_PRODUCES, ExportFile, ExportQuery, OfficeCode, Strict } from '../../../../schemas/common-schemas.ts'
import { sendExport } from '../../../export-route.ts'
import { dailyReportExport } from '../../../../services/export-tables.ts'
import { dailyReport } from '../../../../services/report-service.ts'

const tags = ['reports']
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD, a calendar day in Vietnam' })
const DailyQuery = Strict({
  office: Type.Optional({ ...OfficeCode, description: 'Default: your office (admins may name any office)' }),
  from: Type.Optional({ ...Day, description: 'First day (default: `to`)' }),
  to: Type.Optional({ ...Day, description: 'Last day, included (default: today in Vietnam)' }),
})
const DailyExportQuery = ExportQuery(Strict({ ...DailyQuery.properties }))

const figures = {
  handedOver: Type.Integer({ description: 'Biên bản đã bàn giao: handovers made by the office (departure)' }),
  cancelled: Type.Integer({ description: 'Handovers of the office cancelled that day' }),
  received: Type.Integer({ description: 'Đã tiếp nhận: receipts recorded by the office (destination)' }),
  receivedOnTime: Type.Integer({ description: 'Of those, received by the time limit' }),
  receivedLate: Type.Integer({ description: 'Of those, received after the time limit' }),
  receivedWithDiscrepancy: Type.Integer({ description: 'Of those, with a discrepancy or a seal not intact' }),
  becameOverdue: Type.Integer({ description: 'Handovers of the office that passed their time limit without arriving' }),
  verificationsOpened: Type.Integer(),
  verificationsResolved: Type.Integer({ description: 'Verifications concluded: no violation' }),
  verificationsViolation: Type.Integer({ description: 'Verifications concluded: violation' }),
  gateContainersPassed: Type.Integer({ description: 'Containers confirmed through the supervision area (still confirmed)' }),
  gateLotPasses: Type.Integer({ description: 'Passes of bulk lots confirmed (still confirmed)' }),
  paperDeclarationsEntered: Type.Integer({ description: 'Paper declarations entered' }),
}
const DailyReport = Type.Object({
  office: Type.String(),
  from: Type.String(),
  to: Type.String(),
  days: Type.Array(Type.Object({ day: Type.String(), ...figures })),
  totals: Type.Object(figures),
  openNow: Type.Object({
    overdue: Type.Integer({ description: 'The office\'s handovers OVERDUE now' }),
    underVerification: Type.Integer({ description: 'The office\'s handovers UNDER_VERIFICATION now' }),
  }),
})

const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/daily',
    {
      schema: {
        tags,
        summary: 'Báo cáo theo ngày — an office\'s figures per day (handed over, received on time / late, overdue, verifications, gate passes, paper declarations)',
        description: 'Days are Vietnamese calendar days; at most 366 in one report.',
        querystring: DailyQuery,
        response: { 200: DailyReport, ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query
      return app.db.read((q) => dailyReport(q, request.actor, query, new Date().toISOString()))
    },
  )

  app.get(
    '/daily/export',
    {
      schema: {
        tags,
        summary: 'Xuất báo cáo theo ngày — the daily report as CSV or XLSX',
        querystring: DailyExportQuery,
        produces: EXPORT_PRODUCES,
        response: { 200: ExportFile, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query
      const table = await dailyReportExport((fn) => app.db.read(fn), request.actor, query, new Date().toISOString())
      return sendExport(reply, table, format)
    },
  )
}

export default reportRoutes
