// Secrets are generated once per checkout into the inventory's secrets folder (mode 0600) and never
// regenerated, so a restart keeps passwords, tokens signed with the JWT secret stay valid, and a
// `down --purge` (which keeps this folder) does not invalidate what tests or operators hold.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Inventory } from './inventory.ts'
import { clusterPath } from './inventory.ts'

export interface Secrets {
  /** HS256 key of the app's JWTs. */
  jwtSecret: string
  /** Password of the application role (cluster.databaseUser). */
  dbPassword: string
  /** PostgreSQL superuser `postgres`, used by Patroni and the launcher's bootstrap step. */
  superuserPassword: string
  /** `replicator`: streaming replication and pg_basebackup. */
  replicationPassword: string
  /** `rewinder`: pg_rewind of a demoted primary. */
  rewindPassword: string
  /** `tqdt_monitor` (pg_monitor): postgres_exporter. */
  monitorPassword: string
}

const FILES: Record<keyof Secrets, string> = {
  jwtSecret: 'jwt-secret',
  dbPassword: 'db-password',
  superuserPassword: 'pg-superuser-password',
  replicationPassword: 'pg-replication-password',
  rewindPassword: 'pg-rewind-password',
  monitorPassword: 'pg-monitor-password',
}

/** base64url: safe inside connection URLs, YAML and shell without quoting surprises. */
function newSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

export function ensureSecrets(inv: Inventory): Secrets {
  const dir = clusterPath(inv, 'secrets')
  // The parent (.run) must stay traversable for the postgres user; only this folder is closed.
  mkdirSync(dirname(dir), { recursive: true, mode: 0o755 })
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  for (const [key, file] of Object.entries(FILES)) {
    const path = join(dir, file)
    if (!existsSync(path)) writeFileSync(path, newSecret(key === 'jwtSecret' ? 48 : 24) + '\n', { mode: 0o600 })
  }
  return readSecrets(inv)
}

export function readSecrets(inv: Inventory): Secrets {
  const dir = clusterPath(inv, 'secrets')
  const out: Partial<Secrets> = {}
  for (const [key, file] of Object.entries(FILES) as Array<[keyof Secrets, string]>) {
    try {
      out[key] = readFileSync(join(dir, file), 'utf8').trim()
    } catch {
      throw new Error(`secret ${join(dir, file)} is missing: run \`npm run up\` (or generate-configs) first`)
    }
  }
  return out as Secrets
}
