// The one door from chaos/, loadtests/ and tests into the cluster: they import infra/ only from here
// (test/unit/cluster-api-seam.test.ts keeps it so). Logic lives in its home module and is
// re-exported; what is written here is only what joins several of them (endpoints, waitHealthy,
// startHost). Functions default the inventory to TQDT_INVENTORY or production.json where they can.
//
//   import { endpoints, patroniLeader, waitHealthy, startHost } from '../infra/launcher/cluster-api.ts'
import type { ClusterStatus } from './cluster-status.ts'
import { clusterStatus as probeCluster } from './cluster-status.ts'
import { componentSpecs } from './components.ts'
import { componentPid } from './host-processes.ts'
import type { Inventory } from './inventory.ts'
import { hostsWithRole, httpsUrl, loadBalancerAddress, loadInventory } from './inventory.ts'
import { caCertificateFile, operatorTls, postgresUrl } from './tls/certificates.ts'
import { ensureHostNetwork } from './lab/lab-network.ts'
import { sentinelsMasterFor, sleep, startComponent } from './process-control.ts'
import { haproxyStatsUrl } from './haproxy-client.ts'
import { DATABASE_ROLES } from './render/patroni-config.ts'
import { runDir } from './render/render-context.ts'
import type { Secrets } from './secrets.ts'
import { readSecrets } from './secrets.ts'

// The inventory: hosts, their roles and addresses, the folders of a cluster.
export type { Host, Inventory, Role } from './inventory.ts'
export { DEFAULT_INVENTORY, REPO_ROOT, chaosScope, clusterPath, hostByName, hostsWithRole, httpsUrl, loadBalancerAddress, loadInventory } from './inventory.ts'

// Secrets and TLS material, and HTTPS to a cluster service with the cluster CA and operators' certificate.
export type { Secrets } from './secrets.ts'
export { auditKeyFiles } from './secrets.ts'
export { caCertificateFile, hostTls, operatorTlsOptions, postgresSsl } from './tls/certificates.ts'
export { clusterJson, clusterRequest } from './tls/cluster-http.ts'

// Patroni: members, leader, switchover and its dynamic configuration.
export type { PatroniLeader, PatroniMember } from './patroni-client.ts'
export { patchPatroniConfig, patroniConfig, patroniLeader, patroniLeaderHost, patroniMembers, patroniRestAuthorization, patroniRestUrl, patroniSelf, patroniSwitchover } from './patroni-client.ts'

// HAProxy: the stats page and the runtime API.
export { haproxyMetricsUrl, haproxyRuntimeCommand, haproxyServerStates, haproxyStatsAuthorization, haproxyStatsUrl, upServers } from './haproxy-client.ts'

// Redis and Sentinel.
export { redisCommand, redisInfo } from './redis-probe.ts'
export { redisMonitorAuth, redisUserAuth } from './render/redis-config.ts'

// A host's processes: find them, signal them; a component's: start and stop it.
export type { HostProcess, ProcessInfo } from './host-processes.ts'
export { componentPid, hostPids, hostProcesses, listProcesses, processRssKiB, readProcess, signalHost, signalProcesses } from './host-processes.ts'
export { sleep, startComponent, stopComponent } from './process-control.ts'
export type { Component } from './components.ts'
export { ROLE_COMPONENT, componentSpec, componentSpecs, configFile, hostComponentSpecs, readEnvFile } from './components.ts'

// The cluster's health, as `npm run status` reports it.
export type { ClusterStatus, StatusRow } from './cluster-status.ts'
export { acknowledgesCommits } from './cluster-status.ts'

// The namespace lab: a host's namespace, its link and power, the floating address, the front door.
export { hostNamespace, mountedNamespaces, namespaceExists, namespacePath, switchNamespace } from './lab/lab-namespaces.ts'
export { activeLoadBalancer, ensureHostNetwork, floatingAddressHolder, killNamespaceProcesses, powerOffHost, setHostLink, switchPort } from './lab/lab-network.ts'
export { enterOpsNamespace, namespacePrefix } from './lab/run-in-lab.ts'
export { ensureFrontDoor } from './lab/front-door.ts'

// Changing the running cluster: app rollout, certificate rotation.
export { appSpecs, replaceAppNode, runningBuild, staleAppNodes } from './app-rollout.ts'
export { codeFingerprint } from './code-fingerprint.ts'
export { rotateCertificates, servedSerial, tlsEndpoints } from './tls/certificate-rotation.ts'

// Backups: the pgBackRest repository, restore targets, scratch restores, rebuilding the cluster.
export type { BackupRun } from '../backup/repository.ts'
export { archiverState, flushArchive, repositoryInfo, segmentInRepository, takeBackup } from '../backup/repository.ts'
export { beforeTime, beforeXid, latest } from '../backup/restore-target.ts'
export type { ScratchRestoreResult } from '../backup/scratch-restore.ts'
export { dropScratch, restoreToScratch } from '../backup/scratch-restore.ts'
export { rebuildCluster } from '../backup/cluster-rebuild.ts'

// The project's command line, for programs that run one of its commands as a child; the pinned k6.
export { cliArgv } from './cli-entry.ts'
export { ensureK6 } from './k6-build.ts'

// Settings the renderers own, which drills and benchmarks size themselves by.
export { BENCH_BARE_PORT, HAPROXY_TIMING } from './render/haproxy-config.ts'
export { DATABASE_ROLES, PATRONI_DCS } from './render/patroni-config.ts'
export { backupLayout } from './render/pgbackrest-config.ts'
export { auditCheckpointDir, auditLogNameOf } from './render/app-env.ts'
export { dataDir } from './render/render-context.ts'

export interface ClusterEndpoints {
  /** HAProxy's HTTP frontend, e.g. http://127.0.0.10:8080 */
  httpBaseUrl: string
  /** Writes: HAProxy → the Patroni primary. */
  databaseUrl: string
  /** Reads: HAProxy → replicas within the lag bound (the primary when none is). */
  databaseReplicaUrl: string
  /** The schema owner through HAProxy → the primary: the migrations (and tests' schema setup) only. */
  ownerDatabaseUrl: string
  /** The superuser over a database host's local socket (peer: run as root or postgres on that host). */
  superuserDatabaseUrlOf: (host: string) => string
  /** Straight to one database host, bypassing HAProxy (for checks after a drill). */
  databaseUrlOf: (host: string) => string
  redisSentinels: Array<{ host: string; port: number }>
  redisMasterName: string
  prometheusUrl: string
  haproxyStatsUrl: string
  /** Each app node's own base URL, by host name. */
  appUrls: Record<string, string>
  /** The cluster CA: every endpoint above is verified against it (k6: SSL_CERT_FILE, curl: --cacert, libpq: sslrootcert). */
  caFile: string
  /** The operators' client certificate and key, which etcd, the app nodes, Redis and the exporters ask for. */
  operatorCertFile: string
  operatorKeyFile: string
}

export function secrets(inv: Inventory = loadInventory()): Secrets {
  return readSecrets(inv)
}

export function endpoints(inv: Inventory = loadInventory()): ClusterEndpoints {
  const s = readSecrets(inv)
  const lb = hostsWithRole(inv, 'haproxy')[0]
  const prom = hostsWithRole(inv, 'prometheus')[0]
  const { databaseUser: user, database } = inv.cluster
  const db = (host: string, port: number) => postgresUrl(inv, { user, password: s.dbPassword, host, port, database })
  return {
    httpBaseUrl: `https://${loadBalancerAddress(inv)}:${lb.ports.http}`,
    databaseUrl: db(loadBalancerAddress(inv), lb.ports.pgPrimary),
    databaseReplicaUrl: db(loadBalancerAddress(inv), lb.ports.pgReplica),
    ownerDatabaseUrl: postgresUrl(inv, { user: DATABASE_ROLES.owner, password: s.ownerPassword, host: loadBalancerAddress(inv), port: lb.ports.pgPrimary, database }),
    superuserDatabaseUrlOf: (name) => {
      const h = hostsWithRole(inv, 'postgres').find((x) => x.name === name)
      if (!h) throw new Error(`${name} is not a postgres host`)
      return `postgresql://postgres@/${database}?host=${encodeURIComponent(runDir(inv, h))}&port=${h.ports.postgres}`
    },
    databaseUrlOf: (name) => {
      const h = hostsWithRole(inv, 'postgres').find((x) => x.name === name)
      if (!h) throw new Error(`${name} is not a postgres host`)
      return db(h.address, h.ports.postgres)
    },
    redisSentinels: hostsWithRole(inv, 'sentinel').map((h) => ({ host: h.address, port: h.ports.sentinel })),
    redisMasterName: inv.cluster.redisMasterName,
    prometheusUrl: prom ? httpsUrl(prom, 'prometheus') : '',
    haproxyStatsUrl: haproxyStatsUrl(lb),
    appUrls: Object.fromEntries(hostsWithRole(inv, 'app').map((h) => [h.name, httpsUrl(h, 'app')])),
    caFile: caCertificateFile(inv),
    operatorCertFile: operatorTls(inv).cert,
    operatorKeyFile: operatorTls(inv).key,
  }
}

/** Same data as `npm run status -- --json`. */
export function clusterStatus(inv: Inventory = loadInventory()): Promise<ClusterStatus> {
  return probeCluster(inv)
}

/** Polls until every component is healthy; rejects after timeoutMs naming what is not. */
export async function waitHealthy(timeoutMs: number, inv: Inventory = loadInventory(), intervalMs = 500): Promise<ClusterStatus> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const status = await probeCluster(inv)
    if (status.healthy) return status
    if (Date.now() > deadline) {
      throw new Error(`cluster not healthy after ${timeoutMs} ms:\n  ${status.problems.join('\n  ')}`)
    }
    await sleep(intervalMs)
  }
}

/**
 * Starts the host's components that are not running (after a power loss, say), without waiting for
 * health: follow with waitHealthy. A Redis host comes back as a replica of Sentinel's master.
 * Returns the ids started, e.g. ['db1-patroni'].
 */
export async function startHost(hostName: string, inv: Inventory = loadInventory()): Promise<string[]> {
  const started: string[] = []
  // A host that lost power has no namespace until it is powered on again.
  if (inv.lab) ensureHostNetwork(inv, hostName)
  for (const spec of componentSpecs(inv).filter((s) => s.host.name === hostName)) {
    if (componentPid(spec) !== null) continue
    if (spec.component === 'redis') await sentinelsMasterFor(inv, spec)
    startComponent(spec)
    started.push(spec.id)
  }
  return started
}
