// The web configuration (Prometheus' exporter-toolkit format) of the programs that serve /metrics
// with it, Prometheus itself and postgres_exporter: HTTPS with the host's certificate, and only
// clients that show a certificate of the cluster CA (Prometheus scraping, the operators).
// The files are read again on every handshake, so a rotated certificate needs no restart.
import type { Host } from '../inventory.ts'
import { hostTls } from '../tls/certificates.ts'
import type { RenderContext, RenderedFile } from './render-context.ts'
import { GENERATED_HEADER } from './render-context.ts'
import { toYaml } from './yaml-text.ts'

export const WEB_TLS_FILE = 'web-tls.yml'

export function renderWebTls(ctx: RenderContext, host: Host): RenderedFile[] {
  const tls = hostTls(ctx.inv, host)
  const config = {
    tls_server_config: {
      cert_file: tls.cert,
      key_file: tls.key,
      client_auth_type: 'RequireAndVerifyClientCert',
      client_ca_file: tls.ca,
      min_version: 'TLS12',
    },
  }
  return [{ host: host.name, name: WEB_TLS_FILE, content: toYaml(config, GENERATED_HEADER(ctx.inv)), mode: 0o644 }]
}
