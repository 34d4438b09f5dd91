// SQL of the reports: one office's figures per Vietnamese calendar day. Each figure is a count over an
// (office, time) index range (migrations/009_report_indexes.sql); days are cut at midnight in
// Asia/Ho_Chi_Minh, whatever the server's time zone.
import type { Queryable } from './database.ts'

export interface DailyFigures {
  day: string
  handedOver: number
  cancelled: number
  received: number
  receivedOnTime: number
  receivedLate: number
  receivedWithDiscrepancy: number
  becameOverdue: number
  verificationsOpened: number
  verificationsResolved: number
  verificationsViolation: number
  gateContainersPassed: number
  gateLotPasses: number
  paperDeclarationsEntered: number
}

const DAILY_SQL = `
WITH bounds AS (
  SELECT d::date AS day,
         (d::date::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh') AS start,
         ((d::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh') AS stop
    FROM generate_series($2::date, $3::date, interval '1 day') AS d
)
SELECT to_char(b.day, 'YYYY-MM-DD') AS day,
  (SELECT count(*) FROM handovers h
     WHERE h.departure_office = $1 AND h.handed_over_at >= b.start AND h.handed_over_at < b.stop)::int AS "handedOver",
  (SELECT count(*) FROM handovers h
     WHERE h.departure_office = $1 AND h.cancelled_at >= b.start AND h.cancelled_at < b.stop)::int AS "cancelled",
  r.received, r.on_time AS "receivedOnTime", r.received - r.on_time AS "receivedLate", r.discrepancy AS "receivedWithDiscrepancy",
  (SELECT count(*) FROM handovers h
     WHERE h.departure_office = $1 AND h.overdue_at >= b.start AND h.overdue_at < b.stop)::int AS "becameOverdue",
  (SELECT count(*) FROM handovers h
     WHERE h.departure_office = $1 AND h.verification_opened_at >= b.start AND h.verification_opened_at < b.stop)::int AS "verificationsOpened",
  v.resolved AS "verificationsResolved", v.violation AS "verificationsViolation",
  g.containers AS "gateContainersPassed", g.lots AS "gateLotPasses",
  (SELECT count(*) FROM paper_declarations p
     WHERE p.office = $1 AND p.entered_at >= b.start AND p.entered_at < b.stop)::int AS "paperDeclarationsEntered"
FROM bounds b
CROSS JOIN LATERAL (
  SELECT count(*)::int AS received,
         count(*) FILTER (WHERE rc.received_at <= h.due_at)::int AS on_time,
         count(*) FILTER (WHERE jsonb_array_length(rc.discrepancies) > 0
                             OR EXISTS (SELECT 1 FROM handover_containers c WHERE c.handover_id = h.id AND c.seal_state <> 'intact'))::int AS discrepancy
    FROM handover_receipts rc JOIN handovers h ON h.id = rc.handover_id
   WHERE rc.received_at >= b.start AND rc.received_at < b.stop AND h.destination_office = $1
) r
CROSS JOIN LATERAL (
  SELECT count(*) FILTER (WHERE h.verification_outcome = 'RESOLVED')::int AS resolved,
         count(*) FILTER (WHERE h.verification_outcome = 'VIOLATION')::int AS violation
    FROM handovers h
   WHERE h.departure_office = $1 AND h.verification_decided_at >= b.start AND h.verification_decided_at < b.stop
) v
CROSS JOIN LATERAL (
  SELECT count(*) FILTER (WHERE gc.kind = 'container')::int AS containers,
         count(*) FILTER (WHERE gc.kind = 'lot')::int AS lots
    FROM gate_confirmations gc
   WHERE gc.office = $1 AND gc.status = 'CONFIRMED' AND gc.passed_at >= b.start AND gc.passed_at < b.stop
) g
ORDER BY b.day`

/** One row per day from `from` to `to` (YYYY-MM-DD, both included), days without events as zeros. */
export async function dailyFigures(q: Queryable, office: string, from: string, to: string): Promise<DailyFigures[]> {
  const { rows } = await q.query<DailyFigures>({ name: 'report-daily', text: DAILY_SQL, values: [office, from, to] })
  return rows
}

export interface OpenCases {
  overdue: number
  underVerification: number
}

/** The office's cases open now, as departure office. */
export async function openCases(q: Queryable, office: string): Promise<OpenCases> {
  const { rows } = await q.query<OpenCases>(
    `SELECT count(*) FILTER (WHERE h.status = 'OVERDUE')::int AS overdue,
            count(*) FILTER (WHERE h.status = 'UNDER_VERIFICATION')::int AS "underVerification"
       FROM handovers h
      WHERE h.departure_office = $1 AND h.status IN ('HANDED_OVER', 'OVERDUE', 'UNDER_VERIFICATION')`,
    [office],
  )
  return rows[0] as OpenCases
}
