// The officer's calls against /api/v1: each write carries an Idempotency-Key, is tagged
// op:write + kind, and is journaled; an acknowledged write is journaled as an ack with what the
// checker must find afterwards. Paths live here only.
import http from 'k6/http'
import { check } from 'k6'
import { journalAck, journalRequest } from './write-journal.js'

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.10:8080').replace(/\/$/, '')

// What most HTTP clients wait: every answer, a retried one included, must come before
// (HAPROXY_TIMING in infra/launcher/render/haproxy-config.ts sizes the holds and timeouts to fit).
const TIMEOUT = __ENV.REQUEST_TIMEOUT || '30s'

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

function send(method, path, officer, kind, op, body, extraHeaders) {
  const start = Date.now()
  const res = http.request(method, BASE_URL + path, body === undefined ? null : JSON.stringify(body), {
    headers: headers(officer, extraHeaders),
    tags: { kind, op, name: kind },
    timeout: TIMEOUT,
  })
  journalRequest(kind, op, start, res)
  return res
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
