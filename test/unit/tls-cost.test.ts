// The TLS attribution of loadtests/bench/tls-cost.ts: perf's report parsed, each sample put to its
// component and to TLS only when it lies in TLS code, and the per-request arithmetic.
import t from 'tap'
import { componentOfThread, isTlsSample, parsePerfReport, tlsCost } from '../../loadtests/bench/tls-cost.ts'

const REPORT = `# Samples: 1K of event 'cpu-clock'
#
 50.00% | 500        |swapper        |[kernel.kallsyms]        |[k] pv_native_safe_halt
 10.00% | 100        |haproxy        |libcrypto.so.3           |[.] aesni_gcm_encrypt
 10.00% | 100        |haproxy        |haproxy                  |[.] process_stream
  5.00% | 50         |MainThread     |node                     |[.] aesni_ctr32_encrypt_blocks
  5.00% | 50         |MainThread     |node                     |[.] Builtins_LoadIC
  5.00% | 50         |MainThread     |[kernel.kallsyms]        |[k] tcp_sendmsg
  5.00% | 50         |k6             |k6                       |[.] crypto/internal/fips140/aes/gcm.gcmAesEnc
  5.00% | 50         |postgres       |postgres                 |[.] ExecScan
  3.00% | 30         |postgres       |libssl.so.3              |[.] SSL_read
  2.00% | 20         |V8Worker       |node                     |[.] node::crypto::TLSWrap::ClearOut
`

t.test('perf report rows are parsed, the [.] / [k] marker dropped', async (t) => {
  const rows = parsePerfReport(REPORT)
  t.equal(rows.length, 10)
  t.same(rows[1], { comm: 'haproxy', dso: 'libcrypto.so.3', sym: 'aesni_gcm_encrypt', samples: 100 })
  t.equal(rows[0]!.sym, 'pv_native_safe_halt')
})

t.test('TLS code: the libraries, OpenSSL in Node, Go crypto, the glue; never the kernel or other code', async (t) => {
  t.ok(isTlsSample('libcrypto.so.3', 'anything'))
  t.ok(isTlsSample('libssl.so.3', 'SSL_read'))
  t.ok(isTlsSample('node', 'aesni_ctr32_encrypt_blocks'))
  t.ok(isTlsSample('node', '__ecp_nistz256_sqr_montx'))
  t.ok(isTlsSample('node', 'node::crypto::TLSWrap::ClearOut'))
  t.ok(isTlsSample('k6', 'crypto/tls.(*Conn).Read'))
  t.ok(isTlsSample('etcd', 'vendor/golang.org/x/crypto/chacha20poly1305.(*chacha20poly1305).seal'))
  t.ok(isTlsSample('haproxy', 'ssl_sock_from_buf'))
  t.notOk(isTlsSample('[kernel.kallsyms]', 'tls_sw_sendmsg'), 'kernel time is never TLS here')
  t.notOk(isTlsSample('node', 'Builtins_LoadIC'))
  t.notOk(isTlsSample('postgres', 'ExecScan'))
  t.notOk(isTlsSample('k6', 'runtime.mallocgc'))
  t.notOk(isTlsSample('python3.11', '_PyEval_EvalFrameDefault'))
})

t.test('threads go to their process: Node helpers to node, the idle loop apart', async (t) => {
  t.equal(componentOfThread('MainThread'), 'node')
  t.equal(componentOfThread('V8Worker'), 'node')
  t.equal(componentOfThread('libuv-worker'), 'node')
  t.equal(componentOfThread('swapper'), 'idle')
  t.equal(componentOfThread('redis-server'), 'redis')
  t.equal(componentOfThread('postgres_export'), 'exporters')
})

t.test('per request: samples × 1000/Hz over the answered requests; idle is the machine, not a component', async (t) => {
  const cost = tlsCost(parsePerfReport(REPORT), 100, 100, 5)
  t.equal(cost.samples, 1000)
  t.equal(cost.idleShare, 0.5)
  t.notOk(cost.rows.some((r) => r.component === 'idle'))
  const haproxy = cost.rows.find((r) => r.component === 'haproxy')!
  // 100 TLS samples at 100 Hz = 1 s of CPU over 100 requests = 10 ms each.
  t.equal(haproxy.tlsMsPerRequest, 10)
  t.equal(haproxy.cpuMsPerRequest, 20)
  t.equal(haproxy.tlsShare, 0.5)
  const node = cost.rows.find((r) => r.component === 'node')!
  t.equal(node.samples, 170)
  t.equal(node.tlsSamples, 70, 'OpenSSL in node and the TLSWrap glue; not V8, not the kernel')
  t.same(node.topTls.map((s) => s.sym), ['aesni_ctr32_encrypt_blocks', 'node::crypto::TLSWrap::ClearOut'])
  t.equal(cost.rows[0]!.component, 'haproxy', 'the largest TLS spender first')
  t.equal(cost.tlsMsPerRequest, 25) // (100 + 70 + 50 + 30) samples × 10 ms / 100
  t.equal(cost.cpuMsPerRequest, 50)
})
