// The TLS attribution of loadtests/bench/tls-cost.ts: perf's report parsed, each sample put to its
// component and to TLS only when it lies in TLS code, and the per-request arithmetic.
import t from 'tap'
import { codeKind, componentOfThread, parsePerfReport, tlsCost } from '../../loadtests/bench/tls-cost.ts'

const REPORT = `# Samples: 1K of event 'cpu-clock'
#
 50.00% | 500        |swapper        |[kernel.kallsyms]        |[k] pv_native_safe_halt
 10.00% | 100        |haproxy        |libcrypto.so.3           |[.] aesni_gcm_encrypt
 10.00% | 100        |haproxy        |haproxy                  |[.] process_stream
  5.00% | 50         |MainThread     |node                     |[.] aesni_gcm_encrypt
  5.00% | 50         |MainThread     |node                     |[.] Builtins_LoadIC
  5.00% | 50         |MainThread     |[kernel.kallsyms]        |[k] tcp_sendmsg
  5.00% | 50         |k6             |k6                       |[.] crypto/internal/fips140/aes/gcm.gcmAesEnc
  5.00% | 50         |postgres       |postgres                 |[.] ExecScan
  3.00% | 30         |postgres       |libssl.so.3              |[.] SSL_read
  2.00% | 20         |V8Worker       |node                     |[.] node::crypto::TLSWrap::ClearOut
  1.00% | 10         |MainThread     |node                     |[.] HMAC_Update
  4.00% | 40         |perf           |perf                     |[.] hpp__sort_overhead
  3.00% | 30         |etcd           |etcd                     |[.] 0x000000000004efac
  1.00% | 10         |etcd           |[kernel.kallsyms]        |[k] finish_task_switch
`

t.test('perf report rows are parsed, the [.] / [k] marker dropped', async (t) => {
  const rows = parsePerfReport(REPORT)
  t.equal(rows.length, 14)
  t.same(rows[1], { comm: 'haproxy', dso: 'libcrypto.so.3', sym: 'aesni_gcm_encrypt', kernel: false, samples: 100 })
  t.equal(rows[0]!.sym, 'pv_native_safe_halt')
  t.equal(rows[0]!.kernel, true)
})

t.test('TLS code, shared crypto, the rest: by object and symbol, never the kernel', async (t) => {
  const kind = (dso: string, sym: string, kernel = false, comm = 'MainThread') => codeKind({ comm, dso, sym, kernel })
  // Only TLS runs these here.
  t.equal(kind('libssl.so.3', 'SSL_read'), 'tls')
  t.equal(kind('libcrypto.so.3', 'aesni_gcm_encrypt'), 'tls')
  // HAProxy and Redis call OpenSSL for TLS alone: libcrypto's bare addresses are TLS there, not in postgres.
  t.equal(kind('libcrypto.so.3', '0x0000000000045771', false, 'haproxy'), 'tls')
  t.equal(kind('libcrypto.so.3', '0x0000000000045771', false, 'redis-server'), 'tls')
  t.equal(kind('libcrypto.so.3', '0x0000000000045771', false, 'postgres'), 'crypto')
  t.equal(kind('node', '__ecp_nistz256_sqr_montx'), 'tls')
  t.equal(kind('node', 'node::crypto::TLSWrap::ClearOut'), 'tls')
  t.equal(kind('node', 'tls_process_server_hello'), 'tls')
  t.equal(kind('haproxy', 'ssl_sock_from_buf'), 'tls')
  t.equal(kind('postgres', 'be_tls_read'), 'tls')
  t.equal(kind('k6', 'crypto/tls.(*Conn).Read'), 'tls')
  t.equal(kind('k6', 'crypto/internal/fips140/aes/gcm.gcmAesEnc'), 'tls')
  t.equal(kind('etcd', 'vendor/golang.org/x/crypto/chacha20poly1305.(*chacha20poly1305).seal'), 'tls')
  // The service uses these too (JWT HMAC, hashes, UUIDs; gen_random_uuid): shared, shown apart.
  t.equal(kind('node', 'sha256_block_data_order_avx2'), 'crypto')
  t.equal(kind('node', 'HMAC_Update'), 'crypto')
  t.equal(kind('node', 'ncrypto::CSPRNG'), 'crypto')
  t.equal(kind('node', 'aesni_ctr32_encrypt_blocks'), 'crypto', 'AES-CTR: the random generator uses it as well as TLS')
  t.equal(kind('libcrypto.so.3', 'RAND_bytes'), 'crypto')
  t.equal(kind('libcrypto.so.3', '0x00000000001234'), 'crypto')
  t.equal(kind('prometheus', 'crypto/internal/fips140/sha256.blockAVX2'), 'crypto')
  // Neither: the kernel (its TLS and AES modules included), and look-alikes outside OpenSSL.
  t.equal(kind('[kernel.kallsyms]', 'tls_sw_sendmsg', true), 'none')
  t.equal(kind('[aesni_intel]', 'aesni_xts_encrypt', true), 'none')
  t.equal(kind('libc.so.6', '__tls_get_addr'), 'none')
  t.equal(kind('libc.so.6', 'rand_r'), 'none')
  t.equal(kind('postgres', 'ec_member_matches_indexcol'), 'none')
  t.equal(kind('postgres', 'ExecScan'), 'none')
  t.equal(kind('python3.11', '_sha1_sha1_update'), 'none')
  t.equal(kind('node', 'Builtins_LoadIC'), 'none')
  t.equal(kind('k6', 'runtime.mallocgc'), 'none')
})

t.test('threads go to their process: Node helpers to node, the idle loop apart', async (t) => {
  t.equal(componentOfThread('MainThread'), 'node')
  t.equal(componentOfThread('V8Worker'), 'node')
  t.equal(componentOfThread('libuv-worker'), 'node')
  t.equal(componentOfThread('swapper'), 'idle')
  t.equal(componentOfThread('redis-server'), 'redis')
  t.equal(componentOfThread('prometheus-post'), 'exporters', 'prometheus-postgres-exporter, cut to 15 characters')
  t.equal(componentOfThread('prometheus-redi'), 'exporters')
  t.equal(componentOfThread('prometheus'), 'prometheus')
  t.equal(componentOfThread('bio_aof'), 'redis')
})

t.test('per request: samples × 1000/Hz over the answered requests; idle, k6 and other are not the cluster', async (t) => {
  const cost = tlsCost(parsePerfReport(REPORT), 100, 100, 5)
  t.equal(cost.samples, 1090)
  t.equal(cost.idleShare, 500 / 1090)
  const etcd = cost.rows.find((r) => r.component === 'etcd')!
  t.equal(etcd.unresolvedShare, 1, 'a stripped binary: its own code unnamed, its TLS unknown')
  t.equal(cost.rows.find((r) => r.component === 'node')!.unresolvedShare, 0)
  t.notOk(cost.rows.some((r) => r.component === 'idle'))
  const haproxy = cost.rows.find((r) => r.component === 'haproxy')!
  // 100 TLS samples at 100 Hz = 1 s of CPU over 100 requests = 10 ms each.
  t.equal(haproxy.tlsMsPerRequest, 10)
  t.equal(haproxy.cpuMsPerRequest, 20)
  t.equal(haproxy.tlsShare, 0.5)
  t.equal(haproxy.tlsMsPerSecond, 200, '100 samples at 100 Hz over 5 s: 200 ms of TLS a second')
  const node = cost.rows.find((r) => r.component === 'node')!
  t.equal(node.samples, 180)
  t.equal(node.tlsSamples, 70, 'OpenSSL\'s GCM in node and the TLSWrap glue; not V8, not the kernel')
  t.equal(node.sharedCryptoSamples, 10, 'HMAC: the JWT check as much as TLS')
  t.equal(node.tlsShareAtMost, 80 / 180)
  t.same(node.topTls.map((s) => s.sym), ['aesni_gcm_encrypt', 'node::crypto::TLSWrap::ClearOut'])
  t.equal(cost.rows[0]!.component, 'haproxy', 'the largest TLS spender first')
  // The cluster: haproxy 200 + node 180 + postgres 80 + etcd 40 samples; k6 (50, all TLS) and perf (other, 40) left out.
  t.equal(cost.cpuMsPerRequest, 50)
  t.equal(cost.tlsMsPerRequest, 20) // (100 haproxy + 70 node + 30 postgres) × 10 ms / 100
  t.equal(cost.sharedCryptoMsPerRequest, 1)
  t.ok(cost.rows.some((r) => r.component === 'k6' && r.tlsSamples === 50), 'k6 shown with its own TLS')
})
