// Jepsen's set-full check for the drills: every write the client saw acknowledged must be in the
// database, read directly from PostgreSQL on every node (not through HAProxy or the app, and not
// trusting Patroni's word that replication is fine): the primary, and each replica once it has
// replayed up to the primary's current WAL position — including an old primary that rejoined.
//
// A write is found when both its idempotency record (caller, key) and its entity are there; an
// update also needs the entity at (or beyond) the version the client was given. A duplicate is a
// write that took effect more often than it was acknowledged: more audit events for an entity and
// action than acknowledged writes of it (every write kind appends exactly one), or one acknowledged
// create that produced two entities (found by the unique marker the workload puts in the record,
// see loadtests/officer-workload.js).
import pg from 'pg'
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { hostsWithRole, postgresSsl, secrets } from '../../infra/launcher/cluster-api.ts'
import type { AckRecord } from './journal.ts'

export interface MissingWrite {
  kind: string
  key: string
  id: string
  at: number
  /** What was not found: its idempotency record, its entity, the acknowledged version (or several). */
  what: string
}

export interface NodeCheck {
  node: string
  role: 'primary' | 'replica' | 'unreachable'
  /** A replica is checked only once it has replayed up to the primary's position. */
  caughtUp: boolean
  missing: MissingWrite[]
  error: string | null
}

export interface Duplicate {
  kind: string
  key: string
  entities: number
}

export interface WriteCheck {
  acknowledged: number
  byKind: Record<string, number>
  checkedAt: string
  primary: string | null
  nodes: NodeCheck[]
  /** Acknowledged writes missing on the primary: lost for every client. */
  lost: MissingWrite[]
  duplicates: Duplicate[]
  /** Why the check itself could not be completed (no primary, a node that never caught up...). */
  problems: string[]
}

/** Where each kind's entity lives; the id the API returned is compared as text. */
const ENTITY_SQL: Record<string, string> = {
  'handover.create': 'SELECT 1 FROM handovers e WHERE e.id::text = t.id',
  'handover.receive': 'SELECT 1 FROM handover_receipts e WHERE e.handover_id::text = t.id',
  'handover.amend': 'SELECT 1 FROM handover_amendments e WHERE e.handover_id::text = t.id AND e.version = t.v',
  // An officer's request for a supervisor's step (the extension), waiting in the approvals queue.
  'approval.request': 'SELECT 1 FROM approval_requests e WHERE e.id::text = t.id',
  // Its approval: the request APPROVED and the extension at the acknowledged version, approved by the one who decided.
  'approval.approve': `SELECT 1 FROM approval_requests e JOIN handover_amendments m ON m.handover_id = e.handover_id
     WHERE e.handover_id::text = t.id AND e.status = 'APPROVED' AND m.version = t.v AND m.approved_by = e.decided_by`,
  'handover.incident': 'SELECT 1 FROM handover_incidents e WHERE e.handover_id::text = t.id AND e.version = t.v',
  'gate.register': 'SELECT 1 FROM gate_declarations e WHERE e.declaration_number = t.id',
  'gate.confirm': 'SELECT 1 FROM gate_confirmations e WHERE e.id::text = t.id',
  'declaration.create': 'SELECT 1 FROM paper_declarations e WHERE e.id = t.id',
  'declaration.update': 'SELECT 1 FROM paper_declarations e WHERE e.id = t.id AND e.version >= t.v',
}

/** The audit event each kind appends (entity type and action in audit_log): the duplicate check counts them. */
const AUDIT_EVENT: Record<string, { entityType: string; action: string }> = {
  'handover.create': { entityType: 'handover', action: 'create' },
  'handover.receive': { entityType: 'handover', action: 'receive' },
  // An amendment and an approved extension are both `amend` entries of the handover: counted together.
  'handover.amend': { entityType: 'handover', action: 'amend' },
  'approval.approve': { entityType: 'handover', action: 'amend' },
  'approval.request': { entityType: 'approval', action: 'request' },
  'handover.incident': { entityType: 'handover', action: 'recordIncident' },
  'gate.register': { entityType: 'gate_declaration', action: 'register' },
  'gate.confirm': { entityType: 'gate_confirmation', action: 'confirm_container' },
  'declaration.create': { entityType: 'paper_declaration', action: 'create' },
  'declaration.update': { entityType: 'paper_declaration', action: 'update' },
}

/** Every write kind the checker knows: the drills require acknowledged writes of each. */
export const WRITE_KINDS: readonly string[] = Object.keys(ENTITY_SQL)

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function clientFor(inv: Inventory, address: string, port: number, database: string, user: string, password: string): pg.Client {
  const client = new pg.Client({
    host: address,
    port,
    database,
    user,
    password,
    connectionTimeoutMillis: 3000,
    query_timeout: 30_000,
    keepAlive: true,
    ssl: postgresSsl(inv),
  })
  client.on('error', () => undefined)
  return client
}

export async function missingOn(client: pg.Client, acks: AckRecord[]): Promise<MissingWrite[]> {
  const missing: MissingWrite[] = []
  const byKey = new Map(acks.map((a) => [`${a.caller}\u0000${a.key}`, a]))
  const keys = await client.query<{ c: string; k: string }>(
    `SELECT t.c, t.k FROM unnest($1::text[], $2::text[]) AS t(c, k)
      WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys i WHERE i.caller = t.c AND i.key = t.k)`,
    [acks.map((a) => a.caller), acks.map((a) => a.key)],
  )
  for (const row of keys.rows) {
    const a = byKey.get(`${row.c}\u0000${row.k}`)!
    missing.push({ kind: a.kind, key: a.key, id: a.id, at: a.at, what: 'idempotency record' })
  }
  const kinds = new Set(acks.map((a) => a.kind))
  for (const kind of kinds) {
    const sql = ENTITY_SQL[kind]
    if (!sql) throw new Error(`no entity check for write kind "${kind}": add it to ENTITY_SQL`)
    const of = acks.filter((a) => a.kind === kind)
    const versions = of.map((a) => Number(a.expect.version ?? 0))
    const res = await client.query<{ i: number }>(
      `SELECT t.i FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS t(id, v, i) WHERE NOT EXISTS (${sql})`,
      [of.map((a) => a.id), versions],
    )
    for (const row of res.rows) {
      const a = of[Number(row.i) - 1]!
      missing.push({ kind, key: a.key, id: a.id, at: a.at, what: kind === 'declaration.update' ? 'version' : 'entity' })
    }
  }
  // One entry per write, naming everything of it that is missing.
  const merged = new Map<string, MissingWrite>()
  for (const m of missing) {
    const k = `${m.kind}\u0000${m.key}`
    const seen = merged.get(k)
    if (seen) seen.what = `${seen.what} and ${m.what}`
    else merged.set(k, { ...m })
  }
  return [...merged.values()]
}

export async function duplicatesOn(client: pg.Client, acks: AckRecord[]): Promise<Duplicate[]> {
  const duplicates: Duplicate[] = []
  const creates = acks.filter((a) => a.kind === 'handover.create' && typeof a.expect.route === 'string')
  if (creates.length > 0) {
    const res = await client.query<{ route: string; n: string }>(
      'SELECT route, count(*) AS n FROM handovers WHERE route = ANY($1::text[]) GROUP BY route HAVING count(*) > 1',
      [creates.map((a) => a.expect.route as string)],
    )
    const byRoute = new Map(creates.map((a) => [a.expect.route as string, a]))
    duplicates.push(...res.rows.map((r) => ({ kind: 'handover.create', key: byRoute.get(r.route)?.key ?? r.route, entities: Number(r.n) })))
  }
  // Acknowledged writes per (entity type, entity, action) against the audit events of the same.
  const wanted = new Map<string, { kind: string; entityType: string; id: string; action: string; acks: AckRecord[] }>()
  for (const a of acks) {
    const event = AUDIT_EVENT[a.kind]
    if (!event) throw new Error(`no audit event for write kind "${a.kind}": add it to AUDIT_EVENT`)
    const k = `${event.entityType}\u0000${a.id}\u0000${event.action}`
    const entry = wanted.get(k) ?? { kind: a.kind, entityType: event.entityType, id: a.id, action: event.action, acks: [] }
    entry.acks.push(a)
    wanted.set(k, entry)
  }
  if (wanted.size === 0) return duplicates
  const list = [...wanted.values()]
  const res = await client.query<{ i: number; n: string }>(
    `SELECT t.i, count(l.*) AS n
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(entity_type, entity_id, action, i)
       JOIN audit_log l ON l.entity_type = t.entity_type AND l.entity_id = t.entity_id AND l.action = t.action
      GROUP BY t.i`,
    [list.map((w) => w.entityType), list.map((w) => w.id), list.map((w) => w.action)],
  )
  for (const row of res.rows) {
    const w = list[Number(row.i) - 1]!
    if (Number(row.n) > w.acks.length) duplicates.push({ kind: w.kind, key: w.acks[0]!.key, entities: Number(row.n) })
  }
  return duplicates
}

export interface CheckOptions {
  /** How long a replica may take to replay up to the primary's position. */
  catchUpTimeoutMs?: number
}

export async function checkAcknowledgedWrites(inv: Inventory, acks: AckRecord[], options: CheckOptions = {}): Promise<WriteCheck> {
  const { dbPassword } = secrets(inv)
  const dbs = hostsWithRole(inv, 'postgres')
  const byKind: Record<string, number> = {}
  for (const a of acks) byKind[a.kind] = (byKind[a.kind] ?? 0) + 1
  const result: WriteCheck = {
    acknowledged: acks.length,
    byKind,
    checkedAt: new Date().toISOString(),
    primary: null,
    nodes: [],
    lost: [],
    duplicates: [],
    problems: [],
  }
  const clients = dbs.map((d) => ({
    host: d,
    client: clientFor(inv, d.address, d.ports.postgres, inv.cluster.database, inv.cluster.databaseUser, dbPassword),
    role: 'unreachable' as NodeCheck['role'],
    error: null as string | null,
  }))
  try {
    await Promise.all(
      clients.map(async (c) => {
        try {
          await c.client.connect()
          const { rows } = await c.client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')
          c.role = rows[0]?.r ? 'replica' : 'primary'
        } catch (err) {
          c.error = (err as Error).message
        }
      }),
    )
    const primaries = clients.filter((c) => c.role === 'primary')
    if (primaries.length !== 1) {
      result.problems.push(`${primaries.length} nodes answer as primary (${primaries.map((p) => p.host.name).join(', ') || 'none'})`)
    }
    const primary = primaries[0]
    result.primary = primary?.host.name ?? null
    let target: string | null = null
    if (primary) {
      const { rows } = await primary.client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
      target = rows[0]?.lsn ?? null
    }
    for (const c of clients) {
      const node: NodeCheck = { node: c.host.name, role: c.role, caughtUp: c.role === 'primary', missing: [], error: c.error }
      result.nodes.push(node)
      if (c.role === 'unreachable') {
        result.problems.push(`${c.host.name}: cannot connect (${c.error})`)
        continue
      }
      if (c.role === 'replica' && target) {
        const deadline = Date.now() + (options.catchUpTimeoutMs ?? 60_000)
        while (!node.caughtUp && Date.now() < deadline) {
          const { rows } = await c.client.query<{ ok: boolean | null }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [target])
          node.caughtUp = rows[0]?.ok === true
          if (!node.caughtUp) await sleep(500)
        }
        if (!node.caughtUp) result.problems.push(`${c.host.name} did not replay up to the primary's ${target} in time`)
      }
      try {
        node.missing = acks.length ? await missingOn(c.client, acks) : []
      } catch (err) {
        node.error = (err as Error).message
        result.problems.push(`${c.host.name}: ${node.error}`)
      }
    }
    if (primary) {
      result.lost = result.nodes.find((n) => n.node === primary.host.name)?.missing ?? []
      try {
        result.duplicates = await duplicatesOn(primary.client, acks)
      } catch (err) {
        result.problems.push(`duplicate check: ${(err as Error).message}`)
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.client.end().catch(() => undefined)))
  }
  return result
}

/** Acknowledged writes missing on any node (the primary or a caught-up replica). */
export function missingAnywhere(check: WriteCheck): number {
  const keys = new Set<string>()
  for (const n of check.nodes) for (const m of n.missing) keys.add(`${m.kind}\u0000${m.key}`)
  return keys.size
}
