// Inventory → every config file under <paths.config>/<host>/, then checked with the tools that can.
//
//   npm run tqdt -- configs [--inventory FILE] [--out DIR] [--secrets DIR] [--fresh] [--no-validate]
//
// --fresh also rewrites the files the running programs own (sentinel.conf, redis.conf); `npm run up`
// passes it when no component of the cluster is running.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Host, Inventory } from './inventory.ts'
import { clusterPath, loadInventory } from './inventory.ts'
import { renderAppEnv, renderPostgresExporterEnv, renderRedisExporterEnv } from './render/app-env.ts'
import { renderEtcd } from './render/etcd-config.ts'
import { renderHaproxy } from './render/haproxy-config.ts'
import { renderKeepalived } from './render/keepalived-config.ts'
import { renderPatroni } from './render/patroni-config.ts'
import type { BootstrapFromBackup } from './render/pgbackrest-config.ts'
import { renderPgbackrestDb, renderPgbackrestRepo } from './render/pgbackrest-config.ts'
import { renderPrometheus } from './render/prometheus-config.ts'
import { renderRedis, renderSentinel } from './render/redis-config.ts'
import { renderWebTls } from './render/web-tls-config.ts'
import type { RenderContext, RenderedFile } from './render/render-context.ts'
import type { Secrets } from './secrets.ts'
import { ensureSecrets } from './secrets.ts'
import { ensureCertificates } from './tls/certificates.ts'

export interface GenerateOptions {
  /** Defaults to the inventory's paths.config. */
  configRoot?: string
  /** Also rewrite files the running programs own. */
  fresh?: boolean
  validate?: boolean
  /** Patroni bootstraps a new cluster from the backup repository instead of initdb. */
  bootstrapFromBackup?: BootstrapFromBackup
}

export interface GenerateResult {
  configRoot: string
  written: string[]
  unchanged: string[]
  /** Runtime-owned files left as the running program last wrote them. */
  kept: string[]
}

/** Roles whose program serves /metrics with the web configuration of render/web-tls-config.ts. */
const WEB_TLS_ROLES = ['prometheus', 'postgres-exporter']

function renderHost(ctx: RenderContext, host: Host): RenderedFile[] {
  const webTls = host.roles.some((r) => WEB_TLS_ROLES.includes(r)) ? renderWebTls(ctx, host) : []
  return [...webTls, ...host.roles.flatMap((role) => {
    switch (role) {
      case 'etcd': return renderEtcd(ctx, host)
      case 'postgres': return [...renderPatroni(ctx, host), ...renderPgbackrestDb(ctx, host)]
      case 'haproxy': return [...renderHaproxy(ctx, host), ...renderKeepalived(ctx, host)]
      case 'redis': return renderRedis(ctx, host)
      case 'sentinel': return renderSentinel(ctx, host)
      case 'prometheus': return renderPrometheus(ctx, host)
      case 'app': return renderAppEnv(ctx, host)
      case 'postgres-exporter': return renderPostgresExporterEnv(ctx, host)
      case 'redis-exporter': return renderRedisExporterEnv(ctx, host)
      case 'pgbackrest-repo': return renderPgbackrestRepo(ctx, host)
    }
  })]
}

export function renderAll(
  inv: Inventory,
  secrets: Secrets,
  configRoot = clusterPath(inv, 'config'),
  bootstrapFromBackup?: BootstrapFromBackup,
): RenderedFile[] {
  const ctx: RenderContext = { inv, secrets, configRoot, bootstrapFromBackup }
  return inv.hosts.flatMap((h) => renderHost(ctx, h))
}

function postgresIds(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))
  if (!line) return null
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

export function generateConfigs(inv: Inventory, secrets: Secrets, opts: GenerateOptions = {}): GenerateResult {
  const configRoot = opts.configRoot ?? clusterPath(inv, 'config')
  const result: GenerateResult = { configRoot, written: [], unchanged: [], kept: [] }
  const pg = postgresIds()
  for (const file of renderAll(inv, secrets, configRoot, opts.bootstrapFromBackup)) {
    const dir = join(configRoot, file.host)
    const path = join(dir, file.name)
    mkdirSync(dir, { recursive: true, mode: 0o755 })
    const exists = existsSync(path)
    if (exists && file.runtimeOwned && !opts.fresh) {
      result.kept.push(path)
      continue
    }
    if (exists && readFileSync(path, 'utf8') === file.content) {
      result.unchanged.push(path)
    } else {
      writeFileSync(path, file.content, { mode: file.mode })
      result.written.push(path)
    }
    if (file.owner === 'postgres' && pg) chownSync(path, pg.uid, pg.gid)
  }
  if (opts.validate ?? true) validateConfigs(inv, configRoot)
  return result
}

/** Runs the tools' own checkers; throws with their output when one refuses a file. */
export function validateConfigs(inv: Inventory, configRoot: string): void {
  const checks: Array<[string, string[]]> = []
  for (const host of inv.hosts) {
    if (host.roles.includes('haproxy')) checks.push(['/usr/sbin/haproxy', ['-c', '-q', '-f', join(configRoot, host.name, 'haproxy.cfg')]])
    if (host.roles.includes('prometheus')) checks.push(['/usr/bin/promtool', ['check', 'config', join(configRoot, host.name, 'prometheus.yml')]])
    const keepalived = join(configRoot, host.name, 'keepalived.conf')
    if (existsSync(keepalived)) checks.push(['/usr/sbin/keepalived', ['--config-test', '-f', keepalived]])
  }
  for (const [tool, args] of checks) {
    if (!existsSync(tool)) continue
    try {
      execFileSync(tool, args, { stdio: 'pipe', timeout: 30_000 })
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer }
      throw new Error(`${tool} ${args.join(' ')} refused the generated config:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      inventory: { type: 'string' },
      out: { type: 'string' },
      secrets: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      'no-validate': { type: 'boolean', default: false },
    },
  })
  const inv = loadInventory(values.inventory)
  if (values.secrets) inv.cluster.paths.secrets = resolve(values.secrets)
  const secrets = ensureSecrets(inv)
  const pki = ensureCertificates(inv)
  if (pki.issued.length > 0) console.log(`certificates issued: ${pki.issued.join('; ')}`)
  const result = generateConfigs(inv, secrets, {
    configRoot: values.out ? resolve(values.out) : undefined,
    fresh: values.fresh,
    validate: !values['no-validate'],
  })
  console.log(
    `configs for ${inv.hosts.length} hosts in ${result.configRoot}: ${result.written.length} written, ` +
      `${result.unchanged.length} unchanged, ${result.kept.length} kept as their programs rewrote them` +
      (values['no-validate'] ? '' : '; haproxy -c, promtool check config and keepalived -t passed where present'),
  )
}

if (import.meta.main) {
  main().catch((err) => {
    console.error(`generate-configs: ${(err as Error).message}`)
    process.exit(1)
  })
}
