// Shared load profiles (after grafana/quickpizza's load-options.js): every k6 script takes its
// scenario from here, picked by the PROFILE variable, so "average" means the same load everywhere.
//
// Officer traffic is open: officers do not wait for the previous answer before the next truck
// arrives at the gate. Every profile therefore uses an arrival-rate executor, so a stalled server
// shows up as late or dropped iterations instead of silently lowering the offered load (the
// coordinated-omission trap of closed loops).
//
// Numbers (an iteration is one officer session of 3–5 requests, see officer-workload.js): 14 M
// declarations a year ≈ 50,000 a working day, about half of them in Ho Chi Minh City's ports; one
// declaration causes several sessions (handover, receipt, gate confirmations, lookups), with
// daytime peaks of 10× the average hour. The local cluster shares 2 cores between three app nodes,
// three PostgreSQL and k6, so the rates are scaled down; RATE_SCALE scales every profile.

const rateScale = Number(__ENV.RATE_SCALE || 1)
const rate = (perSecond) => Math.max(1, Math.round(perSecond * rateScale))

// VUs: every arrival needs a free VU. A session waits while a failover holds its writes (up to
// 35 s, then HAProxy's 45 s), and k6 starts extra VUs one at a time, too slowly to catch up: an
// arrival without a VU is dropped (dropped_iterations), which hides exactly the stall a drill is
// looking for. So all of them are allocated up front, for a 50 s stall.
const vusFor = (perSecond, stallSeconds = 50) => Math.ceil(perSecond * stallSeconds) + 20
const preAllocated = vusFor

export const profiles = {
  /** Is the workload sane at all: one session a second for 30 s. */
  smoke: () => ({
    executor: 'constant-arrival-rate',
    rate: 1,
    timeUnit: '1s',
    duration: __ENV.DURATION || '30s',
    preAllocatedVUs: 5,
    maxVUs: 20,
  }),
  /** A normal working day's peak hour at the local scale. */
  average: () => ({
    executor: 'ramping-arrival-rate',
    startRate: rate(1),
    timeUnit: '1s',
    preAllocatedVUs: preAllocated(rate(3)),
    maxVUs: vusFor(rate(3)),
    stages: [
      { target: rate(3), duration: '1m' },
      { target: rate(3), duration: __ENV.DURATION || '5m' },
      { target: 0, duration: '30s' },
    ],
  }),
  /** A ship discharged at once, or officers back-entering paper after an outage: 5× in seconds. */
  spike: () => ({
    executor: 'ramping-arrival-rate',
    startRate: rate(2),
    timeUnit: '1s',
    preAllocatedVUs: preAllocated(rate(10), 15),
    maxVUs: vusFor(rate(10), 15),
    stages: [
      { target: rate(2), duration: '30s' },
      { target: rate(10), duration: '10s' },
      { target: rate(10), duration: '1m' },
      { target: rate(2), duration: '10s' },
      { target: rate(2), duration: '1m' },
    ],
  }),
  /** A long shift at the average rate: leaks, pool exhaustion, idempotency-key growth. */
  soak: () => ({
    executor: 'constant-arrival-rate',
    rate: rate(2),
    timeUnit: '1s',
    duration: __ENV.DURATION || '2h',
    preAllocatedVUs: preAllocated(rate(2)),
    maxVUs: vusFor(rate(2)),
  }),
  /**
   * Load under a chaos drill: a constant rate for exactly DURATION, so the drill runner can place
   * the fault inside it. gracefulStop covers a write still riding through a failover at the end.
   */
  drill: () => ({
    executor: 'constant-arrival-rate',
    rate: rate(Number(__ENV.RATE || 4)),
    timeUnit: '1s',
    duration: __ENV.DURATION || '3m',
    preAllocatedVUs: preAllocated(rate(Number(__ENV.RATE || 4))),
    maxVUs: vusFor(rate(Number(__ENV.RATE || 4))),
    gracefulStop: '50s',
  }),
}

/**
 * Under a drill, reads at a steady rate of their own besides the officers' sessions: a session that
 * starts with a write waits out a failover before it reads, so the sessions alone may send no read
 * for seconds, and "longest time without a successful read" then measured the workload's silence,
 * not the service (a CI incident run: 2.5 s without a read sent, while the one read in flight was
 * on the dead app node). READ_PROBE_RATE reads a second, each one list of the office's handovers.
 */
export function readProbeFor(name, exec) {
  if (name !== 'drill') return {}
  const perSecond = Number(__ENV.READ_PROBE_RATE || 5)
  return {
    readProbe: {
      executor: 'constant-arrival-rate',
      rate: perSecond,
      timeUnit: '1s',
      duration: __ENV.DURATION || '3m',
      // A read waits at most HAProxy's read timeout (3 s) and one retry: a few seconds of arrivals.
      preAllocatedVUs: Math.ceil(perSecond * 10),
      maxVUs: Math.ceil(perSecond * 20),
      gracefulStop: '50s',
      exec,
    },
  }
}

export function scenarioFor(name, exec) {
  const make = profiles[name]
  if (!make) throw new Error(`unknown PROFILE ${name}: one of ${Object.keys(profiles).join(', ')}`)
  return { [name]: { ...make(), exec } }
}
