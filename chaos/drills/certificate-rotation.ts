// Every certificate of the cluster renewed while officers work (`npm run pki -- rotate`,
// infra/launcher/tls/certificate-rotation.ts): no restart of what clients talk to, so no request may
// notice; afterwards every TLS endpoint shows a certificate it did not show before.
import type { Host, Inventory } from '../../infra/launcher/cluster-api.ts'
import { componentPid, componentSpecs, rotateCertificates, servedSerial, tlsEndpoints } from '../../infra/launcher/cluster-api.ts'
import { NO_STALL_S, criteria, defineDrill } from '../drill-definition.ts'
import type { DrillContext } from '../drill-definition.ts'
import type { Fault } from '../faults/fault-primitives.ts'
import { check } from '../verify/verdict-check.ts'

interface Endpoint {
  id: string
  host: Host
  port: number
  postgres?: boolean
}

/** The serials each endpoint showed before the rotation, per run (the drill's context). */
const servedBefore = new WeakMap<DrillContext, Map<string, string>>()

function runningEndpoints(inv: Inventory): Endpoint[] {
  return componentSpecs(inv)
    .filter((s) => componentPid(s) !== null)
    .flatMap((s) => tlsEndpoints(s).map((e) => ({ ...e, host: s.host, id: `${s.id} ${e.what}` })))
}

const serialOf = (inv: Inventory, e: Endpoint) => servedSerial(inv, e.host.address, e.port, e.postgres).catch((err: Error) => `error: ${err.message}`)

function rotation(ctx: DrillContext): Fault {
  return {
    id: 'certificate-rotation',
    kind: 'process-crash',
    targets: [],
    description: 'every certificate of the cluster renewed (npm run pki -- rotate)',
    needsRestart: false,
    async prepare() {
      const before = new Map<string, string>()
      for (const e of runningEndpoints(ctx.inv)) before.set(e.id, await serialOf(ctx.inv, e))
      servedBefore.set(ctx, before)
    },
    async inject() {
      await rotateCertificates(ctx.inv, ctx.log)
    },
    async heal() {},
  }
}

export default defineDrill({
  name: 'certificate-rotation',
  title: 'Every certificate renewed under load',
  why: 'Certificates expire; renewing them must be routine, not a maintenance window: no officer may see an error while every TLS endpoint changes its certificate.',
  given: ['a cluster with full redundancy, TLS on every link', 'officers working at the drill rate, over HTTPS'],
  when: ['every host certificate is issued again by the cluster CA and each component loads it (reload, SIGHUP or its own TLS context; no restart of what clients talk to)'],
  then: [
    `no request fails; writes never stop for more than ${NO_STALL_S} s, reads for more than 2 s`,
    'every TLS endpoint shows a certificate it did not show before',
    'no failover; every acknowledged write is in the database, none duplicated',
  ],
  holdSeconds: 30,
  faults: (ctx) => [rotation(ctx)],
  async checks(ctx) {
    const before = servedBefore.get(ctx) ?? new Map<string, string>()
    const endpoints = runningEndpoints(ctx.inv)
    const unchanged: string[] = []
    for (const e of endpoints) {
      const now = await serialOf(ctx.inv, e)
      if (now.startsWith('error') || now === before.get(e.id)) unchanged.push(`${e.id}: ${now.slice(0, 40)}`)
    }
    return [
      check('TLS endpoints checked', endpoints.length >= 10 && before.size >= 10, `${endpoints.length} now, ${before.size} before`, '≥ 10'),
      check('endpoints still on their old certificate', unchanged.length === 0, unchanged.length === 0 ? '0' : unchanged.join('; '), '0'),
    ]
  },
  unexpectedAlerts: [{ alert: 'AppNodeDown' }, { alert: 'NoPostgresPrimary' }, { alert: 'AvailabilityErrorBudgetBurn' }],
  criteria: criteria({ maxWriteStallS: NO_STALL_S, primaryMustStay: true }),
})
