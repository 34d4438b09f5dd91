// Prometheus scrapes every component on its own address, labelled with the inventory's host name.
import type { Host, Inventory, Role } from '../inventory.ts'
import { clusterPath, hostsWithRole } from '../inventory.ts'
import type { RenderContext, RenderedFile } from './render-context.ts'
import { GENERATED_HEADER } from './render-context.ts'
import { HAPROXY_STATS_USER } from './haproxy-config.ts'
import { secretFile } from '../secrets.ts'
import { hostTls } from '../tls/certificates.ts'
import type { YamlValue } from './yaml-text.ts'
import { toYaml } from './yaml-text.ts'

/** Every scrape is HTTPS: the target's certificate checked against the CA, Prometheus' host certificate shown. */
function tlsScrape(inv: Inventory, prometheus: Host): Record<string, YamlValue> {
  const tls = hostTls(inv, prometheus)
  return { scheme: 'https', tls_config: { ca_file: tls.ca, cert_file: tls.cert, key_file: tls.key } }
}

/** What an exporter role watches: on a host that carries it too, the exporter watches its own host. */
const WATCHED: Partial<Record<Role, Role>> = { 'postgres-exporter': 'postgres', 'redis-exporter': 'redis' }

/**
 * `monitors`: the host whose member an exporter watches — named in the inventory for an exporter on
 * a host of its own (loopback), the host itself where they share one (production, compact). The
 * alert rules pair it with the member's own target, so a host that lost power is one alert, not two.
 */
function monitorsLabel(h: Host, role: Role): Record<string, string> {
  const watched = WATCHED[role]
  const monitors = h.monitors ?? (watched && h.roles.includes(watched) ? h.name : undefined)
  return monitors ? { monitors } : {}
}

function job(inv: Inventory, prometheus: Host, name: string, role: Role, port: string, extra: Record<string, YamlValue> = {}): YamlValue {
  return {
    job_name: name,
    metrics_path: '/metrics',
    ...tlsScrape(inv, prometheus),
    ...extra,
    static_configs: hostsWithRole(inv, role).map((h: Host) => ({
      targets: [`${h.address}:${h.ports[port]}`],
      labels: { host: h.name, ...(h.site ? { site: h.site } : {}), ...monitorsLabel(h, role) },
    })),
  }
}

// Sentinels through redis_exporter's multi-target endpoint (/scrape?target=…): no exporter process
// per Sentinel, and each target keeps its own `host` label. A Sentinel is scraped through the
// exporter on its own host where there is one (then a lost host blinds only its own Sentinel),
// else through the first exporter; `exporter` names the host the scrape goes through, so a
// scrape that fails because that host is gone can be told from a Sentinel that is down.
function sentinelJob(inv: Inventory, prometheus: Host): YamlValue[] {
  const exporters = hostsWithRole(inv, 'redis-exporter')
  const sentinels = hostsWithRole(inv, 'sentinel')
  if (exporters.length === 0 || sentinels.length === 0) return []
  const via = (h: Host) => exporters.find((e) => e.name === h.name) ?? exporters[0]!
  return [
    {
      job_name: 'sentinel',
      metrics_path: '/scrape',
      ...tlsScrape(inv, prometheus),
      static_configs: sentinels.map((h: Host) => ({
        targets: [`rediss://${h.address}:${h.ports.sentinel}`],
        // __exporter_address is dropped after relabelling; exporter stays on the series.
        labels: { host: h.name, exporter: via(h).name, __exporter_address: `${via(h).address}:${via(h).ports.redisExporter}`, ...(h.site ? { site: h.site } : {}) },
      })),
      relabel_configs: [
        { source_labels: ['__address__'], target_label: '__param_target' },
        { source_labels: ['__exporter_address'], target_label: '__address__' },
      ],
    },
  ]
}

export function renderPrometheus(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv } = ctx
  const config = {
    global: {
      // 5 s: a 20 s failover shows up as several samples, not one.
      scrape_interval: '5s',
      scrape_timeout: '4s',
      evaluation_interval: '5s',
      external_labels: { cluster: `${inv.cluster.scope}-${inv.name}` },
    },
    rule_files: [clusterPath(inv, 'prometheusRules', '*.yml'), clusterPath(inv, 'prometheusRules', '*.yaml')],
    scrape_configs: [
      { job_name: 'prometheus', ...tlsScrape(inv, host), static_configs: [{ targets: [`${host.address}:${host.ports.prometheus}`], labels: { host: host.name } }] },
      // The app nodes' internal listener, with its token: the client port has no /metrics.
      job(inv, host, 'app', 'app', 'appInternal', { authorization: { type: 'Bearer', credentials_file: secretFile(inv, 'appInternalToken') } }),
      job(inv, host, 'haproxy', 'haproxy', 'stats', { basic_auth: { username: HAPROXY_STATS_USER, password_file: secretFile(inv, 'haproxyStatsPassword') } }),
      job(inv, host, 'patroni', 'postgres', 'patroni'),
      job(inv, host, 'etcd', 'etcd', 'etcdClient'),
      job(inv, host, 'postgres', 'postgres-exporter', 'postgresExporter'),
      job(inv, host, 'redis', 'redis-exporter', 'redisExporter'),
      ...sentinelJob(inv, host),
    ],
  }
  return [{ host: host.name, name: 'prometheus.yml', content: toYaml(config, GENERATED_HEADER(inv)), mode: 0o644 }]
}
