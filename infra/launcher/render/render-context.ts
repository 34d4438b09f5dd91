// What every renderer gets, and what it returns: files to write into one host's config folder.
import { join } from 'node:path'
import type { Host, Inventory } from '../inventory.ts'
import { clusterPath } from '../inventory.ts'
import type { Secrets } from '../secrets.ts'
import type { BootstrapFromBackup } from './pgbackrest-config.ts'

export interface RenderedFile {
  host: string
  /** File name inside the host's config folder. */
  name: string
  content: string
  mode: number
  /** Files read by a process that runs as `postgres` are handed to that user. */
  owner?: 'postgres'
  /**
   * The running program rewrites this file (Sentinel records its view of the master and peers;
   * Redis records `replicaof` after a failover). Written only when absent or on a fresh `up`, so a
   * restarted node keeps what it learned instead of going back to the inventory's initial roles.
   */
  runtimeOwned?: boolean
}

export interface RenderContext {
  inv: Inventory
  secrets: Secrets
  /** Folder that receives `<host>/<file>` (the inventory's paths.config unless overridden). */
  configRoot: string
  /** Bootstrap a new cluster from the backup repository instead of initdb (a rebuild). */
  bootstrapFromBackup?: BootstrapFromBackup
}

export const GENERATED_HEADER = (inv: Inventory, comment = '#') =>
  `${comment} Generated from ${inv.file.replace(/^.*\/infra\//, 'infra/')} by infra/launcher/generate-configs.ts: edit the inventory or\n` +
  `${comment} the generator, not this file.\n`

export function configDir(ctx: RenderContext, host: Host): string {
  return join(ctx.configRoot, host.name)
}

/** `<paths.data>/<host>/<component>`: hosts that carry several roles keep them apart. */
export function dataDir(inv: Inventory, host: Host, component: 'etcd' | 'postgres' | 'redis' | 'sentinel' | 'prometheus'): string {
  return clusterPath(inv, 'data', host.name, component)
}

export function runDir(inv: Inventory, host: Host): string {
  return clusterPath(inv, 'run', host.name)
}
