// The officer's calls against /api/v1: each write carries an Idempotency-Key, is tagged
// op:write + kind, and is journaled; an acknowledged write is journaled as an ack with what the
// checker must find afterwards. Paths live here only.
import http from 'k6/http'
import { check } from 'k6'
import { journalAck, journalLate, journalRequest } from './write-journal.js'

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.10:8080').replace(/\/$/, '')

// The officer's client, as docs/api.md ("When no answer comes") asks every client to be:
//
// - The whole request, every attempt included, within what most HTTP clients wait: 30 s
//   (HAPROXY_TIMING in infra/launcher/render/haproxy-config.ts sizes the holds and timeouts to fit).
// - Silence on a connection is the only sign that the host carrying it lost power: a load balancer
//   holding the floating address takes the TCP connections it carried with it, and nothing, not
//   even a reset, reaches the client while it waits. Silence cannot tell that from a slow answer (a
//   write waiting out a database failover, up to 27 s), so a request with no answer after
//   SILENCE_MS gets one more attempt on a new connection WITHOUT giving up the first (a hedged
//   request; never more than two open at once). A success decides, from whichever attempt; so does
//   any answer of the first attempt (its own answer: a 503 after the write hold, a 4xx); another
//   attempt's failure decides only when nothing else is open. Only a request safe to send twice: a
//   read, or a write with its Idempotency-Key (the same key: the change is made once, and a later
//   attempt answers the stored outcome).
// - 409 IDEMPOTENCY_KEY_IN_USE (the first still runs somewhere): ask again after 1 s, then 2, then 4.
// - A timeout, reset or refused connection with no other attempt open: again after 0.5 s. A TLS or
//   DNS error k6 names is not worth another attempt: it fails the same way.
// Every attempt but the deciding one is journaled with the request, so the drill shows each; an
// attempt left open is journaled again with the answer it gets later.
const BUDGET_MS = seconds(__ENV.REQUEST_TIMEOUT || '30s') * 1000
// From HAPROXY_TIMING (clientReadSilenceS, clientWriteSilenceS) when the drills start k6; the
// defaults are the same values (test/unit/request-budget.test.ts).
export const SILENCE_MS = {
  read: seconds(`${Number(__ENV.CLIENT_READ_SILENCE_MS || 5_000) / 1000}s`, 'CLIENT_READ_SILENCE_MS') * 1000,
  write: seconds(`${Number(__ENV.CLIENT_WRITE_SILENCE_MS || 10_000) / 1000}s`, 'CLIENT_WRITE_SILENCE_MS') * 1000,
}
const MAX_OPEN = 2
const IN_USE_PAUSE_MS = [1_000, 2_000, 4_000]
const ERROR_PAUSE_MS = 500
/** Another attempt only if it can still be given a fair wait inside the budget. */
const MIN_ATTEMPT_MS = 1_000

function seconds(text, name = 'REQUEST_TIMEOUT') {
  const s = Number(String(text).replace(/s$/, ''))
  if (!Number.isFinite(s) || s <= 0) throw new Error(`${name}: expected a positive time, got ${text}`)
  return s
}

export const PATHS = {
  handovers: '/api/v1/handovers',
  handover: (id) => `/api/v1/handovers/${id}`,
  handoverReceipt: (id) => `/api/v1/handovers/${id}/receipt`,
  handoverAmendments: (id) => `/api/v1/handovers/${id}/amendments`,
  handoverIncidents: (id) => `/api/v1/handovers/${id}/incidents`,
  extensionRequest: (id) => `/api/v1/handovers/${id}/approval-requests/extension`,
  approve: (id) => `/api/v1/approvals/${id}/approve`,
  gateList: (dn) => `/api/v1/gate/declarations/${dn}`,
  gateContainerConfirmations: (dn, cn) => `/api/v1/gate/declarations/${dn}/containers/${cn}/confirmations`,
  gateConfirmations: '/api/v1/gate/confirmations',
  paperDeclarations: '/api/v1/paper-declarations',
  paperDeclaration: (id) => `/api/v1/paper-declarations/${id}`,
}

const query = (params) =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&')

function headers(officer, extra = {}) {
  return { Authorization: `Bearer ${officer.token}`, 'Content-Type': 'application/json', Accept: 'application/json', ...extra }
}

const inUse = (res) => res.status === 409 && codeOf(res) === 'IDEMPOTENCY_KEY_IN_USE'

// k6's error codes (docs: k6 error codes): 1050 a timeout, 12xx TCP (refused, reset, dial timeout),
// 1000/1010 a network error k6 did not name. DNS (11xx), TLS (13xx) and a bad URL are permanent.
const transient = (res) =>
  res.status === 0 && (!res.error_code || res.error_code === 1000 || res.error_code === 1010 || res.error_code === 1050 || (res.error_code >= 1200 && res.error_code < 1300))

function codeOf(res) {
  try {
    return res.json('code') ?? null
  } catch {
    return null
  }
}

/** A timer that can be cancelled: a k6 iteration lasts until its last timer has fired. */
function timer(ms) {
  let handle
  const promise = new Promise((resolve) => (handle = setTimeout(() => resolve(null), Math.max(0, ms))))
  return { promise, cancel: () => clearTimeout(handle) }
}

const success = (res) => res.status >= 200 && res.status < 300

/**
 * One request as the officer's client sends it (the header): attempts added after silence, after
 * IN_USE, or after a transport error, all inside the budget; the header's rules decide.
 */
async function send(method, path, officer, kind, op, body, extraHeaders) {
  const start = Date.now()
  const deadline = start + BUDGET_MS
  const payload = body === undefined ? null : JSON.stringify(body)
  const params = { headers: headers(officer, extraHeaders), tags: { kind, op, name: kind } }
  const key = extraHeaders?.['Idempotency-Key'] ?? null
  const attempts = []
  const launch = () => {
    const a = { t0: Date.now(), res: null, end: null, seen: false }
    a.promise = http.asyncRequest(method, BASE_URL + path, payload, { ...params, timeout: `${Math.max(1, deadline - a.t0)}ms` }).then((res) => {
      a.res = res
      a.end = Date.now()
      return a
    })
    attempts.push(a)
  }
  const open = () => attempts.filter((a) => a.res === null)
  let decided = null
  /** An extra attempt's failure, kept while another attempt may still answer. */
  let candidate = null
  /** When an attempt was asked for (after IN_USE or a transport error), if one was. */
  let askedAt = null
  let inUseCount = 0
  launch()
  for (;;) {
    // Every answer not yet looked at, in the order sent: one may have come during a wait.
    for (const a of attempts) {
      if (a.res === null || a.seen) continue
      a.seen = true
      if (success(a.res)) decided = decided ?? a
      else if (inUse(a.res)) askedAt = Date.now() + IN_USE_PAUSE_MS[Math.min(inUseCount++, IN_USE_PAUSE_MS.length - 1)]
      // A transport error while another attempt is open waits for that one (and the silence rule).
      else if (transient(a.res)) askedAt = open().length === 0 ? (askedAt ?? Date.now() + ERROR_PAUSE_MS) : askedAt
      else if (a === attempts[0]) decided = decided ?? a
      else candidate = a
    }
    if (decided !== null) break
    const openNow = open()
    if (openNow.length === 0 && candidate !== null) {
      decided = candidate
      break
    }
    const hedgeAt = attempts[attempts.length - 1].t0 + SILENCE_MS[op]
    const launchAt = openNow.length === 0 ? (askedAt ?? Date.now()) : Math.min(hedgeAt, askedAt ?? Number.POSITIVE_INFINITY)
    const canLaunch = openNow.length < MAX_OPEN && launchAt + MIN_ATTEMPT_MS <= deadline
    if (!canLaunch && openNow.length === 0) {
      decided = candidate ?? attempts[attempts.length - 1]
      break
    }
    const wait = canLaunch ? timer(launchAt - Date.now()) : null
    const woke = await Promise.race([...openNow.map((a) => a.promise), ...(wait ? [wait.promise] : [])])
    if (wait) wait.cancel()
    if (woke === null) {
      askedAt = null
      launch()
    }
  }
  const describe = (a) =>
    a.res
      ? { status: a.res.status, code: a.res.status ? codeOf(a.res) : null, error: a.res.status === 0 ? String(a.res.error || a.res.error_code || 'no response') : null, ms: a.end - a.t0 }
      : { status: 0, code: null, error: 'no answer yet (left open)', ms: decided.end - a.t0 }
  // What the first attempt got says why the others were sent (it may be the deciding one: slow).
  const earlier = attempts.filter((a) => a !== decided).map(describe)
  journalRequest(kind, op, start, decided.end, decided.res, earlier, earlier.length ? { ...describe(attempts[0]), decided: attempts[0] === decided } : null, key)
  // An attempt left open still gets an answer (or its timeout, inside the budget); k6 ends the
  // iteration only after it (an iteration waits for its pending requests), so journaling it costs
  // the load nothing and lets the drill judge what the service answered there.
  // k6 resolves with a status-0 response rather than rejecting (throw: false); a rejection anyway is
  // journaled as an error of its own, never left uncaught.
  for (const a of open()) a.promise.then((done) => journalLate(kind, op, done.t0, done.end, done.res, key), (err) => journalLate(kind, op, a.t0, Date.now(), { status: 0, error: String(err) }, key))
  return decided.res
}

function bodyOf(res) {
  try {
    return res.json()
  } catch {
    return null
  }
}

/** A write: sends with its Idempotency-Key; on a 2xx with an id, journals the ack. */
export async function write(method, path, officer, kind, key, body, idOf, expectOf, extraHeaders = {}) {
  const res = await send(method, path, officer, kind, 'write', body, { 'Idempotency-Key': key, ...extraHeaders })
  const ok = res.status >= 200 && res.status < 300
  const parsed = ok ? bodyOf(res) : null
  const id = parsed ? idOf(parsed) : null
  check(res, { [`${kind} acknowledged with an id`]: () => ok && id !== null && id !== undefined })
  if (ok && id !== null && id !== undefined) {
    journalAck(kind, officer.id, key, String(id), expectOf ? expectOf(parsed) : {})
    return parsed
  }
  return null
}

/** A read: 2xx is success; the parsed body or null. */
export async function read(path, officer, kind) {
  const res = await send('GET', path, officer, kind, 'read')
  check(res, { [`${kind} answered`]: (r) => r.status >= 200 && r.status < 300 })
  return res.status >= 200 && res.status < 300 ? bodyOf(res) : null
}

export { query }
