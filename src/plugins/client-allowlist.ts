// Who may open a connection to this node: on the client port only the load balancers, on the
// internal listener only Prometheus (and operators' hosts). In production the host firewall does
// this too (docs/deployment.md, "Firewall"); the app refuses as well, so a missing firewall rule does
// not open a node to the whole network, and the lab, which has no firewall of its own, is closed the
// same way. A refused peer gets a TCP reset before a byte of HTTP is read.
import fp from 'fastify-plugin'
import type { Server } from 'node:http'
import { BlockList, isIPv6 } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { Counter } from 'prom-client'
import type { Config } from '../config.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Refuses every connection to `server` from a peer outside `entries` (empty: admit all). */
    admitOnlyPeers(server: Server, entries: string[], listener: 'client' | 'internal'): void
  }
}

/** A refused peer is logged at most this often, so a scanner cannot flood the log. */
const LOG_EVERY_MS = 60_000

function peerBlockList(entries: string[]): BlockList {
  const list = new BlockList()
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined]
    const type = isIPv6(address) ? 'ipv6' : 'ipv4'
    if (prefix === undefined) list.addAddress(address, type)
    else list.addSubnet(address, Number(prefix), type)
  }
  return list
}

/** The peer as the allow-list knows it: an IPv4-mapped IPv6 address (dual-stack socket) as IPv4. */
function peerAddress(remote: string | undefined): string {
  const peer = remote ?? ''
  return peer.startsWith('::ffff:') ? peer.slice(7) : peer
}

async function clientAllowlistPlugin(app: FastifyInstance, opts: { config: Config }) {
  const refused = new Counter({
    name: 'tqdt_refused_connections_total',
    help: 'Connections reset because the peer is not on the listener allow-list',
    labelNames: ['listener'] as const,
    registers: [app.metrics.registry],
  })
  const lastLogged = new Map<string, number>()
  app.decorate('admitOnlyPeers', (server: Server, entries: string[], listener: 'client' | 'internal') => {
    if (entries.length === 0) return
    const allowed = peerBlockList(entries)
    server.on('connection', (socket) => {
      const peer = peerAddress(socket.remoteAddress)
      if (peer && allowed.check(peer, isIPv6(peer) ? 'ipv6' : 'ipv4')) return
      refused.inc({ listener })
      const key = `${listener}|${peer}`
      if (Date.now() - (lastLogged.get(key) ?? 0) > LOG_EVERY_MS) {
        lastLogged.set(key, Date.now())
        app.log.warn({ peer, listener }, 'connection refused: peer not on the allow-list')
      }
      socket.resetAndDestroy()
    })
  })
  app.admitOnlyPeers(app.server, opts.config.allowedClients, 'client')
}

export default fp(clientAllowlistPlugin, { name: 'client-allowlist', dependencies: ['metrics'] })
