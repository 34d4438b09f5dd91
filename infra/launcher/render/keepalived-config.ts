// keepalived for a load-balancer pair: the floating address lives on whichever HAProxy host is
// alive. Rendered only for inventories with several haproxy hosts and cluster.vrrp (real hosts, or
// network namespaces: keepalived refuses the loopback interface, so a loopback inventory has none).
import { join } from 'node:path'
import type { Host } from '../inventory.ts'
import { clusterPath, hostsWithRole } from '../inventory.ts'
import type { RenderContext, RenderedFile } from './render-context.ts'
import { GENERATED_HEADER, configDir } from './render-context.ts'

export function renderKeepalived(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv } = ctx
  const lbs = hostsWithRole(inv, 'haproxy')
  const vrrp = inv.cluster.vrrp
  if (lbs.length < 2 || !vrrp || !inv.cluster.floatingAddress) return []
  const rank = lbs.findIndex((h) => h.name === host.name)
  const peers = lbs.filter((h) => h.name !== host.name)
  const check = join(configDir(ctx, host), 'haproxy-alive.sh')
  const haproxyConfig = join(configDir(ctx, host), 'haproxy.cfg')
  // This host's HAProxy: the pid the launcher (or systemd) recorded, running this host's config.
  // keepalived's vrrp_track_process cannot be used: it watches every process of the machine (a lab
  // runs several HAProxies on one kernel) through the proc connector, which works in the initial
  // network namespace only.
  const script = `#!/bin/sh
${GENERATED_HEADER(inv).trimEnd()}
pid=$(cat ${clusterPath(inv, 'pids', `${host.name}-haproxy.pid`)} 2>/dev/null) || exit 1
tr '\\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -q -- "-f ${haproxyConfig}"
`
  const conf = `${GENERATED_HEADER(inv)}
global_defs {
    router_id ${host.name}
    enable_script_security
    script_user root
    # The pair runs VRRP unicast: no multicast needed between sites or in clouds.
    vrrp_garp_master_refresh 60
}

# The address follows a live HAProxy, not merely a live host: two failed checks 1 s apart hand it on.
vrrp_script haproxy_alive {
    script "${check}"
    interval 1
    timeout 1
    fall 2
    rise 1
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
    track_script {
        haproxy_alive
    }
}
`
  return [
    { host: host.name, name: 'keepalived.conf', content: conf, mode: 0o644 },
    { host: host.name, name: 'haproxy-alive.sh', content: script, mode: 0o755 },
  ]
}
