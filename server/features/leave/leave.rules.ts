// Leave requests (sakit / cuti / izin): the date rules and the plan of which days an approval excuses.
// Pure functions on calendar dates ("YYYY-MM-DD" in the organization's zone): no clock, no database.
import { isWorkingDay, type WorkSchedule } from '../../../shared/attendance/rules'
import { addDays, datesBetween, daysInclusive, isoWeekday } from '../../../shared/calendar'
import { MAX_DAYS_AHEAD, MAX_DAYS_BACK, MAX_LEAVE_DAYS, rangeLimits, type LeaveKind } from '../../../shared/leave/rules'

// The kinds, limits, request schemas and date arithmetic are shared with the PWA's forms (shared/leave/rules.ts,
// shared/calendar.ts).
export { approveInput, leaveInput, NOTE_MAX, REASON_MAX, rejectInput, type LeaveKind, type RangeLimits } from '../../../shared/leave/rules'
export { addDays, datesBetween, daysInclusive, isoWeekday, MAX_DAYS_AHEAD, MAX_DAYS_BACK, MAX_LEAVE_DAYS, rangeLimits }

/** How the kind reads in an excused record's remarks (Indonesian, the organization's working language). */
export const KIND_REMARK: Record<LeaveKind, string> = { sick: 'Sakit', leave: 'Cuti', permit: 'Izin', other: 'Lainnya' }

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

export type SkipReason = 'day_off' | 'holiday' | 'has_record'

export interface ExcusePlan {
  /** Working days without a record: each becomes an `excused` record. */
  excuse: string[]
  skipped: { date: string; reason: SkipReason }[]
}

/**
 * Which days of an approved request become `excused`: the member's working days that have no record yet. A day off
 * for the member (`isHoliday`: a national holiday the organization keeps, or its own) is not taken from their leave.
 */
export function planExcuse(start: string, end: string, schedule: WorkSchedule, recorded: ReadonlySet<string>, isHoliday: (date: string) => boolean = () => false): ExcusePlan {
  const plan: ExcusePlan = { excuse: [], skipped: [] }
  for (const date of datesBetween(start, end)) {
    if (!isWorkingDay(schedule, isoWeekday(date))) plan.skipped.push({ date, reason: 'day_off' })
    else if (isHoliday(date)) plan.skipped.push({ date, reason: 'holiday' })
    else if (recorded.has(date)) plan.skipped.push({ date, reason: 'has_record' })
    else plan.excuse.push(date)
  }
  return plan
}

/** The remarks of an excused record: the kind, then the member's reason ("Sakit: Demam tinggi"). */
export function excuseRemarks(kind: LeaveKind, reason: string): string {
  return `${KIND_REMARK[kind]}: ${reason}`
}
