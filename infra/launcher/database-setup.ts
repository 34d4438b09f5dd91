// The database's roles and schema, set up by the launcher on the Patroni leader: the roles (as the
// superuser, over the leader's local socket) and the migrations (as the schema owner, through HAProxy).
// `up` and `deploy` call these; `npm run migrate` is migrate() alone.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { endpoints } from './cluster-api.ts'
import { configFile } from './components.ts'
import type { Host, Inventory } from './inventory.ts'
import { clusterPath, hostsWithRole } from './inventory.ts'
import { LaunchError, say } from './launch-progress.ts'
import { DATABASE_ROLES } from './render/patroni-config.ts'
import { runDir } from './render/render-context.ts'
import type { Secrets } from './secrets.ts'

/** The migrator of the code the app nodes run (the deployed copy in the cluster's app folder). */
const MIGRATE_COMMAND = 'src/commands/migrate-command.ts'

/**
 * psql as the superuser on a database host, over its local socket (the only way the superuser logs
 * in), run as the OS user postgres: peer admits it under every pg_hba this launcher has written, also
 * a running cluster's from before the roles were split (no map for root there).
 */
export function psql(inv: Inventory, host: Host, sql: string, database = 'postgres'): string {
  const res = spawnSync(
    '/usr/sbin/runuser',
    ['-u', 'postgres', '--', join(inv.cluster.postgresBinDir, 'psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At',
      `host=${runDir(inv, host)} port=${host.ports.postgres} user=postgres dbname=${database} connect_timeout=3`],
    { input: sql, encoding: 'utf8', timeout: 60_000 },
  )
  if (res.status !== 0) throw new LaunchError(`psql on ${host.name} failed: ${res.stderr || res.error?.message}`)
  return res.stdout
}

/**
 * The roles (issue 13): the schema's owner (migrations only), the app's group role that the
 * migrations grant to, the app's login role in it, and the exporters' pg_monitor role; the database
 * belongs to the owner. A database made before the roles were split has its objects handed from the
 * app's role to the owner. Safe to run again.
 */
export function bootstrapRoles(inv: Inventory, secrets: Secrets, leader: Host): void {
  const { databaseUser: user, database } = inv.cluster
  const { owner, app, monitor } = DATABASE_ROLES
  const role = (name: string, login: boolean, password?: string) => `
SELECT format('CREATE ROLE %I ${login ? 'LOGIN' : 'NOLOGIN'}', '${name}') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${name}')\\gexec
${password ? `ALTER ROLE "${name}" WITH LOGIN PASSWORD '${password}';` : ''}`
  psql(inv, leader, `
${role(owner, true, secrets.ownerPassword)}
${role(app, false)}
${role(user, true, secrets.dbPassword)}
GRANT "${app}" TO "${user}";
SELECT format('CREATE DATABASE %I OWNER %I', '${database}', '${owner}') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${database}')\\gexec
ALTER DATABASE "${database}" OWNER TO "${owner}";
REVOKE ALL ON DATABASE "${database}" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE "${database}" TO "${app}";
${role(monitor, true, secrets.monitorPassword)}
GRANT pg_monitor TO ${monitor};
-- postgres_exporter 0.11 runs a pg_current_wal_lsn() query on replicas too, which fails there on
-- every scrape ("recovery is in progress"): keep that known noise out of the PostgreSQL log.
ALTER ROLE ${monitor} SET log_min_messages = 'fatal';
ALTER ROLE ${monitor} SET log_min_error_statement = 'panic';
`)
  psql(inv, leader, `
ALTER SCHEMA public OWNER TO "${owner}";
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm') AND pg_get_userbyid(c.relowner) = '${user}'
              AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))) LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I', CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.name, '${owner}');
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) = '${user}' LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO %I', r.name, '${owner}');
  END LOOP;
END $$;
`, database)
}

/** The deployed code's migrations (the cluster's app folder), through HAProxy to the primary, as the schema owner. */
export function migrate(inv: Inventory): void {
  const app = hostsWithRole(inv, 'app')[0]
  const command = join(clusterPath(inv, 'app'), MIGRATE_COMMAND)
  if (!existsSync(command)) {
    say(`migrations SKIPPED: ${MIGRATE_COMMAND} does not exist yet`)
    return
  }
  say(`migrating through HAProxy as the schema owner (${MIGRATE_COMMAND}, env of ${app.name})`)
  // The owner's connection is given to this process only: the app nodes never hold it.
  const res = spawnSync(process.execPath, [`--env-file=${configFile(inv, app, 'app.env')}`, MIGRATE_COMMAND], {
    cwd: clusterPath(inv, 'app'),
    env: { ...process.env, DATABASE_OWNER_URL: endpoints(inv).ownerDatabaseUrl },
    stdio: 'inherit',
    timeout: 600_000,
  })
  if (res.status !== 0) throw new LaunchError(`migrations failed (exit ${res.status ?? res.signal}): see the output above`)
}
