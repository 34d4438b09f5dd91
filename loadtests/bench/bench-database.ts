// What the benchmark asks the database directly: its scratch tables, samples of seeded records to
// request, the size of the dataset, and the app's own statements — captured by running the app's
// services against a recording connection — with their EXPLAIN (ANALYZE, BUFFERS) plans.
import pg from 'pg'
import { DEFAULT_PAPER_BACKDATING_DAYS } from '../../src/config.ts'
import { seededHandoverId } from '../../src/commands/seed-command.ts'
import { Database, type PreparedStatement, type Queryable } from '../../src/db/database.ts'
import { getHandover, searchHandoverList } from '../../src/services/handover-query-service.ts'
import { createHandover } from '../../src/services/handover-service.ts'
import type { Actor } from '../../src/domain/actor.ts'

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, application_name: 'bench-runner' })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end().catch(() => undefined)
  }
}

/**
 * The bare server's and pgbench's tables, empty, in their own schema (the app's tables stay
 * untouched). Made by the schema owner (q); the app's role, which both ceilings log in as, may insert.
 */
export async function prepareScratchTables(q: Queryable): Promise<void> {
  await q.query('CREATE SCHEMA IF NOT EXISTS bench')
  await q.query('GRANT USAGE ON SCHEMA bench TO tqdt_app')
  for (const t of ['bare_rows', 'pgbench_rows']) {
    await q.query(`CREATE TABLE IF NOT EXISTS bench.${t} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`)
    await q.query(`GRANT SELECT, INSERT ON bench.${t} TO tqdt_app`)
    await q.query(`TRUNCATE bench.${t}`)
  }
}

export async function emptyScratchTables(q: Queryable): Promise<void> {
  await q.query('TRUNCATE bench.bare_rows, bench.pgbench_rows')
}

export interface SampledHandover {
  id: string
  /** An office allowed to read it (its departure office). */
  office: string
  containerNumber: string
}

/** `count` seeded handovers picked uniformly over all `seeded` of them (so the whole history is read, not a hot corner). */
export async function sampleSeeded(q: Queryable, seeded: number, count: number): Promise<SampledHandover[]> {
  const ids = Array.from({ length: count }, () => seededHandoverId(Math.floor(Math.random() * seeded)))
  const { rows } = await q.query<SampledHandover>(
    `SELECT h.id::text, h.departure_office AS office,
            (SELECT c.container_number FROM handover_containers c WHERE c.handover_id = h.id ORDER BY c.position LIMIT 1) AS "containerNumber"
       FROM handovers h WHERE h.id = ANY($1::uuid[])`,
    [ids],
  )
  return rows
}

export interface DatasetFigures {
  handovers: number
  handoverContainers: number
  gateConfirmations: number
  auditRows: number
  databaseBytes: number
  tables: Array<{ table: string; bytes: number; indexBytes: number }>
}

export async function datasetFigures(q: Queryable): Promise<DatasetFigures> {
  const counts = await q.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM handovers) AS h, (SELECT count(*) FROM handover_containers) AS c,
            (SELECT count(*) FROM gate_confirmations) AS g, (SELECT count(*) FROM audit_log) AS a,
            pg_database_size(current_database()) AS db`,
  )
  const tables = await q.query<{ table: string; bytes: string; index_bytes: string }>(
    `SELECT c.relname AS table, pg_total_relation_size(c.oid) AS bytes, pg_indexes_size(c.oid) AS index_bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind = 'r'
      ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8`,
  )
  const r = counts.rows[0]!
  return {
    handovers: Number(r.h),
    handoverContainers: Number(r.c),
    gateConfirmations: Number(r.g),
    auditRows: Number(r.a),
    databaseBytes: Number(r.db),
    tables: tables.rows.map((t) => ({ table: t.table, bytes: Number(t.bytes), indexBytes: Number(t.index_bytes) })),
  }
}

export async function indexDefinitions(q: Queryable, tables: string[]): Promise<Array<{ table: string; index: string; definition: string; bytes: number }>> {
  const { rows } = await q.query<{ table: string; index: string; definition: string; bytes: string }>(
    `SELECT i.tablename AS table, i.indexname AS index, i.indexdef AS definition, pg_relation_size(c.oid) AS bytes
       FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
      WHERE i.schemaname = current_schema() AND i.tablename = ANY($1) ORDER BY i.tablename, i.indexname`,
    [tables],
  )
  return rows.map((r) => ({ ...r, bytes: Number(r.bytes) }))
}

export interface Statement {
  text: string
  values: unknown[]
}

/** A Queryable that runs every statement on `q` and keeps what it ran. */
function recording(q: Queryable, into: Statement[]): Queryable {
  return {
    query: (statement: string | PreparedStatement, values?: unknown[]) => {
      into.push(typeof statement === 'string' ? { text: statement, values: values ?? [] } : { text: statement.text, values: statement.values })
      return q.query(statement, values)
    },
  } as Queryable
}

/** The statements the app runs for one GET by id and one search by container, exactly as its services build them. */
export async function readStatements(q: Queryable, sample: SampledHandover): Promise<{ get: Statement[]; search: Statement[] }> {
  const actor: Actor = { officerId: `${sample.office}-bench`, name: 'bench', office: sample.office, role: 'officer' }
  const get: Statement[] = []
  await getHandover(recording(q, get), actor, sample.id)
  const search: Statement[] = []
  await searchHandoverList(recording(q, search), actor, { containerNumber: sample.containerNumber, limit: 20 })
  return { get, search }
}

/**
 * The statements of one handover create through the real write path (its read, and its one guarded
 * write: idempotency claim, record, audit row, outbox event, stored outcome): a Database whose pool
 * hands out a recording connection. It creates one real handover for `office`.
 */
export async function createStatements(client: pg.Client, office: string, destination: string): Promise<Statement[]> {
  const seen: Statement[] = []
  const conn = Object.assign(recording(client, seen), { on() {}, removeListener() {}, release() {} })
  const pool = { connect: async () => conn, on() {}, end: async () => undefined } as unknown as pg.Pool
  const db = new Database(pool, null, 5000)
  const actor: Actor = { officerId: `${office}-bench`, name: 'bench', office, role: 'officer' }
  const body = {
    destinationOffice: destination, destinationPlace: 'ICD Sóng Thần', declarationNumbers: ['312345678901'],
    containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'CS1', customsSeal: 'HQ1' }],
    vehicle: '51C-12345', route: 'bench: statements of one create', dueAt: new Date(Date.now() + 8 * 3600_000).toISOString(),
  }
  const requestId = `bench-${Date.now()}`
  const claim = { caller: actor.officerId, key: `request:${requestId}`, fingerprint: requestId, ttlHours: 48 }
  await createHandover(db, { actor, requestId, now: new Date().toISOString(), claim, paperBackdatingDays: DEFAULT_PAPER_BACKDATING_DAYS }, body)
  return seen
}

export async function explain(q: Queryable, s: Statement): Promise<string> {
  const { rows } = await q.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, s.values)
  return rows.map((r) => r['QUERY PLAN']).join('\n')
}

export async function serverVersion(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ v: string }>("SELECT current_setting('server_version') AS v")
  return rows[0]?.v ?? '?'
}
