// npm run audit:verify: walks every hash chain of the audit trail; exits 1 if any is broken.
import pg from 'pg'
import { loadCommandConfig } from '../config.ts'
import { verifyAuditChain } from '../services/audit-service.ts'

const client = new pg.Client({ connectionString: loadCommandConfig().databaseUrl, connectionTimeoutMillis: 5000 })
try {
  await client.connect()
  const report = await verifyAuditChain(client)
  console.log(`audit: ${report.rowsChecked} rows in ${report.stripes} chains checked`)
  for (const p of report.problems) console.log(`audit: chain ${p.stripe}, row ${p.seq}: ${p.problem}`)
  console.log(report.ok ? 'audit: OK, every chain verifies' : 'audit: TAMPERING DETECTED')
  process.exitCode = report.ok ? 0 : 1
} catch (err) {
  console.error(`audit: could not verify: ${(err as Error).message}`)
  process.exitCode = 2
} finally {
  await client.end().catch(() => undefined)
}
