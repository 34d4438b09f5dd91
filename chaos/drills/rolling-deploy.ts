// A release while officers work: every app node replaced by the checkout's code, one at a time
// (infra/launcher/app-rollout.ts, what `npm run deploy` does), under load.
import { appSpecs, codeFingerprint, componentPid, replaceAppNode, runningBuild } from '../../infra/launcher/cluster-api.ts'
import { NO_STALL_S, criteria, defineDrill } from '../drill-definition.ts'
import type { DrillContext } from '../drill-definition.ts'
import type { Fault } from '../faults/fault-primitives.ts'
import { check } from '../verify/verdict-check.ts'

/** The app nodes' pids before the deploy, per run (the drill's context). */
const pidsBefore = new WeakMap<DrillContext, Map<string, number | null>>()

/** Not a fault of a host: the deploy itself, judged afterwards by the drill's checks. */
function rollingDeploy(ctx: DrillContext): Fault {
  return {
    id: 'rolling-deploy',
    kind: 'process-crash',
    targets: appSpecs(ctx.inv).map((s) => s.host.name),
    description: `rolling deploy of build ${codeFingerprint(ctx.inv)} to every app node`,
    needsRestart: false,
    async prepare() {
      pidsBefore.set(ctx, new Map(appSpecs(ctx.inv).map((s) => [s.host.name, componentPid(s)])))
    },
    async inject() {
      for (const spec of appSpecs(ctx.inv)) await replaceAppNode(ctx.inv, spec, ctx.log)
    },
    async heal() {},
  }
}

export default defineDrill({
  name: 'rolling-deploy',
  title: 'A rolling deploy of every app node under load',
  why: 'A release must not be an outage: officers keep working while each node is drained, replaced and put back.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: [
    'each app node in turn gets SIGTERM, drains (503 on /health/ready), leaves HAProxy, finishes its in-flight requests and exits',
    'the new code starts on it and it is back in HAProxy before the next node goes',
  ],
  then: [
    `no request fails; writes never stop for more than ${NO_STALL_S} s, reads for more than 2 s`,
    'every app node runs the new build in a new process afterwards',
    'every acknowledged write is in the database, none duplicated',
  ],
  holdSeconds: 30,
  faults: (ctx) => [rollingDeploy(ctx)],
  async checks(ctx) {
    const want = codeFingerprint(ctx.inv)
    const before = pidsBefore.get(ctx) ?? new Map<string, number | null>()
    const stale: string[] = []
    for (const spec of appSpecs(ctx.inv)) {
      const build = await runningBuild(ctx.inv, spec)
      const pid = componentPid(spec)
      if (build !== want || pid === null || pid === before.get(spec.host.name)) stale.push(`${spec.host.name} build ${build} pid ${pid}`)
    }
    return [check(`app nodes not on build ${want} in a new process`, stale.length === 0, stale.join('; ') || '0', '0')]
  },
  unexpectedAlerts: [{ alert: 'AppNodeDown' }, { alert: 'AvailabilityErrorBudgetBurn' }],
  criteria: criteria({ maxWriteStallS: NO_STALL_S, primaryMustStay: true }),
})
