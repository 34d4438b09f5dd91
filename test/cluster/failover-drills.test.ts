// The cluster tests of failover run through the drills' own runner (chaos/drill-run.ts): the same
// fault primitives (power loss = blackhole + SIGKILL, freeze = SIGSTOP), the same k6 workload and
// the same verdict, at holds short enough for `npm test`. CI's drill stages (infra/launcher/commands/test-suite.ts) run the
// 25-1-2019 incident and the frozen primary the same way; these add what they do not cover: an app
// node that hangs, and the Redis master's power loss.
import t from 'tap'
import { findDrill } from '../../chaos/drills/drill-catalogue.ts'
import { Progress, runDrill } from '../../chaos/drill-run.ts'
import { failedChecks } from '../../chaos/verify/verdict-check.ts'

const SHORT = { hold: 20, rate: 4, warmup: 10, after: 20, docs: false }
// Two drills of about two minutes each, over tap's default per-file timeout.
t.setTimeout(15 * 60_000)

for (const name of ['app-node-freeze', 'redis-master-power-loss']) {
  t.test(`drill ${name}, hold ${SHORT.hold} s: passes on every check`, async (t) => {
    const drill = findDrill(name)
    if (!drill) throw new Error(`no drill ${name}`)
    const p = new Progress((line) => t.comment(line))
    const report = await runDrill(drill, SHORT, p)
    t.same(failedChecks(report.verdict.checks), [], `${name}: every check passed (report ${report.run.id})`)
    t.ok(report.verdict.checks.length >= 15, 'judged on everything')
  })
}
