// Leaders' figures: one office's day by day — handed over, received on time or late, overdue,
// verifications and their outcomes, gate passes, paper declarations entered — in Vietnamese
// calendar days, plus the cases open now. Officers and supervisors see their own office; admins any.
import type { Queryable } from '../db/database.ts'
import { dailyFigures, openCases, type DailyFigures, type OpenCases } from '../db/report-repository.ts'
import { invalid } from '../domain/errors.ts'
import { listOfficeFor } from './handover-access.ts'
import type { Actor } from '../domain/actor.ts'
import { vietnamDay } from './vietnam-time.ts'

/** A year and a day: a leap year's report, and no more in one request. */
const MAX_REPORT_DAYS = 366

export interface DailyReport {
  office: string
  from: string
  to: string
  days: DailyFigures[]
  totals: Omit<DailyFigures, 'day'>
  openNow: OpenCases
}

const DAY = /^\d{4}-\d{2}-\d{2}$/
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / 86_400_000

function reportRange(query: { from?: string; to?: string }, now: string): { from: string; to: string } {
  const today = vietnamDay(now)
  const to = query.to ?? today
  const from = query.from ?? to
  const problems = [
    ...(DAY.test(from) && !Number.isNaN(dayNumber(from)) ? [] : [{ field: 'querystring.from', code: 'INVALID_DATE' }]),
    ...(DAY.test(to) && !Number.isNaN(dayNumber(to)) ? [] : [{ field: 'querystring.to', code: 'INVALID_DATE' }]),
  ]
  if (problems.length) throw invalid(problems)
  if (from > to) throw invalid([{ field: 'querystring.from', code: 'DATE_RANGE_INVERTED', message: '`from` must not be after `to`' }])
  if (dayNumber(to) - dayNumber(from) + 1 > MAX_REPORT_DAYS) {
    throw invalid([{ field: 'querystring.from', code: 'REPORT_RANGE_TOO_LONG', message: `at most ${MAX_REPORT_DAYS} days in one report` }])
  }
  return { from, to }
}

export async function dailyReport(
  q: Queryable,
  actor: Actor,
  query: { office?: string; from?: string; to?: string },
  now: string,
): Promise<DailyReport> {
  const office = listOfficeFor(actor, query.office) ?? actor.office
  const { from, to } = reportRange(query, now)
  const days = await dailyFigures(q, office, from, to)
  const totals = {} as Record<string, number>
  for (const day of days) {
    for (const [key, value] of Object.entries(day)) if (key !== 'day') totals[key] = (totals[key] ?? 0) + (value as number)
  }
  return { office, from, to, days, totals: totals as DailyReport['totals'], openNow: await openCases(q, office) }
}

/** The Vietnamese column headers of the daily report, in the order of the export. */
export const DAILY_REPORT_HEADERS: Array<[keyof DailyFigures, string]> = [
  ['day', 'Ngày'],
  ['handedOver', 'Biên bản đã bàn giao'],
  ['cancelled', 'Biên bản đã hủy'],
  ['received', 'Đã tiếp nhận'],
  ['receivedOnTime', 'Tiếp nhận đúng hạn'],
  ['receivedLate', 'Tiếp nhận quá hạn'],
  ['receivedWithDiscrepancy', 'Tiếp nhận có sai khác'],
  ['becameOverdue', 'Chuyển quá thời hạn'],
  ['verificationsOpened', 'Mở xác minh'],
  ['verificationsResolved', 'Xác minh: không vi phạm'],
  ['verificationsViolation', 'Xác minh: vi phạm'],
  ['gateContainersPassed', 'Container qua KVGS'],
  ['gateLotPasses', 'Lượt hàng rời qua KVGS'],
  ['paperDeclarationsEntered', 'Tờ khai giấy đã nhập'],
]
