// One step of the benchmark: a constant arrival rate of one scenario, after a short warm-up at half
// the rate. bench-runner.ts runs one k6 process per step and raises the rate until the step misses
// the SLO below; this script only offers the load and reports it (handleSummary → SUMMARY_FILE).
//
// Variables: SCENARIO (see EXEC), RATE (iterations/s), DURATION, WARMUP, FIXTURE_FILE (ids, tokens,
// URLs: bench-fixtures.ts), OFFICERS_FILE (the officer workload's officers, for `mixed`),
// WRITE_FRACTION (bare-mix), SUMMARY_FILE.
import http from 'k6/http'
import { check } from 'k6'
import { PATHS, query } from '../lib/officer-api.js'
import { containerNumber, declarationNumber, random11, randomInt } from '../lib/customs-identifiers.js'
import { officerAction } from '../officer-workload.js'

const fixture = JSON.parse(open(__ENV.FIXTURE_FILE))
const RATE = Number(__ENV.RATE || 1)
const SCENARIO = __ENV.SCENARIO
const WRITE_FRACTION = Number(__ENV.WRITE_FRACTION || 0.5)
// The service's SLO, and what the step is judged on (bench-runner reads the same numbers).
const P99_MS = Number(__ENV.P99_MS || 50)

// A session of the mixed workload makes ~3 requests; the others one per iteration.
const requestsPerIteration = SCENARIO === 'mixed' ? 3.5 : 1
// VUs for ~100 ms per request at the offered rate up front, and up to half a second's worth when the
// server (or this shared machine) stalls: k6 adds VUs slowly, and an arrival without one is dropped.
const vus = Math.ceil(RATE * requestsPerIteration * 0.1) + 20
const scenario = (rate, duration, phase, startTime) => ({
  executor: 'constant-arrival-rate',
  rate,
  timeUnit: '1s',
  duration,
  startTime,
  preAllocatedVUs: vus,
  maxVUs: vus * 5,
  exec: 'step',
  tags: { phase },
  gracefulStop: '10s',
})

export const options = {
  scenarios: {
    warmup: scenario(Math.max(1, Math.round(RATE / 2)), __ENV.WARMUP || '5s', 'warmup', '0s'),
    main: scenario(RATE, __ENV.DURATION || '20s', 'main', __ENV.WARMUP || '5s'),
  },
  // Sub-metrics of the measured phase only; a threshold is what makes k6 report a sub-metric.
  thresholds: {
    'http_req_duration{phase:main}': [`p(99)<${P99_MS}`],
    'http_req_failed{phase:main}': ['rate<=0'],
    'http_reqs{phase:main}': ['count>=0'],
    'http_reqs{phase:main,op:write}': ['count>=0'],
    'iterations{phase:main}': ['count>=0'],
    'dropped_iterations{scenario:main}': ['count>=0'],
  },
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  discardResponseBodies: SCENARIO !== 'mixed',
}

const token = (office) => fixture.tokens[office]
const headers = (office, extra = {}) => ({ Authorization: `Bearer ${token(office)}`, 'Content-Type': 'application/json', ...extra })
const any = (list) => list[randomInt(list.length)]
let seq = 0
// Every step is a new k6 process with VU numbers from 1 again: without a salt a key of an earlier step
// comes back with another body, and the service rightly answers 422 IDEMPOTENCY_KEY_REUSED.
const SALT = Math.random().toString(36).slice(2, 8)

function get(url, office, kind) {
  const res = http.get(url, { headers: office ? headers(office) : {}, tags: { kind, op: 'read', name: kind } })
  check(res, { [`${kind} 200`]: (r) => r.status === 200 })
}

function post(url, office, kind, body, key) {
  const extra = key ? { 'Idempotency-Key': key } : {}
  const res = http.post(url, JSON.stringify(body), { headers: office ? headers(office, extra) : { 'Content-Type': 'application/json' }, tags: { kind, op: 'write', name: kind } })
  check(res, { [`${kind} 201`]: (r) => r.status === 201 })
}

function handoverBody(office) {
  const n = __VU * 1_000_000 + ++seq
  return {
    destinationOffice: fixture.createDestination,
    destinationPlace: 'ICD Sóng Thần',
    declarationNumbers: [declarationNumber('import', random11())],
    containers: [0, 1].map((i) => ({ containerNumber: containerNumber(n * 2 + i, __VU + i), carrierSeal: `CS${n}${i}`, customsSeal: `HQ${n}${i}` })),
    vehicle: `51C-${String(randomInt(100000)).padStart(5, '0')}`,
    route: `Cảng Cát Lái → ICD Sóng Thần (${office})`,
    dueAt: new Date(Date.now() + 8 * 3600_000).toISOString(),
  }
}

const bareGet = () => get(`${fixture.bareUrl}/bare/handovers/${any(fixture.handovers).id}`, null, 'bare.get')
const barePost = () => post(`${fixture.bareUrl}/bare/rows`, null, 'bare.post', { at: Date.now(), vu: __VU, n: ++seq })

const EXEC = {
  'handover.get': () => {
    const h = any(fixture.handovers)
    get(fixture.apiUrl + PATHS.handover(h.id), h.office, 'handover.get')
  },
  'handover.search': () => {
    const c = any(fixture.containers)
    get(`${fixture.apiUrl}${PATHS.handovers}?${query({ containerNumber: c.containerNumber, limit: 20 })}`, c.office, 'handover.search')
  },
  'handover.create': () => {
    const office = any(fixture.createOffices)
    post(fixture.apiUrl + PATHS.handovers, office, 'handover.create', handoverBody(office), `bench-${fixture.runId}-${SALT}-${__VU}-${++seq}`)
  },
  mixed: officerAction,
  'bare.get': bareGet,
  'bare.post': barePost,
  'bare.mix': () => (Math.random() < WRITE_FRACTION ? barePost() : bareGet()),
}

if (!EXEC[SCENARIO]) throw new Error(`unknown SCENARIO ${SCENARIO}: one of ${Object.keys(EXEC).join(', ')}`)

// Async: the mixed scenario's officer sessions await their requests (officer-api.js's client).
export async function step() {
  await EXEC[SCENARIO]()
}

export function handleSummary(data) {
  return { [__ENV.SUMMARY_FILE]: JSON.stringify(data) }
}
