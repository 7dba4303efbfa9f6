// Correction requests ("lupa absen"): which days and times a member may ask for, against the day's record as it is.
// Pure functions on calendar dates and local times ("YYYY-MM-DD", "HH:MM:SS" in the organization's zone): no clock,
// no database. The same checks run when the member asks and again when an admin approves (the day may have moved on).
import { correctionLimits, type CorrectionKind, wantsCheckIn, wantsCheckOut } from '../../../shared/corrections/rules'
import { minutesOf, shiftMinute, type WorkSchedule } from '../../../shared/attendance/rules'

export { correctionApproveInput, correctionInput, correctionLimits, correctionRejectInput, CORRECTION_DAYS_BACK, wantsCheckIn, wantsCheckOut, type CorrectionKind } from '../../../shared/corrections/rules'

export type CorrectionCode =
  | 'CORRECTION_FUTURE_DATE'
  | 'CORRECTION_TOO_FAR_BACK'
  | 'CORRECTION_BEFORE_START'
  | 'CORRECTION_AFTER_END'
  | 'CORRECTION_FUTURE_TIME'
  | 'CORRECTION_CHECK_IN_EXISTS'
  | 'CORRECTION_CHECK_OUT_EXISTS'
  | 'CORRECTION_NO_CHECK_IN'
  | 'CORRECTION_CHECK_OUT_BEFORE_CHECK_IN'
  | 'CORRECTION_CHECK_IN_AFTER_CHECK_OUT'
  | 'CORRECTION_DUPLICATE'

export interface CorrectionProblem {
  code: CorrectionCode
  path: 'attendance_date' | 'kind' | 'check_in_time' | 'check_out_time'
  message: string
  /** The date or time the rule compares with, for a message in the member's language. */
  limit?: string
}

/** What is wrong with the day asked about, or null: not ahead of today, within the window, within the member's days. */
export function checkDate(date: string, today: string, firstDay: string | null, lastDay: string | null): CorrectionProblem | null {
  const limits = correctionLimits(today)
  if (date > today) return { code: 'CORRECTION_FUTURE_DATE', path: 'attendance_date', message: 'The day has not come yet', limit: today }
  if (date < limits.earliest_date) {
    return { code: 'CORRECTION_TOO_FAR_BACK', path: 'attendance_date', message: `A correction can be asked for ${limits.earliest_date} at the earliest`, limit: limits.earliest_date }
  }
  if (firstDay && date < firstDay) return { code: 'CORRECTION_BEFORE_START', path: 'attendance_date', message: `Your first day is ${firstDay}`, limit: firstDay }
  if (lastDay && date > lastDay) return { code: 'CORRECTION_AFTER_END', path: 'attendance_date', message: `Your last day was ${lastDay}`, limit: lastDay }
  return null
}

/** The day's record as far as a correction is concerned (null: there is none). */
export interface DayRecord {
  checkIn: string | null
  checkOut: string | null
  flags: readonly string[]
}

export interface ClaimedTimes {
  checkIn: string | null
  checkOut: string | null
}

/**
 * What is wrong with the times against the day's record, or null. `nowTime`: the local time now when the day is
 * today or yesterday (`daysAgo` 0 or 1: a time still to come is refused), else null. A check-in is asked for only when
 * the day has none; a check-out when it has none or the one the forgotten check-out job closed it with (`auto_closed`);
 * a check-out alone needs the day's check-in. Whatever is asked for keeps the day in order: the check-out after the
 * check-in. With the day's `hours`, times count as `shiftMinute` does: a night shift's check-out the next morning comes
 * after its evening check-in (and is still to come until that morning).
 */
export function checkTimes(kind: CorrectionKind, times: ClaimedTimes, record: DayRecord | null, nowTime: string | null, hours?: Pick<WorkSchedule, 'startTime' | 'endTime'>, daysAgo = 0): CorrectionProblem | null {
  const at = (time: string) => (hours ? shiftMinute(hours, time) : minutesOf(time))
  const now = nowTime === null ? null : daysAgo * 24 * 60 + minutesOf(nowTime)
  for (const [path, time] of [['check_in_time', times.checkIn], ['check_out_time', times.checkOut]] as const) {
    if (time && now !== null && (at(time) > now || (at(time) === now && time > nowTime!))) return { code: 'CORRECTION_FUTURE_TIME', path, message: 'That time has not come yet', limit: nowTime! }
  }
  if (wantsCheckIn(kind) && record?.checkIn) {
    return { code: 'CORRECTION_CHECK_IN_EXISTS', path: 'check_in_time', message: `This day already has a check-in (${record.checkIn})`, limit: record.checkIn }
  }
  if (wantsCheckOut(kind) && record?.checkOut && !record.flags.includes('auto_closed')) {
    return { code: 'CORRECTION_CHECK_OUT_EXISTS', path: 'check_out_time', message: `This day already has a check-out (${record.checkOut})`, limit: record.checkOut }
  }
  const checkIn = times.checkIn ?? record?.checkIn ?? null
  if (kind === 'check_out' && !checkIn) return { code: 'CORRECTION_NO_CHECK_IN', path: 'kind', message: 'This day has no check-in: ask for both the check-in and the check-out' }
  if (checkIn && times.checkOut && at(times.checkOut) <= at(checkIn)) {
    return { code: 'CORRECTION_CHECK_OUT_BEFORE_CHECK_IN', path: 'check_out_time', message: `The check-out must be after the check-in (${checkIn})`, limit: checkIn }
  }
  // A check-in alone, on a day whose check-out is kept (a missing_check_in day): before that check-out.
  const keptCheckOut = wantsCheckOut(kind) ? null : record?.checkOut ?? null
  if (times.checkIn && keptCheckOut && at(times.checkIn) >= at(keptCheckOut)) {
    return { code: 'CORRECTION_CHECK_IN_AFTER_CHECK_OUT', path: 'check_in_time', message: `The check-in must be before the check-out (${keptCheckOut})`, limit: keptCheckOut }
  }
  return null
}

/** Whether two requests of the same day ask about the same time (a check-in, a check-out). */
export function kindsOverlap(a: CorrectionKind, b: CorrectionKind): boolean {
  return (wantsCheckIn(a) && wantsCheckIn(b)) || (wantsCheckOut(a) && wantsCheckOut(b))
}

/** The remarks of a record a correction creates: "Lupa absen: <the member's reason>" (the organization's language). */
export function correctionRemarks(reason: string): string {
  return `Lupa absen: ${reason}`
}
