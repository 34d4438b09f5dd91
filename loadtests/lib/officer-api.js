// The officer's calls against /api/v1: each write carries an Idempotency-Key, is tagged
// op:write + kind, and is journaled; an acknowledged write is journaled as an ack with what the
// checker must find afterwards. Paths live here only.
import http from 'k6/http'
import { check, sleep } from 'k6'
import { journalAck, journalRequest } from './write-journal.js'

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.10:8080').replace(/\/$/, '')

// The officer's client, as docs/api.md ("When no answer comes") asks every client to be:
//
// - The whole request, every re-send included, within what most HTTP clients wait: 30 s
//   (HAPROXY_TIMING in infra/launcher/render/haproxy-config.ts sizes the holds and timeouts to fit).
// - Silence on a connection is the only sign that the host carrying it lost power: a load balancer
//   holding the floating address takes the TCP connections it carried with it, and nothing, not
//   even a reset, reaches the client while it waits. So a request with no answer after SILENCE_MS is
//   re-sent on a new connection, which reaches whichever balancer holds the address now — only a
//   request that is safe to send twice: a read, or a write with its Idempotency-Key (the same key:
//   the change is made once, and a re-send after it answers the stored outcome). The server answers
//   a read within 5 s whichever app node dies (HAProxy asks another after 3 s); a write may wait out
//   a database failover (27 s), so a slow write is re-sent too, and the re-sends wait beside it.
// - 409 IDEMPOTENCY_KEY_IN_USE (a re-send overtook the first attempt): pause 1 s, send again; a
//   reset or refused connection: pause 0.5 s, send again.
// A reset on a reused connection Go's HTTP client (k6's) re-sends on its own for such requests.
// Each re-send is journaled with the attempt before it, so the drill shows every one.
const BUDGET_MS = seconds(__ENV.REQUEST_TIMEOUT || '30s') * 1000
export const SILENCE_MS = { read: 5_000, write: 10_000 }
const IN_USE_PAUSE_MS = 1_000
const ERROR_PAUSE_MS = 500

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

function codeOf(res) {
  try {
    return res.json('code') ?? null
  } catch {
    return null
  }
}

/** One request as the officer's client sends it: re-sent after silence or IN_USE, within the budget. */
function send(method, path, officer, kind, op, body, extraHeaders) {
  const start = Date.now()
  const deadline = start + BUDGET_MS
  const payload = body === undefined ? null : JSON.stringify(body)
  const earlier = []
  for (;;) {
    const attemptMs = Math.min(SILENCE_MS[op], deadline - Date.now())
    const res = http.request(method, BASE_URL + path, payload, {
      headers: headers(officer, extraHeaders),
      tags: { kind, op, name: kind },
      timeout: `${Math.max(1, attemptMs)}ms`,
    })
    const resend = res.status === 0 || inUse(res)
    // A refused or reset connection fails at once: half a second before the next, never a tight loop.
    const pause = inUse(res) ? IN_USE_PAUSE_MS : res.status === 0 && res.timings.duration < 1_000 ? ERROR_PAUSE_MS : 0
    // Another attempt only if it can still be given a fair wait (a second) inside the budget.
    if (!resend || Date.now() + pause + 1_000 > deadline) {
      journalRequest(kind, op, start, res, earlier)
      return res
    }
    earlier.push({ status: res.status, code: res.status ? codeOf(res) : null, error: res.status === 0 ? String(res.error || res.error_code || 'no response') : null, ms: Math.round(res.timings.duration) })
    if (pause) sleep(pause / 1000)
  }
}

function bodyOf(res) {
  try {
    return res.json()
  } catch {
    return null
  }
}

/** A write: sends with its Idempotency-Key; on a 2xx with an id, journals the ack. */
export function write(method, path, officer, kind, key, body, idOf, expectOf, extraHeaders = {}) {
  const res = send(method, path, officer, kind, 'write', body, { 'Idempotency-Key': key, ...extraHeaders })
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
export function read(path, officer, kind) {
  const res = send('GET', path, officer, kind, 'read')
  check(res, { [`${kind} answered`]: (r) => r.status >= 200 && r.status < 300 })
  return res.status >= 200 && res.status < 300 ? bodyOf(res) : null
}

export { query }
