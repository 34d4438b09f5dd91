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

function job(inv: Inventory, prometheus: Host, name: string, role: Role, port: string, extra: Record<string, YamlValue> = {}): YamlValue {
  return {
    job_name: name,
    metrics_path: '/metrics',
    ...tlsScrape(inv, prometheus),
    ...extra,
    static_configs: hostsWithRole(inv, role).map((h: Host) => ({
      targets: [`${h.address}:${h.ports[port]}`],
      labels: { host: h.name, ...(h.site ? { site: h.site } : {}), ...(h.monitors ? { monitors: h.monitors } : {}) },
    })),
  }
}

// Sentinels through redis_exporter's multi-target endpoint (/scrape?target=…): no exporter process
// per Sentinel, and each target keeps its own `host` label.
function sentinelJob(inv: Inventory, prometheus: Host): YamlValue[] {
  const exporter = hostsWithRole(inv, 'redis-exporter')[0]
  const sentinels = hostsWithRole(inv, 'sentinel')
  if (!exporter || sentinels.length === 0) return []
  return [
    {
      job_name: 'sentinel',
      metrics_path: '/scrape',
      ...tlsScrape(inv, prometheus),
      static_configs: sentinels.map((h: Host) => ({
        targets: [`rediss://${h.address}:${h.ports.sentinel}`],
        labels: { host: h.name, ...(h.site ? { site: h.site } : {}) },
      })),
      relabel_configs: [
        { source_labels: ['__address__'], target_label: '__param_target' },
        { target_label: '__address__', replacement: `${exporter.address}:${exporter.ports.redisExporter}` },
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
