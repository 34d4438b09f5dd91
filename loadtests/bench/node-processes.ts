// Processes the benchmark starts for itself — the bare server and a profiled extra app node — each
// stopped by its own PID, and the RSS of a node read from /proc.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { clusterRequest, namespacePrefix, processRssKiB, REPO_ROOT } from '../../infra/launcher/cluster-api.ts'

export interface Started {
  pid: number
  url: string
  stop(): Promise<number | null>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitReady(inv: Inventory, url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode}) before it was ready`)
    try {
      const res = await clusterRequest(inv, url, { timeoutMs: 1000 })
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(200)
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`)
}

/**
 * Starts `node args…` with `env` added (in a namespace lab, in the host's namespace `netns`), waits
 * until `readyUrl` answers 200; stop() sends SIGTERM to that PID only.
 */
export async function startNode(o: { inv: Inventory; args: string[]; env: Record<string, string>; url: string; readyPath: string; logFile: string; netns?: string }): Promise<Started> {
  const log = openSync(o.logFile, 'a')
  // nsenter execs node in place: the pid is node's own.
  const argv = [...namespacePrefix(o.netns), process.execPath, ...o.args]
  const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', log, log] })
  closeSync(log)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  try {
    await waitReady(o.inv, o.url + o.readyPath, child, 20_000)
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  return {
    pid: child.pid!,
    url: o.url,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode
      process.kill(child.pid!, 'SIGTERM')
      const code = await Promise.race([exited, sleep(30_000).then(() => 'timeout' as const)])
      if (code === 'timeout') {
        process.kill(child.pid!, 'SIGKILL')
        return null
      }
      return code
    },
  }
}

/** Resident set size of a process in MiB (VmRSS), or null when it is gone. */
function rssMiB(pid: number): number | null {
  const kb = processRssKiB(pid)
  return kb === null ? null : Math.round((kb / 1024) * 10) / 10
}

/** Samples RSS every `everyMs` until stop() is called; returns the samples (seconds since start, MiB). */
export function sampleRss(pid: number, everyMs: number): { stop(): Array<{ t: number; mib: number }> } {
  const started = Date.now()
  const samples: Array<{ t: number; mib: number }> = []
  const take = () => {
    const mib = rssMiB(pid)
    if (mib !== null) samples.push({ t: Math.round((Date.now() - started) / 100) / 10, mib })
  }
  take()
  const timer = setInterval(take, everyMs)
  return {
    stop: () => {
      clearInterval(timer)
      take()
      return samples
    },
  }
}
