// What TLS costs, per component, on the running cluster (issue 16: "the benchmark runs on the new lab
// and states what TLS costs, per component"). TLS cannot be switched off there — every link is TLS,
// and plain connections are refused — so it is measured where it is spent: perf samples the whole
// machine's CPU (cpu-clock, every process) during a fixed-rate step of a benchmark scenario, and each
// sample goes to its component by thread name and to one of three kinds of code by object and symbol:
//   - TLS: what only TLS does here — libssl; the TLS protocol code linked into Node and HAProxy
//     (SSL_*, tls_*, ssl3_*, TLSWrap, ssl_sock_*), PostgreSQL's be_tls_* and Redis's connTLS*; the
//     record ciphers (AES-GCM, ChaCha20-Poly1305) and the handshake's key exchange and signatures
//     (P-256, X25519, RSA, ECDSA, bignums); in the Go programs (k6, etcd, Prometheus, the
//     exporters) crypto/tls and the same ciphers and curves;
//   - crypto shared with the service: hashes, HMAC, random numbers, OpenSSL's generic plumbing
//     (EVP_*, ossl_*, ...). TLS uses them, and so does the app (JWT HMAC, hashes, UUIDs) and
//     PostgreSQL (gen_random_uuid): without call stacks (Debian's libraries keep no frame pointers)
//     they cannot be split, so they are shown apart: TLS costs at least the first figure and at
//     most the sum of both. Debian's libcrypto keeps its internal symbols (the AES-GCM assembly
//     among them) out of its symbol table, so most of its samples show as bare addresses and land
//     here — except in HAProxy and Redis, which use OpenSSL for TLS alone (HAProxy's UUIDs and
//     Redis's SHA-1 and SipHash are their own code): there all of libcrypto is TLS;
//   - the rest. Kernel time never counts as either (socket copies and TCP would be there without TLS
//     too, only fewer bytes).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export const PERF_HZ = 499

export interface PerfRow {
  comm: string
  dso: string
  sym: string
  /** The sample was taken in the kernel ([k]). */
  kernel: boolean
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
    // "[.] name" (user space) or "[k] name" (kernel, its modules included).
    const symCell = cells.slice(4).join('|')
    rows.push({ comm: cells[2]!, dso: cells[3]!, sym: symCell.replace(/^\[[.k]\]\s*/, ''), kernel: symCell.startsWith('[k]'), samples })
  }
  return rows
}

/** The component a thread belongs to. Threads carry their own names (cut to 15 characters). */
export function componentOfThread(comm: string): string {
  if (comm === 'swapper') return 'idle'
  if (comm === 'k6') return 'k6'
  if (comm === 'MainThread' || comm === 'node' || /^(V8|libuv|node)/i.test(comm)) return 'node'
  if (comm === 'postgres' || comm === 'pgbench') return 'postgres'
  if (comm === 'haproxy') return 'haproxy'
  if (comm === 'etcd') return 'etcd'
  if (comm === 'patroni') return 'patroni'
  // Redis's background and I/O threads.
  if (comm.startsWith('redis') || /^(bio_|io_thd_)/.test(comm)) return 'redis'
  // prometheus-postgres-exporter, prometheus-redis-exporter: "prometheus-post", "prometheus-redi".
  if (/^prometheus-/.test(comm) || /export/.test(comm)) return 'exporters'
  if (comm === 'prometheus') return 'prometheus'
  if (comm === 'keepalived') return 'keepalived'
  return 'other'
}

export type CodeKind = 'tls' | 'crypto' | 'none'

const TLS_LIBRARY = /^libssl\.so/
const CRYPTO_LIBRARY = /^libcrypto\.so/
/** Objects whose own symbols may hold OpenSSL or TLS glue (statically linked, or the program's own). */
const C_PROGRAMS = /^(node|haproxy|postgres|redis-server|redis-check-rdb|redis-sentinel)$/
const TLS_PROTOCOL = /^_*(SSL|ssl3|ssl|tls1|tls13|tls|dtls1|be_tls|pgtls)_|^node::crypto::(TLSWrap|SecureContext)::|^connTLS/
const TLS_CIPHERS_AND_KEYS =
  /^_*(aesni_gcm|aes_gcm|gcm_|GCM|aesni_ctr32_ghash|ChaCha20|chacha20|Poly1305|poly1305|ecp_nistz256|ecp_nistp|x25519|X25519|ecx_|ossl_ecx|ECDSA|ecdsa|ECDH|ecdh|ossl_ec_|EC_POINT|EC_KEY|RSA|rsa_|rsaz|ossl_rsa|bn_|BN_)/
const OPENSSL_SHARED =
  /^_*(OPENSSL|OSSL|ossl|EVP|evp|ERR|CRYPTO|sha1|sha256|sha512|SHA1|SHA256|SHA512|HMAC|hmac|RAND|rand_|drbg|aesni|aes|AES|OBJ|ASN1|asn1|X509|x509|PEM|BIO|bio_|md5|MD5|KDF|kdf|WPACKET|PACKET|d2i|i2d|pkey|EVP)|^(ncrypto|node::crypto)::/
const GO_TLS =
  /^(crypto\/(tls|aes|cipher|ecdh|ecdsa|ed25519|rsa|elliptic|x509)[./]|crypto\/internal\/(fips140\/)?(aes|nistec|bigmod|ecdh|ecdsa|rsa|edwards25519|mlkem)|(vendor\/)?golang\.org\/x\/crypto\/(chacha20|poly1305|curve25519|cryptobyte)|math\/big\.)/
const GO_SHARED = /^(crypto\/|(vendor\/)?golang\.org\/x\/crypto\/)/

/** Components that call OpenSSL for TLS and nothing else (see the header). */
const TLS_ONLY_CRYPTO_USERS = new Set(['haproxy', 'redis'])

/** Which kind of code a sample lies in (see the header). */
export function codeKind(row: Pick<PerfRow, 'comm' | 'dso' | 'sym' | 'kernel'>): CodeKind {
  const { dso, sym } = row
  if (row.kernel || dso.startsWith('[')) return 'none'
  if (TLS_LIBRARY.test(dso)) return 'tls'
  if (CRYPTO_LIBRARY.test(dso) && TLS_ONLY_CRYPTO_USERS.has(componentOfThread(row.comm))) return 'tls'
  if (GO_TLS.test(sym)) return 'tls'
  if (GO_SHARED.test(sym)) return 'crypto'
  if (CRYPTO_LIBRARY.test(dso) || C_PROGRAMS.test(dso)) {
    if (TLS_PROTOCOL.test(sym) || TLS_CIPHERS_AND_KEYS.test(sym)) return 'tls'
    if (CRYPTO_LIBRARY.test(dso) || OPENSSL_SHARED.test(sym)) return 'crypto'
  }
  return 'none'
}

export interface TlsCostRow {
  component: string
  samples: number
  tlsSamples: number
  /** Hashes, HMAC, random numbers, OpenSSL plumbing: TLS's or the service's (see the header). */
  sharedCryptoSamples: number
  /** CPU per answered request, all of the component's samples. */
  cpuMsPerRequest: number
  tlsMsPerRequest: number
  sharedCryptoMsPerRequest: number
  /**
   * TLS CPU per second of the step, ms: what stays level across steps at different rates is
   * background (health checks' handshakes, scrapes), not the requests'.
   */
  tlsMsPerSecond: number
  /** TLS's share of the component's own CPU (at least), and with the shared crypto (at most). */
  tlsShare: number
  tlsShareAtMost: number
  /**
   * Share of the component's samples in its own code that perf could not name (a stripped binary:
   * Debian's etcd, Prometheus and exporters keep no symbol table). Above half, its TLS is unknown,
   * not zero.
   */
  unresolvedShare: number
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
  /**
   * The cluster's components together, per request: every row but the load generator (k6, whose
   * TLS is the client's) and "other" (perf, the bench runner, anything else on the machine).
   */
  tlsMsPerRequest: number
  sharedCryptoMsPerRequest: number
  cpuMsPerRequest: number
}

/** Rows that are not the cluster: shown, never added to its totals. */
export const NOT_THE_CLUSTER = new Set(['k6', 'other'])

export function tlsCost(rows: PerfRow[], requests: number, hz: number, seconds: number): TlsCost {
  const by = new Map<string, { samples: number; tls: number; shared: number; unresolved: number; user: number; syms: Map<string, number> }>()
  let total = 0
  for (const r of rows) {
    total += r.samples
    const c = componentOfThread(r.comm)
    const entry = by.get(c) ?? { samples: 0, tls: 0, shared: 0, unresolved: 0, user: 0, syms: new Map() }
    entry.samples += r.samples
    const kind = codeKind(r)
    // The program's own code (not the kernel, not a TLS library): named by perf, or not.
    if (!r.kernel && !r.dso.startsWith('[') && !TLS_LIBRARY.test(r.dso) && !CRYPTO_LIBRARY.test(r.dso)) {
      entry.user += r.samples
      if (/^0x[0-9a-f]+$/i.test(r.sym)) entry.unresolved += r.samples
    }
    if (kind === 'tls') {
      entry.tls += r.samples
      entry.syms.set(r.sym, (entry.syms.get(r.sym) ?? 0) + r.samples)
    } else if (kind === 'crypto') entry.shared += r.samples
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
      sharedCryptoSamples: e.shared,
      cpuMsPerRequest: perRequest(e.samples),
      tlsMsPerRequest: perRequest(e.tls),
      sharedCryptoMsPerRequest: perRequest(e.shared),
      tlsMsPerSecond: seconds > 0 ? (e.tls * msPerSample) / seconds : NaN,
      tlsShare: e.samples > 0 ? e.tls / e.samples : 0,
      tlsShareAtMost: e.samples > 0 ? (e.tls + e.shared) / e.samples : 0,
      unresolvedShare: e.user > 0 ? e.unresolved / e.user : 0,
      topTls: [...e.syms.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([sym, samples]) => ({ sym, samples })),
    }))
    .sort((a, b) => b.tlsSamples - a.tlsSamples || b.samples - a.samples)
  const cluster = out.filter((r) => !NOT_THE_CLUSTER.has(r.component))
  const sum = (f: (r: TlsCostRow) => number) => cluster.reduce((s, r) => s + f(r), 0)
  return {
    hz,
    seconds,
    requests,
    samples: total,
    idleShare: total > 0 ? (by.get('idle')?.samples ?? 0) / total : 0,
    rows: out,
    tlsMsPerRequest: perRequest(sum((r) => r.tlsSamples)),
    sharedCryptoMsPerRequest: perRequest(sum((r) => r.sharedCryptoSamples)),
    cpuMsPerRequest: perRequest(sum((r) => r.samples)),
  }
}

/** perf on PATH (Debian's linux-perf, installed by `npm run up`), or a clear refusal. */
export function perfCommand(): string {
  for (const p of ['/usr/bin/perf', '/usr/sbin/perf']) if (existsSync(p)) return p
  throw new Error('perf is not installed: `npm run up` installs linux-perf (infra/launcher/commands/prerequisites-install.ts)')
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

/** Every recorded tls-cost run of a folder, newest first (ids sort by their UTC stamp); smoke runs never count. */
export function tlsCostRuns(dir: string): Array<{ file: string; run: TlsCostRecord }> {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((x) => x.endsWith('-tls-cost.json'))
    .sort()
    .reverse()
    .map((file) => ({ file, run: JSON.parse(readFileSync(join(dir, file), 'utf8')) as TlsCostRecord }))
    .filter((r) => r.run.mode === 'tls-cost')
}

export function latestTlsCost(dir: string): { file: string; run: TlsCostRecord } | null {
  return tlsCostRuns(dir)[0] ?? null
}

/** One line per earlier run: the same steps' totals, so the spread between runs is on the page. */
export function earlierTlsCostLines(runs: Array<{ file: string; run: TlsCostRecord }>, runsRel: string): string[] {
  if (runs.length === 0) return []
  return [
    'Earlier runs of the same steps (the cluster\'s CPU and TLS per request, ms), to show the spread between runs on this shared machine:',
    '',
    ...runs.map(({ file, run }) =>
      `- [\`${run.id}\`](${runsRel}/${file}) (commit ${run.record.commit.sha.slice(0, 10)}): ` +
      run.steps.map((st) => `${st.scenario} ${f2(st.cost.cpuMsPerRequest)} CPU, TLS ${f2(st.cost.tlsMsPerRequest)}–${f2(st.cost.tlsMsPerRequest + st.cost.sharedCryptoMsPerRequest)}`).join('; '),
    ),
    '',
  ]
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
      'and counts as **TLS** when it lies in code only TLS runs here (libssl, the TLS protocol code in Node, HAProxy, PostgreSQL and Redis, the record ciphers AES-GCM and ChaCha20-Poly1305, ' +
      'the handshake\'s curves, RSA and bignums; Go\'s crypto/tls and the same ciphers in k6, etcd, Prometheus and the exporters), or as **shared crypto** when it lies in hashes, HMAC, random numbers ' +
      'or OpenSSL\'s plumbing, which the service uses too (JWT HMAC, hashes, UUIDs): TLS costs at least the first and at most the sum (loadtests/bench/tls-cost.ts). ' +
      'Debian\'s libcrypto keeps its internal symbols (the AES-GCM assembly among them) out of its symbol table, so most of its samples are bare addresses and count as shared — ' +
      'except in HAProxy and Redis, which use OpenSSL for TLS alone: there all of libcrypto counts as TLS. ' +
      'Kernel time is neither. Per request means per request the step answered; background work (health checks, scrapes, Patroni\'s loop, replication) is spread over them. ' +
      'The totals are the cluster\'s: k6 (the client\'s own TLS) and "other" (perf, the bench runner) are shown, not added. ' +
      'TLS ms per second that stays level from step to step while the rate changes is background (health checks open TLS connections every second), not the requests\' cost. ' +
      'Where perf could not name most of a component\'s own code (Debian ships etcd, Prometheus and the exporters as stripped Go binaries), its TLS is shown as unknown, not as zero: its whole CPU is then the bound, ' +
      'and the cluster\'s TLS totals below leave those components out (their CPU is in the CPU total and in their rows).',
    '',
  ]
  for (const s of run.steps) {
    const c = s.cost
    out.push(
      `**${s.scenario}** at ${s.rate} arrivals/s: ${Math.round(s.reqPerS)} req/s answered, p99 ${s.p99Ms.toFixed(1)} ms, ${pct(s.failedRate)} failed; ` +
        `${c.seconds} s sampled, the machine ${pct(c.idleShare)} idle. The cluster: ${f2(c.cpuMsPerRequest)} ms CPU per request, of which TLS ${f2(c.tlsMsPerRequest)} ms ` +
        `(${pct(c.cpuMsPerRequest > 0 ? c.tlsMsPerRequest / c.cpuMsPerRequest : 0)}) and shared crypto ${f2(c.sharedCryptoMsPerRequest)} ms.`,
      '',
      '| component | CPU ms / request | TLS ms / request | shared crypto ms / request | TLS ms / second | TLS share of the component (at most) | own code unnamed | busiest TLS code |',
      '|:---|---:|---:|---:|---:|---:|---:|:---|',
      ...c.rows
        .filter((row) => row.samples >= 5)
        .map((row) => {
          const unknown = (row.unresolvedShare ?? 0) > 0.5
          const tls = (v: string) => (unknown ? 'unknown' : v)
          return (
            `| ${row.component}${NOT_THE_CLUSTER.has(row.component) ? ' (not the cluster)' : ''} | ${f2(row.cpuMsPerRequest)} | ${tls(f2(row.tlsMsPerRequest))} | ${tls(f2(row.sharedCryptoMsPerRequest))} | ` +
            `${tls(row.tlsMsPerSecond === undefined ? '–' : f2(row.tlsMsPerSecond))} | ${tls(`${pct(row.tlsShare)} (${pct(row.tlsShareAtMost)})`)} | ${row.unresolvedShare === undefined ? '–' : pct(row.unresolvedShare)} | ` +
            `${row.topTls.slice(0, 3).map((t) => `\`${t.sym}\``).join(', ') || '–'} |`
          )
        }),
      '',
    )
  }
  return out
}
