// Redis primary + replica watched by three Sentinels. Redis holds only what may be lost (cache and
// rate-limit counters): no persistence, asynchronous replication, and the app works without it.
import type { Host } from '../inventory.ts'
import { hostByName, hostsWithRole } from '../inventory.ts'
import type { RenderContext, RenderedFile } from './render-context.ts'
import { GENERATED_HEADER, dataDir } from './render-context.ts'

/** Sentinel timing; see docs/architecture.md ("Redis"). */
export const SENTINEL_TIMING = {
  /** A master silent this long is subjectively down; 2 of 3 Sentinels agreeing makes it objectively down. */
  downAfterMs: 2000,
  /** Bounds one failover attempt and the pause before the next attempt on the same master. */
  failoverTimeoutMs: 10000,
  quorum: 2,
}

export function renderRedis(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv } = ctx
  const primary = hostByName(inv, inv.cluster.redisInitialPrimary)
  const lines = [
    GENERATED_HEADER(inv).trimEnd(),
    `bind ${host.address}`,
    `port ${host.ports.redis}`,
    // Loopback-only here; production binds the host's LAN address and sets requirepass/masterauth.
    'protected-mode no',
    'daemonize no',
    'logfile ""',
    `dir ${dataDir(inv, host, 'redis')}`,
    // Outgoing replication connections leave from this host's address and the replica announces it,
    // or the master would list the replica as 127.0.0.1 and Sentinel could not promote it.
    `bind-source-addr ${host.address}`,
    `replica-announce-ip ${host.address}`,
    `replica-announce-port ${host.ports.redis}`,
    // Cache only: nothing is written to disk, a restart starts empty.
    'save ""',
    'appendonly no',
    'maxmemory 256mb',
    'maxmemory-policy allkeys-lru',
    'replica-read-only yes',
    // Diskless full sync starts at once (the default waits 5 s for more replicas to join).
    'repl-diskless-sync yes',
    'repl-diskless-sync-delay 0',
    'replica-serve-stale-data yes',
    // Clients that vanished without a FIN are dropped after ~30 s.
    'tcp-keepalive 30',
    'timeout 0',
  ]
  if (host.name !== primary.name) lines.push(`replicaof ${primary.address} ${primary.ports.redis}`)
  // Redis rewrites its config (replicaof) when Sentinel reconfigures it after a failover.
  return [{ host: host.name, name: 'redis.conf', content: lines.join('\n') + '\n', mode: 0o644, runtimeOwned: true }]
}

export function renderSentinel(ctx: RenderContext, host: Host): RenderedFile[] {
  const { inv } = ctx
  const primary = hostByName(inv, inv.cluster.redisInitialPrimary)
  const name = inv.cluster.redisMasterName
  const t = SENTINEL_TIMING
  if (hostsWithRole(inv, 'sentinel').length < t.quorum) throw new Error('fewer Sentinels than the quorum')
  const lines = [
    GENERATED_HEADER(inv).trimEnd(),
    `bind ${host.address}`,
    `port ${host.ports.sentinel}`,
    'protected-mode no',
    'daemonize no',
    'logfile ""',
    `dir ${dataDir(inv, host, 'sentinel')}`,
    `bind-source-addr ${host.address}`,
    // Sentinels find each other through hello messages on the master; without an announced address
    // every one of them would announce 127.0.0.1:26379 and they would count as one.
    `sentinel announce-ip ${host.address}`,
    `sentinel announce-port ${host.ports.sentinel}`,
    'sentinel resolve-hostnames no',
    `sentinel monitor ${name} ${primary.address} ${primary.ports.redis} ${t.quorum}`,
    `sentinel down-after-milliseconds ${name} ${t.downAfterMs}`,
    `sentinel failover-timeout ${name} ${t.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} 1`,
  ]
  // Sentinel rewrites this file with what it learns (epochs, peers, the current master).
  return [{ host: host.name, name: 'sentinel.conf', content: lines.join('\n') + '\n', mode: 0o644, runtimeOwned: true }]
}
