// etcd: one member per etcd host, on its own address, so the loss of any one host (or of an app
// host together with the primary database host) leaves a quorum of two.
import type { Host } from '../inventory.ts'
import { hostsWithRole } from '../inventory.ts'
import { hostTls } from '../tls/certificates.ts'
import type { RenderContext, RenderedFile } from './render-context.ts'
import { GENERATED_HEADER, dataDir } from './render-context.ts'
import { toYaml } from './yaml-text.ts'

export function renderEtcd(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv } = ctx
  const peerUrl = (h: Host) => `https://${h.address}:${h.ports.etcdPeer}`
  const clientUrl = `https://${host.address}:${host.ports.etcdClient}`
  const tls = hostTls(inv, host)
  // Both sides of every link show a certificate of the cluster CA: Patroni, Prometheus and the
  // operators as clients, the other members as peers. Without one, etcd refuses the connection.
  const transport = { 'cert-file': tls.cert, 'key-file': tls.key, 'client-cert-auth': true, 'trusted-ca-file': tls.ca }
  const config = {
    name: host.name,
    // etcd warns unless its data folder is 0700; the launcher creates it so.
    'data-dir': dataDir(inv, host, 'etcd'),
    'listen-client-urls': clientUrl,
    'advertise-client-urls': clientUrl,
    'listen-peer-urls': peerUrl(host),
    'initial-advertise-peer-urls': peerUrl(host),
    'initial-cluster': hostsWithRole(inv, 'etcd').map((h) => `${h.name}=${peerUrl(h)}`).join(','),
    'client-transport-security': transport,
    'peer-transport-security': transport,
    // Ignored once the data folder exists, so a restart rejoins instead of forming a new cluster.
    'initial-cluster-state': 'new',
    'initial-cluster-token': `${inv.cluster.scope}-${inv.name}`,
    // etcd's defaults (100 ms heartbeat, 1 s election): an etcd leader's loss costs about 1 s, far
    // inside Patroni's retry_timeout (4 s), so Patroni never demotes because etcd re-elected.
    'heartbeat-interval': inv.cluster.etcdTiming?.heartbeatIntervalMs ?? 100,
    'election-timeout': inv.cluster.etcdTiming?.electionTimeoutMs ?? 1000,
    // Patroni 4 speaks the v3 API over etcd's JSON gateway (/v3/...). The flag defaults to on, but a
    // config file defaults it to off: without this line Patroni gets 404 on every request.
    'enable-grpc-gateway': true,
    'enable-v2': false,
    logger: 'zap',
    'log-outputs': ['stderr'],
    // Bounds the keyspace history: Patroni writes a few keys every loop_wait.
    'auto-compaction-mode': 'periodic',
    'auto-compaction-retention': '1h',
    'quota-backend-bytes': 1073741824,
  }
  return [{ host: host.name, name: 'etcd.yml', content: toYaml(config, GENERATED_HEADER(inv)), mode: 0o644 }]
}
