// The folders every host's programs need, with the owners and modes those programs insist on.
import { spawnSync } from 'node:child_process'
import { chownSync, mkdirSync } from 'node:fs'
import type { Inventory } from './inventory.ts'
import { clusterPath, hostsWithRole } from './inventory.ts'
import { LaunchError } from './launch-progress.ts'
import { backupLayout, pgbackrestDirs } from './render/pgbackrest-config.ts'
import { dataDir, runDir } from './render/render-context.ts'

function postgresIds(): { uid: number; gid: number } {
  const out = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (out.status !== 0) throw new LaunchError('there is no postgres user: is postgresql-15 installed?')
  return { uid: Number(out.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

export function prepareDirectories(inv: Inventory): void {
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
