// Notices for an office raised by background work (thông báo): what an officer must act on without
// watching a list, e.g. a handover past its time limit for which a verification must be opened.
import type { Actor } from '../domain/actor.ts'
import { forbidden, invalid } from '../domain/errors.ts'
import { HANDOVER_ENTITY } from '../domain/handover.ts'
import type { Queryable } from '../db/database.ts'
import { insertNotices, noticesOf, type NewNotice, type NoticeRecord } from '../db/notice-repository.ts'
import type { HandoverView } from './handover-views.ts'
import { decodeCursor, pageOf } from './pagination.ts'
import { vietnamTime } from './vietnam-time.ts'

export const HANDOVER_OVERDUE = 'HANDOVER_OVERDUE'

export type Notice = NoticeRecord

/** The notice that tells a departure office to open a verification (xác minh) of an overdue handover. */
function overdueNotice(h: HandoverView): NewNotice {
  return {
    office: h.departureOffice,
    kind: HANDOVER_OVERDUE,
    entityType: HANDOVER_ENTITY,
    entityId: h.id,
    message:
      `Biên bản bàn giao ${h.handoverNumber} đã quá thời hạn (${vietnamTime(h.dueAt)} giờ Việt Nam) mà Chi cục ${h.destinationOffice} chưa tiếp nhận hàng: ` +
      'mở xác minh. / Handover past its time limit without arrival: open a verification.',
    details: {
      handoverNumber: h.handoverNumber,
      destinationOffice: h.destinationOffice,
      dueAt: h.dueAt,
      declarationNumbers: h.declarationNumbers,
      containerNumbers: h.containers.map((c) => c.containerNumber),
      vehicle: h.vehicle,
      verificationUrl: `/api/v1/handovers/${h.id}/verification`,
    },
  }
}

/** Raises the notices of handovers just marked overdue; call in the marking's transaction. Returns how many were new. */
export function raiseOverdueNotices(q: Queryable, marked: HandoverView[]): Promise<number> {
  return insertNotices(q, marked.map(overdueNotice))
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** An office's notices, newest first. Officers and supervisors read their own office; admins any. */
export async function listNotices(
  q: Queryable,
  actor: Actor,
  query: { office?: string; limit: number; cursor?: string },
): Promise<{ items: Notice[]; nextCursor: string | null }> {
  const office = query.office ?? actor.office
  if (actor.role !== 'admin' && office !== actor.office) {
    throw forbidden('OFFICE_FORBIDDEN', `You read the notices of your own office only, not those of ${office}`)
  }
  const cursor = decodeCursor(query.cursor)
  if (cursor && !UUID.test(cursor.id)) {
    throw invalid([{ field: 'querystring.cursor', code: 'INVALID_CURSOR', message: 'use the nextCursor of a previous page' }])
  }
  const rows = await noticesOf(q, office, cursor && { at: new Date(cursor.at).toISOString(), id: cursor.id }, query.limit)
  return pageOf(rows, query.limit, (r) => ({ at: r.createdAt, id: r.id }))
}
