// Loaded with `node --import` into the extra app node the benchmark profiles (never into the cluster's
// nodes): counts the statements the app sends and times each wait for a pooled connection, then
// writes the totals to BENCH_PROBE_FILE when the process exits. SIGUSR2 marks the start of the
// measured phase: the counters restart, and the mark (monotonic µs, the clock of V8's --cpu-prof
// timestamps) lets the profile summary leave start-up and warm-up out.
import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import pg from 'pg'

const fresh = () => ({ statements: 0, connects: 0, waitMsTotal: 0, waitMsMax: 0, waitsOver1ms: 0, waitsOver10ms: 0, markUs: 0 })
let stats = fresh()
process.on('SIGUSR2', () => {
  stats = { ...fresh(), markUs: Number(process.hrtime.bigint() / 1000n) }
})

const query = pg.Client.prototype.query
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  stats.statements++
  return (query as (...a: unknown[]) => unknown).apply(this, args)
} as typeof query

const connect = pg.Pool.prototype.connect
pg.Pool.prototype.connect = function (this: pg.Pool, ...args: unknown[]) {
  // Callback form: pg-pool's own pool.query; the app's executor uses the promise form.
  if (args.length > 0) return (connect as (...a: unknown[]) => unknown).apply(this, args)
  const started = performance.now()
  return ((connect as (...a: unknown[]) => unknown).call(this) as Promise<pg.PoolClient>).then((client) => {
    const waited = performance.now() - started
    stats.connects++
    stats.waitMsTotal += waited
    stats.waitMsMax = Math.max(stats.waitMsMax, waited)
    if (waited > 1) stats.waitsOver1ms++
    if (waited > 10) stats.waitsOver10ms++
    return client
  })
} as typeof connect

process.on('exit', () => {
  if (process.env.BENCH_PROBE_FILE) writeFileSync(process.env.BENCH_PROBE_FILE, JSON.stringify(stats))
})
