// npm-less bulk seeding for benchmarks: realistic goods handovers with their containers and seals,
// receipts, the destination's eligible lists and gate confirmations, and the audit rows every one of
// those changes would have left (the app's sealer then seals them like any other rows). Rows go in
// with COPY, a batch per transaction.
//
//   DATABASE_URL=postgres://… npm run seed -- --handovers 1000000 [--batch 1000] [--schema s]
//
// Idempotent: --handovers N means "N seeded handovers in all". Seeded handover k has an id derived
// from k, batches commit in order, so the seeded ones are always ordinals 0..k-1 and a re-run (or a
// run interrupted by Ctrl-C) finds k with a few primary-key lookups and adds the rest. There is no
// --reset: deleting audit rows is exactly what the sealed trail exists to expose; use a fresh
// database or schema instead. History grows backwards from the first seed (about 5 years per 10⁷ handovers), so
// the newest pages of every office look the same at every size.
import { createHash, randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { loadCommandConfig } from '../config.ts'
import { GATE_CONFIRMATION_ENTITY, GATE_DECLARATION_ENTITY, type GateConfirmationRecord } from '../domain/gate.ts'
import { HANDOVER_ENTITY, type ContainerRecord, type HandoverRecord, type HandoverStatus, type ReceiptRecord } from '../domain/handover.ts'
import type { AuditAppend } from '../db/write-statement.ts'
import { copyRows, handedOverAtOf, handoverExists, reserveHandoverNumbers, textArray, type CopyValue } from '../db/seed-repository.ts'
import { canonicalJson } from '../services/canonical-json.ts'
import { contentHashOf, contentOf } from '../services/gate-declaration-service.ts'
import { confirmationView } from '../services/gate-views.ts'
import { handoverNumberOf, vietnamYearOf } from '../services/handover-service.ts'
import { transition } from '../services/handover-state-machine.ts'
import { handoverView } from '../services/handover-views.ts'
import { containerCheckDigit, taxCheckDigit } from '../services/identifiers.ts'
import { SYSTEM_ACTOR } from '../jobs/overdue-scan-job.ts'

/** 10⁷ handovers × 15.768 s ≈ 5 years: the history a national system keeps online. */
const SPACING_MS = 15_768

// Offices of the big port areas; the weights make Cát Lái the busiest, as it is.
const OFFICES = [
  { code: '02CI', place: 'Cảng Cát Lái', plate: '51C', weight: 30 },
  { code: '02CX', place: 'Cảng Hiệp Phước', plate: '51D', weight: 8 },
  { code: '02H1', place: 'Kho hàng không Tân Sơn Nhất', plate: '51H', weight: 6 },
  { code: '03CC', place: 'Cảng Hải Phòng khu vực I', plate: '15C', weight: 15 },
  { code: '03EE', place: 'Cảng Đình Vũ', plate: '15H', weight: 10 },
  { code: '43IH', place: 'ICD Sóng Thần', plate: '61C', weight: 12 },
  { code: '47I1', place: 'ICD Long Bình Tân', plate: '60C', weight: 9 },
  { code: '51C1', place: 'Cảng Cái Mép', plate: '72C', weight: 6 },
  { code: '01B1', place: 'Sân bay Nội Bài', plate: '29C', weight: 4 },
] as const
const OFFICE_WEIGHT = OFFICES.reduce((s, o) => s + o.weight, 0)

const OWNERS = ['MSKU', 'CSQU', 'TGHU', 'OOLU', 'HLXU', 'CMAU', 'EGHU', 'TCNU', 'SEGU', 'WHLU']
const TRADERS = [
  'Công ty TNHH Xuất nhập khẩu Minh Phát',
  'Công ty Cổ phần Dệt may Thành Công',
  'Công ty TNHH Điện tử Samsung Vina',
  'Công ty Cổ phần Thủy sản Sao Ta',
  'Công ty TNHH Nội thất Hòa Bình',
]

/** Deterministic per-handover randomness (mulberry32): the same ordinal always makes the same record. */
function randomFrom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function digestOf(n: number): Buffer {
  return createHash('sha256').update(`tqdt-seed-handover:${n}`).digest()
}

/** The id of seeded handover n: a version-4-shaped uuid, spread over the key space like real ones. */
export function seededHandoverId(n: number): string {
  const b = Buffer.from(digestOf(n).subarray(0, 16))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T
const digits = (r: () => number, count: number) => String(Math.floor(r() * 10 ** count)).padStart(count, '0')
const iso = (ms: number) => new Date(ms).toISOString()
const minutes = (m: number) => m * 60_000

function weightedOffice(r: () => number, except?: string) {
  for (;;) {
    let x = r() * OFFICE_WEIGHT
    for (const o of OFFICES) {
      x -= o.weight
      if (x < 0) {
        if (o.code !== except) return o
        break
      }
    }
  }
}

function containerNumberOf(r: () => number): string {
  const body = pick(r, OWNERS) + digits(r, 6)
  return body + containerCheckDigit(body)
}

function taxCodeOf(r: () => number): string {
  for (;;) {
    const base = String(100_000_000 + Math.floor(r() * 900_000_000))
    const check = taxCheckDigit(base)
    if (check <= 9) return base + check
  }
}

/** An audit row's columns (as the service writes them) and the change it records. */
type AuditEvent = Omit<AuditAppend, 'entry' | 'event'> & { before: unknown; after: unknown }

/** Everything one seeded handover puts in the database, before its number is known. */
interface Plan {
  created: HandoverRecord
  final: HandoverRecord
  createdContainers: ContainerRecord[]
  finalContainers: ContainerRecord[]
  receipt: ReceiptRecord | null
  gateRows: { declaration: CopyValue[]; containers: CopyValue[][]; confirmations: CopyValue[][] }
  /** Events before the handover's own create (the eligible list) and after it (receipt, gate, close). */
  events: (created: HandoverRecord) => AuditEvent[]
}

function planHandover(n: number, anchorMs: number, spacingMs: number): Plan {
  const d = digestOf(n)
  const r = randomFrom(d.readUInt32BE(16))
  const from = weightedOffice(r)
  const to = weightedOffice(r, from.code)
  const officer = (office: string) => `${office}-seed-${1 + Math.floor(r() * 8)}`
  const handedBy = officer(from.code)
  const receiver = officer(to.code)
  const handedAt = anchorMs - n * spacingMs - Math.floor(r() * spacingMs * 0.9)
  const dueAt = handedAt + minutes(240 + Math.floor(r() * 1200))
  const trader = pick(r, TRADERS)
  const declarationNumber = `30${String(n).padStart(10, '0')}`

  const count = r() < 0.4 ? 1 : r() < 0.75 ? 2 : 3
  const createdContainers: ContainerRecord[] = Array.from({ length: count }, () => ({
    containerNumber: containerNumberOf(r),
    carrierSeal: `${pick(r, OWNERS).slice(0, 3)}${digits(r, 7)}`,
    customsSeal: `HQ${digits(r, 8)}`,
    sealState: null,
    newSealNumber: null,
  }))
  const created: HandoverRecord = {
    id: seededHandoverId(n), handoverNumber: '', status: 'HANDED_OVER', version: 1,
    departureOffice: from.code, departurePlace: from.place, destinationOffice: to.code, destinationPlace: to.place,
    declarationNumbers: [declarationNumber], vehicle: `${from.plate}-${digits(r, 5)}`, route: `${from.place} → ${to.place}`,
    declarantName: trader, handedOverAt: iso(handedAt), dueAt: iso(dueAt), handedOverBy: handedBy, origin: 'online',
    enteredBy: handedBy, paperNumber: null, contentHash: null, overdueAt: null, closedAt: null, closedBy: null,
    cancelledAt: null, cancelledBy: null, cancelReason: null, verificationOpenedAt: null, verificationOpenedBy: null,
    verificationNote: null, verificationOutcome: null, verificationExplanation: null, verificationDecidedAt: null,
    verificationDecidedBy: null,
  }

  // Where its life has got to by the anchor: in transit, or one of the ends officers record.
  const x = r()
  const fate: 'transit' | 'closed' | 'arrived' | 'cancelled' | 'resolved' =
    dueAt > anchorMs ? 'transit' : x < 0.93 ? 'closed' : x < 0.975 ? 'arrived' : x < 0.99 ? 'cancelled' : 'resolved'
  const received = fate === 'closed' || fate === 'arrived'
  const discrepant = received && r() < 0.02
  const receivedAt = handedAt + Math.floor((dueAt - handedAt) * (0.3 + r() * 0.6))
  const finalContainers = createdContainers.map((c, i) =>
    received
      ? { ...c, sealState: discrepant && i === 0 ? ('replaced' as const) : ('intact' as const), newSealNumber: discrepant && i === 0 ? `HQ${digits(r, 8)}` : null }
      : c,
  )
  const discrepancies = discrepant ? ['Niêm phong hãng tàu bị đứt, hải quan đã niêm phong lại'] : []
  const note = discrepant ? 'Lập biên bản chứng nhận niêm phong bị đứt' : 'Niêm phong nguyên vẹn'
  const receipt: ReceiptRecord | null = received
    ? {
        receivedAt: iso(receivedAt), receivedBy: receiver, enteredBy: receiver, origin: 'online', discrepancies, note,
        contentHash: createHash('sha256').update(canonicalJson({
          receivedAt: iso(receivedAt),
          seals: finalContainers.map((c) => ({ containerNumber: c.containerNumber, sealState: c.sealState, newSealNumber: c.newSealNumber }))
            .sort((a, b) => a.containerNumber.localeCompare(b.containerNumber)),
          discrepancies, note,
        })).digest('hex'),
      }
    : null

  // The destination's eligible list (registered while the goods travel) and, once they arrive, a
  // gate confirmation per container.
  const listAt = handedAt + minutes(5 + Math.floor(r() * 30))
  const listOfficer = officer(to.code)
  const content = contentOf({
    office: to.code, locationCode: `${to.code}C03`, traderName: trader, traderTaxCode: taxCodeOf(r), status: 'CLEARED',
    declarationDate: iso(handedAt - 86_400_000).slice(0, 10), procedureType: 'B11', channel: 1 + Math.floor(r() * 3),
    containers: createdContainers.map((c) => ({ containerNumber: c.containerNumber, carrierSeal: c.carrierSeal, customsSeal: c.customsSeal })),
  } as Parameters<typeof contentOf>[0])
  const confirmations: GateConfirmationRecord[] = received
    ? finalContainers.map((c, i) => {
        const passedAt = iso(receivedAt + minutes(10 + i * 3 + Math.floor(r() * 40)))
        return {
          id: randomUUID(), declarationNumber, office: to.code, kind: 'container', entryRef: c.containerNumber,
          carrierSeal: c.carrierSeal, customsSeal: c.newSealNumber ?? c.customsSeal, quantity: null, weight: null, passedAt,
          officerId: receiver, enteredBy: receiver, origin: 'online', paperReference: null, recordedAt: passedAt,
          status: 'CONFIRMED', sealState: null, carrierSealFound: null, customsSealFound: null, sealNote: null, heldAt: null,
          releaseReason: null, releasedAt: null, releasedBy: null, releaseOrigin: null, releaseRecordedAt: null,
          cancelReason: null, cancelledAt: null, cancelledBy: null, cancelOrigin: null, cancelRecordedAt: null,
        }
      })
    : []
  const gateRows = {
    declaration: [
      declarationNumber, to.code, content.locationCode, trader, content.traderTaxCode, content.status, content.declarationDate,
      content.procedureType, content.channel, null, contentHashOf(content), iso(listAt), listOfficer, iso(listAt), listOfficer,
    ],
    containers: content.containers.map((c, i) => [declarationNumber, c.containerNumber, i, c.carrierSeal, c.customsSeal]),
    confirmations: confirmations.map((c) => [
      c.id, c.declarationNumber, c.office, c.kind, c.entryRef, c.carrierSeal, c.customsSeal, c.passedAt,
      c.officerId, c.enteredBy, c.origin, c.recordedAt,
    ]),
  }

  // The end state, reached through the state machine's own transitions.
  let final: HandoverRecord = { ...created }
  const later: Array<() => AuditEvent> = []
  const step = (action: Parameters<typeof transition>[1], target: HandoverStatus, columns: Partial<HandoverRecord>, audit: (before: HandoverRecord, after: HandoverRecord) => AuditEvent) => {
    const before = final
    final = { ...before, ...columns, status: transition(before.status, action, target), version: before.version + 1 }
    const after = final
    later.push(() => audit(before, after))
  }
  const simple = (before: HandoverRecord, after: HandoverRecord, action: string, officerId: string, office: string, at: string, columns: Record<string, unknown>): AuditEvent => ({
    entityType: HANDOVER_ENTITY, entityId: created.id, action, officerId, office, occurredAt: at,
    before: { status: before.status, version: before.version }, after: { status: after.status, version: after.version, ...columns },
  })
  if (received) {
    step('receive', discrepant ? 'ARRIVED_WITH_DISCREPANCY' : 'ARRIVED', {}, (before, after) => {
      const view = handoverView({ ...after, containers: finalContainers, goods: [], receipt, amendments: [], incidents: [] })
      return {
        entityType: HANDOVER_ENTITY, entityId: created.id, action: 'receive', officerId: receiver, office: to.code, occurredAt: iso(receivedAt),
        before: { status: before.status, version: before.version }, after: { status: after.status, version: after.version, receipt: view.receipt, containers: view.containers },
      }
    })
  }
  if (fate === 'closed') {
    const at = iso(receivedAt + minutes(5 + Math.floor(r() * 60)))
    step('close', 'CLOSED', { closedAt: at, closedBy: receiver }, (b, a) => simple(b, a, 'close', receiver, to.code, at, { closedAt: at, closedBy: receiver }))
  } else if (fate === 'cancelled') {
    const at = iso(handedAt + minutes(10 + Math.floor(r() * 110)))
    const reason = 'Doanh nghiệp đề nghị hủy do thay đổi phương tiện vận chuyển'
    step('cancel', 'CANCELLED', { cancelledAt: at, cancelledBy: handedBy, cancelReason: reason }, (b, a) =>
      simple(b, a, 'cancel', handedBy, from.code, at, { cancelledAt: at, cancelledBy: handedBy, cancelReason: reason }))
  } else if (fate === 'resolved') {
    const overdueAt = iso(dueAt + minutes(1 + Math.floor(r() * 10)))
    const openedAt = iso(dueAt + minutes(60 + Math.floor(r() * 180)))
    const decidedAt = iso(dueAt + minutes(1440 + Math.floor(r() * 2880)))
    const note = 'Liên hệ doanh nghiệp vận tải xác minh lý do chậm'
    const explanation = 'Xe hỏng trên đường, có xác nhận của cơ quan công an'
    step('markOverdue', 'OVERDUE', { overdueAt }, (b, a) =>
      simple(b, a, 'markOverdue', SYSTEM_ACTOR.officerId, SYSTEM_ACTOR.office, overdueAt, { overdueAt, dueAt: created.dueAt }))
    step('openVerification', 'UNDER_VERIFICATION', { verificationOpenedAt: openedAt, verificationOpenedBy: handedBy, verificationNote: note }, (b, a) =>
      simple(b, a, 'openVerification', handedBy, from.code, openedAt, { verificationOpenedAt: openedAt, verificationOpenedBy: handedBy, verificationNote: note }))
    step('recordVerificationResult', 'RESOLVED', { verificationOutcome: 'RESOLVED', verificationExplanation: explanation, verificationDecidedAt: decidedAt, verificationDecidedBy: handedBy }, (b, a) =>
      simple(b, a, 'recordVerificationResult', handedBy, from.code, decidedAt, {
        verificationOutcome: 'RESOLVED', verificationExplanation: explanation, verificationDecidedAt: decidedAt, verificationDecidedBy: handedBy,
      }))
  }
  const finalRecord = final

  return {
    created, final: finalRecord, createdContainers, finalContainers, receipt, gateRows,
    events: (numbered) => {
      const createEvent: AuditEvent = {
        entityType: HANDOVER_ENTITY, entityId: created.id, action: 'create', officerId: handedBy, office: from.code,
        occurredAt: created.handedOverAt, before: null, after: handoverView({ ...numbered, containers: createdContainers, goods: [], receipt: null, amendments: [], incidents: [] }),
      }
      const listEvent: AuditEvent = {
        entityType: GATE_DECLARATION_ENTITY, entityId: declarationNumber, action: 'register', officerId: listOfficer,
        office: to.code, occurredAt: iso(listAt), before: null, after: content,
      }
      const transitions = later.map((make) => make())
      const gate = confirmations.map((c): AuditEvent => ({
        entityType: GATE_CONFIRMATION_ENTITY, entityId: c.id, action: 'confirm_container', officerId: receiver, office: to.code,
        occurredAt: c.passedAt, before: null, after: confirmationView(c),
      }))
      return [createEvent, listEvent, ...transitions, ...gate]
    },
  }
}

const HANDOVER_COLUMNS = [
  'id', 'handover_number', 'status', 'version', 'departure_office', 'departure_place', 'destination_office', 'destination_place',
  'declaration_numbers', 'vehicle', 'route', 'declarant_name', 'handed_over_at', 'due_at', 'handed_over_by', 'origin', 'entered_by',
  'overdue_at', 'closed_at', 'closed_by', 'cancelled_at', 'cancelled_by', 'cancel_reason', 'verification_opened_at',
  'verification_opened_by', 'verification_note', 'verification_outcome', 'verification_explanation', 'verification_decided_at',
  'verification_decided_by', 'created_at', 'updated_at',
] as const
const CONTAINER_COLUMNS = ['handover_id', 'position', 'container_number', 'carrier_seal', 'customs_seal', 'seal_state', 'new_seal_number'] as const
const RECEIPT_COLUMNS = ['handover_id', 'received_at', 'received_by', 'entered_by', 'origin', 'discrepancies', 'note', 'content_hash', 'created_at'] as const
const GATE_DECLARATION_COLUMNS = [
  'declaration_number', 'office', 'location_code', 'trader_name', 'trader_tax_code', 'status', 'declaration_date', 'procedure_type',
  'channel', 'goods_management_number', 'content_hash', 'registered_at', 'registered_by', 'updated_at', 'updated_by',
] as const
const GATE_CONTAINER_COLUMNS = ['declaration_number', 'container_number', 'position', 'carrier_seal', 'customs_seal'] as const
const GATE_CONFIRMATION_COLUMNS = [
  'id', 'declaration_number', 'office', 'kind', 'entry_ref', 'carrier_seal', 'customs_seal', 'passed_at', 'officer_id', 'entered_by',
  'origin', 'recorded_at',
] as const
const AUDIT_COLUMNS = ['entity_type', 'entity_id', 'action', 'officer_id', 'office', 'occurred_at', 'recorded_at', 'entry'] as const

function handoverRow(h: HandoverRecord): CopyValue[] {
  const lastChange = h.closedAt ?? h.cancelledAt ?? h.verificationDecidedAt ?? h.handedOverAt
  return [
    h.id, h.handoverNumber, h.status, h.version, h.departureOffice, h.departurePlace, h.destinationOffice, h.destinationPlace,
    textArray(h.declarationNumbers), h.vehicle, h.route, h.declarantName, h.handedOverAt, h.dueAt, h.handedOverBy, h.origin, h.enteredBy,
    h.overdueAt, h.closedAt, h.closedBy, h.cancelledAt, h.cancelledBy, h.cancelReason, h.verificationOpenedAt, h.verificationOpenedBy,
    h.verificationNote, h.verificationOutcome, h.verificationExplanation, h.verificationDecidedAt, h.verificationDecidedBy,
    h.handedOverAt, lastChange,
  ]
}

function entryOf(e: AuditEvent): string {
  return canonicalJson({
    action: e.action, entityType: e.entityType, entityId: e.entityId, officerId: e.officerId, enteredBy: e.officerId, office: e.office,
    origin: 'online', occurredAt: e.occurredAt, recordedAt: e.occurredAt, requestId: randomUUID(), before: e.before ?? null, after: e.after ?? null,
  })
}

export interface SeedProgress {
  seeded: number
  target: number
  added: number
  elapsedMs: number
}

export interface SeedResult {
  before: number
  after: number
  added: number
  elapsedMs: number
  auditRows: number
}

/** How many seeded handovers exist: they are always ordinals 0..k-1 (batches commit in order). */
export async function seededCount(client: pg.Client): Promise<number> {
  if (!(await handoverExists(client, seededHandoverId(0)))) return 0
  let lo = 0 // exists
  let hi = 1
  while (await handoverExists(client, seededHandoverId(hi))) {
    lo = hi
    hi *= 2
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (await handoverExists(client, seededHandoverId(mid))) lo = mid
    else hi = mid
  }
  return hi
}

/** The time seeded handover 0 was handed over (plus its jitter): every later top-up extends the same history. */
async function anchorOf(client: pg.Client, spacingMs: number): Promise<number> {
  const first = await handedOverAtOf(client, seededHandoverId(0))
  if (!first) return Math.floor((Date.now() - minutes(10)) / 1000) * 1000
  // Handover 0 at anchor 0 is handed over at minus its own jitter.
  return first.getTime() - Date.parse(planHandover(0, 0, spacingMs).created.handedOverAt)
}

async function seedBatch(client: pg.Client, from: number, to: number, anchorMs: number, spacingMs: number): Promise<number> {
  const plans: Plan[] = []
  for (let n = from; n < to; n++) plans.push(planHandover(n, anchorMs, spacingMs))
  const groups = new Map<string, { office: string; year: number; count: number }>()
  for (const p of plans) {
    const year = vietnamYearOf(p.created.handedOverAt)
    const key = `${p.created.departureOffice}/${year}`
    const g = groups.get(key) ?? { office: p.created.departureOffice, year, count: 0 }
    g.count++
    groups.set(key, g)
  }
  await client.query('BEGIN')
  try {
    const numbers = await reserveHandoverNumbers(client, [...groups.values()])
    const handovers: CopyValue[][] = []
    const containers: CopyValue[][] = []
    const receipts: CopyValue[][] = []
    const declarations: CopyValue[][] = []
    const gateContainers: CopyValue[][] = []
    const confirmations: CopyValue[][] = []
    const entries: Array<{ e: AuditEvent; entry: string }> = []
    for (const p of plans) {
      const key = `${p.created.departureOffice}/${vietnamYearOf(p.created.handedOverAt)}`
      const seq = (numbers.get(key) as number[]).shift() as number
      const number = handoverNumberOf(p.created.departureOffice, vietnamYearOf(p.created.handedOverAt), seq)
      const numbered = { ...p.created, handoverNumber: number }
      handovers.push(handoverRow({ ...p.final, handoverNumber: number }))
      p.finalContainers.forEach((c, i) => containers.push([p.created.id, i, c.containerNumber, c.carrierSeal, c.customsSeal, c.sealState, c.newSealNumber]))
      if (p.receipt) {
        const rc = p.receipt
        receipts.push([p.created.id, rc.receivedAt, rc.receivedBy, rc.enteredBy, rc.origin, JSON.stringify(rc.discrepancies), rc.note, rc.contentHash, rc.receivedAt])
      }
      declarations.push(p.gateRows.declaration)
      gateContainers.push(...p.gateRows.containers)
      confirmations.push(...p.gateRows.confirmations)
      for (const e of p.events(numbered)) entries.push({ e, entry: entryOf(e) })
    }
    await copyRows(client, 'handovers', HANDOVER_COLUMNS, handovers)
    await copyRows(client, 'handover_containers', CONTAINER_COLUMNS, containers)
    await copyRows(client, 'handover_receipts', RECEIPT_COLUMNS, receipts)
    await copyRows(client, 'gate_declarations', GATE_DECLARATION_COLUMNS, declarations)
    await copyRows(client, 'gate_containers', GATE_CONTAINER_COLUMNS, gateContainers)
    await copyRows(client, 'gate_confirmations', GATE_CONFIRMATION_COLUMNS, confirmations)
    const audit: CopyValue[][] = entries.map(({ e, entry }) => [e.entityType, e.entityId, e.action, e.officerId, e.office, e.occurredAt, e.occurredAt, entry])
    await copyRows(client, 'audit_log', AUDIT_COLUMNS, audit)
    await client.query('COMMIT')
    return audit.length
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  }
}

/** Seeds until `target` seeded handovers exist; batches of `batchSize`, each its own transaction. */
export async function seedHandovers(
  client: pg.Client,
  options: {
    target: number
    batchSize?: number
    /** Time between consecutive handovers going back in history; a top-up must use the same. */
    spacingMs?: number
    onProgress?: (p: SeedProgress) => void
  },
): Promise<SeedResult> {
  const batchSize = options.batchSize ?? 1000
  const spacingMs = options.spacingMs ?? SPACING_MS
  const started = Date.now()
  const before = await seededCount(client)
  const anchorMs = await anchorOf(client, spacingMs)
  let seeded = before
  let auditRows = 0
  while (seeded < options.target) {
    const to = Math.min(options.target, seeded + batchSize)
    auditRows += await seedBatch(client, seeded, to, anchorMs, spacingMs)
    seeded = to
    options.onProgress?.({ seeded, target: options.target, added: seeded - before, elapsedMs: Date.now() - started })
  }
  return { before, after: seeded, added: seeded - before, elapsedMs: Date.now() - started, auditRows }
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

if (import.meta.main) {
  const usage = 'usage: npm run seed -- --handovers N [--batch 1000] [--schema NAME] [--quiet]  (DATABASE_URL: the primary)'
  let values: { handovers?: string; batch: string; schema?: string; quiet: boolean }
  try {
    values = parseArgs({
      options: {
        handovers: { type: 'string' },
        batch: { type: 'string', default: '1000' },
        schema: { type: 'string' },
        quiet: { type: 'boolean', default: false },
      },
    }).values
  } catch (err) {
    console.error(`seed: ${(err as Error).message}\n${usage}`)
    process.exit(2)
  }
  const target = Number(values.handovers)
  const batchSize = Number(values.batch)
  if (!Number.isInteger(target) || target < 0) {
    console.error(`seed: --handovers N is required (N seeded handovers in all, e.g. 100000)\n${usage}`)
    process.exit(2)
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 20_000) {
    console.error('seed: --batch must be from 1 to 20000 (each batch is one transaction)')
    process.exit(2)
  }
  if (values.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(values.schema)) {
    console.error('seed: --schema must be a plain lower-case identifier')
    process.exit(2)
  }
  const client = new pg.Client({
    connectionString: loadCommandConfig().databaseUrl,
    connectionTimeoutMillis: 5000,
    application_name: 'tqdt-seed',
    ...(values.schema ? { options: `-c search_path=${values.schema}` } : {}),
  })
  let lastPrint = 0
  try {
    await client.connect()
    const result = await seedHandovers(client, {
      target,
      batchSize,
      onProgress: (p) => {
        if (values.quiet || (Date.now() - lastPrint < 2000 && p.seeded < p.target)) return
        lastPrint = Date.now()
        const rate = p.added / Math.max(0.001, p.elapsedMs / 1000)
        const eta = rate > 0 ? ((p.target - p.seeded) / rate) * 1000 : 0
        console.error(`seed: ${p.seeded.toLocaleString('en')}/${p.target.toLocaleString('en')} handovers (${Math.floor((100 * p.seeded) / p.target)} %), ${Math.round(rate).toLocaleString('en')}/s, ETA ${formatDuration(eta)}`)
      },
    })
    const rate = result.added / Math.max(0.001, result.elapsedMs / 1000)
    console.log(
      result.added === 0
        ? `seed: ${result.after.toLocaleString('en')} seeded handovers already there; nothing to add`
        : `seed: added ${result.added.toLocaleString('en')} handovers (${result.before.toLocaleString('en')} → ${result.after.toLocaleString('en')}) and ${result.auditRows.toLocaleString('en')} audit rows in ${formatDuration(result.elapsedMs)} (${Math.round(rate).toLocaleString('en')} handovers/s)`,
    )
  } catch (err) {
    console.error(`seed: failed: ${(err as Error).message}`)
    process.exitCode = 1
  } finally {
    await client.end().catch(() => undefined)
  }
}
