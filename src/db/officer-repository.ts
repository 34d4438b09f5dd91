// SQL of the officers table.
import type { Queryable } from './database.ts'

export async function upsertOfficer(q: Queryable, o: { id: string; name: string; office: string; role: string }): Promise<void> {
  await q.query(
    `INSERT INTO officers (id, name, office, role) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, office = EXCLUDED.office, role = EXCLUDED.role`,
    [o.id, o.name, o.office, o.role],
  )
}

export interface OfficerStatus {
  id: string
  disabled: boolean
}

/** Disables an officer: their current tokens are refused, and new ones too until enabled. Null: no such officer. */
export async function disableOfficer(q: Queryable, id: string): Promise<OfficerStatus | null> {
  const { rows } = await q.query<OfficerStatus>(
    `UPDATE officers SET disabled_at = coalesce(disabled_at, now()), tokens_revoked_before = now()
     WHERE id = $1 RETURNING id, disabled_at IS NOT NULL AS disabled`,
    [id],
  )
  return rows[0] ?? null
}

/** Enables an officer again; tokens issued before the disable stay refused. Null: no such officer. */
export async function enableOfficer(q: Queryable, id: string): Promise<OfficerStatus | null> {
  const { rows } = await q.query<OfficerStatus>(
    `UPDATE officers SET disabled_at = NULL WHERE id = $1 RETURNING id, disabled_at IS NOT NULL AS disabled`,
    [id],
  )
  return rows[0] ?? null
}

export async function isOfficerDisabled(q: Queryable, id: string): Promise<boolean> {
  const { rows } = await q.query<{ disabled: boolean }>('SELECT disabled_at IS NOT NULL AS disabled FROM officers WHERE id = $1', [id])
  return rows[0]?.disabled ?? false
}

export interface OfficerRevocation {
  officerId: string
  disabled: boolean
  /** Tokens issued at or before this second are refused. */
  revokedBeforeSeconds: number
}

export async function listOfficerRevocations(q: Queryable): Promise<OfficerRevocation[]> {
  const { rows } = await q.query<OfficerRevocation>(
    `SELECT id AS "officerId", disabled_at IS NOT NULL AS disabled,
            floor(extract(epoch FROM tokens_revoked_before))::float8 AS "revokedBeforeSeconds"
     FROM officers WHERE tokens_revoked_before IS NOT NULL`,
  )
  return rows
}

/** The office an officer is recorded for (disabled or not); null when no such officer is recorded. */
export async function officerOfficeOf(q: Queryable, id: string): Promise<string | null> {
  const { rows } = await q.query<{ office: string }>('SELECT office FROM officers WHERE id = $1', [id])
  return rows[0]?.office ?? null
}
