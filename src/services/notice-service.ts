// Notices for an office raised by background work (thông báo): what an officer must act on without
// watching a list, e.g. a handover past its time limit for which a verification must be opened.
import type { Queryable } from '../db/database.ts'
import { insertNotice, noticesOf } from '../db/notice-repository.ts'
import { forbidden, invalid } from '../errors.ts'
import { loadHandoverView } from './handover-query-service.ts'
import { ENTITY_TYPE as HANDOVER_ENTITY } from './handover-service.ts'
import type { Actor } from './jwt-service.ts'
import { decodeCursor, pageOf } from './pagination.ts'
import { vietnamTime } from './vietnam-time.ts'

export const HANDOVER_OVERDUE = 'HANDOVER_OVERDUE'

export interface Notice {
  id: string
  office: string
  kind: string
  entityType: string
  entityId: string
  message: string
  details: unknown
  createdAt: string
}

export async function raiseNotice(
  q: Queryable,
  n: { office: string; kind: string; entityType: string; entityId: string; message: string; details?: unknown },
): Promise<boolean> {
  return insertNotice(q, { ...n, details: n.details ?? {} })
}

/**
 * Tells each departure office about its handovers that markOverdue just marked: the office must open
 * a verification (xác minh) with the destination office. Call in the same transaction as the marking.
 */
export async function raiseOverdueNotices(q: Queryable, marked: Array<{ id: string }>): Promise<number> {
  let raised = 0
  for (const { id } of marked) {
    const h = await loadHandoverView(q, id)
    if (!h) continue
    const ok = await raiseNotice(q, {
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
    })
    if (ok) raised++
  }
  return raised
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
  const page = pageOf(rows, query.limit, (r) => ({ at: r.created_at.toISOString(), id: r.id }))
  return {
    items: page.items.map((r) => ({
      id: r.id,
      office: r.office,
      kind: r.kind,
      entityType: r.entity_type,
      entityId: r.entity_id,
      message: r.message,
      details: r.details,
      createdAt: r.created_at.toISOString(),
    })),
    nextCursor: page.nextCursor,
  }
}
