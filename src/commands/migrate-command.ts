// The migrator: applies pending migrations as the schema's owner (DATABASE_OWNER_URL, the only user
// of that role) and prepares the queue's schema; exits non-zero on any failure. `npm run migrate` (and `up`,
// `deploy`) run it from the deployed code's folder with the owner's connection through HAProxy.
import pg from 'pg'
import { prepareQueueSchema, runMigrations } from '../db/migration-runner.ts'
import { loadCommandConfig } from '../config.ts'

const config = loadCommandConfig()
if (!config.databaseOwnerUrl) {
  console.error('migrate: set DATABASE_OWNER_URL to the schema owner\'s connection (the app\'s own role may not change the schema)')
  process.exit(2)
}
const client = new pg.Client({ connectionString: config.databaseOwnerUrl, connectionTimeoutMillis: 5000, application_name: 'tqdt-migrate' })
try {
  await client.connect()
  const result = await runMigrations(client, (line) => console.log(`migrate: ${line}`))
  await prepareQueueSchema(client, config.queueSchema)
  console.log(`migrate: ${result.applied.length} applied, ${result.alreadyApplied} already present; queue schema ${config.queueSchema} ready`)
} catch (err) {
  console.error(`migrate: FAILED: ${(err as Error).message}`)
  process.exitCode = 1
} finally {
  await client.end().catch(() => undefined)
}
