// The one way an export leaves over HTTP: the file streamed with its type and a download name.
import type { FastifyReply } from 'fastify'
import { exportStream, type ExportFormat, type ExportTable } from '../services/table-export.ts'

export function sendExport<T>(reply: FastifyReply, table: ExportTable<T>, format: ExportFormat) {
  const { stream, contentType, fileName } = exportStream(table, format)
  // A failure after the first byte cannot become an error body: the download ends short and the
  // failure is logged, so it is never mistaken for a complete file silently.
  stream.on('error', (err) => reply.log.error({ err }, 'export stream failed'))
  return reply
    .type(contentType)
    .header('cache-control', 'no-store')
    .header('content-disposition', `attachment; filename="${fileName}"`)
    .send(stream)
}
