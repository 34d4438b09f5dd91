// The database's own ceiling for single-row INSERTs with the same synchronous replication: pgbench
// through HAProxy's primary port into a scratch table, at a few client counts; per-transaction logs
// give the latency percentiles pgbench itself does not print.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const PGBENCH = process.env.PGBENCH || '/usr/lib/postgresql/15/bin/pgbench'

export interface PgbenchRun {
  clients: number
  tps: number
  transactions: number
  avgMs: number
  p50Ms: number
  p99Ms: number
  failed: number
}

export interface PgbenchCeiling {
  runs: PgbenchRun[]
  best: PgbenchRun | null
  version: string
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))] as number
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(PGBENCH, args, { env })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', (err) => resolve({ code: null, out: String(err) }))
    child.on('exit', (code) => resolve({ code, out }))
  })
}

async function pgbenchVersion(): Promise<string> {
  const r = await run(['--version'], process.env)
  return r.out.trim()
}

/** One pgbench run: `clients` connections inserting one row per transaction for `seconds`. */
async function pgbenchRun(databaseUrl: string, clients: number, seconds: number, dir: string): Promise<PgbenchRun> {
  const url = new URL(databaseUrl)
  const runDir = join(dir, `c${clients}`)
  mkdirSync(runDir, { recursive: true })
  const script = join(runDir, 'insert.sql')
  writeFileSync(script, "INSERT INTO bench.pgbench_rows (payload) VALUES ('{\"source\":\"pgbench\"}');\n")
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password), PGAPPNAME: 'bench-pgbench' }
  const r = await run(
    [
      '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username),
      '-n', '-f', script, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds),
      '-l', `--log-prefix=${join(runDir, 'tx')}`, url.pathname.slice(1),
    ],
    env,
  )
  writeFileSync(join(runDir, 'pgbench.out'), r.out)
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(r.out)?.[1] ?? NaN)
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(r.out)?.[1] ?? 0)
  const failed = Number(/number of failed transactions: (\d+)/.exec(r.out)?.[1] ?? 0)
  if (r.code !== 0 || !Number.isFinite(tps)) throw new Error(`pgbench -c ${clients} failed (exit ${r.code}): ${r.out.trim().split('\n').slice(-3).join(' | ')}`)
  // Log lines: client_id transaction_no time_us script_no time_epoch time_us_fraction.
  const latencies: number[] = []
  for (const f of readdirSync(runDir).filter((n) => n.startsWith('tx.'))) {
    for (const line of readFileSync(join(runDir, f), 'utf8').split('\n')) {
      const us = Number(line.split(' ')[2])
      if (Number.isFinite(us) && line) latencies.push(us / 1000)
    }
  }
  latencies.sort((a, b) => a - b)
  const avg = latencies.reduce((s, v) => s + v, 0) / Math.max(1, latencies.length)
  return { clients, tps, transactions, avgMs: avg, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), failed }
}

export async function pgbenchCeiling(databaseUrl: string, clientCounts: number[], seconds: number, dir: string): Promise<PgbenchCeiling> {
  const runs: PgbenchRun[] = []
  for (const c of clientCounts) runs.push(await pgbenchRun(databaseUrl, c, seconds, dir))
  const best = runs.reduce<PgbenchRun | null>((b, r) => (!b || r.tps > b.tps ? r : b), null)
  return { runs, best, version: await pgbenchVersion() }
}
