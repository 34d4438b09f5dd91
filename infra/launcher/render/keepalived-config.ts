// keepalived for a load-balancer pair: the floating address lives on whichever HAProxy host is
// alive. Rendered only for inventories with several haproxy hosts and cluster.vrrp (real hosts, or
// network namespaces: keepalived refuses the loopback interface, so the local inventory has none).
import type { Host } from '../inventory.ts'
import { hostsWithRole } from '../inventory.ts'
import type { RenderContext, RenderedFile } from './render-context.ts'
import { GENERATED_HEADER } from './render-context.ts'

export function renderKeepalived(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv } = ctx
  const lbs = hostsWithRole(inv, 'haproxy')
  const vrrp = inv.cluster.vrrp
  if (lbs.length < 2 || !vrrp || !inv.cluster.floatingAddress) return []
  const rank = lbs.findIndex((h) => h.name === host.name)
  const peers = lbs.filter((h) => h.name !== host.name)
  const conf = `${GENERATED_HEADER(inv)}
global_defs {
    router_id ${host.name}
    enable_script_security
    script_user root
    # The pair runs VRRP unicast: no multicast needed between sites or in clouds.
    vrrp_garp_master_refresh 60
}

# The address follows a live HAProxy, not merely a live host.
vrrp_track_process track_haproxy {
    process haproxy
    quorum 1
    delay 1
}

vrrp_instance ${inv.cluster.scope}_lb {
    # Both start as BACKUP with nopreempt: the address moves on failure only, never back and forth
    # when the first host returns (each move resets every client connection).
    state BACKUP
    nopreempt
    interface ${vrrp.interface}
    virtual_router_id ${vrrp.virtualRouterId}
    priority ${150 - rank * 50}
    # A master silent for 3 adverts (+ skew) is replaced: about 3.5 s.
    advert_int 1
    unicast_src_ip ${host.address}
    unicast_peer {
${peers.map((p) => `        ${p.address}`).join('\n')}
    }
    virtual_ipaddress {
        ${inv.cluster.floatingAddress} dev ${vrrp.interface}
    }
    track_process {
        track_haproxy
    }
}
`
  return [{ host: host.name, name: 'keepalived.conf', content: conf, mode: 0o644 }]
}
