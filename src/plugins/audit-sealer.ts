// The audit trail's sealer and checkpoint exporter on this node (services/audit-seal-service.ts), as
// `app.audit`. Every node runs the loop; the sealer's advisory lock lets one seal at a time in the
// whole cluster, and each node copies the checkpoints into its own host's store. Its failures are
// logged and counted, never thrown: writes do not depend on sealing, only proofs wait for it.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createPublicKey, type KeyObject } from 'node:crypto'
import { Counter, Gauge } from 'prom-client'
import type { Config } from '../config.ts'
import { sealingLag } from '../db/audit-seal-repository.ts'
import { keyIdOf, loadSigningKey, loadTrustedKeys, type SigningKey } from '../services/audit-checkpoint.ts'
import { CheckpointExporter, directoryStore, type CheckpointStore, type ExportResult } from '../services/audit-checkpoint-store.ts'
import { sealBatch, SealingRefusedError, type SealResult } from '../services/audit-seal-service.ts'
import { singleFlight, withTimeout } from './database-metrics.ts'

export interface AuditSealing {
  readonly logName: string
  /** Public keys that checkpoints may be signed with (the current one and retired ones). */
  readonly trustedKeys: ReadonlyMap<string, KeyObject>
  /** This host's checkpoint store outside PostgreSQL; null when none is configured. */
  readonly store: CheckpointStore | null
  /** Seals every row waiting now (and exports), as the loop does; tests and the drill call it. */
  sealNow(): Promise<{ sealed: number; treeSize: number; exported: ExportResult | null }>
}

declare module 'fastify' {
  interface FastifyInstance {
    audit: AuditSealing
  }
}

const LAG_QUERY_TIMEOUT_MS = 1000

async function auditSealerPlugin(app: FastifyInstance, opts: { config: Config }) {
  const { config } = opts
  const registers = [app.metrics.registry]
  const log = app.log.child({ component: 'audit-sealer' })
  const signer: SigningKey | null = config.auditSigningKeyFile ? loadSigningKey(config.auditSigningKeyFile) : null
  const trustedKeys = new Map(config.auditTrustedKeysFile ? loadTrustedKeys(config.auditTrustedKeysFile) : [])
  if (signer) trustedKeys.set(signer.keyId, createPublicKey(signer.key))
  const store = config.auditCheckpointDir ? directoryStore(config.auditCheckpointDir) : null
  const exporter = store ? new CheckpointExporter(store, config.auditLogName, trustedKeys) : null

  const sealedRows = new Counter({ name: 'tqdt_audit_rows_sealed_total', help: 'Audit rows this node sealed into the Merkle tree', registers })
  const failures = new Counter({
    name: 'tqdt_audit_sealing_failures_total',
    help: 'Sealing or export passes that failed (retried on the next pass)',
    labelNames: ['step'] as const,
    registers,
  })
  const rejected = new Counter({
    name: 'tqdt_audit_checkpoints_rejected_total',
    help: 'Checkpoints in the database whose signature did not check: not exported (a forgery, or a key mix-up)',
    registers,
  })
  const refusing = new Gauge({
    name: 'tqdt_audit_sealer_refusing',
    help: '1 while the sealer refuses to build on the last checkpoint (its signature or edge does not check)',
    registers,
  })
  for (const step of ['seal', 'export'] as const) failures.inc({ step }, 0)

  let lag = { unsealed: 0, oldestSeconds: null as number | null }
  const refreshLag = singleFlight(() =>
    withTimeout(app.db.read((q) => sealingLag(q)), LAG_QUERY_TIMEOUT_MS)
      .then((l) => { lag = l })
      .catch(() => undefined),
  )
  new Gauge({
    name: 'tqdt_audit_unsealed_rows',
    help: 'Audit rows written but not yet sealed into a signed checkpoint',
    registers,
    async collect() {
      await refreshLag()
      this.set(lag.unsealed)
    },
  })
  new Gauge({
    name: 'tqdt_audit_oldest_unsealed_seconds',
    help: 'Age of the oldest audit row not yet sealed (0 when none)',
    registers,
    async collect() {
      await refreshLag()
      this.set(lag.oldestSeconds ?? 0)
    },
  })

  const sealAll = async (): Promise<{ sealed: number; treeSize: number }> => {
    if (!signer) return { sealed: 0, treeSize: 0 }
    let sealed = 0
    let treeSize = 0
    for (;;) {
      const batch: SealResult = await sealBatch(app.db, { signer, trusted: trustedKeys }, config.auditLogName, config.auditSealBatch)
      sealed += batch.sealed
      treeSize = batch.treeSize
      if (!batch.sealer || batch.sealed < config.auditSealBatch) break
    }
    sealedRows.inc(sealed)
    refusing.set(0)
    return { sealed, treeSize }
  }
  const exportAll = async (): Promise<ExportResult | null> => {
    if (!exporter) return null
    const result = await app.db.readFresh((q) => exporter.run(q))
    if (result.rejected.length > 0) {
      rejected.inc(result.rejected.length)
      log.error({ rejected: result.rejected }, 'a checkpoint in the database does not carry a valid signature: not exported')
    }
    return result
  }
  const sealNow = async () => ({ ...(await sealAll()), exported: await exportAll() })

  app.decorate('audit', { logName: config.auditLogName, trustedKeys, store, sealNow } satisfies AuditSealing)

  if (config.auditSealIntervalMs === 0 || (!signer && !exporter)) return
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> | null = null
  let closing = false
  const pass = async () => {
    try {
      await sealAll()
    } catch (err) {
      failures.inc({ step: 'seal' })
      if (err instanceof SealingRefusedError) {
        refusing.set(1)
        log.error({ err: err.message }, 'sealing refused')
      } else {
        log.warn({ err: (err as Error).message }, 'sealing pass failed; retrying on the next')
      }
    }
    try {
      await exportAll()
    } catch (err) {
      failures.inc({ step: 'export' })
      log.warn({ err: (err as Error).message }, 'checkpoint export failed; retrying on the next pass')
    }
  }
  const schedule = () => {
    if (closing) return
    timer = setTimeout(() => {
      running = pass().finally(() => {
        running = null
        schedule()
      })
    }, config.auditSealIntervalMs)
    timer.unref()
  }
  schedule()
  app.addHook('onClose', async () => {
    closing = true
    if (timer) clearTimeout(timer)
    await running
  })
  log.info({ keyId: signer ? keyIdOf(signer.key) : null, store: store?.name ?? null }, 'audit sealer started')
}

export default fp(auditSealerPlugin, { name: 'audit-sealer', dependencies: ['postgres', 'metrics'] })
