// Applies migrations/NNN_name.sql in order, each in its own transaction, recording them in
// schema_migrations. An advisory lock makes concurrent runs (three app hosts deploying at once) wait
// instead of racing. Any failure is thrown: the command exits non-zero.
import { readdir, readFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import path from 'node:path'
import type pg from 'pg'

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../migrations')
const LOCK_ID = 7_262_019 // any constant shared by all runners

export interface MigrationResult {
  applied: string[]
  alreadyApplied: number
}

/**
 * The queue's schema (pg-boss installs and upgrades its own tables at start, as the app's role): made
 * by the owner, who lets the app's role create in it — and nowhere else.
 */
export async function prepareQueueSchema(client: pg.ClientBase, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`queue schema ${schema}: expected a lower-case PostgreSQL name`)
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  // A queue schema from before the roles were split belongs to the app's login role, which pg-boss
  // runs as: it needs no grant, and the owner could give none.
  const { rows } = await client.query<{ mine: boolean }>('SELECT nspowner = current_user::regrole AS mine FROM pg_namespace WHERE nspname = $1', [schema])
  if (rows[0]?.mine) await client.query(`GRANT USAGE, CREATE ON SCHEMA ${schema} TO tqdt_app`)
}

export async function runMigrations(client: pg.ClientBase, log: (line: string) => void = () => {}): Promise<MigrationResult> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort()
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID])
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations')
    const done = new Map(rows.map((r) => [r.name, r.checksum]))
    const applied: string[] = []
    for (const file of files) {
      const sql = await readFile(path.join(MIGRATIONS_DIR, file), 'utf8')
      const checksum = createHash('sha256').update(sql).digest('hex')
      const previous = done.get(file)
      if (previous !== undefined) {
        if (previous !== checksum) throw new Error(`migration ${file} was changed after it was applied (checksum differs)`)
        continue
      }
      log(`applying ${file}`)
      await client.query('BEGIN')
      try {
        await client.query(sql)
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [file, checksum])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err })
      }
      applied.push(file)
    }
    return { applied, alreadyApplied: done.size }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined)
  }
}
