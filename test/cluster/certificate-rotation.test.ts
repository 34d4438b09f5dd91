// Issue 16, item 4: rotation is one command, on a running cluster, without a failed request. It runs
// as the certificate-rotation drill, through the drills' own runner (chaos/drill-run.ts): under the
// k6 workload, judged by the same verdict (0 failed requests, stalls, lost and duplicated writes,
// alerts), plus the drill's own check that every TLS endpoint shows a certificate it did not show before.
import t from 'tap'
import { findDrill } from '../../chaos/drills/drill-catalogue.ts'
import { Progress, runDrill } from '../../chaos/drill-run.ts'
import { failedChecks } from '../../chaos/verify/verdict-check.ts'

t.setTimeout(10 * 60_000)

t.test('rotating every certificate under load fails no request and leaves no old certificate served', async (t) => {
  const drill = findDrill('certificate-rotation')
  if (!drill) throw new Error('no drill certificate-rotation')
  const report = await runDrill(drill, { hold: 20, rate: 4, warmup: 10, after: 20, docs: false }, new Progress((line) => t.comment(line)))
  t.same(failedChecks(report.verdict.checks), [], `every check passed (report ${report.run.id})`)
  t.ok(report.verdict.checks.some((c) => c.name === 'endpoints still on their old certificate'), 'the endpoints were judged')
})
