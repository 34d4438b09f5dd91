// The machine a run measured, so a figure is never read without its hardware and software: CPUs,
// memory, kernel, versions of every layer, and what else was busy on the machine at the start.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, freemem, loadavg, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from '../../infra/launcher/cluster-api.ts'

export interface MachineInfo {
  date: string
  cpus: number
  cpuModel: string
  memoryGiB: number
  freeMemoryGiB: number
  kernel: string
  os: string
  loadAverage: number[]
  versions: Record<string, string>
  /** The busiest processes at the start (pid, %CPU, command): other tenants of the machine show here. */
  busiest: string[]
}

function tryRun(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).trim()
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string }
    return (e.stdout || e.stderr || '').trim() || '?'
  }
}

const packageVersion = (name: string) => {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

export function machineInfo(extra: Record<string, string>): MachineInfo {
  const osRelease = (() => {
    try {
      return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '?'
    } catch {
      return '?'
    }
  })()
  const gib = (b: number) => Math.round((b / 2 ** 30) * 10) / 10
  return {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '?',
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    kernel: release(),
    os: osRelease,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    versions: {
      node: process.version,
      fastify: packageVersion('fastify'),
      pg: packageVersion('pg'),
      haproxy: tryRun('haproxy', ['-v']).split('\n')[0]?.replace(/^HAProxy version /, '').split(' ')[0] ?? '?',
      patroni: tryRun(join(REPO_ROOT, '.tools/patroni-venv/bin/patroni'), ['--version']).replace(/^patroni /, ''),
      ...extra,
    },
    busiest: tryRun('ps', ['-eo', 'pid=,pcpu=,comm=', '--sort=-pcpu']).split('\n').slice(0, 8).map((l) => l.trim()),
  }
}
