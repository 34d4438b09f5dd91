// A cgroup (v2) per simulated host, so nft can tell one host's packets from another's.
//
// Every simulated host shares one kernel and connects out from 127.0.0.1 (the loopback route's
// source address), not from its own 127.0.0.X: Patroni's REST calls, a replica's WAL stream and
// etcd's peer links all leave as 127.0.0.1. Matching addresses alone therefore cannot cut db2 off
// from db1. Moving the host's processes into /tqdt-chaos/<host> lets `socket cgroupv2` match the
// sender; processes they fork later (new PostgreSQL backends, pg_rewind) inherit the cgroup.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chaosScope, loadInventory } from '../../infra/launcher/cluster-api.ts'

/** One folder per cluster instance, so two instances' hosts of the same name never share a cgroup. */
const PARENT = chaosScope(loadInventory()).replace(/_/g, '-')

class CgroupError extends Error {}

/** Mount point of the cgroup2 hierarchy (hybrid hosts mount it at /sys/fs/cgroup/unified). */
function cgroup2Mount(): string {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n')
  const line = mounts.find((l) => l.split(' ')[2] === 'cgroup2')
  if (!line) throw new CgroupError('no cgroup2 hierarchy is mounted: partitions between named hosts need one')
  return line.split(' ')[1] as string
}

export interface HostCgroup {
  host: string
  /** Absolute folder. */
  dir: string
  /** Path as nft's `socket cgroupv2` takes it: relative to /sys/fs/cgroup. */
  nftPath: string
  /** Depth below the cgroup2 root: tqdt-chaos is 1, the host 2. */
  level: number
}

function hostCgroup(host: string): HostCgroup {
  const mount = cgroup2Mount()
  const dir = join(mount, PARENT, host)
  const nftPath = join(mount, PARENT, host).replace(/^\/sys\/fs\/cgroup\/?/, '')
  return { host, dir, nftPath, level: 2 }
}

/** Moves the pids into the host's cgroup; returns those moved (a pid that exited meanwhile is skipped). */
export function confine(host: string, pids: number[]): HostCgroup {
  const cg = hostCgroup(host)
  mkdirSync(cg.dir, { recursive: true })
  for (const pid of pids) {
    try {
      writeFileSync(join(cg.dir, 'cgroup.procs'), `${pid}\n`)
    } catch {
      // exited
    }
  }
  return cg
}

export function nftMatch(cg: HostCgroup): string {
  return `socket cgroupv2 level ${cg.level} "${cg.nftPath}"`
}

/** Moves whatever still lives in the host's cgroup back to the root and removes the folder. */
export function release(host: string): void {
  let cg: HostCgroup
  try {
    cg = hostCgroup(host)
  } catch {
    return
  }
  if (!existsSync(cg.dir)) return
  const root = join(cgroup2Mount(), 'cgroup.procs')
  for (let pass = 0; pass < 3; pass++) {
    const pids = readFileSync(join(cg.dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)
    if (pids.length === 0) break
    for (const pid of pids) {
      try {
        writeFileSync(root, `${pid}\n`)
      } catch {
        // exited
      }
    }
  }
  try {
    rmdirSync(cg.dir)
  } catch (err) {
    throw new CgroupError(`cannot remove ${cg.dir}: ${(err as Error).message}`)
  }
  // The last host released: remove the parent too (it holds no process of its own).
  if (confinedHosts().length === 0) {
    try {
      rmdirSync(join(cgroup2Mount(), PARENT))
    } catch {
      // another drill confined a host meanwhile
    }
  }
}

/** Hosts that still have a chaos cgroup (for the last-resort heal). */
export function confinedHosts(): string[] {
  try {
    const parent = join(cgroup2Mount(), PARENT)
    if (!existsSync(parent)) return []
    return readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)
  } catch {
    return []
  }
}
