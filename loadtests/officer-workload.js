// The officers' day, as k6 load: goods handovers (create at departure, receive at destination),
// gate confirmations at the supervision area, paper declarations entered and updated, lookups and
// searches, in the proportions below. Every write carries an Idempotency-Key and every
// acknowledged write is journaled for the checker (lib/write-journal.js).
//
//   npm run workload -- smoke      # officers' tokens signed with the cluster's JWT secret, k6 run,
//                                  # then every acknowledged write checked (loadtests/workload-run.ts)
//
// Variables: PROFILE (smoke|average|spike|soak|drill), OFFICERS_FILE, BASE_URL, RATE (drill),
// RATE_SCALE (all profiles), DURATION, RUN_ID.
import exec from 'k6/execution'
import { readProbeFor, scenarioFor } from './lib/load-profiles.js'
import { thresholdsFor } from './lib/slo-thresholds.js'
import { PATHS, query, read, write } from './lib/officer-api.js'
import { containerNumber, declarationNumber, random11, randomInt, taxCode } from './lib/customs-identifiers.js'

const PROFILE = __ENV.PROFILE || 'smoke'
const officers = JSON.parse(open(__ENV.OFFICERS_FILE || '../.run/k6/officers.json'))
const RUN_ID = __ENV.RUN_ID || officers.runId

export const options = {
  scenarios: { ...scenarioFor(PROFILE, 'officerAction'), ...readProbeFor(PROFILE, 'readProbe') },
  thresholds: thresholdsFor(PROFILE),
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
  // One connection per VU as a browser would keep; HAProxy spreads them over the app nodes.
  noConnectionReuse: false,
  discardResponseBodies: false,
}

/**
 * One iteration is one officer's short piece of work, as it happens at a desk or a gate; the
 * weights give the proportions of these sessions, and the requests they make come out at about
 * 60 % writes, 40 % reads:
 *
 *   handover   departure officer records a handover, looks it up and amends its vehicle, asks for an
 *              extension of its time limit, which a supervisor of the office approves (the approvals
 *              queue); a seal is replaced on the road (an incident); destination officer receives it
 *   gate       officer registers a declaration's eligible list, confirms two containers, reads the list
 *   paper      officer enters a paper declaration, reads it back, updates it (status released)
 *   lookup     searches: handovers of the office, gate confirmations, paper declarations
 *
 * Nothing is carried from one iteration to the next, so any VU can run any session: enough VUs
 * are allocated up front (load-profiles.js) that a failover stall never leaves an arrival without
 * a VU (k6 would drop it: dropped_iterations, reported by the drill as a failure to offer load).
 */
export const SESSIONS = [
  ['handover', 25],
  ['gate', 25],
  ['paper', 15],
  ['lookup', 35],
]
const TOTAL_WEIGHT = SESSIONS.reduce((s, [, w]) => s + w, 0)

function pickSession() {
  let r = Math.random() * TOTAL_WEIGHT
  for (const [name, w] of SESSIONS) {
    r -= w
    if (r < 0) return name
  }
  return SESSIONS[0][0]
}

let seq = 0
const vu = () => exec.vu.idInTest
// A per-VU salt: an officers file reused by mistake never repeats a key of an earlier run.
const SALT = Math.random().toString(36).slice(2, 7)
const nextKey = (kind) => `${RUN_ID}-${vu()}${SALT}-${++seq}-${kind}`
const departureOfficer = () => officers.departure[vu() % officers.departure.length]
const destinationOfficer = () => officers.destination[vu() % officers.destination.length]
const supervisor = () => officers.supervisors[vu() % officers.supervisors.length]
/** Unique within the run: receipt numbers, container serials. */
const serial = () => vu() * 100_000 + seq

const iso = (ms) => new Date(ms).toISOString()
/** The calendar year in Vietnam (UTC+7), which numbers paper declarations. */
const vietnamYear = (ms) => new Date(ms + 7 * 3600_000).getUTCFullYear()
const vietnamDate = (ms) => new Date(ms + 7 * 3600_000).toISOString().slice(0, 10)

async function handoverSession() {
  const key = nextKey('handover')
  const containers = [0, 1].map((i) => ({
    containerNumber: containerNumber(serial() * 2 + i, vu() + i),
    carrierSeal: `CS${serial()}${i}`,
    customsSeal: `HQ${serial()}${i}`,
  }))
  const body = {
    destinationOffice: officers.destinationOffice,
    destinationPlace: 'ICD Sóng Thần',
    declarationNumbers: [declarationNumber('import', random11())],
    containers,
    vehicle: `51C-${String(randomInt(100000)).padStart(5, '0')}`,
    // The key in the route text lets the checker find a duplicate created under the same key.
    route: `Cảng Cát Lái → Xa lộ Hà Nội → ICD Sóng Thần [${key}]`,
    dueAt: iso(Date.now() + 8 * 3600_000),
  }
  const created = await write('POST', PATHS.handovers, departureOfficer(), 'handover.create', key, body, (b) => b.id, () => ({ route: body.route }))
  if (!created) return
  await read(PATHS.handover(created.id), departureOfficer(), 'handover.get')
  // An amendment before receipt (If-Match: the version read), then an extension of the time limit,
  // asked for by the officer and approved by a supervisor of the office (the approvals queue): the
  // writes of an officer's day that name a version and need an approval.
  const amended = await write('POST', PATHS.handoverAmendments(created.id), departureOfficer(), 'handover.amend', nextKey('amend'),
    { reason: 'Đổi xe theo báo cáo của lái xe', vehicle: `${body.vehicle}/R` }, (b) => b.id, (b) => ({ version: b.version }), { 'If-Match': '"1"' })
  const asked = amended
    ? await write('POST', PATHS.extensionRequest(created.id), departureOfficer(), 'approval.request', nextKey('askextend'),
      { reason: 'Gia hạn do ùn tắc', dueAt: iso(Date.parse(body.dueAt) + 2 * 3600_000) }, (b) => b.id, undefined,
      { 'If-Match': `"${amended.version}"` })
    : null
  const extended = asked
    ? await write('POST', PATHS.approve(asked.id), supervisor(), 'approval.approve', nextKey('approve'), {}, (b) => b.id, (b) => ({ version: b.version }))
    : null
  if (extended) {
    // An incident on the road: the seal of the first container cut for a check at the port gate and
    // replaced; the receipt below then finds the new seal intact.
    await write('POST', PATHS.handoverIncidents(created.id), departureOfficer(), 'handover.incident', nextKey('incident'), {
      kind: 'SEAL_REPLACED',
      office: officers.departureOffice,
      occurredAt: iso(Date.now()),
      place: 'Cổng B Cảng Cát Lái',
      reason: 'Cắt niêm phong để soi chiếu, niêm phong lại',
      seals: [{ containerNumber: containers[0].containerNumber, oldSeal: containers[0].customsSeal, newSeal: `${containers[0].customsSeal}R` }],
    }, (b) => b.id, (b) => ({ version: b.version }))
  }
  const receipt = {
    containers: containers.map((c) => ({ containerNumber: c.containerNumber, sealState: 'intact' })),
    note: 'Niêm phong nguyên vẹn',
  }
  await write('POST', PATHS.handoverReceipt(created.id), destinationOfficer(), 'handover.receive', nextKey('receipt'), receipt, (b) => b.id ?? created.id)
}

async function gateSession() {
  const dn = declarationNumber('import', random11())
  const containers = [0, 1, 2].map((i) => ({
    containerNumber: containerNumber(serial() * 3 + i, vu() + i + 3),
    carrierSeal: `CS${serial()}${i}`,
    customsSeal: `HQ${serial()}${i}`,
  }))
  const body = {
    office: officers.departureOffice,
    locationCode: `${officers.departureOffice}C03`,
    traderName: 'Công ty TNHH Xuất nhập khẩu Minh Phát',
    traderTaxCode: taxCode(serial()),
    status: 'CLEARED',
    declarationDate: vietnamDate(Date.now()),
    procedureType: 'A11',
    channel: 1,
    containers,
  }
  const list = await write('PUT', PATHS.gateList(dn), departureOfficer(), 'gate.register', nextKey('gatelist'), body, (b) => b.declarationNumber)
  if (!list) return
  for (const c of containers.slice(0, 2)) {
    await write('POST', PATHS.gateContainerConfirmations(dn, c.containerNumber), departureOfficer(), 'gate.confirm', nextKey('gateconfirm'), {}, (b) => b.id, () => ({
      declarationNumber: dn,
      containerNumber: c.containerNumber,
    }))
  }
  await read(PATHS.gateList(dn), departureOfficer(), 'gate.get')
}

function declarationContent(registeredAt, status) {
  return {
    formType: 'import',
    declarantName: 'Công ty Cổ phần Thương mại Sài Gòn',
    taxCode: taxCode(vu()),
    procedureType: 'A11',
    channel: 2,
    registeredAt,
    status,
    goodsLines: [
      { hsCode: '85171300', description: 'Điện thoại di động', quantity: 100, unit: 'PCE', value: 12000, currency: 'USD', originCountry: 'CN' },
    ],
  }
}

async function paperSession() {
  const now = Date.now()
  const body = { office: officers.departureOffice, receiptYear: vietnamYear(now), receiptNumber: serial(), ...declarationContent(iso(now), 'REGISTERED') }
  const created = await write('POST', PATHS.paperDeclarations, departureOfficer(), 'declaration.create', nextKey('declaration'), body, (b) => b.id, (b) => ({ version: b.version }))
  if (!created) return
  const current = await read(PATHS.paperDeclaration(created.id), departureOfficer(), 'declaration.get') ?? created
  const update = { ...declarationContent(body.registeredAt, 'RELEASED'), inspectionResult: 'Kiểm tra hồ sơ: phù hợp' }
  await write('PUT', PATHS.paperDeclaration(created.id), departureOfficer(), 'declaration.update', nextKey('declupdate'), update, (b) => b.id, (b) => ({ version: b.version }), {
    'If-Match': `"${current.version}"`,
  })
}

async function lookupSession() {
  const officer = departureOfficer()
  await read(`${PATHS.handovers}?${query({ office: officers.departureOffice, limit: 20 })}`, officer, 'handover.search')
  await read(`${PATHS.gateConfirmations}?${query({ office: officers.departureOffice, limit: 20 })}`, officer, 'gate.search')
  await read(`${PATHS.paperDeclarations}?${query({ office: officers.departureOffice, limit: 20 })}`, officer, 'declaration.search')
}

const RUN = { handover: handoverSession, gate: gateSession, paper: paperSession, lookup: lookupSession }

export async function officerAction() {
  await RUN[pickSession()]()
}

/** The drill's steady reads (load-profiles.js, readProbeFor): one search of the office's handovers. */
export async function readProbe() {
  await read(`${PATHS.handovers}?${query({ office: officers.departureOffice, limit: 20 })}`, departureOfficer(), 'probe.search')
}
