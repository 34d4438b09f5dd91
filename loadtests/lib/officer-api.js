// The officer's calls against /api/v1: each write carries an Idempotency-Key, is tagged
// op:write + kind, and is journaled; an acknowledged write is journaled as an ack with what the
// checker must find afterwards. Paths live here only.
import http from 'k6/http'
import { check } from 'k6'
import { journalAck, journalRequest } from './write-journal.js'

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.10:8080').replace(/\/$/, '')

// The officer's client, as docs/api.md ("When no answer comes") asks every client to be:
//
// - The whole request, every attempt included, within what most HTTP clients wait: 30 s
//   (HAPROXY_TIMING in infra/launcher/render/haproxy-config.ts sizes the holds and timeouts to fit).
// - Silence on a connection is the only sign that the host carrying it lost power: a load balancer
//   holding the floating address takes the TCP connections it carried with it, and nothing, not
//   even a reset, reaches the client while it waits. Silence cannot tell that from a slow answer (a
//   write waiting out a database failover, up to 27 s), so a request with no answer after
//   SILENCE_MS is sent once more on a new connection WITHOUT giving up the first: whichever gives
//   an answer first decides (a hedged request). Only a request safe to send twice: a read, or a
//   write with its Idempotency-Key (the same key: the change is made once, and a later attempt
//   answers the stored outcome). An attempt that finds the first still holding the key (409
//   IDEMPOTENCY_KEY_IN_USE) asks again a second later; the first attempt's own answer (a 201, or a
//   503 after the write hold) still comes on its connection if that connection lives.
// - A timeout, reset or refused connection with no other attempt open: pause 0.5 s, send again. A
//   TLS or DNS error is not sent again: it would fail the same way.
// Every attempt but the deciding one is journaled with the request, so the drill shows each.
const BUDGET_MS = seconds(__ENV.REQUEST_TIMEOUT || '30s') * 1000
// From HAPROXY_TIMING (clientReadSilenceS, clientWriteSilenceS) when the drills start k6.
export const SILENCE_MS = { read: Number(__ENV.CLIENT_READ_SILENCE_MS || 5_000), write: Number(__ENV.CLIENT_WRITE_SILENCE_MS || 10_000) }
const IN_USE_PAUSE_MS = 1_000
const ERROR_PAUSE_MS = 500
/** Another attempt only if it can still be given a fair wait inside the budget. */
const MIN_ATTEMPT_MS = 1_000

function seconds(text) {
  const s = Number(String(text).replace(/s$/, ''))
  if (!Number.isFinite(s) || s <= 0) throw new Error(`REQUEST_TIMEOUT: expected seconds such as 30s, got ${text}`)
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

const pause = (ms) => {
  const t = timer(ms)
  return t.promise
}

/**
 * One request as the officer's client sends it (the header): attempts added after silence, after
 * IN_USE, or after a transport error, all inside the budget; the first deciding answer wins.
 */
async function send(method, path, officer, kind, op, body, extraHeaders) {
  const start = Date.now()
  const deadline = start + BUDGET_MS
  const payload = body === undefined ? null : JSON.stringify(body)
  const params = { headers: headers(officer, extraHeaders), tags: { kind, op, name: kind } }
  const attempts = []
  const launch = () => {
    const a = { t0: Date.now(), res: null, end: null, seen: false }
    a.promise = http.asyncRequest(method, BASE_URL + path, payload, { ...params, timeout: `${Math.max(1, deadline - a.t0)}ms` }).then((res) => {
      a.res = res
      a.end = Date.now()
      return a
    })
    attempts.push(a)
    return a
  }
  const roomFor = (waitMs) => Date.now() + waitMs + MIN_ATTEMPT_MS <= deadline
  let decided = null
  launch()
  while (decided === null) {
    // An answer that came while this loop paused is handled before waiting for more.
    let woke = attempts.find((a) => a.res !== null && !a.seen) ?? null
    if (woke === null) {
      const open = attempts.filter((a) => a.res === null)
      if (open.length === 0) {
        decided = attempts[attempts.length - 1]
        break
      }
      // Silence since the last attempt adds one beside it, while one more still has room.
      const hedgeIn = attempts[attempts.length - 1].t0 + SILENCE_MS[op] - Date.now()
      const silence = roomFor(Math.max(0, hedgeIn)) ? timer(hedgeIn) : null
      woke = await Promise.race([...open.map((a) => a.promise), ...(silence ? [silence.promise] : [])])
      if (silence) silence.cancel()
      if (woke === null) {
        launch()
        continue
      }
    }
    woke.seen = true
    const res = woke.res
    if (inUse(res)) {
      if (roomFor(IN_USE_PAUSE_MS)) {
        await pause(IN_USE_PAUSE_MS)
        launch()
      } else if (!attempts.some((a) => a.res === null)) decided = woke
    } else if (transient(res)) {
      // Another attempt is still open: it may yet answer, and the silence timer adds one if not.
      if (attempts.some((a) => a.res === null)) continue
      if (roomFor(ERROR_PAUSE_MS)) {
        await pause(ERROR_PAUSE_MS)
        launch()
      } else decided = woke
    } else {
      decided = woke
    }
  }
  const describe = (a) =>
    a.res
      ? { status: a.res.status, code: a.res.status ? codeOf(a.res) : null, error: a.res.status === 0 ? String(a.res.error || a.res.error_code || 'no response') : null, ms: a.end - a.t0 }
      : { status: 0, code: null, error: 'no answer yet (left open)', ms: Date.now() - a.t0 }
  // What the first attempt got says why the others were sent (it may be the deciding one: slow).
  const earlier = attempts.filter((a) => a !== decided).map(describe)
  journalRequest(kind, op, start, decided.res, earlier, earlier.length ? { ...describe(attempts[0]), decided: attempts[0] === decided } : null)
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
