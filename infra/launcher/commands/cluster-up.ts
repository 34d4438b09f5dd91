// `npm run up`: idempotent. It starts only what is not running, in dependency order, and waits
// (bounded) for each stage, naming the log to read when something does not come up.
import { existsSync, readdirSync } from 'node:fs'
import { BackupError, ensureStanza, repositoryInfo, takeBackup } from '../../backup/repository.ts'
import type { ClusterStatus } from '../cluster-status.ts'
import { acknowledgesCommits, clusterStatus, formatStatusTable } from '../cluster-status.ts'
import type { Component, ComponentSpec } from '../components.ts'
import { componentSpecs } from '../components.ts'
import { bootstrapRoles, migrate, psql } from '../database-setup.ts'
import { generateConfigs } from '../generate-configs.ts'
import { prepareDirectories } from '../host-directories.ts'
import { componentPid } from '../host-processes.ts'
import type { Host, Inventory } from '../inventory.ts'
import { REPO_ROOT, clusterPath, hostByName, hostsWithRole, loadInventory } from '../inventory.ts'
import { ensureFrontDoor } from '../lab/front-door.ts'
import { ensureLabNetwork, floatingAddressHolder } from '../lab/lab-network.ts'
import { LaunchError, say, waitFor } from '../launch-progress.ts'
import { patroniMembers } from '../patroni-client.ts'
import { replaceAppNode, staleAppNodes } from '../app-rollout.ts'
import { reconcileDynamicConfig } from '../patroni-dynamic-config.ts'
import { sentinelsMasterFor, startComponent } from '../process-control.ts'
import { backupLayout, parseBootstrapFromBackup } from '../render/pgbackrest-config.ts'
import { wantedSyncStandbys } from '../render/patroni-config.ts'
import { ensureSecrets } from '../secrets.ts'
import { caCertificateFile, ensureCertificates } from '../tls/certificates.ts'
import { frontDoorLines } from './cluster-inspect.ts'

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
    say(`WARNING: first backup failed: ${message} (run npm run backup -- backup --type full)`)
  }
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

export async function up(): Promise<number> {
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
