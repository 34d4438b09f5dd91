// GET /api/v1/offices: the office registry (danh mục mã hải quan), so a client offers officers the
// codes the service accepts, with their names, instead of a free-form field.
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { errorResponses } from '../../../../schemas/common-schemas.ts'
import { listOffices } from '../../../../services/office-directory-service.ts'

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])
const OfficeList = Type.Object({
  items: Type.Array(
    Type.Object({
      code: Type.String(),
      name: Type.String(),
      parentCode: Nullable(Type.String()),
      parentName: Nullable(Type.String()),
      city: Type.String({ description: 'The place on the place-and-date line of the office\'s printed forms' }),
      validFrom: Type.String({ description: 'YYYY-MM-DD' }),
      validTo: Nullable(Type.String({ description: 'First day the code is no longer in use; null while it is' })),
    }),
  ),
})

export default async function officeRoutes(app: FastifyInstance) {
  app.get(
    '/',
    {
      schema: {
        tags: ['offices'],
        summary: 'Danh mục mã hải quan — every registered office, in use or historical, by code',
        response: { 200: OfficeList, ...errorResponses },
      },
    },
    async () => app.db.read((q) => listOffices(q)),
  )
}
