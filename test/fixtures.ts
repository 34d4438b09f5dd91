// Bodies the integration tests send, in one place: a valid handover of office 02CI to 43IH by default.
import type { TestApp } from './helper.ts'

/** A handover create body valid against the route's schema, due eight hours from now. */
export const handoverBody = (route = 'Cát Lái → Sóng Thần') => ({
  destinationOffice: '43IH',
  destinationPlace: 'ICD Sóng Thần',
  declarationNumbers: ['102345678901'],
  containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'CS1', customsSeal: 'HQ1' }],
  vehicle: '51C-12345',
  route,
  dueAt: new Date(Date.now() + 8 * 3600_000).toISOString(),
})

/** Creates a handover through the API as an officer of `office`; its id, or an error with the answer. */
export async function createHandoverThroughApi(api: TestApp, route?: string, office = '02CI'): Promise<string> {
  const res = await api.as(office, { method: 'POST', url: '/api/v1/handovers', payload: handoverBody(route) })
  if (res.statusCode !== 201) throw new Error(`create answered ${res.statusCode}: ${res.body}`)
  return (res.json() as { id: string }).id
}
