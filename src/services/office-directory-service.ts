// The office registry as clients read it: every office, historical codes included (records made
// under them keep them), ordered by code.
import type { Queryable } from '../db/database.ts'
import { allOffices, type OfficeRecord } from '../db/office-repository.ts'

export async function listOffices(q: Queryable): Promise<{ items: OfficeRecord[] }> {
  return { items: await allOffices(q) }
}
