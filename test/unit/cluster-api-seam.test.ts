// One front door per wing (issue 16, item 6): chaos drills, load tests and the tests outside
// test/unit reach the cluster through infra/launcher/cluster-api.ts only, and behind that door each
// way of talking to the cluster exists once: one HAProxy client, one Patroni client, one reader of
// /proc. This test reads the files as text and fails naming file and rule; each rule is first shown
// to catch a planted violation. Unit tests of an infra module import that module, and
// test/bootstrap prepares the machine: both stay outside the import rule.
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import ts from 'typescript'

const ROOT = resolve(import.meta.dirname, '../..')
const CLUSTER_API = 'infra/launcher/cluster-api.ts'
const SELF = relative(ROOT, import.meta.filename)

function codeFiles(dir: string, skip: string[] = []): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name)
    if (skip.includes(path) || name === 'node_modules') return []
    if (statSync(join(ROOT, path)).isDirectory()) return codeFiles(path, skip)
    return /\.(ts|js|mjs|cjs)$/.test(name) ? [path] : []
  })
}

interface Violation {
  file: string
  rule: string
  detail: string
}

/** Imports, `export … from` and `import()` of infra/ other than the cluster API. */
function importViolations(file: string, text: string): Violation[] {
  return ts.preProcessFile(text, true, true).importedFiles.flatMap(({ fileName }) => {
    if (!fileName.startsWith('.')) return []
    const target = relative(ROOT, resolve(ROOT, file, '..', fileName))
    return target.startsWith('infra/') && target !== CLUSTER_API ? [{ file, rule: `imports infra/ only through ${CLUSTER_API}`, detail: fileName }] : []
  })
}

interface TextRule {
  rule: string
  /** The files allowed to do it. */
  home: string[]
  patterns: RegExp[]
}

const TEXT_RULES: TextRule[] = [
  {
    // The renderer declares the socket (haproxySocketPath), the client is what connects to it.
    rule: "only haproxy-client.ts talks to HAProxy's runtime socket",
    home: ['infra/launcher/render/haproxy-config.ts', 'infra/launcher/haproxy-client.ts'],
    patterns: [/haproxySocketPath\(/],
  },
  {
    rule: 'only the HAProxy renderer names the socket file',
    home: ['infra/launcher/render/haproxy-config.ts'],
    patterns: [/haproxy\.sock\b/],
  },
  {
    rule: "only haproxy-client.ts builds the stats page's URLs",
    home: ['infra/launcher/haproxy-client.ts'],
    patterns: [/httpsUrl\([^()]*,\s*['"`]stats['"`]/, /;csv\b/],
  },
  {
    // A Patroni REST URL, by the inventory's helper or by hand, and the leader key Patroni keeps in etcd.
    rule: 'only patroni-client.ts builds a Patroni REST URL or reads the leader key',
    home: ['infra/launcher/patroni-client.ts'],
    patterns: [/httpsUrl\([^()]*,\s*['"`]patroni['"`]/, /https:\/\/[^`'"\n]*ports\.patroni\b/, /\/service\/\$\{[^}]*\}\/leader\b/],
  },
  {
    // /proc/<pid>/ns/net (and /proc/self/ns/net) are namespace paths handed to nsenter or stat'ed
    // for the namespace's inode, not reads of a process: those stay allowed.
    rule: 'only host-processes.ts reads /proc for processes',
    home: ['infra/launcher/host-processes.ts'],
    patterns: [/\breaddir(?:Sync)?\(\s*['"`]\/proc\/?['"`]/, /\/proc\/(?:\$\{[^}]*\}|\d+|self)(?!\/ns\/net)(?=[/'"`])/],
  },
]

function textViolations(file: string, text: string): Violation[] {
  return TEXT_RULES.flatMap(({ rule, home, patterns }) => {
    if (home.includes(file)) return []
    return patterns.flatMap((p) => {
      const m = p.exec(text)
      return m ? [{ file, rule, detail: `${m[0]} (line ${text.slice(0, m.index).split('\n').length})` }] : []
    })
  })
}

t.test('each rule catches a planted violation', async (t) => {
  t.match(importViolations('chaos/drills/x.ts', "import { hostsWithRole } from '../../infra/launcher/inventory.ts'"), [{ rule: /through/, detail: '../../infra/launcher/inventory.ts' }])
  t.match(importViolations('test/cluster/x.test.ts', "import type { BackupRun } from '../../infra/backup/repository.ts'"), [{ rule: /through/ }])
  t.match(importViolations('loadtests/bench/x.ts', "export { sleep } from '../../infra/launcher/process-control.ts'"), [{ rule: /through/ }])
  t.match(importViolations('test/x.ts', "const m = await import('../infra/launcher/lab/lab-network.ts')"), [{ rule: /through/ }])
  t.same(importViolations('chaos/drills/x.ts', "import { endpoints } from '../../infra/launcher/cluster-api.ts'\nimport { t } from './y.ts'"), [])

  const planted = (file: string, text: string) => textViolations(file, text).map((v) => v.rule)
  t.same(planted('infra/launcher/tls/x.ts', 'createConnection({ path: haproxySocketPath(inv, lb) })'), ["only haproxy-client.ts talks to HAProxy's runtime socket"])
  t.same(planted('infra/launcher/x.ts', 'const socket = `${runDir(inv, host)}/haproxy.sock`'), ['only the HAProxy renderer names the socket file'])
  t.same(planted('chaos/cluster/x.ts', "clusterRequest(inv, httpsUrl(lb, 'stats', '/stats'))"), ["only haproxy-client.ts builds the stats page's URLs"])
  t.same(planted('test/cluster/x.test.ts', 'const csv = `${haproxyStatsUrl(lb)};csv`'), ["only haproxy-client.ts builds the stats page's URLs"])
  t.same(planted('infra/launcher/x.ts', "clusterJson(inv, httpsUrl(h, 'patroni', '/cluster'))"), ['only patroni-client.ts builds a Patroni REST URL or reads the leader key'])
  t.same(planted('test/cluster/x.test.ts', 'get(`https://${d.address}:${d.ports.patroni}/cluster`)'), ['only patroni-client.ts builds a Patroni REST URL or reads the leader key'])
  t.same(planted('infra/backup/x.ts', 'const key = `/service/${inv.cluster.scope}/leader`'), ['only patroni-client.ts builds a Patroni REST URL or reads the leader key'])
  t.same(planted('infra/launcher/lab/x.ts', "for (const e of readdirSync('/proc')) {}"), ['only host-processes.ts reads /proc for processes'])
  t.same(planted('infra/launcher/x.ts', 'readFileSync(`/proc/${pid}/stat`, "utf8")'), ['only host-processes.ts reads /proc for processes'])
  t.same(planted('infra/backup/x.ts', 'existsSync(`/proc/${pid}`)'), ['only host-processes.ts reads /proc for processes'])
  t.same(planted('loadtests/bench/x.ts', "readFileSync('/proc/self/status', 'utf8')"), ['only host-processes.ts reads /proc for processes'])
  // Namespace paths, /proc files that are no process's, and the homes themselves pass.
  t.same(planted('infra/launcher/lab/x.ts', "const root = `/proc/${process.pid}/ns/net`; statSync('/proc/self/ns/net'); readFileSync('/proc/mounts')"), [])
  t.same(planted('infra/launcher/host-processes.ts', "readdirSync('/proc'); readFileSync(`/proc/${pid}/stat`)"), [])
  t.same(planted('infra/launcher/patroni-client.ts', "httpsUrl(host, 'patroni', path)"), [])
})

t.test('chaos/, loadtests/ and the tests import infra/ only through the cluster API', async (t) => {
  const files = [...codeFiles('chaos'), ...codeFiles('loadtests'), ...codeFiles('test', ['test/unit', 'test/bootstrap'])]
  t.ok(files.length > 100, `read ${files.length} files`)
  const violations = files.flatMap((file) => importViolations(file, readFileSync(join(ROOT, file), 'utf8')))
  t.same(violations.map((v) => `${v.file}: ${v.rule} (${v.detail})`), [], 'no violation')
})

t.test('HAProxy, Patroni and /proc each have one client', async (t) => {
  const files = ['src', 'infra', 'chaos', 'loadtests', 'test'].flatMap((dir) => codeFiles(dir)).filter((f) => f !== SELF)
  const violations = files.flatMap((file) => textViolations(file, readFileSync(join(ROOT, file), 'utf8')))
  t.same(violations.map((v) => `${v.file}: ${v.rule}: ${v.detail}`), [], 'no violation')
})
