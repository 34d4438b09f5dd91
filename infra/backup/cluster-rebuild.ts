// The drastic path: the whole database cluster rebuilt from the repository alone. Every database
// host's data folder is set aside, the cluster's keys leave etcd, and the launcher's `up` runs with
// Patroni's custom bootstrap from pgBackRest: the first node restores and replays the archived WAL
// (to the end, or to a target), promotes, and the others become replicas from the repository.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { cliArgv } from '../launcher/cli-entry.ts'
import pg from 'pg'
import { acknowledgesCommits } from '../launcher/cluster-status.ts'
import { componentSpecs } from '../launcher/components.ts'
import { componentPid } from '../launcher/host-processes.ts'
import type { Inventory } from '../launcher/inventory.ts'
import { REPO_ROOT, hostsWithRole, httpsUrl, loadBalancerAddress } from '../launcher/inventory.ts'
import { clusterJson } from '../launcher/tls/cluster-http.ts'
import { startComponent } from '../launcher/process-control.ts'
import { dataDir } from '../launcher/render/render-context.ts'
import { readSecrets } from '../launcher/secrets.ts'
import { patroniMembers } from '../launcher/patroni-client.ts'
import { BackupError, repositoryInfo } from './repository.ts'
import type { RestoreTarget } from './restore-target.ts'
import { postgresSsl } from '../launcher/tls/certificates.ts'

export interface RebuildReport {
  target: RestoreTarget
  startedAt: string
  /** Data folders set aside (or deleted with discardOldData). */
  oldData: string[]
  etcdKeysDeleted: number
  /** From the start of the rebuild: a Patroni leader running (restore + replay + promotion). */
  leaderS: number | null
  /** From the start: a write through HAProxy committed (the service's database is back). */
  writableS: number | null
  /** From the start: every member streaming and a synchronous standby (redundancy back). */
  redundantS: number | null
  /** The launcher's own run (up). */
  launcherS: number
  leader: string | null
  timeline: number | null
  replicaMethods: Record<string, string>
  launcherOutput: string
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

async function etcdRequest(inv: Inventory, path: string, body: unknown): Promise<Record<string, unknown>> {
  let last: unknown
  for (const e of hostsWithRole(inv, 'etcd')) {
    try {
      const res = await clusterJson<Record<string, unknown>>(inv, httpsUrl(e, 'etcdClient', path), { method: 'POST', body: JSON.stringify(body), timeoutMs: 2000 })
      if (res.status === 200) return res.json
      last = new Error(`HTTP ${res.status}`)
    } catch (err) {
      last = err
    }
  }
  throw new BackupError(`no etcd member answered ${path}: ${(last as Error)?.message}`)
}

/** Starts the etcd members that are not running and waits for quorum. */
async function ensureEtcd(inv: Inventory, log: (l: string) => void): Promise<void> {
  for (const spec of componentSpecs(inv).filter((s) => s.component === 'etcd')) {
    if (componentPid(spec) === null) {
      startComponent(spec)
      log(`started ${spec.id}`)
    }
  }
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    try {
      await etcdRequest(inv, '/v3/kv/range', { key: Buffer.from('/').toString('base64') })
      return
    } catch {
      await sleep(250)
    }
  }
  throw new BackupError('etcd has no quorum after 30 s')
}

/** Deletes /service/<scope>/ so Patroni sees a cluster that was never initialised. */
async function forgetCluster(inv: Inventory): Promise<number> {
  const prefix = `/service/${inv.cluster.scope}/`
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
  const res = await etcdRequest(inv, '/v3/kv/deleterange', {
    key: Buffer.from(prefix).toString('base64'),
    range_end: Buffer.from(end).toString('base64'),
  })
  return Number(res.deleted ?? 0)
}

async function writable(inv: Inventory): Promise<boolean> {
  const lb = hostsWithRole(inv, 'haproxy')[0]
  const c = new pg.Client({
    host: loadBalancerAddress(inv),
    port: lb.ports.pgPrimary,
    // The app's own way in: the superuser logs in only over a host's local socket.
    user: inv.cluster.databaseUser,
    password: readSecrets(inv).dbPassword,
    database: inv.cluster.database,
    connectionTimeoutMillis: 1000,
    query_timeout: 2000,
    ssl: postgresSsl(inv),
  })
  c.on('error', () => {})
  try {
    await c.connect()
    const { rows } = await c.query('SELECT NOT pg_is_in_recovery() AS w, txid_current() AS x')
    return rows[0].w === true
  } catch {
    return false
  } finally {
    await c.end().catch(() => {})
  }
}

export async function rebuildCluster(
  inv: Inventory,
  target: RestoreTarget,
  opts: { discardOldData?: boolean; timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<RebuildReport> {
  const log = opts.log ?? (() => {})
  const running = componentSpecs(inv).filter((s) => s.component === 'patroni' && componentPid(s) !== null)
  if (running.length > 0) {
    throw new BackupError(`Patroni still runs on ${running.map((s) => s.host.name).join(', ')}: stop the cluster first (npm run down); a rebuild replaces every database host's data`)
  }
  const info = repositoryInfo(inv)
  if (!info || info.backup.length === 0) throw new BackupError('the repository has no backup: nothing to rebuild from')

  const t0 = performance.now()
  const since = () => (performance.now() - t0) / 1000
  const startedAt = new Date().toISOString()
  const stamp = startedAt.replace(/[-:]/g, '').replace(/\..*$/, '')
  const oldData: string[] = []
  for (const db of hostsWithRole(inv, 'postgres')) {
    const dir = dataDir(inv, db, 'postgres')
    if (!existsSync(dir) || readdirSync(dir).length === 0) continue
    if (opts.discardOldData) {
      rmSync(dir, { recursive: true, force: true })
      oldData.push(`${dir} (deleted)`)
    } else {
      const aside = `${dir}.before-rebuild-${stamp}`
      renameSync(dir, aside)
      oldData.push(aside)
    }
  }
  if (oldData.length) log(`old data set aside: ${oldData.join(', ')}`)

  await ensureEtcd(inv, log)
  const etcdKeysDeleted = await forgetCluster(inv)
  log(`etcd: ${etcdKeysDeleted} key(s) of cluster ${inv.cluster.scope} deleted`)

  // The launcher does the rest; we watch the cluster come back while it runs.
  const tUp = performance.now()
  let output = ''
  const [node, ...args] = cliArgv('up')
  const child = spawn(node, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, TQDT_INVENTORY: inv.file, TQDT_BOOTSTRAP_FROM_BACKUP: JSON.stringify({ type: target.type, target: target.target, exclusive: target.exclusive, set: target.set }) },
  })
  child.stdout.on('data', (d: Buffer) => {
    output += d
    for (const line of String(d).split('\n').filter(Boolean)) log(`  up: ${line}`)
  })
  child.stderr.on('data', (d: Buffer) => (output += d))
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)))
  let done: number | null = null
  void exited.then((c) => (done = c))

  let leaderS: number | null = null
  let writableS: number | null = null
  let redundantS: number | null = null
  let leader: string | null = null
  let timeline: number | null = null
  const dbCount = hostsWithRole(inv, 'postgres').length
  const deadline = Date.now() + (opts.timeoutMs ?? 1800_000)
  while (redundantS === null) {
    if (Date.now() > deadline) {
      child.kill('SIGTERM')
      throw new BackupError(`the cluster was not back with full redundancy after ${(opts.timeoutMs ?? 1800_000) / 1000} s:\n${output.split('\n').slice(-25).join('\n')}`)
    }
    const members = await patroniMembers(inv)
    const l = members.find((m) => m.role === 'leader' && m.state === 'running')
    if (l) timeline = l.timeline ?? timeline
    if (l && leaderS === null) {
      leaderS = since()
      leader = l.name
      log(`leader ${l.name} running after ${leaderS.toFixed(1)} s`)
    }
    if (leaderS !== null && writableS === null && (await writable(inv))) {
      writableS = since()
      log(`writes accepted through HAProxy after ${writableS.toFixed(1)} s`)
    }
    const streaming = members.filter((m) => m.role !== 'leader' && m.state === 'streaming')
    if (writableS !== null && streaming.length === dbCount - 1 && members.some(acknowledgesCommits)) {
      redundantS = since()
      log(`every replica streaming, synchronous standby named after ${redundantS.toFixed(1)} s`)
    }
    if (done !== null && redundantS === null) {
      if (done !== 0) throw new BackupError(`the launcher's up failed (exit ${done}):\n${output.split('\n').slice(-25).join('\n')}`)
      // up returned healthy; take one more look on the next turn
    }
    await sleep(250)
  }
  const code = await exited
  if (code !== 0) throw new BackupError(`the launcher's up failed (exit ${code}):\n${output.split('\n').slice(-25).join('\n')}`)
  const launcherS = (performance.now() - tUp) / 1000

  // Which way each replica was built (the Patroni log says).
  const replicaMethods: Record<string, string> = {}
  for (const spec of componentSpecs(inv).filter((s) => s.component === 'patroni')) {
    try {
      const text = readFileSync(spec.logFile, 'utf8')
      const tail = text.slice(text.lastIndexOf('launcher starts'))
      const m = /replica has been created using (\S+)/.exec(tail)
      const boot = /Running custom bootstrap script/.test(tail)
      replicaMethods[spec.host.name] = boot ? 'custom bootstrap from the repository' : m ? `replica via ${m[1]}` : 'unknown'
    } catch {
      replicaMethods[spec.host.name] = 'unknown'
    }
  }
  return { target, startedAt, oldData, etcdKeysDeleted, leaderS, writableS, redundantS, launcherS, leader, timeline, replicaMethods, launcherOutput: output }
}
