// CPU time of every process on the machine, grouped by what it is (k6, the Node app nodes,
// PostgreSQL, HAProxy, etcd, the rest), between two snapshots of /proc. On two shared cores this is
// where a step's capacity went: divided by the requests answered it gives CPU milliseconds per request.
import { readdirSync, readFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100 // USER_HZ on Linux

export type CpuSnapshot = Map<number, { component: string; ticks: number }>

/** Component names in the order the report shows them. */
export const COMPONENTS = ['k6', 'node', 'postgres', 'haproxy', 'etcd', 'patroni', 'redis', 'other'] as const

function componentOf(comm: string): string {
  if (comm === 'k6') return 'k6'
  // Node 24 names its main thread, and so the process, MainThread.
  if (comm === 'MainThread' || comm === 'node') return 'node'
  if (comm === 'postgres' || comm === 'pgbench') return 'postgres'
  if (comm === 'haproxy') return 'haproxy'
  if (comm === 'etcd') return 'etcd'
  if (comm === 'patroni') return 'patroni'
  if (comm.startsWith('redis')) return 'redis'
  return 'other'
}

export function cpuSnapshot(): CpuSnapshot {
  const snap: CpuSnapshot = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // gone between the listing and the read
    }
    const open = stat.indexOf('(')
    const close = stat.lastIndexOf(')')
    const fields = stat.slice(close + 2).split(' ')
    // utime and stime: fields 14 and 15 of stat(5), i.e. 11 and 12 after the command name.
    snap.set(Number(entry), { component: componentOf(stat.slice(open + 1, close)), ticks: Number(fields[11]) + Number(fields[12]) })
  }
  return snap
}

/** CPU seconds per component between two snapshots (processes that started in between count from zero). */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(COMPONENTS.map((c) => [c, 0]))
  for (const [pid, now] of after) {
    const was = before.get(pid)
    const ticks = was && was.component === now.component ? now.ticks - was.ticks : now.ticks
    out[now.component] = (out[now.component] ?? 0) + Math.max(0, ticks) / TICKS_PER_SECOND
  }
  return out
}
