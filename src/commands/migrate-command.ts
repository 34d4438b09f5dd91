// npm run migrate: applies pending migrations to DATABASE_URL and exits non-zero on any failure.
import pg from 'pg'
import { runMigrations } from '../db/migration-runner.ts'
import { loadCommandConfig } from '../config.ts'

const url = loadCommandConfig().databaseUrl
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
try {
  await client.connect()
  const result = await runMigrations(client, (line) => console.log(`migrate: ${line}`))
  console.log(`migrate: ${result.applied.length} applied, ${result.alreadyApplied} already present`)
} catch (err) {
  console.error(`migrate: FAILED: ${(err as Error).message}`)
  process.exitCode = 1
} finally {
  await client.end().catch(() => undefined)
}
