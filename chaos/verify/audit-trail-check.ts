// The drill's last word on the audit trail (issue 13): once the load has stopped and the sealer has
// caught up, the whole trail verifies against every signed checkpoint — in the database and in each
// app host's store outside it — with no gap and no row sealed twice, and every change the clients saw
// acknowledged is in it, sealed. Read from the primary directly, not through the app.
import pg from 'pg'
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { auditCheckpointDir, auditKeyFiles, auditLogNameOf, hostsWithRole, postgresSsl, secrets } from '../../infra/launcher/cluster-api.ts'
import { sealingLag } from '../../src/db/audit-seal-repository.ts'
import { loadTrustedKeys } from '../../src/services/audit-checkpoint.ts'
import { directoryStore } from '../../src/services/audit-checkpoint-store.ts'
import { verifyAuditTrail, type Problem } from '../../src/services/audit-verify-service.ts'
import type { AckRecord } from './journal.ts'

export interface AuditTrailCheck {
  ok: boolean
  leaves: number
  checkpoints: number
  stores: number
  /** Rows still unsealed when the wait ended (the sealer did not catch up). */
  unsealed: number
  problems: Problem[]
  /** Acknowledged changes with no sealed audit row of their record. */
  notInTrail: Array<{ kind: string; id: string }>
}

/** The audit record of each kind of acknowledged write (loadtests/officer-workload.js), and the action it must show. */
const TRAIL_OF: Record<string, { entityType: string; action: string | null }> = {
  'handover.create': { entityType: 'handover', action: 'create' },
  'handover.receive': { entityType: 'handover', action: 'receive' },
  'handover.amend': { entityType: 'handover', action: 'amend' },
  'approval.request': { entityType: 'approval', action: 'request' },
  'approval.approve': { entityType: 'handover', action: 'amend' },
  'handover.incident': { entityType: 'handover', action: 'recordIncident' },
  // A repeated registration of an unchanged list writes no row; its record's own rows must be there.
  'gate.register': { entityType: 'gate_declaration', action: null },
  'gate.confirm': { entityType: 'gate_confirmation', action: 'confirm_container' },
  'declaration.create': { entityType: 'paper_declaration', action: 'create' },
  'declaration.update': { entityType: 'paper_declaration', action: 'update' },
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

async function primaryClient(inv: Inventory): Promise<pg.Client> {
  const { dbPassword } = secrets(inv)
  for (const db of hostsWithRole(inv, 'postgres')) {
    const client = new pg.Client({
      host: db.address, port: db.ports.postgres, database: inv.cluster.database, user: inv.cluster.databaseUser,
      password: dbPassword, connectionTimeoutMillis: 3000, application_name: 'drill-audit-check',
      ssl: postgresSsl(inv),
    })
    client.on('error', () => undefined)
    try {
      await client.connect()
      const { rows } = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')
      if (rows[0]?.r === false) return client
    } catch {
      // the next node
    }
    await client.end().catch(() => undefined)
  }
  throw new Error('no PostgreSQL node answers as primary')
}

export async function checkAuditTrail(inv: Inventory, acks: AckRecord[], options: { sealWaitMs?: number } = {}): Promise<AuditTrailCheck> {
  const client = await primaryClient(inv)
  try {
    const deadline = Date.now() + (options.sealWaitMs ?? 60_000)
    let lag = await sealingLag(client)
    while (lag.unsealed > 0 && Date.now() < deadline) {
      await sleep(1000)
      lag = await sealingLag(client)
    }
    const stores = hostsWithRole(inv, 'app').map((h) => directoryStore(auditCheckpointDir(inv, h)))
    const report = await verifyAuditTrail(client, { logName: auditLogNameOf(inv), keys: loadTrustedKeys(auditKeyFiles(inv).trustedKeys), stores })
    const checked = acks.filter((a) => TRAIL_OF[a.kind])
    const { rows } = await client.query<{ i: number }>(
      `SELECT t.i FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(entity_type, entity_id, action, i)
        WHERE NOT EXISTS (SELECT 1 FROM audit_log a JOIN audit_leaves l ON l.audit_id = a.id
                           WHERE a.entity_type = t.entity_type AND a.entity_id = t.entity_id
                             AND (t.action IS NULL OR a.action = t.action))`,
      [checked.map((a) => TRAIL_OF[a.kind]!.entityType), checked.map((a) => a.id), checked.map((a) => TRAIL_OF[a.kind]!.action)],
    )
    const notInTrail = rows.map((r) => ({ kind: checked[Number(r.i) - 1]!.kind, id: checked[Number(r.i) - 1]!.id }))
    return {
      ok: report.ok && lag.unsealed === 0 && notInTrail.length === 0,
      leaves: report.leaves,
      checkpoints: report.checkpoints,
      stores: report.stores.length,
      unsealed: lag.unsealed,
      problems: report.problems,
      notInTrail,
    }
  } finally {
    await client.end().catch(() => undefined)
  }
}
