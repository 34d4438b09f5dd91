// Roles that can do only their job (issue 13.1), on a real PostgreSQL: the app's role has exactly the
// DML of migrations/015_app_role.sql, cannot change, remove or truncate the audit trail, and cannot
// ALTER, DROP or create anything; the schema's owner is refused UPDATE, DELETE and TRUNCATE of the
// trail by a trigger unless the documented maintenance switch is on.
import t from 'tap'
import { createTestSchema, schemaClient, schemaQuery, testDatabaseUrl, testOwnerDatabaseUrl } from '../helper.ts'

/** The trail's tables, each with a column to rewrite (to itself: only the privilege is in question). */
const AUDIT_TABLES: Record<string, string> = { audit_log: 'entry', audit_leaves: 'leaf_hash', audit_tree_nodes: 'hash', audit_checkpoints: 'root_hash' }

/** What the app's role may do, table by table: the same list as the migration, written out apart from it. */
const EXPECTED: Record<string, string[]> = {
  officers: ['INSERT', 'SELECT', 'UPDATE'],
  offices: ['INSERT', 'SELECT', 'UPDATE'],
  handovers: ['INSERT', 'SELECT', 'UPDATE'],
  handover_containers: ['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
  handover_goods_lines: ['DELETE', 'INSERT', 'SELECT'],
  handover_receipts: ['INSERT', 'SELECT', 'UPDATE'],
  handover_amendments: ['INSERT', 'SELECT'],
  handover_incidents: ['INSERT', 'SELECT'],
  approval_requests: ['INSERT', 'SELECT', 'UPDATE'],
  gate_declarations: ['INSERT', 'SELECT', 'UPDATE'],
  gate_containers: ['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
  gate_lots: ['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
  gate_confirmations: ['INSERT', 'SELECT', 'UPDATE'],
  paper_declarations: ['INSERT', 'SELECT', 'UPDATE'],
  paper_declaration_goods_lines: ['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
  back_entry_batches: ['INSERT', 'SELECT', 'UPDATE'],
  back_entry_rows: ['INSERT', 'SELECT', 'UPDATE'],
  notices: ['INSERT', 'SELECT', 'UPDATE'],
  idempotency_keys: ['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
  outbox: ['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
  audit_log: ['INSERT', 'SELECT'],
  audit_leaves: ['INSERT', 'SELECT'],
  audit_tree_nodes: ['INSERT', 'SELECT'],
  audit_checkpoints: ['INSERT', 'SELECT'],
  schema_migrations: [],
}

async function refusal(url: string, schema: string, sql: string): Promise<{ code?: string; message: string } | null> {
  try {
    await schemaQuery(url, schema, sql)
    return null
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message }
  }
}

t.test('the app role has exactly its DML, table by table, and nothing on any other table', async (t) => {
  const schema = await createTestSchema(t)
  const { rows } = await schemaQuery<{ table_name: string; privileges: string[] }>(
    testOwnerDatabaseUrl(),
    schema,
    `SELECT c.relname AS table_name,
            ARRAY(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p
                   WHERE has_table_privilege('tqdt_app', c.oid, p) ORDER BY p) AS privileges
       FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')`,
  )
  const actual = Object.fromEntries(rows.map((r) => [r.table_name, r.privileges]))
  t.same(actual, EXPECTED, 'a table added without a decision on its grants fails here')
})

t.test('the app role cannot UPDATE, DELETE or TRUNCATE the audit trail', async (t) => {
  const schema = await createTestSchema(t)
  for (const [table, column] of Object.entries(AUDIT_TABLES)) {
    for (const sql of [`UPDATE ${table} SET ${column} = ${column}`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
      const refused = await refusal(testDatabaseUrl(), schema, sql)
      t.equal(refused?.code, '42501', `${sql.split(' ')[0]} ${table}: permission denied`)
    }
  }
})

t.test('the app role cannot ALTER, DROP, TRUNCATE or create anything', async (t) => {
  const schema = await createTestSchema(t)
  for (const sql of [
    'ALTER TABLE handovers ADD COLUMN x text',
    'ALTER TABLE audit_log DISABLE TRIGGER ALL',
    'DROP TABLE handovers',
    'DROP TRIGGER audit_log_append_only ON audit_log',
    'TRUNCATE handovers',
    'DELETE FROM handovers',
    'CREATE TABLE intruder (x int)',
    'CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
  ]) {
    const refused = await refusal(testDatabaseUrl(), schema, sql)
    t.ok(refused && ['42501', '42P01'].includes(refused.code ?? ''), `${sql}: refused (${refused?.code} ${refused?.message})`)
  }
  const { rows } = await schemaQuery<{ n: string }>(testDatabaseUrl(), schema, "SELECT next_handover_number('02CI', 2026) AS n")
  t.equal(rows[0]?.n, '1', 'it may take a handover number (the owner creates the sequence for it)')
  const sequence = await refusal(testDatabaseUrl(), schema, "SELECT setval('handover_number_02ci_2026', 1000)")
  t.equal(sequence?.code, '42501', 'but not touch the sequence itself')
})

t.test('the owner is refused UPDATE, DELETE and TRUNCATE of the trail unless the maintenance switch is on', async (t) => {
  const schema = await createTestSchema(t)
  await schemaQuery(testOwnerDatabaseUrl(), schema, `INSERT INTO audit_log (entity_type, entity_id, action, officer_id, office, occurred_at, entry)
    VALUES ('handover', 'H-1', 'create', 'o', '02CI', now(), '{}')`)
  // (A plain TRUNCATE is stopped earlier by the leaves' foreign key; CASCADE reaches the trigger.)
  for (const sql of ["UPDATE audit_log SET entry = '{\"edited\":true}'", 'DELETE FROM audit_log', 'TRUNCATE audit_log CASCADE']) {
    const refused = await refusal(testOwnerDatabaseUrl(), schema, sql)
    t.equal(refused?.code, '42501', `${sql.split(' ')[0]}: refused to the owner`)
    t.match(refused?.message, /append-only/)
  }
  // The documented maintenance switch lets the owner through (rolled back here, so nothing changes).
  const owner = await schemaClient(t, schema, testOwnerDatabaseUrl())
  await owner.query('BEGIN')
  await owner.query("SET LOCAL tqdt.audit_maintenance = 'on'")
  const { rowCount } = await owner.query("UPDATE audit_log SET entry = '{\"maintained\":true}'")
  t.equal(rowCount, 1, 'with tqdt.audit_maintenance on, the owner may repair the trail')
  await owner.query('ROLLBACK')
  const { rows } = await owner.query<{ entry: string }>('SELECT entry FROM audit_log')
  t.same(rows, [{ entry: '{}' }])
})
