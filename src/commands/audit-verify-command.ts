// npm run audit:verify [-- --store DIR ...] [--json]: checks the whole audit trail against every signed
// checkpoint in the database and in each checkpoint store outside it (AUDIT_CHECKPOINT_DIRS, or
// --store per app host's directory), with the trusted public keys (AUDIT_TRUSTED_KEYS_FILE). Prints
// each problem with its code; exits 0 when the trail verifies, 1 when it does not, 2 when it could not
// be checked.
import { createPublicKey } from 'node:crypto'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { loadCommandConfig } from '../config.ts'
import { loadSigningKey, loadTrustedKeys } from '../services/audit-checkpoint.ts'
import { directoryStore } from '../services/audit-checkpoint-store.ts'
import { verifyAuditTrail } from '../services/audit-verify-service.ts'

const config = loadCommandConfig()
const { values } = parseArgs({ options: { store: { type: 'string', multiple: true }, json: { type: 'boolean', default: false } } })
const dirs = values.store ?? config.auditCheckpointDirs
const keys = new Map(config.auditTrustedKeysFile ? loadTrustedKeys(config.auditTrustedKeysFile) : [])
if (config.auditSigningKeyFile) {
  const signer = loadSigningKey(config.auditSigningKeyFile)
  keys.set(signer.keyId, createPublicKey(signer.key))
}
const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5000, application_name: 'tqdt-audit-verify' })
try {
  if (keys.size === 0) throw new Error('no trusted public key: set AUDIT_TRUSTED_KEYS_FILE')
  await client.connect()
  let printed = 0
  const report = await verifyAuditTrail(client, {
    logName: config.auditLogName,
    keys,
    stores: dirs.map(directoryStore),
    onProgress: (leaves) => {
      if (!values.json && leaves - printed >= 100_000) {
        printed = leaves
        console.error(`audit: ${leaves.toLocaleString('en')} leaves checked`)
      }
    },
  })
  if (values.json) {
    console.log(JSON.stringify(report, null, 2))
  } else {
    console.log(`audit: ${report.leaves} sealed rows, ${report.checkpoints} signed checkpoints, ${report.unsealed} rows not sealed yet`)
    for (const s of report.stores) console.log(`audit: store ${s.name}: ${s.checkpoints} checkpoints`)
    for (const p of report.problems) console.log(`audit: ${p.code}: ${p.message}`)
    console.log(report.ok ? 'audit: OK, the trail verifies against every checkpoint' : 'audit: TAMPERING DETECTED')
  }
  process.exitCode = report.ok ? 0 : 1
} catch (err) {
  console.error(`audit: could not verify: ${(err as Error).message}`)
  process.exitCode = 2
} finally {
  await client.end().catch(() => undefined)
}
