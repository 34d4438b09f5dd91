// Notices for an office (thông báo): what the other end of a handover learns without watching a list.
// The destination office hears of a handover coming to it, of each amendment and of a cancellation;
// the departure office hears that its goods arrived (or arrived with a discrepancy); both hear of an
// incident on the road, that a handover is overdue and how its verification goes. Every notice is raised in the statement (or
// transaction) of the change it reports, so it exists exactly when the change does. Times in a
// notice's text and details are in Vietnam time.
import type { Actor } from '../domain/actor.ts'
import { forbidden, notFound } from '../domain/errors.ts'
import { GATE_CONFIRMATION_ENTITY } from '../domain/gate.ts'
import { HANDOVER_ENTITY, INCIDENT_KIND_LABELS, type IncidentRecord } from '../domain/handover.ts'
import type { StoredOutcome, WriteOutcome } from '../domain/write.ts'
import type { Queryable } from '../db/database.ts'
import {
  insertNotices,
  markNoticeReadWrite,
  noticesOf,
  readForNoticeMark,
  type NewNotice,
  type NoticeRecord,
} from '../db/notice-repository.ts'
import { claimOnlyWrite, runGuardedWrite } from '../db/write-statement.ts'
import { auditAppendOf, countOf, type Change } from './audit-service.ts'
import { GATE_SEAL_STATE_LABELS } from './gate-print-service.ts'
import type { ConfirmationView } from './gate-views.ts'
import type { HandoverView } from './handover-views.ts'
import { claimStoring, contended, keyInUse, MAX_WRITE_ATTEMPTS, replayOf } from './idempotency-service.ts'
import { decodeIdCursor, pageOf } from './pagination.ts'
import { vietnamIso, vietnamTime } from './vietnam-time.ts'
import type { WriteContext } from './write-context.ts'

export type Notice = NoticeRecord

export const NOTICE_ENTITY = 'notice'

/** The kinds of notice, what each tells and to whom. */
export const NOTICE_KINDS = {
  HANDOVER_INCOMING: 'to the destination office: a handover is coming to it',
  HANDOVER_AMENDED: 'to the destination office: a handover coming to it was amended',
  HANDOVER_CANCELLED: 'to the destination office: a handover coming to it was cancelled',
  HANDOVER_ARRIVED: 'to the departure office: its goods arrived, seals intact',
  HANDOVER_ARRIVED_WITH_DISCREPANCY: 'to the departure office: its goods arrived with a discrepancy',
  HANDOVER_RECEIPT_CORRECTED: 'to the departure office: the recorded arrival of its goods was corrected (a supervisor approved it)',
  HANDOVER_INCIDENT: 'to both offices (but the one that recorded it): an incident on the road — a seal replaced, goods transshipped, the vehicle changed',
  HANDOVER_OVERDUE: 'to both offices: the time limit passed without arrival (the departure office opens a verification)',
  HANDOVER_VERIFICATION_OPENED: 'to both offices: a verification of an overdue handover was opened',
  HANDOVER_VERIFICATION_DECIDED: 'to both offices: the verification ended, RESOLVED or VIOLATION',
  GATE_CONTAINER_HELD: 'to the supervising office: a container was held at the gate for its seals; a supervisor releases it or cancels the hold',
  APPROVAL_REQUESTED: 'to the office whose supervisor decides: an officer asks for a supervisor\'s step (GET /api/v1/approvals?status=PENDING)',
  APPROVAL_REJECTED: 'to the same office: a supervisor rejected the request, with a note',
} as const
export type NoticeKind = keyof typeof NOTICE_KINDS

export const HANDOVER_OVERDUE: NoticeKind = 'HANDOVER_OVERDUE'

/** The facts every handover notice carries in `details`, times in Vietnam time. */
function handoverFacts(h: HandoverView) {
  return {
    handoverNumber: h.handoverNumber,
    version: h.version,
    status: h.status,
    departureOffice: h.departureOffice,
    destinationOffice: h.destinationOffice,
    declarationNumbers: h.declarationNumbers,
    containerNumbers: h.containers.map((c) => c.containerNumber),
    vehicle: h.vehicle,
    handedOverAt: vietnamIso(h.handedOverAt),
    dueAt: vietnamIso(h.dueAt),
    handoverUrl: `/api/v1/handovers/${h.id}`,
  }
}

function handoverNotice(h: HandoverView, office: string, kind: NoticeKind, message: string, details: object = {}): NewNotice {
  return {
    office,
    kind,
    entityType: HANDOVER_ENTITY,
    entityId: h.id,
    entityVersion: h.version,
    message,
    details: { ...handoverFacts(h), ...details },
  }
}

const limitText = (h: HandoverView) => `thời hạn ${vietnamTime(h.dueAt)} giờ Việt Nam`

/** A handover was made for the destination office: what is coming, and by when. */
export function incomingNotice(h: HandoverView): NewNotice {
  const what = h.containers.length ? `${h.containers.length} container` : `${h.goodsLines.length} dòng hàng`
  return handoverNotice(
    h,
    h.destinationOffice,
    'HANDOVER_INCOMING',
    `Chi cục ${h.departureOffice} bàn giao ${what} theo biên bản ${h.handoverNumber} đến Chi cục ${h.destinationOffice}, ` +
      `${limitText(h)}. / A handover is coming to your office.`,
  )
}

/** The departure office amended a handover before receipt: the destination checks against the new version. */
export function amendedNotice(h: HandoverView, reason: string, fields: string[]): NewNotice {
  return handoverNotice(
    h,
    h.destinationOffice,
    'HANDOVER_AMENDED',
    `Biên bản ${h.handoverNumber} đã được Chi cục ${h.departureOffice} sửa đổi (phiên bản ${h.version}: ${fields.join(', ')}); ` +
      `lý do: ${reason}; ${limitText(h)}. / The handover was amended: check the goods against this version.`,
    { reason, changedFields: fields },
  )
}

export function cancelledNotice(h: HandoverView): NewNotice {
  return handoverNotice(
    h,
    h.destinationOffice,
    'HANDOVER_CANCELLED',
    `Biên bản ${h.handoverNumber} của Chi cục ${h.departureOffice} đã bị hủy; lý do: ${h.cancellation?.reason ?? ''}. ` +
      '/ The handover coming to your office was cancelled.',
    { reason: h.cancellation?.reason ?? null },
  )
}

/** The destination recorded the arrival: the departure office learns, and of any discrepancy. */
export function arrivedNotice(h: HandoverView): NewNotice {
  const r = h.receipt
  const at = r ? vietnamTime(r.receivedAt) : ''
  if (h.status === 'ARRIVED_WITH_DISCREPANCY') {
    const seals = h.containers.filter((c) => c.sealState && c.sealState !== 'intact')
    return handoverNotice(
      h,
      h.departureOffice,
      'HANDOVER_ARRIVED_WITH_DISCREPANCY',
      `Hàng theo biên bản ${h.handoverNumber} đã đến Chi cục ${h.destinationOffice} lúc ${at} giờ Việt Nam, CÓ SAI KHÁC: ` +
        [...seals.map((c) => `niêm phong ${c.containerNumber} ${c.sealState}`), ...(r?.discrepancies ?? [])].join('; ') +
        '. / The goods arrived with a discrepancy.',
      { arrivedAt: r ? vietnamIso(r.receivedAt) : null, discrepancies: r?.discrepancies ?? [], seals: seals.map((c) => ({ containerNumber: c.containerNumber, sealState: c.sealState, newSealNumber: c.newSealNumber })) },
    )
  }
  return handoverNotice(
    h,
    h.departureOffice,
    'HANDOVER_ARRIVED',
    `Hàng theo biên bản ${h.handoverNumber} đã đến Chi cục ${h.destinationOffice} lúc ${at} giờ Việt Nam, niêm phong nguyên vẹn. ` +
      '/ The goods arrived, seals intact.',
    { arrivedAt: r ? vietnamIso(r.receivedAt) : null },
  )
}

/** The destination's supervisor corrected the recorded receipt: the departure office learns what it says now. */
export function receiptCorrectedNotice(h: HandoverView, reason: string, fields: string[]): NewNotice {
  const r = h.receipt
  const state = h.status === 'ARRIVED_WITH_DISCREPANCY' ? 'CÓ SAI KHÁC' : 'không sai khác'
  return handoverNotice(
    h,
    h.departureOffice,
    'HANDOVER_RECEIPT_CORRECTED',
    `Chi cục ${h.destinationOffice} đã điều chỉnh biên bản tiếp nhận hàng theo biên bản ${h.handoverNumber} ` +
      `(phiên bản ${h.version}: ${fields.join(', ')}; lý do: ${reason}): hàng đến lúc ${r ? vietnamTime(r.receivedAt) : ''} giờ Việt Nam, ${state}. ` +
      '/ The recorded arrival was corrected.',
    {
      reason,
      changedFields: fields,
      arrivedAt: r ? vietnamIso(r.receivedAt) : null,
      discrepancies: r?.discrepancies ?? [],
      seals: h.containers.map((c) => ({ containerNumber: c.containerNumber, sealState: c.sealState, newSealNumber: c.newSealNumber })),
    },
  )
}

/** What an incident changed, as one line of a notice: each seal old → new, the vehicle old → new. */
function incidentChanges(i: IncidentRecord): string {
  const seals = i.seals.map((s) => `niêm phong ${s.containerNumber}: ${s.oldSeal} → ${s.newSeal}`)
  const moved = i.containerNumbers.length ? [`container chuyển tải: ${i.containerNumbers.join(', ')}`] : []
  const vehicle = i.vehicle === null ? [] : [`phương tiện: ${i.previousVehicle ?? ''} → ${i.vehicle}`]
  return [...seals, ...moved, ...vehicle].join('; ')
}

/**
 * An incident was recorded on the road: the ends of the handover learn what the goods carry now (the
 * destination checks against the new seal), except the office that recorded it.
 */
export function incidentNotices(h: HandoverView, i: IncidentRecord): NewNotice[] {
  const offices = [h.departureOffice, h.destinationOffice].filter((office) => office !== i.office)
  return offices.map((office) =>
    handoverNotice(
      h,
      office,
      'HANDOVER_INCIDENT',
      `Sự cố trên đường vận chuyển, biên bản ${h.handoverNumber} (phiên bản ${h.version}): ${INCIDENT_KIND_LABELS[i.kind]} lúc ` +
        `${vietnamTime(i.occurredAt)} giờ Việt Nam tại ${i.place}, Chi cục ${i.office} ghi nhận; ${incidentChanges(i)}; lý do: ${i.reason}. ` +
        `/ An incident on the road was recorded (${i.kind}): check the goods against this version.`,
      {
        incident: {
          kind: i.kind,
          office: i.office,
          occurredAt: vietnamIso(i.occurredAt),
          place: i.place,
          reason: i.reason,
          note: i.note,
          seals: i.seals,
          previousVehicle: i.previousVehicle,
          vehicle: i.vehicle,
          containerNumbers: i.containerNumbers,
        },
      },
    ),
  )
}

/** Past the time limit without arrival: the departure office opens a verification (xác minh), the destination is told. */
export function overdueNotices(h: HandoverView): NewNotice[] {
  const due = `${vietnamTime(h.dueAt)} giờ Việt Nam`
  const verificationUrl = `/api/v1/handovers/${h.id}/verification`
  return [
    handoverNotice(
      h,
      h.departureOffice,
      'HANDOVER_OVERDUE',
      `Biên bản bàn giao ${h.handoverNumber} đã quá thời hạn (${due}) mà Chi cục ${h.destinationOffice} chưa tiếp nhận hàng: ` +
        'mở xác minh. / Handover past its time limit without arrival: open a verification.',
      { verificationUrl },
    ),
    handoverNotice(
      h,
      h.destinationOffice,
      'HANDOVER_OVERDUE',
      `Biên bản bàn giao ${h.handoverNumber} của Chi cục ${h.departureOffice} đã quá thời hạn (${due}) mà hàng chưa đến: ` +
        'Chi cục nơi đi sẽ xác minh. / Handover past its time limit without arrival: the departure office verifies.',
      { verificationUrl },
    ),
  ]
}

export function verificationOpenedNotices(h: HandoverView): NewNotice[] {
  const note = h.verification?.note ? `; nội dung: ${h.verification.note}` : ''
  return [h.departureOffice, h.destinationOffice].map((office) =>
    handoverNotice(
      h,
      office,
      'HANDOVER_VERIFICATION_OPENED',
      `Chi cục ${h.departureOffice} mở xác minh biên bản ${h.handoverNumber} lúc ${vietnamTime(h.verification?.openedAt ?? null)} giờ Việt Nam${note}. ` +
        '/ A verification of the overdue handover was opened.',
      { note: h.verification?.note ?? null },
    ),
  )
}

export function verificationDecidedNotices(h: HandoverView): NewNotice[] {
  const v = h.verification
  const outcome = v?.outcome === 'VIOLATION' ? 'VI PHẠM' : 'KHÔNG VI PHẠM'
  return [h.departureOffice, h.destinationOffice].map((office) =>
    handoverNotice(
      h,
      office,
      'HANDOVER_VERIFICATION_DECIDED',
      `Kết quả xác minh biên bản ${h.handoverNumber}: ${outcome} (${vietnamTime(v?.decidedAt ?? null)} giờ Việt Nam); ${v?.explanation ?? ''}. ` +
        `/ The verification ended: ${v?.outcome ?? ''}.`,
      { outcome: v?.outcome ?? null, explanation: v?.explanation ?? null },
    ),
  )
}

/** Raises the notices of handovers just marked overdue; call in the marking's transaction. Returns how many were new. */
export function raiseOverdueNotices(q: Queryable, marked: HandoverView[]): Promise<number> {
  return insertNotices(q, marked.flatMap(overdueNotices))
}

function officeOf(actor: Actor, requested: string | undefined): string {
  const office = requested ?? actor.office
  if (actor.role !== 'admin' && office !== actor.office) {
    throw forbidden('OFFICE_FORBIDDEN', `You read the notices of your own office only, not those of ${office}`)
  }
  return office
}

/** An office's notices, newest first. Officers and supervisors read their own office; admins any. */
export async function listNotices(
  q: Queryable,
  actor: Actor,
  query: { office?: string; unread?: boolean; entityId?: string; limit: number; cursor?: string },
): Promise<{ items: Notice[]; nextCursor: string | null }> {
  const office = officeOf(actor, query.office)
  const cursor = decodeIdCursor(query.cursor)
  const rows = await noticesOf(q, {
    office,
    unread: query.unread === true,
    entityId: query.entityId ?? null,
    after: cursor && { at: new Date(cursor.at).toISOString(), id: cursor.id },
    limit: query.limit,
  })
  return pageOf(rows, query.limit, (r) => ({ at: r.createdAt, id: r.id }))
}

/**
 * Marks a notice of the actor's office read (đã đọc). Marking it again changes nothing and answers
 * the notice as it is (who read it first, and when).
 */
export async function markNoticeRead(q: Queryable, ctx: WriteContext, id: string): Promise<WriteOutcome<Notice>> {
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const read = await readForNoticeMark(q, ctx.claim, id)
    const replay = replayOf<Notice>(ctx.claim, read.stored)
    if (replay) return replay
    const notice = read.notice
    if (!notice) throw notFound('NOTICE_NOT_FOUND', `No notice ${id}`)
    if (notice.office !== ctx.actor.office) {
      throw forbidden('OFFICE_FORBIDDEN', `This notice is for office ${notice.office}; you act for ${ctx.actor.office}`)
    }
    if (notice.readAt !== null) {
      const outcome: StoredOutcome<Notice> = { kind: 'unchanged', view: notice }
      const claim = claimStoring(ctx.claim, outcome)
      const result = claim === null ? 'applied' : await runGuardedWrite(q, claimOnlyWrite(claim))
      if (result === 'in_use') throw keyInUse()
      if (result === 'applied') return { ...outcome, changes: [] }
      continue
    }
    const after: Notice = { ...notice, readAt: ctx.now, readBy: ctx.actor.officerId }
    const back = { origin: 'online' as const, occurredAt: ctx.now, originalOfficer: ctx.actor.officerId }
    const change: Change = { entityType: NOTICE_ENTITY, entityId: id, action: 'read', before: { readAt: null }, after: { readAt: ctx.now, readBy: ctx.actor.officerId }, backEntry: back }
    const outcome: StoredOutcome<Notice> = { kind: 'updated', view: after }
    const write = markNoticeReadWrite(claimStoring(ctx.claim, outcome), id, ctx.now, ctx.actor.officerId, auditAppendOf(ctx, change))
    const result = await runGuardedWrite(q, write)
    if (result === 'applied') return { ...outcome, changes: [countOf(change)] }
    if (result === 'in_use') throw keyInUse()
  }
  throw contended()
}

/**
 * A container was held at the gate for its seals: the supervising office is told, so that its
 * supervisor — who alone lets it pass or cancels the hold — learns of it without watching the list.
 */
export function gateHoldNotice(c: ConfirmationView): NewNotice {
  const found = [c.sealsFound?.carrierSeal, c.sealsFound?.customsSeal].filter((s): s is string => typeof s === 'string')
  return {
    office: c.office,
    kind: 'GATE_CONTAINER_HELD',
    entityType: GATE_CONFIRMATION_ENTITY,
    entityId: c.id,
    entityVersion: 1,
    message:
      `Container ${c.containerNumber} (tờ khai ${c.declarationNumber}) bị tạm dừng tại cổng lúc ${vietnamTime(c.heldAt ?? c.passedAt)} giờ Việt Nam: ` +
      `niêm phong: ${GATE_SEAL_STATE_LABELS[c.sealState ?? ''] ?? c.sealState}${found.length ? ` (số tìm thấy: ${found.join(', ')})` : ''} – ${c.sealNote ?? ''}. ` +
      `Lãnh đạo Chi cục quyết định cho qua hoặc hủy. / Container held at the gate for its seals (${c.sealState}); a supervisor decides.`,
    details: {
      declarationNumber: c.declarationNumber,
      containerNumber: c.containerNumber,
      sealState: c.sealState,
      listed: { carrierSeal: c.carrierSeal, customsSeal: c.customsSeal },
      sealsFound: c.sealsFound,
      sealNote: c.sealNote,
      heldAt: c.heldAt === null ? null : vietnamIso(c.heldAt),
      officerId: c.officerId,
      confirmationUrl: `/api/v1/gate/confirmations?declarationNumber=${c.declarationNumber}&containerNumber=${c.containerNumber}`,
    },
  }
}
