// The local launcher's work after cluster.sh has installed packages, Patroni and Node:
//
//   node infra/launcher/cluster-command.ts up | status [--json] | down [--purge] | logs HOST | migrate
//
// `up` is idempotent: it starts only what is not running, in dependency order, and waits (bounded)
// for each stage, naming the log to read when something does not come up.
import { spawn, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { BackupError, ensureStanza, repositoryInfo, takeBackup } from '../backup/repository.ts'
import { listScratch, stopScratch } from '../backup/scratch-restore.ts'
import type { ClusterStatus } from './cluster-status.ts'
import { acknowledgesCommits, clusterStatus, formatStatusTable } from './cluster-status.ts'
import type { Component, ComponentSpec } from './components.ts'
import { START_ORDER, componentSpecs, configFile } from './components.ts'
import { generateConfigs } from './generate-configs.ts'
import { componentPid, hostProcesses } from './host-processes.ts'
import type { Host, Inventory } from './inventory.ts'
import { REPO_ROOT, chaosScope, clusterPath, hostByName, hostsWithRole, loadInventory } from './inventory.ts'
import { endpoints } from './cluster-api.ts'
import { ensureFrontDoor, frontDoorForwards, frontDoorPid, stopFrontDoor } from './lab/front-door.ts'
import { namespaceExists, opsNamespace, runningInside } from './lab/lab-namespaces.ts'
import { ensureLabNetwork, floatingAddressHolder, labLeftovers, teardownLab } from './lab/lab-network.ts'
import { enterOpsNamespace } from './lab/run-in-lab.ts'
import { patroniLeaderHost, patroniMembers } from './patroni-client.ts'
import { appSpecs, replaceAppNode, runningBuild, staleAppNodes } from './app-rollout.ts'
import { codeFingerprint } from './code-fingerprint.ts'
import { reconcileDynamicConfig } from './patroni-dynamic-config.ts'
import { sentinelsMasterFor, sleep, startComponent, stopComponent } from './process-control.ts'
import { backupLayout, parseBootstrapFromBackup, pgbackrestDirs } from './render/pgbackrest-config.ts'
import { DATABASE_ROLES, wantedSyncStandbys } from './render/patroni-config.ts'
import { dataDir, runDir } from './render/render-context.ts'
import type { Secrets } from './secrets.ts'
import { ensureSecrets } from './secrets.ts'
import { caCertificateFile, ensureCertificates } from './tls/certificates.ts'

const MIGRATE_COMMAND = 'src/commands/migrate-command.ts'

const t0 = performance.now()
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`
const say = (msg: string) => console.log(`[${elapsed().padStart(7)}] ${msg}`)

class LaunchError extends Error {}

/**
 * Polls `check` until it returns true; shows what it is waiting for (a rewritten line on a
 * terminal, a line every 5 s otherwise). `check` returns a short description of the current state.
 */
async function waitFor(what: string, timeoutMs: number, check: () => Promise<true | string>, hint: string): Promise<void> {
  const start = performance.now()
  const tty = process.stdout.isTTY
  let last = ''
  let lastPrint = 0
  for (;;) {
    let state: true | string
    try {
      state = await check()
    } catch (err) {
      state = (err as Error).message
    }
    const waited = performance.now() - start
    if (state === true) {
      if (tty) process.stdout.write('\r\x1b[K')
      say(`${what}: ready after ${(waited / 1000).toFixed(1)} s`)
      return
    }
    last = state
    if (waited > timeoutMs) {
      if (tty) process.stdout.write('\n')
      throw new LaunchError(`${what}: not ready after ${(timeoutMs / 1000).toFixed(0)} s (${last}). Read ${hint}`)
    }
    if (tty) process.stdout.write(`\r\x1b[K  … waiting for ${what} (${(waited / 1000).toFixed(1)} s): ${last.slice(0, 90)}`)
    else if (waited - lastPrint > 5000) {
      lastPrint = waited
      say(`  … waiting for ${what}: ${last}`)
    }
    await sleep(250)
  }
}

/** Waits until every component of the given kinds is healthy. */
function componentsHealthy(inv: Inventory, components: Component[]): () => Promise<true | string> {
  return async () => {
    const s = await clusterStatus(inv, (spec) => components.includes(spec.component))
    const bad = s.rows.filter((r) => r.state !== 'healthy')
    return bad.length === 0 ? true : bad.map((r) => `${r.host} ${r.state}: ${r.detail}`).join('; ')
  }
}

function logsOf(inv: Inventory, components: Component[]): string {
  return componentSpecs(inv)
    .filter((s) => components.includes(s.component))
    .map((s) => s.logFile.replace(REPO_ROOT + '/', ''))
    .join(', ')
}

function postgresIds(): { uid: number; gid: number } {
  const out = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (out.status !== 0) throw new LaunchError('there is no postgres user: is postgresql-15 installed?')
  return { uid: Number(out.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

function prepareDirectories(inv: Inventory): void {
  for (const key of ['logs', 'pids', 'data', 'run'] as const) mkdirSync(clusterPath(inv, key), { recursive: true, mode: 0o755 })
  const pg = postgresIds()
  for (const host of inv.hosts) {
    if (host.roles.includes('postgres')) {
      // The host folder stays traversable for postgres; the component folders are closed.
      mkdirSync(clusterPath(inv, 'data', host.name), { recursive: true, mode: 0o755 })
      // PostgreSQL refuses a data folder that others can read, and runs as postgres; the run folder
      // holds its socket and pgpass.
      for (const dir of [dataDir(inv, host, 'postgres'), runDir(inv, host)]) {
        mkdirSync(dir, { recursive: true, mode: 0o700 })
        chownSync(dir, pg.uid, pg.gid)
      }
    }
    for (const role of ['etcd', 'redis', 'sentinel', 'prometheus'] as const) {
      // etcd warns about a data folder that is not 0700.
      if (host.roles.includes(role)) mkdirSync(dataDir(inv, host, role), { recursive: true, mode: 0o700 })
    }
    if (host.roles.includes('haproxy')) mkdirSync(runDir(inv, host), { recursive: true, mode: 0o700 })
  }
  prepareBackupDirectories(inv, pg)
}

/** pgBackRest runs as postgres: its logs, locks, the repository and the scratch restores. */
function prepareBackupDirectories(inv: Inventory, pg: { uid: number; gid: number }): void {
  const layout = backupLayout(inv)
  if (!layout) return
  const own = (dir: string, mode: number) => {
    mkdirSync(dir, { recursive: true, mode })
    chownSync(dir, pg.uid, pg.gid)
  }
  mkdirSync(clusterPath(inv, 'logs', 'pgbackrest'), { recursive: true, mode: 0o755 })
  for (const host of [...hostsWithRole(inv, 'postgres'), layout.repoHost]) {
    const dirs = pgbackrestDirs(inv, host)
    own(runDir(inv, host), 0o700)
    own(dirs.log, 0o750)
    own(dirs.lock, 0o700)
  }
  mkdirSync(clusterPath(inv, 'data', layout.repoHost.name), { recursive: true, mode: 0o755 })
  own(layout.repoPath, 0o750)
  own(layout.scratchRoot, 0o750)
}

/**
 * The stanza, right after the leader is up, so the first WAL segments are archived instead of
 * failing. A problem here does not stop `up` (the cluster serves without backups) but is printed
 * loudly, and WalArchivingFailing fires.
 */
function ensureBackupStanza(inv: Inventory, leaderName: string): void {
  if (!backupLayout(inv)) return
  try {
    say(`pgBackRest: ${ensureStanza(inv, hostByName(inv, leaderName))}`)
  } catch (err) {
    say(`WARNING: pgBackRest stanza not usable, WAL is NOT being archived: ${(err as Error).message} (docs/runbooks/WalArchivingFailing.md)`)
  }
}

/** A first full backup when the repository has none, so point-in-time recovery works from the start. */
async function ensureFirstBackup(inv: Inventory): Promise<void> {
  if (!backupLayout(inv)) return
  try {
    const info = repositoryInfo(inv)
    if (!info) {
      say('pgBackRest: the stanza does not exist yet (PostgreSQL was started before archiving was configured): `npm run down && npm run up` enables it')
      return
    }
    if (info.backup.length > 0) return
    say('pgBackRest: no backup in the repository yet: taking the first full backup')
    const run = await takeBackup(inv, 'full')
    say(`pgBackRest: full backup ${run.label} taken ${run.fromStandby ? 'from a standby' : 'from the primary'} in ${run.seconds.toFixed(1)} s`)
  } catch (err) {
    const message = err instanceof BackupError ? err.message : String(err)
    say(`WARNING: first backup failed: ${message} (run node infra/backup/backup-command.ts backup --type full)`)
  }
}

/**
 * psql as the superuser on a database host, over its local socket (the only way the superuser logs
 * in), run as the OS user postgres: peer admits it under every pg_hba this launcher has written, also
 * a running cluster's from before the roles were split (no map for root there).
 */
function psql(inv: Inventory, host: Host, sql: string, database = 'postgres'): string {
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
function bootstrapRoles(inv: Inventory, secrets: Secrets, leader: Host): void {
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


function migrate(inv: Inventory): void {
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

/**
 * A cluster whose data was made before TLS (no CA yet, but data folders) cannot come up with TLS:
 * etcd keeps its members' plain-HTTP peer URLs in its data, so the members never reach each other
 * and `up` would only time out waiting for quorum. Say so, with the way out, instead.
 */
function refuseDataFromBeforeTls(inv: Inventory): void {
  const data = clusterPath(inv, 'data')
  if (existsSync(caCertificateFile(inv)) || !existsSync(data) || readdirSync(data).length === 0) return
  throw new LaunchError(
    `${data} holds a cluster made before TLS (its etcd members know each other by plain-HTTP URLs), and no cluster CA exists yet. ` +
    'Local lab data only: run `npm run down -- --purge` (keeps the secrets), then `npm run up`.',
  )
}

async function up(): Promise<number> {
  const inv = loadInventory()
  if (inv.lab) {
    // Idempotent: also powers on hosts a drill left powered off (their namespaces removed).
    const created = ensureLabNetwork(inv)
    if (created.length > 0) say(`lab network ${inv.lab.subnet}: created ${created.join(', ')}`)
  }
  const secrets = ensureSecrets(inv)
  refuseDataFromBeforeTls(inv)
  // Before the configs: they name the certificate files, and haproxy -c checks that they exist.
  const pki = ensureCertificates(inv)
  if (pki.issued.length > 0) say(`certificates issued by the cluster CA: ${pki.issued.join('; ')}`)
  const specs = componentSpecs(inv)
  const running = new Map(specs.map((s) => [s.id, componentPid(s)]))
  const fresh = [...running.values()].every((pid) => pid === null)
  // Set by `backup-command.ts rebuild`: Patroni bootstraps the new cluster from the repository.
  const bootstrapFromBackup = parseBootstrapFromBackup(process.env.TQDT_BOOTSTRAP_FROM_BACKUP)
  if (bootstrapFromBackup) say(`bootstrap method: restore from the backup repository (${JSON.stringify(bootstrapFromBackup)})`)
  const gen = generateConfigs(inv, secrets, { fresh, bootstrapFromBackup })
  say(`configs: ${gen.written.length} written, ${gen.unchanged.length} unchanged, ${gen.kept.length} kept (sentinel/redis own them)`)
  // App nodes whose env file changed are replaced one at a time below; the others are told.
  const changedEnv = new Set<string>()
  for (const spec of specs) {
    const changed = gen.written.some((f) => f.startsWith(clusterPath(inv, 'config', spec.host.name) + '/'))
    if (!changed || running.get(spec.id) === null) continue
    if (spec.component === 'app') changedEnv.add(spec.host.name)
    else say(`NOTE: ${spec.id} runs with its previous config; \`npm run down && npm run up\` applies the new one`)
  }
  prepareDirectories(inv)

  const started: ComponentSpec[] = []
  const startMissing = async (component: Component) => {
    for (const spec of specs.filter((s) => s.component === component && running.get(s.id) === null)) {
      if (component === 'redis') {
        const master = await sentinelsMasterFor(inv, spec)
        if (master) say(`${spec.id}: Sentinels name ${master} as master, starting as its replica`)
      }
      const pid = startComponent(spec)
      running.set(spec.id, pid)
      started.push(spec)
      say(`started ${spec.id} (pid ${pid})`)
    }
  }
  const has = (c: Component) => specs.some((s) => s.component === c)
  const startedAny = (c: Component) => started.some((s) => s.component === c)

  await startMissing('etcd')
  await waitFor('etcd quorum', 20_000, componentsHealthy(inv, ['etcd']), logsOf(inv, ['etcd']))

  await startMissing('patroni')
  await startMissing('haproxy')
  await startMissing('keepalived')
  await startMissing('redis')
  if (has('redis')) await waitFor('Redis', 15_000, componentsHealthy(inv, ['redis']), logsOf(inv, ['redis']))
  await startMissing('sentinel')

  let leader: Host | null = null
  let leaderName = ''
  // A restore from the repository replays the archived WAL before the leader is up.
  await waitFor('a Patroni leader', bootstrapFromBackup ? 300_000 : 90_000, async () => {
    const members = await patroniMembers(inv)
    const l = members.find((m) => m.role === 'leader' && m.state === 'running')
    if (!l) return members.length ? members.map((m) => `${m.name} ${m.role} ${m.state}`).join(', ') : 'no Patroni answers yet'
    // On a restart with existing data the lock holder is "leader, running" (and Patroni's /primary
    // already answers 200) while PostgreSQL is still finishing its promotion: wait until it is out
    // of recovery, or the role bootstrap fails with "read-only transaction".
    let inRecovery = 't'
    try {
      inRecovery = psql(inv, hostByName(inv, l.name), 'SELECT pg_is_in_recovery()').trim()
    } catch {
      // not accepting connections yet
    }
    if (inRecovery !== 'f') return `${l.name} holds the leader lock but is still promoting`
    leader = hostByName(inv, l.name)
    leaderName = l.name
    return true
  }, logsOf(inv, ['patroni']))
  const needApps = specs.some((s) => s.component === 'app' && running.get(s.id) === null)
  let rolesEnsured = false
  const ensureRoles = () => {
    if (rolesEnsured) return
    bootstrapRoles(inv, secrets, leader!)
    rolesEnsured = true
    say(`roles and database "${inv.cluster.database}" ensured on the leader ${leader!.name}`)
  }
  if (startedAny('patroni') || needApps) ensureRoles()
  if (startedAny('patroni')) ensureBackupStanza(inv, leaderName)
  // A cluster that already existed keeps its stored settings; bring them in line with the generator's.
  for (const change of await reconcileDynamicConfig(inv)) say(`Patroni dynamic configuration: ${change}`)

  await waitFor('HAProxy routing to the primary', 20_000, async () => {
    const s = await clusterStatus(inv, (spec) => spec.component === 'haproxy')
    const lb = s.rows[0]
    return lb.state === 'healthy' || lb.detail.startsWith('primary→') && !lb.detail.startsWith('primary→NONE') ? true : `${lb.state}: ${lb.detail}`
  }, logsOf(inv, ['haproxy', 'patroni']))

  if (has('keepalived')) {
    await waitFor(`the floating address ${inv.cluster.floatingAddress}`, 20_000, async () => {
      const holder = floatingAddressHolder(inv)
      return holder ? true : 'no load balancer holds it yet (VRRP election takes ~3 s)'
    }, logsOf(inv, ['keepalived']))
  }

  // Nodes that run other code, or an env file older than the one just written (replaced below). Their
  // new code may need the new migrations, as much as a node started from scratch does.
  const stale = await staleAppNodes(inv, changedEnv)
  // The migrations log in as the schema owner: a cluster made before the roles were split gets them first.
  if (needApps || stale.length > 0) {
    ensureRoles()
    migrate(inv)
  }

  await startMissing('postgres-exporter')
  await startMissing('redis-exporter')
  await startMissing('prometheus')

  // The apps need the primary and the schema, not the synchronous standby: they start while the
  // replicas finish their base backups, and the final wait covers both.
  await startMissing('app')
  // Nodes that run other code, or an env file older than the one just written: replaced one at a
  // time, so `up` never reports healthy while a node runs old code.
  let replaced = 0
  for (const { spec, why } of stale) {
    say(`${spec.id}: replacing it, ${why}`)
    await replaceAppNode(inv, spec, say)
    replaced++
  }

  if (hostsWithRole(inv, 'postgres').length > 1) {
    const wanted = wantedSyncStandbys(inv)
    await waitFor(`${wanted} synchronous standbys`, 90_000, async () => {
      const members = await patroniMembers(inv)
      const sync = members.filter(acknowledgesCommits)
      return sync.length >= wanted ? true : members.map((m) => `${m.name} ${m.role} ${m.state}`).join(', ') || 'no Patroni answers'
    }, logsOf(inv, ['patroni']))
  }

  let status: ClusterStatus | null = null
  await waitFor('every component healthy', 90_000, async () => {
    status = await clusterStatus(inv)
    return status.healthy ? true : status.problems.map((p) => p.replace(/ \(log: .*\)$/, '')).join('; ')
  }, 'the logs named by `npm run status`').catch((err: Error) => {
    if (status) console.log('\n' + formatStatusTable(status))
    throw err
  })
  console.log('\n' + formatStatusTable(status!))
  if (inv.lab) {
    for (const line of ensureFrontDoor(inv)) say(`started ${line}`)
    console.log(frontDoorLines(inv).join('\n'))
  }
  await ensureFirstBackup(inv)
  const replacedNote = replaced ? `, replaced ${replaced} app node(s) running old code or config` : ''
  say(started.length === 0 ? `cluster was already up: nothing started${replacedNote}` : `cluster up: started ${started.length} component(s)${replacedNote}`)
  return 0
}

/** `npm run deploy`: every app node replaced by the app folder's code, one at a time, under load. */
async function deploy(): Promise<number> {
  const inv = loadInventory()
  const want = codeFingerprint(inv)
  say(`deploying build ${want} to ${appSpecs(inv).map((s) => s.host.name).join(', ')}, one node at a time`)
  const status = await clusterStatus(inv, (spec) => spec.component === 'haproxy' || spec.component === 'app')
  const down = status.rows.filter((r) => r.state !== 'healthy')
  if (down.length > 0) {
    throw new LaunchError(`not deploying while ${down.map((r) => `${r.host} ${r.component} is ${r.state} (${r.detail})`).join('; ')}: a node taken out now would leave too few. Run npm run up first`)
  }
  // Generated env files first, so the new processes start with the current config.
  const secrets = ensureSecrets(inv)
  generateConfigs(inv, secrets, { fresh: false })
  // The new code's migrations before any node runs it (they add, so the old nodes keep working), as
  // the schema owner, whose role a cluster made before the roles were split does not have yet.
  const leader = await patroniLeaderHost(inv)
  if (!leader) throw new LaunchError('not deploying without a running Patroni leader: the migrations need the primary')
  bootstrapRoles(inv, secrets, leader)
  migrate(inv)
  for (const spec of appSpecs(inv)) await replaceAppNode(inv, spec, say)
  const builds = await Promise.all(appSpecs(inv).map(async (s) => `${s.host.name} ${await runningBuild(inv, s)}`))
  say(`deployed: ${builds.join(', ')}`)
  return 0
}

/** The front door's forwards, for people: what to point a browser or psql at from this machine. */
function frontDoorLines(inv: Inventory): string[] {
  const lab = inv.lab!
  const up = frontDoorPid(inv, 'root') !== null && frontDoorPid(inv, 'lab') !== null
  return [
    '',
    `Front door (root namespace → lab ${lab.subnet}, over Unix sockets)${up ? '' : ': NOT RUNNING (npm run up starts it)'}:`,
    ...frontDoorForwards(inv).map((f) => `  ${lab.frontDoor.address}:${f.port} → ${f.targetAddress}:${f.targetPort} (${f.describes})`),
  ]
}

async function status(json: boolean): Promise<number> {
  const inv = loadInventory()
  const s = await clusterStatus(inv)
  console.log(json ? JSON.stringify(s, null, 2) : formatStatusTable(s))
  if (inv.lab && !json) console.log(frontDoorLines(inv).join('\n'))
  return s.healthy ? 0 : 1
}

/** The drills' nftables table of this instance (chaos/): `down` removes it so no drop rule outlives the cluster. */
function removeChaosRules(inv: Inventory): void {
  const nft = '/usr/sbin/nft'
  if (!existsSync(nft)) return
  const table = ['inet', chaosScope(inv)]
  const listed = spawnSync(nft, ['list', 'table', ...table], { stdio: 'ignore' })
  if (listed.status === 0) {
    const del = spawnSync(nft, ['delete', 'table', ...table], { encoding: 'utf8' })
    say(del.status === 0 ? `removed nft table ${table.join(' ')}` : `could not remove nft table: ${del.stderr}`)
  }
}

/**
 * `down` of a namespace lab, run in the root namespace: the processes are stopped gracefully from the
 * ops namespace (the only place that reaches the hosts), then the front door, every namespace of the
 * lab and the guard route are removed — found by name, so also after a launcher or a drill crashed.
 */
async function downLab(inv: Inventory, purge: boolean): Promise<number> {
  let code = 0
  if (namespaceExists(opsNamespace(inv))) code = (await enterOpsNamespace(inv, ['down', '--processes-only'])) ?? 0
  const doors = stopFrontDoor(inv)
  if (doors.length > 0) say(`stopped the front door (pid ${doors.join(', ')})`)
  teardownLab(inv, say)
  const left = labLeftovers(inv)
  if (left.namespaces.length > 0 || left.guardRoute) throw new LaunchError(`the lab is not fully removed: ${JSON.stringify(left)}`)
  say(`lab removed: no namespace of ${inv.lab!.namespacePrefix}*, no guard route for ${inv.lab!.subnet}`)
  if (purge) purgeFolders(inv)
  return code
}

function purgeFolders(inv: Inventory): void {
  for (const key of ['data', 'run', 'config', 'logs', 'pids'] as const) rmSync(clusterPath(inv, key), { recursive: true, force: true })
  say(`purged data, configs and logs (secrets and the CA kept in ${clusterPath(inv, 'secrets')})`)
}

async function down(purge: boolean, processesOnly = false): Promise<number> {
  const inv = loadInventory()
  if (inv.lab && !processesOnly && !runningInside(opsNamespace(inv))) return downLab(inv, purge)
  const specs = componentSpecs(inv)
  // Each instance has its own table: this `down` lifts no fault of a drill on another instance.
  removeChaosRules(inv)
  const members = await patroniMembers(inv).catch(() => [])
  const leaderName = members.find((m) => m.role === 'leader')?.name
  for (const component of [...START_ORDER].reverse()) {
    let tier = specs.filter((s) => s.component === component)
    if (component === 'patroni' && leaderName) {
      // Replicas first: stopping the leader while replicas run would make one of them take over.
      const replicas = tier.filter((s) => s.host.name !== leaderName)
      await Promise.all(replicas.map((s) => stopOne(inv, s)))
      tier = tier.filter((s) => s.host.name === leaderName)
    }
    await Promise.all(tier.map((s) => stopOne(inv, s)))
  }
  // Anything left (a process whose pid file was lost and whose component was already stopped).
  const leftovers = inv.hosts.flatMap((h) => hostProcesses(h.name, inv))
  if (leftovers.length > 0) {
    say(`killing ${leftovers.length} leftover process(es): ${leftovers.map((p) => `${p.pid} ${p.command.slice(0, 40)}`).join('; ')}`)
    for (const p of leftovers) {
      try {
        process.kill(p.pid, 'SIGKILL')
      } catch {
        // gone
      }
    }
  }
  // Scratch restores (backup-command.ts restore) are not components, but `down` leaves nothing running.
  if (backupLayout(inv)) {
    for (const scratch of listScratch(inv).filter((x) => x.running !== null)) {
      stopScratch(scratch)
      say(`stopped scratch instance ${scratch.name}`)
    }
  }
  await waitForReaping()
  if (inv.lab && !processesOnly) {
    // Called from inside the lab (a test, a drill): remove the lab from here; this process's own
    // namespace goes when it exits.
    stopFrontDoor(inv)
    teardownLab(inv, say)
  }
  if (purge) purgeFolders(inv)
  say('cluster down')
  return 0
}

/**
 * Components outlive the launcher that started them, so init is their parent and reaps them a
 * moment after they exit; wait (bounded) so a `ps` right after `down` shows no <defunct> leftovers.
 */
async function waitForReaping(): Promise<void> {
  const ours = /^(etcd|patroni|postgres|haproxy|redis-server|redis-sentinel|prometheus.*|node|python3.*)$/
  const deadline = Date.now() + 5000
  while (Date.now() < deadline) {
    const zombies = readdirSync('/proc').filter((e) => {
      if (!/^\d+$/.test(e)) return false
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8')
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        return state === 'Z' && ppid === '1' && ours.test(comm)
      } catch {
        return false
      }
    })
    if (zombies.length === 0) return
    await sleep(200)
  }
}

async function stopOne(inv: Inventory, spec: ComponentSpec): Promise<void> {
  const outcome = await stopComponent(inv, spec)
  if (outcome !== 'not running') say(`${outcome} ${spec.id}`)
}

function logs(host: string | undefined): Promise<number> {
  const inv = loadInventory()
  const dir = clusterPath(inv, 'logs')
  if (!host) {
    console.error(`usage: npm run logs -- HOST   (hosts: ${inv.hosts.map((h) => h.name).join(', ')})`)
    return Promise.resolve(2)
  }
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${host}-`)).map((f) => join(dir, f)) : []
  if (files.length === 0) {
    console.error(`no logs for ${host} in ${dir}`)
    return Promise.resolve(1)
  }
  return new Promise((resolve) => {
    const tail = spawn('tail', ['-n', '100', '-F', ...files], { stdio: 'inherit' })
    tail.on('exit', (code) => resolve(code ?? 0))
  })
}

/**
 * Shell `export` lines with the addresses and secret files the test suite needs, read from the
 * inventory: a second cluster instance (TQDT_INVENTORY) runs the same suite without edits.
 */
async function printTestEnvironment(): Promise<number> {
  const inv = loadInventory()
  const e = endpoints(inv)
  const quoted = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`
  // The superuser's socket is the leader's: the integration tests run before any drill moves it.
  const leader = (await patroniMembers(inv)).find((m) => m.role === 'leader')
  const vars: Record<string, string> = {
    TEST_DATABASE_URL: e.databaseUrl,
    TEST_OWNER_DATABASE_URL: e.ownerDatabaseUrl,
    ...(leader ? { TEST_SUPERUSER_DATABASE_URL: e.superuserDatabaseUrlOf(leader.name) } : {}),
    CLUSTER_DATABASE_REPLICA_URL: e.databaseReplicaUrl,
    JWT_SECRET_FILE: clusterPath(inv, 'secrets', 'jwt-secret'),
  }
  for (const [name, value] of Object.entries(vars)) console.log(`export ${name}=${quoted(value)}`)
  return 0
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  const inv = loadInventory()
  if (inv.lab && ['up', 'status', 'migrate', 'deploy', 'env'].includes(command)) {
    // The hosts are reached from the ops namespace; `up` first makes it (and the rest of the network).
    if (command === 'up' && !runningInside(opsNamespace(inv))) {
      const created = ensureLabNetwork(inv)
      if (created.length > 0) say(`lab network ${inv.lab.subnet}: created ${created.join(', ')}`)
    }
    const code = await enterOpsNamespace(inv, argv)
    if (code !== null) return code
  }
  switch (command) {
    case 'up': return up()
    case 'status': return status(rest.includes('--json'))
    case 'down': return down(rest.includes('--purge'), rest.includes('--processes-only'))
    case 'logs': return logs(rest[0])
    case 'migrate': migrate(loadInventory()); return 0
    case 'deploy': return deploy()
    case 'env': return printTestEnvironment()
    default:
      console.error('usage: cluster.sh up | status [--json] | down [--purge] | logs HOST | migrate | env | deploy')
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (err: Error) => {
    console.error(`\n${err instanceof LaunchError ? '' : 'launcher error: '}${err.message}`)
    process.exitCode = 1
  },
)
