// SQL of the officers table.
import type { Queryable } from './database.ts'

export async function upsertOfficer(q: Queryable, o: { id: string; name: string; office: string; role: string }): Promise<void> {
  await q.query(
    `INSERT INTO officers (id, name, office, role) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, office = EXCLUDED.office, role = EXCLUDED.role`,
    [o.id, o.name, o.office, o.role],
  )
}
