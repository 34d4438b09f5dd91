// What TLS costs, per component, on the running cluster (issue 16: "the benchmark runs on the new lab
// and states what TLS costs, per component"). TLS cannot be switched off there — every link is TLS,
// and plain connections are refused — so it is measured where it is spent: perf samples the whole
// machine's CPU (cpu-clock, every process) during a fixed-rate step of a benchmark scenario, each
// sample goes to its component by process name (as cpu-by-component.ts) and counts as TLS when it
// falls in TLS code:
//   - libssl/libcrypto (HAProxy, PostgreSQL, Redis, Patroni's Python, keepalived: linked dynamically);
//   - OpenSSL linked into Node (its symbols: EVP_*, ossl_*, aesni_*, ...) and Node's TLS glue
//     (node::crypto::*, ncrypto::*);
//   - Go's crypto packages (k6, etcd, Prometheus, the exporters are Go: crypto/*, x/crypto/*).
// Kernel time on the same sockets (copies, TCP) is not TLS's and is not counted; neither is the
// extra bytes' cost outside the crypto code. The figure is therefore a floor of what TLS costs.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export const PERF_HZ = 499

export interface PerfRow {
  comm: string
  dso: string
  sym: string
  samples: number
}

/** `perf report --sort comm,dso,sym -n -t '|'`: one row per (thread name, object, symbol). */
export function parsePerfReport(text: string): PerfRow[] {
  const rows: PerfRow[] = []
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue
    const cells = line.split('|').map((c) => c.trim())
    if (cells.length < 5) continue
    const samples = Number(cells[1])
    if (!Number.isFinite(samples)) continue
    // "[.] name" (user space) or "[k] name" (kernel).
    rows.push({ comm: cells[2]!, dso: cells[3]!, sym: cells.slice(4).join('|').replace(/^\[[.k]\]\s*/, ''), samples })
  }
  return rows
}

/** The component a thread belongs to. Threads carry their own names: Node's helpers too. */
export function componentOfThread(comm: string): string {
  if (comm === 'swapper') return 'idle'
  if (comm === 'k6') return 'k6'
  if (comm === 'MainThread' || comm === 'node' || /^(V8|libuv|node)/i.test(comm)) return 'node'
  if (comm === 'postgres' || comm === 'pgbench') return 'postgres'
  if (comm === 'haproxy') return 'haproxy'
  if (comm === 'etcd') return 'etcd'
  if (comm === 'patroni') return 'patroni'
  if (comm.startsWith('redis')) return 'redis'
  if (comm === 'prometheus') return 'prometheus'
  if (/export/.test(comm)) return 'exporters'
  if (comm === 'keepalived') return 'keepalived'
  return 'other'
}

const TLS_LIBRARY = /^lib(ssl|crypto)\.so/
const GO_CRYPTO = /^(crypto\/|vendor\/golang\.org\/x\/crypto\/|golang\.org\/x\/crypto\/)/
// OpenSSL's own prefixes (C and its assembly), as linked into Node; HAProxy's ssl_sock_* glue.
const OPENSSL_SYMBOL =
  /^_*(OPENSSL|OSSL|ossl|EVP|evp|SSL|ssl|ssl3|tls|tls1|tls13|dtls1|BN|bn|ERR|CRYPTO|RSA|rsa|EC|ec|ecp|ECDSA|ecdsa|ECDH|ecdh|ecx|X25519|x25519|aesni|aes|AES|gcm|GCM|sha1|sha256|sha512|SHA1|SHA256|SHA512|HMAC|hmac|ChaCha20|chacha20|Poly1305|poly1305|OBJ|ASN1|asn1|X509|x509|PEM|BIO|bio|RAND|rand|DH|kdf|KDF)(_|$)/
const NODE_TLS_GLUE = /^(ncrypto::|node::crypto::)/

/** Whether a sample lies in TLS code (see the header: a floor, kernel time never counts). */
export function isTlsSample(dso: string, sym: string): boolean {
  if (dso.includes('kernel')) return false
  return TLS_LIBRARY.test(dso) || GO_CRYPTO.test(sym) || OPENSSL_SYMBOL.test(sym) || NODE_TLS_GLUE.test(sym)
}

export interface TlsCostRow {
  component: string
  samples: number
  tlsSamples: number
  /** CPU per answered request, all of the component's samples. */
  cpuMsPerRequest: number
  tlsMsPerRequest: number
  /** TLS's share of the component's own CPU. */
  tlsShare: number
  /** The component's busiest TLS symbols, for the reader to check the attribution. */
  topTls: Array<{ sym: string; samples: number }>
}

export interface TlsCost {
  hz: number
  seconds: number
  requests: number
  samples: number
  /** Share of all samples the kernel spent idle (swapper): the machine's unused CPU. */
  idleShare: number
  rows: TlsCostRow[]
  /** Every component's TLS together, per request. */
  tlsMsPerRequest: number
  cpuMsPerRequest: number
}

export function tlsCost(rows: PerfRow[], requests: number, hz: number, seconds: number): TlsCost {
  const by = new Map<string, { samples: number; tls: number; syms: Map<string, number> }>()
  let total = 0
  for (const r of rows) {
    total += r.samples
    const c = componentOfThread(r.comm)
    const entry = by.get(c) ?? { samples: 0, tls: 0, syms: new Map() }
    entry.samples += r.samples
    if (isTlsSample(r.dso, r.sym)) {
      entry.tls += r.samples
      entry.syms.set(r.sym, (entry.syms.get(r.sym) ?? 0) + r.samples)
    }
    by.set(c, entry)
  }
  const msPerSample = 1000 / hz
  const perRequest = (samples: number) => (requests > 0 ? (samples * msPerSample) / requests : NaN)
  const out: TlsCostRow[] = [...by.entries()]
    .filter(([c]) => c !== 'idle')
    .map(([component, e]) => ({
      component,
      samples: e.samples,
      tlsSamples: e.tls,
      cpuMsPerRequest: perRequest(e.samples),
      tlsMsPerRequest: perRequest(e.tls),
      tlsShare: e.samples > 0 ? e.tls / e.samples : 0,
      topTls: [...e.syms.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([sym, samples]) => ({ sym, samples })),
    }))
    .sort((a, b) => b.tlsSamples - a.tlsSamples || b.samples - a.samples)
  const busy = out.reduce((s, r) => s + r.samples, 0)
  const tls = out.reduce((s, r) => s + r.tlsSamples, 0)
  return {
    hz,
    seconds,
    requests,
    samples: total,
    idleShare: total > 0 ? (by.get('idle')?.samples ?? 0) / total : 0,
    rows: out,
    tlsMsPerRequest: perRequest(tls),
    cpuMsPerRequest: perRequest(busy),
  }
}

/** perf on PATH (Debian's linux-perf, installed by `npm run up`), or a clear refusal. */
export function perfCommand(): string {
  for (const p of ['/usr/bin/perf', '/usr/sbin/perf']) if (existsSync(p)) return p
  throw new Error('perf is not installed: `npm run up` installs linux-perf (infra/launcher/cluster.sh)')
}

/** Samples every CPU for `seconds` into `file`; resolves when perf has written it. */
export function recordPerf(file: string, seconds: number, hz = PERF_HZ): { done: Promise<void>; pid: number | undefined; stop: () => void } {
  const child = spawn(perfCommand(), ['record', '-e', 'cpu-clock', '-F', String(hz), '-a', '-q', '-o', file, '--', 'sleep', String(seconds)], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 && existsSync(file) ? resolve() : reject(new Error(`perf record exited ${code}: ${err.trim().slice(-400)}`))))
  })
  return { done, pid: child.pid, stop: () => child.kill('SIGINT') }
}

export function perfRows(file: string): PerfRow[] {
  const r = spawnSync(perfCommand(), ['report', '-i', file, '--stdio', '--sort', 'comm,dso,sym', '--no-children', '-n', '-t', '|'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`perf report: ${(r.stderr ?? '').trim().slice(-400)}`)
  return parsePerfReport(r.stdout)
}

// ---------------------------------------------------------------------------------------------
// The committed record and its section of docs/benchmarks.md.

export interface TlsCostStep {
  scenario: string
  rate: number
  reqPerS: number
  p99Ms: number
  failedRate: number
  cost: TlsCost
}

export interface TlsCostRecord {
  id: string
  mode: 'tls-cost' | 'smoke'
  startedAt: string
  finishedAt: string
  commandLine: string
  record: { commit: { sha: string; dirty: boolean }; layout?: { inventory: string; lab: string; hosts: number }; machine: { cpus: number; loadAverage: number[]; versions: Record<string, string> } }
  steps: TlsCostStep[]
}

export function latestTlsCost(dir: string): { file: string; run: TlsCostRecord } | null {
  if (!existsSync(dir)) return null
  for (const f of readdirSync(dir).filter((x) => x.endsWith('-tls-cost.json')).sort().reverse()) {
    const run = JSON.parse(readFileSync(join(dir, f), 'utf8')) as TlsCostRecord
    if (run.mode === 'tls-cost') return { file: f, run }
  }
  return null
}

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–')
const pct = (v: number) => `${(v * 100).toFixed(0)} %`

export function tlsCostSection(file: string, run: TlsCostRecord, runsRel: string): string[] {
  const r = run.record
  const out = [
    '## What TLS costs, per component',
    '',
    `From run [\`${run.id}\`](${runsRel}/${file}) (\`${run.commandLine}\`, ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit ${r.commit.sha.slice(0, 10)}${r.commit.dirty ? ' with uncommitted changes' : ''}` +
      `${r.layout ? `, ${r.layout.inventory} (${r.layout.lab}, ${r.layout.hosts} hosts)` : ''}, ${r.machine.cpus} CPUs, load ${r.machine.loadAverage.join(' / ')} at the start).`,
    '',
    'Every link of the cluster is TLS and plain connections are refused, so TLS is measured where it is spent rather than by switching it off: ' +
      `perf samples every CPU (${run.steps[0]?.cost.hz ?? PERF_HZ} Hz, cpu-clock) during a fixed-rate step of each scenario, each sample goes to its component by process name, ` +
      'and counts as TLS when it lies in TLS code — libssl/libcrypto, OpenSSL as linked into Node, Go\'s crypto packages (k6, etcd, Prometheus, the exporters), and the TLS glue of HAProxy and Node ' +
      '(loadtests/bench/tls-cost.ts). Kernel time on the same sockets is not counted: the figures are a floor. Per request means per request the step answered; ' +
      'background work (health checks, scrapes, Patroni\'s loop, replication) is spread over the same requests.',
    '',
  ]
  for (const s of run.steps) {
    const c = s.cost
    out.push(
      `**${s.scenario}** at ${s.rate} arrivals/s: ${Math.round(s.reqPerS)} req/s answered, p99 ${s.p99Ms.toFixed(1)} ms, ${pct(s.failedRate)} failed; ` +
        `${c.seconds} s sampled, the machine ${pct(c.idleShare)} idle. All components: ${f2(c.cpuMsPerRequest)} ms CPU per request, of which TLS ${f2(c.tlsMsPerRequest)} ms (${pct(c.cpuMsPerRequest > 0 ? c.tlsMsPerRequest / c.cpuMsPerRequest : 0)}).`,
      '',
      '| component | CPU ms / request | TLS ms / request | TLS share of the component | busiest TLS code |',
      '|:---|---:|---:|---:|:---|',
      ...c.rows
        .filter((row) => row.samples >= 5)
        .map((row) => `| ${row.component} | ${f2(row.cpuMsPerRequest)} | ${f2(row.tlsMsPerRequest)} | ${pct(row.tlsShare)} | ${row.topTls.slice(0, 3).map((t) => `\`${t.sym}\``).join(', ') || '–'} |`),
      '',
    )
  }
  return out
}
