import { hostByName } from '../../infra/launcher/cluster-api.ts'
import { NO_STALL_S, criteria, defineDrill, lostHostExporterAlerts, type DrillContext } from '../drill-definition.ts'
import { powerLoss } from '../faults/fault-primitives.ts'

/**
 * Where the master's exporter shares its host (the production and compact layouts) the exporter
 * dies with it: Prometheus sees the host unscrapable, not the exporter reporting its Redis gone.
 */
const rolesOfMaster = (ctx: DrillContext) => (ctx.inv ? hostByName(ctx.inv, ctx.redisMaster).roles : null)
const exporterSharesHost = (ctx: DrillContext) => rolesOfMaster(ctx)?.includes('redis-exporter') ?? false
// Without an inventory (docs/chaos.md's story) every layout's allowance is listed.
const carriesApp = (ctx: DrillContext) => rolesOfMaster(ctx)?.includes('app') ?? true

export default defineDrill({
  name: 'redis-master-power-loss',
  title: 'The Redis master’s host loses power',
  why: 'Redis holds only what may be lost (cache, rate-limit counters): its master vanishing silently must not fail or stall a request.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['the Redis master’s host loses power (cut off from the network, then every process killed)', 'it stays off for the hold time, then comes back as a replica'],
  then: [
    `no request fails; writes never stop for more than ${NO_STALL_S} s, reads for more than 2 s`,
    'Sentinel promotes the replica; the old master rejoins as its replica',
    'every acknowledged write is in the database; full redundancy within 180 s',
    'Prometheus sees the old master gone behind its exporter (MonitoredComponentDown) and clears it',
  ],
  // MonitoredComponentDown's for: 1m fires from a hold of ~75 s.
  holdSeconds: 80,
  expectedAlerts: (ctx) => [
    exporterSharesHost(ctx)
      ? { alert: 'MonitoredComponentDown', labels: { monitors: ctx.redisMaster, reason: 'scrape_failed' }, minHoldS: 75, why: 'the old master’s exporter, on the same host, is gone with it (for: 1m)' }
      : { alert: 'MonitoredComponentDown', labels: { monitors: ctx.redisMaster, reason: 'backend_down' }, minHoldS: 75, why: 'its exporter cannot reach the old master (for: 1m)' },
  ],
  // The host's other programs are lost with it where it carries them (an app node, a Sentinel behind
  // the same exporter): the same fault seen through them, not another one.
  allowedAlerts: (ctx) => [...lostHostExporterAlerts(ctx.redisMaster), ...(carriesApp(ctx) ? [{ alert: 'AppNodeDown', labels: { host: ctx.redisMaster } }] : [])],
  unexpectedAlerts: [{ alert: 'NoRedisMaster' }, { alert: 'AvailabilityErrorBudgetBurn' }],
  faults: (ctx) => [powerLoss(ctx.inv, ctx.redisMaster)],
  criteria: criteria({ maxWriteStallS: NO_STALL_S, primaryMustStay: true }),
})
