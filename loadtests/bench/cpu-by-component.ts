// CPU time of every process on the machine, grouped by what it is (k6, the Node app nodes,
// PostgreSQL, HAProxy, etcd, the rest), between two snapshots of /proc. On two shared cores this is
// where a step's capacity went: divided by the requests answered it gives CPU milliseconds per request.
import { listProcesses } from '../../infra/launcher/cluster-api.ts'

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
  for (const p of listProcesses({ zombies: true })) snap.set(p.pid, { component: componentOf(p.comm), ticks: p.cpuTicks })
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
