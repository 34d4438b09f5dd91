// Reads, four times a second and straight from each PostgreSQL node, whether the primary has a
// synchronous standby streaming: `synchronous_standby_names` and pg_stat_replication, not Patroni's
// view of them. A write acknowledged while the primary had none exists on one node only, and the
// primary's loss at that moment would lose it, which synchronous replication is there to prevent.
import pg from 'pg'
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { DATABASE_ROLES, hostsWithRole, postgresSsl, secrets } from '../../infra/launcher/cluster-api.ts'

export interface SyncSample {
  at: number
  node: string
  /** Streaming standbys in sync (or quorum) state seen by this primary. */
  syncStreaming: number
  standbyNames: string
}

const SQL = `SELECT pg_is_in_recovery() AS recovery, current_setting('synchronous_standby_names') AS names,
  (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum'))::int AS sync`

export class SyncStandbyWatch {
  readonly samples: SyncSample[] = []
  private running = false
  private loops: Array<Promise<void>> = []
  private readonly inv: Inventory

  constructor(inv: Inventory) {
    this.inv = inv
  }

  start(intervalMs = 250): void {
    this.running = true
    // The exporters' pg_monitor role reads pg_stat_replication in full (the superuser has only the socket).
    const password = secrets(this.inv).monitorPassword
    for (const h of hostsWithRole(this.inv, 'postgres')) {
      this.loops.push(this.watch(h.name, h.address, h.ports.postgres!, password, intervalMs))
    }
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
  }

  private async watch(node: string, host: string, port: number, password: string, intervalMs: number): Promise<void> {
    let client: pg.Client | null = null
    const ssl = postgresSsl(this.inv)
    while (this.running) {
      const started = Date.now()
      try {
        if (!client) {
          client = new pg.Client({ host, port, user: DATABASE_ROLES.monitor, password, database: 'postgres', connectionTimeoutMillis: 700, query_timeout: 700, keepAlive: true, ssl })
          client.on('error', () => undefined)
          await client.connect()
        }
        const { rows } = await client.query<{ recovery: boolean; names: string; sync: number }>(SQL)
        const r = rows[0]!
        if (!r.recovery) this.samples.push({ at: Date.now(), node, syncStreaming: r.sync, standbyNames: r.names })
      } catch {
        // A frozen, killed or blackholed node: drop the connection and try again next round.
        const dead = client
        client = null
        void dead?.end().catch(() => undefined)
      }
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - started))))
    }
    await client?.end().catch(() => undefined)
  }
}

/**
 * Acknowledged writes made while the primary that answered had no synchronous standby streaming,
 * by the watch's samples just before and just after the acknowledgement (both must show none, so a
 * standby attaching in between is given the benefit of the doubt).
 */
export function acksWithoutSyncStandby(samples: SyncSample[], ackTimes: number[]): number {
  const sorted = [...samples].sort((a, b) => a.at - b.at)
  let count = 0
  for (const at of ackTimes) {
    let before: SyncSample | undefined
    let after: SyncSample | undefined
    for (const s of sorted) {
      if (s.at <= at) before = s
      else {
        after = s
        break
      }
    }
    if (before && after && before.syncStreaming === 0 && after.syncStreaming === 0 && at - before.at < 2000) count++
  }
  return count
}
