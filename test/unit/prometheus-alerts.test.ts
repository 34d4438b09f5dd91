// The chaos report's alert history: activations derived from a recorded /api/v1/query_range answer
// for ALERTS, the drill's expectations judged against them, and Prometheus being unreachable.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { deriveActivations, fetchAlertHistory } from '../../chaos/report/prometheus-alerts.ts'
import type { AlertHistory, QueryRangeResponse } from '../../chaos/report/prometheus-alerts.ts'
import { alertsBlockingStart, checkAlerts } from '../../chaos/verify/alert-check.ts'
import type { AlertExpectation } from '../../chaos/verify/alert-check.ts'
import { renderAlertsHtml } from '../../chaos/report/drill-report.ts'
import type { DrillReport } from '../../chaos/report/drill-report.ts'

// The window: 60 s before the load until the report; the fault 80 s in (epoch seconds, 5 s step).
const FROM = 1_795_000_000
const FAULT = FROM + 80
const TO = FROM + 300
const steps = (from: number, to: number): Array<[number, string]> => {
  const out: Array<[number, string]> = []
  for (let s = from; s <= to; s += 5) out.push([s, '1'])
  return out
}
const series = (alertname: string, alertstate: string, labels: Record<string, string>, values: Array<[number, string]>) => ({
  metric: { __name__: 'ALERTS', alertname, alertstate, severity: 'warning', ...labels },
  values,
})

// Recorded shape of Prometheus 2.x's answer (one series per alert, label set and alertstate).
const recorded: QueryRangeResponse = {
  status: 'success',
  data: {
    resultType: 'matrix',
    result: [
      // app1 down at the fault: pending from +10 s, firing at +40 s, gone after +45 s.
      series('AppNodeDown', 'pending', { host: 'app1', instance: '127.0.0.41:3000', job: 'app', reason: 'not_answering', component: 'app' }, steps(FAULT + 10, FAULT + 35)),
      series('AppNodeDown', 'firing', { host: 'app1', instance: '127.0.0.41:3000', job: 'app', reason: 'not_answering', component: 'app' }, steps(FAULT + 40, FAULT + 45)),
      // The old primary: pending only (its for: 1m never elapsed), gone after +40 s.
      series('PostgresMemberDown', 'pending', { host: 'db1', instance: '127.0.0.21:8008', job: 'patroni', component: 'postgres' }, steps(FAULT + 5, FAULT + 40)),
      // The failover: pending 20 s, never fired.
      series('NoPostgresPrimary', 'pending', { component: 'postgres', severity: 'critical' }, steps(FAULT + 10, FAULT + 25)),
      // Writes waited 20 s: p99 over 5 m still high when the report was made.
      series('LatencyP99High', 'pending', { component: 'slo' }, steps(FAULT + 25, FAULT + 140)),
      series('LatencyP99High', 'firing', { component: 'slo' }, steps(FAULT + 145, TO)),
      // Left over from an earlier test: firing at the window's start, resolved before the fault.
      series('AppNodeDown', 'firing', { host: 'app2', instance: '127.0.0.42:3000', job: 'app', reason: 'not_answering', component: 'app' }, steps(FROM, FROM + 30)),
      // A flapping exporter: two activations with a gap between them.
      series('MonitoredComponentDown', 'firing', { host: 'pgexp1', monitors: 'db1', reason: 'scrape_failed', component: 'monitoring' }, [...steps(FAULT + 60, FAULT + 70), ...steps(FAULT + 90, FAULT + 95)]),
    ],
  },
}

const ms = (s: number) => s * 1000

t.test('activations: pending, firing and resolution per alert and label set', async (t) => {
  const acts = deriveActivations(recorded, ms(FROM), ms(TO), 5)
  const find = (alert: string, host?: string) => acts.filter((a) => a.alert === alert && (host === undefined || a.labels.host === host))

  const app1 = find('AppNodeDown', 'app1')
  t.equal(app1.length, 1, 'pending and firing series of one alert are one activation')
  t.same(app1[0], {
    alert: 'AppNodeDown',
    labels: { component: 'app', host: 'app1', instance: '127.0.0.41:3000', job: 'app', reason: 'not_answering', severity: 'warning' },
    pendingAt: ms(FAULT + 10),
    firingAt: ms(FAULT + 40),
    resolvedAt: ms(FAULT + 50),
    activeAtWindowStart: false,
  })
  t.same(Object.keys(app1[0]!.labels), ['component', 'host', 'instance', 'job', 'reason', 'severity'], 'labels in a stable order')
  t.notOk('alertstate' in app1[0]!.labels || 'alertname' in app1[0]!.labels || '__name__' in app1[0]!.labels, 'ALERTS bookkeeping labels dropped')

  const member = find('PostgresMemberDown')[0]!
  t.equal(member.firingAt, null, 'only pending: never fired')
  t.equal(member.pendingAt, ms(FAULT + 5))
  t.equal(member.resolvedAt, ms(FAULT + 45), 'resolved = last point + one step')

  const p99 = find('LatencyP99High')[0]!
  t.equal(p99.firingAt, ms(FAULT + 145))
  t.equal(p99.resolvedAt, null, 'a point on the last step: still active at the end')

  const leftover = find('AppNodeDown', 'app2')[0]!
  t.ok(leftover.activeAtWindowStart, 'firing at the first step: began before the window')
  t.equal(leftover.pendingAt, null)
  t.equal(leftover.firingAt, ms(FROM))

  const flapping = find('MonitoredComponentDown')
  t.same(flapping.map((a) => [a.firingAt, a.resolvedAt]), [[ms(FAULT + 60), ms(FAULT + 75)], [ms(FAULT + 90), ms(FAULT + 100)]], 'a gap starts a new activation')

  t.same(acts.map((a) => `${a.alert} ${a.labels.host ?? ''}`.trim()).slice(0, 3), ['AppNodeDown app2', 'PostgresMemberDown db1', 'AppNodeDown app1'], 'ordered by when they began')
})

t.test('activations: a pending series left over by a restart (no staleness marker) does not split a firing alert', async (t) => {
  // Recorded after a Prometheus restart: LatencyP99High firing, and its old pending sample still
  // returned at every step for the 5-minute lookback.
  const body: QueryRangeResponse = {
    status: 'success',
    data: {
      resultType: 'matrix',
      result: [series('LatencyP99High', 'pending', { component: 'slo' }, steps(FROM, FROM + 60)), series('LatencyP99High', 'firing', { component: 'slo' }, steps(FROM + 20, FROM + 60))],
    },
  }
  const acts = deriveActivations(body, ms(FROM), ms(FROM + 100), 5)
  t.equal(acts.length, 1, acts.map((a) => JSON.stringify(a)).join('\n'))
  t.match(acts[0], { pendingAt: ms(FROM), firingAt: ms(FROM + 20), resolvedAt: ms(FROM + 65), activeAtWindowStart: true })
})

t.test('activations: an answer that is not a matrix is an error, not an empty history', async (t) => {
  t.throws(() => deriveActivations({ status: 'error', error: 'bad_data: parse error' }, 0, 1, 5), /bad_data/)
  t.throws(() => deriveActivations({ status: 'success', data: { resultType: 'vector', result: [] } }, 0, 1, 5), /matrix/)
  t.same(deriveActivations({ status: 'success', data: { resultType: 'matrix', result: [] } }, 0, 1, 5), [])
})

const history = (): AlertHistory => ({
  prometheusUrl: 'http://127.0.0.60:9090',
  available: true,
  error: null,
  from: ms(FROM),
  to: ms(TO),
  stepS: 5,
  activations: deriveActivations(recorded, ms(FROM), ms(TO), 5),
})
const unexpected = [{ alert: 'NoPostgresPrimary' }, { alert: 'PostgresMultiplePrimaries' }]
// What else fires in the recorded history, allowed by the drills below so each test judges one thing.
const allowed = [{ alert: 'LatencyP99High' }, { alert: 'MonitoredComponentDown' }]

t.test('expectations: a short hold asks for pending, a long one for firing; both must clear', async (t) => {
  const expected: AlertExpectation[] = [
    { alert: 'AppNodeDown', labels: { host: 'app1', reason: 'not_answering' }, minHoldS: 45, why: 'app1 gone' },
    { alert: 'PostgresMemberDown', labels: { host: 'db1' }, minHoldS: 75, why: 'db1 gone' },
  ]
  const short = checkAlerts(history(), expected, unexpected, ms(FAULT), 30, allowed)
  t.ok(short.pass, short.value)
  t.match(short.outcomes.find((o) => o.expectation.startsWith('PostgresMemberDown'))!, { pass: true, seen: 'pending +5 s, resolved +45 s' })
  t.match(short.outcomes.find((o) => o.expectation === 'NoPostgresPrimary')!, { pass: true, seen: /pending only/ })

  const long = checkAlerts(history(), expected, unexpected, ms(FAULT), 90, allowed)
  t.notOk(long.pass, 'at a 90 s hold PostgresMemberDown must fire, and it did not')
  t.match(long.value, /PostgresMemberDown\{host="db1"\}: pending \+5 s, resolved \+45 s/)
  t.ok(long.outcomes.find((o) => o.expectation.startsWith('AppNodeDown'))!.pass, 'AppNodeDown fired and resolved')

  const stillOn = checkAlerts(history(), [{ alert: 'LatencyP99High', why: 'writes waited' }], [], ms(FAULT), 30, allowed)
  t.notOk(stillOn.pass, 'an expected alert still firing at the end fails')
  t.match(stillOn.value, /still active at the end/)

  const missing = checkAlerts(history(), [{ alert: 'AppNodeDown', labels: { host: 'app3' }, why: 'app3 gone' }], [], ms(FAULT), 30, allowed)
  t.notOk(missing.pass)
  t.match(missing.value, /not seen/)

  const leftover = checkAlerts(history(), [{ alert: 'AppNodeDown', labels: { host: 'app2' }, why: 'app2 gone' }], [], ms(FAULT), 30)
  t.notOk(leftover.pass, 'an activation from before the window does not count for this fault')
})

t.test('expectations: an unexpected alert that fired fails; so does any firing alert the drill did not foresee', async (t) => {
  const bad = checkAlerts(history(), [], [{ alert: 'MonitoredComponentDown', labels: { monitors: 'db1' } }], ms(FAULT), 30, [{ alert: 'LatencyP99High' }, { alert: 'AppNodeDown' }])
  t.notOk(bad.pass)
  t.match(bad.value, /fired \+60 s, resolved \+75 s; fired \+90 s, resolved \+100 s/)
  const none = checkAlerts(history(), [], [], ms(FAULT), 30)
  t.notOk(none.pass, 'nothing declared, but alerts fired after the fault')
  t.match(none.value, /AppNodeDown\{[^}]*host="app1"[^}]*\}: pending \+10 s, fired \+40 s/)
  t.match(none.value, /LatencyP99High: pending \+25 s, fired \+145 s/)
  t.ok(checkAlerts(history(), [], [], ms(FAULT), 30, [{ alert: 'AppNodeDown' }, ...allowed]).pass, 'each one allowed: passes')
})

t.test('Prometheus unreachable: reported, never thrown; a drill with expectations fails its check', async (t) => {
  // A port nothing listens on: bind one, note it, close it.
  const closed = createServer()
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
  const port = (closed.address() as AddressInfo).port
  await new Promise<void>((r) => closed.close(() => r()))
  const h = await fetchAlertHistory(`http://127.0.0.1:${port}`, ms(FROM), ms(TO))
  t.equal(h.available, false)
  t.match(h.error, /could not be queried: ECONNREFUSED/)
  t.same(h.activations, [])
  const check = checkAlerts(h, [{ alert: 'AppNodeDown', why: 'x' }], [], ms(FAULT), 30)
  t.notOk(check.pass, 'unknown is not a pass')
  t.match(check.value, /could not be queried/)
  t.notOk(checkAlerts(h, [], [], ms(FAULT), 30).pass, 'nothing declared is no excuse: unread alerts are not a pass')

  const html = renderAlertsHtml({ alerts: { history: h, check, expected: [], unexpected: [] }, run: { faultAt: ms(FAULT) }, drill: { name: 'x' } } as unknown as DrillReport)
  t.match(html, /Prometheus could not be read/)
})

t.test('fetch: asks query_range for ALERTS over the window at the step', async (t) => {
  let asked: URL | null = null
  const server = createServer((req, res) => {
    asked = new URL(req.url ?? '/', 'http://x')
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(recorded))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const h = await fetchAlertHistory(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, ms(FROM), ms(TO), 5)
  t.ok(h.available, h.error ?? '')
  t.equal(asked!.pathname, '/api/v1/query_range')
  t.equal(asked!.searchParams.get('query'), 'ALERTS')
  t.equal(asked!.searchParams.get('step'), '5s')
  t.equal(Number(asked!.searchParams.get('start')), FROM)
  t.equal(Number(asked!.searchParams.get('end')), TO)
  t.equal(h.activations.length, 7)
})

t.test('report: the Alerts table, relative to the fault', async (t) => {
  const expected = [{ alert: 'AppNodeDown', labels: { host: 'app1', reason: 'not_answering' }, minHoldS: 45, why: 'app1 <gone>' }]
  const h = history()
  const report = {
    drill: { name: 'incident-2019-01-25' },
    run: { faultAt: ms(FAULT) },
    alerts: { history: h, check: checkAlerts(h, expected, unexpected, ms(FAULT), 30, allowed), expected, unexpected },
  } as unknown as DrillReport
  const html = renderAlertsHtml(report)
  t.match(html, /<td>AppNodeDown<\/td><td><small>component=app, host=app1, [^<]*<\/small><\/td><td>\+10 s <small>\(\d\d:\d\d:\d\d\)<\/small><\/td><td>\+40 s/)
  t.match(html, /<td>LatencyP99High<\/td>.*still active at the end/)
  t.match(html, /already on before the drill/)
  t.match(html, /app1 &lt;gone&gt;/, 'escaped')
})

t.test('expectations: a reportOnly matcher shows its mismatch without failing the check', async (t) => {
  const matcher = { alert: 'MonitoredComponentDown', labels: { monitors: 'db1' }, reportOnly: 'known to sit at its for: edge' }
  const check = checkAlerts(history(), [], [matcher], ms(FAULT), 30, [{ alert: 'LatencyP99High' }, { alert: 'AppNodeDown' }])
  t.ok(check.pass)
  t.match(check.value, /MonitoredComponentDown\{monitors="db1"\} \(reported, not judged\): fired \+60 s/)
  t.match(check.outcomes[0], { pass: false, judged: false })
  t.notOk(checkAlerts(history(), [], [{ ...matcher, reportOnly: undefined }], ms(FAULT), 30, [{ alert: 'LatencyP99High' }, { alert: 'AppNodeDown' }]).pass, 'the same matcher judged fails')
})

// etcd-member-loss (run 20261206T083914Z) failed on a LatencyP99High that began in the drill before.
t.test('a drill starts only once the alerts it could be judged on have cleared', async (t) => {
  const p99 = { alert: 'LatencyP99High', labels: { severity: 'warning' }, state: 'pending' }
  const member = { alert: 'PostgresMemberDown', labels: { host: 'db1' }, state: 'firing' }
  t.same(alertsBlockingStart([p99, member], []), [p99, member], 'nothing allowed: both hold the start')
  t.same(alertsBlockingStart([p99, member], [{ alert: 'LatencyP99High' }]), [member], 'one the drill allows cannot decide its verdict')
  t.same(alertsBlockingStart([member], [{ alert: 'PostgresMemberDown', labels: { host: 'db2' } }]), [member], 'allowed for another host: still holds it')
  t.same(alertsBlockingStart([], []), [], 'none active: start')
  const overdue = { alert: 'OverdueHandoversGrowing', labels: { component: 'business' }, state: 'pending' }
  t.same(alertsBlockingStart([overdue, p99], []), [p99], "the officers' business alerts follow the data, not the cluster: they do not hold it")
})
