// Leave requests (sakit / cuti / izin): the date rules and the plan of which days an approval excuses.
// Pure functions on calendar dates ("YYYY-MM-DD" in the organization's zone): no clock, no database.
import { isWorkingDay, type WorkSchedule } from '../../../shared/attendance/rules'
import type { LEAVE_KINDS } from '../../db/schema'

export type LeaveKind = (typeof LEAVE_KINDS)[number]

/** One request covers at most this many calendar days (start and end included). */
export const MAX_LEAVE_DAYS = 31
/** A request may start at most this many days before today (sick leave is often asked for afterwards). */
export const MAX_DAYS_BACK = 30
/** ... and at most this many days after today. */
export const MAX_DAYS_AHEAD = 365
export const REASON_MAX = 500
export const NOTE_MAX = 500

/** How the kind reads in an excused record's remarks (Indonesian, the organization's working language). */
export const KIND_REMARK: Record<LeaveKind, string> = { sick: 'Sakit', leave: 'Cuti', permit: 'Izin', other: 'Lainnya' }

function toUtc(date: string): number {
  const [y, m, d] = date.split('-').map(Number)
  return Date.UTC(y!, m! - 1, d!)
}

function fromUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

export function addDays(date: string, days: number): string {
  return fromUtc(toUtc(date) + days * 86_400_000)
}

/** Calendar days from `start` to `end`, both included (0 or less when end is before start). */
export function daysInclusive(start: string, end: string): number {
  return Math.round((toUtc(end) - toUtc(start)) / 86_400_000) + 1
}

/** ISO weekday of a calendar date: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(date: string): number {
  const day = new Date(toUtc(date)).getUTCDay()
  return day === 0 ? 7 : day
}

export function datesBetween(start: string, end: string): string[] {
  const out: string[] = []
  for (let d = start; d <= end; d = addDays(d, 1)) out.push(d)
  return out
}

export interface RangeLimits {
  today: string
  earliest_start: string
  latest_start: string
  max_days: number
}

export function rangeLimits(today: string): RangeLimits {
  return { today, earliest_start: addDays(today, -MAX_DAYS_BACK), latest_start: addDays(today, MAX_DAYS_AHEAD), max_days: MAX_LEAVE_DAYS }
}

export interface RangeProblem {
  code: 'LEAVE_END_BEFORE_START' | 'LEAVE_TOO_LONG' | 'LEAVE_TOO_FAR_BACK' | 'LEAVE_TOO_FAR_AHEAD'
  path: 'start_date' | 'end_date'
  message: string
  /** The limit, for a message in the member's language. */
  limit?: string | number
}

/** What is wrong with a requested range, or null: end not before start, at most 31 days, start within the window. */
export function checkRange(start: string, end: string, today: string): RangeProblem | null {
  const limits = rangeLimits(today)
  if (end < start) return { code: 'LEAVE_END_BEFORE_START', path: 'end_date', message: 'The last day cannot be before the first day' }
  if (daysInclusive(start, end) > MAX_LEAVE_DAYS) {
    return { code: 'LEAVE_TOO_LONG', path: 'end_date', message: `One request covers at most ${MAX_LEAVE_DAYS} days`, limit: MAX_LEAVE_DAYS }
  }
  if (start < limits.earliest_start) {
    return { code: 'LEAVE_TOO_FAR_BACK', path: 'start_date', message: `A request can start at most ${MAX_DAYS_BACK} days ago (${limits.earliest_start})`, limit: limits.earliest_start }
  }
  if (start > limits.latest_start) {
    return { code: 'LEAVE_TOO_FAR_AHEAD', path: 'start_date', message: `A request can start at most ${MAX_DAYS_AHEAD} days ahead (${limits.latest_start})`, limit: limits.latest_start }
  }
  return null
}

export type SkipReason = 'day_off' | 'has_record'

export interface ExcusePlan {
  /** Working days without a record: each becomes an `excused` record. */
  excuse: string[]
  skipped: { date: string; reason: SkipReason }[]
}

/** Which days of an approved request become `excused`: the member's working days that have no record yet. */
export function planExcuse(start: string, end: string, schedule: WorkSchedule, recorded: ReadonlySet<string>): ExcusePlan {
  const plan: ExcusePlan = { excuse: [], skipped: [] }
  for (const date of datesBetween(start, end)) {
    if (!isWorkingDay(schedule, isoWeekday(date))) plan.skipped.push({ date, reason: 'day_off' })
    else if (recorded.has(date)) plan.skipped.push({ date, reason: 'has_record' })
    else plan.excuse.push(date)
  }
  return plan
}

/** The remarks of an excused record: the kind, then the member's reason ("Sakit: Demam tinggi"). */
export function excuseRemarks(kind: LeaveKind, reason: string): string {
  return `${KIND_REMARK[kind]}: ${reason}`
}
