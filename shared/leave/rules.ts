// Leave requests (sakit / cuti / izin): the kinds, states and limits the server enforces and the phone's form checks
// before sending. One copy for both sides.
import { addDays } from '../calendar'

export const LEAVE_KINDS = ['sick', 'leave', 'permit', 'other'] as const
export type LeaveKind = (typeof LEAVE_KINDS)[number]
export const LEAVE_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const
export type LeaveStatus = (typeof LEAVE_STATUSES)[number]

/** One request covers at most this many calendar days (start and end included). */
export const MAX_LEAVE_DAYS = 31
/** A request may start at most this many days before today (sick leave is often asked for afterwards). */
export const MAX_DAYS_BACK = 30
/** ... and at most this many days after today. */
export const MAX_DAYS_AHEAD = 365
/** The longest reason a member writes, and the longest note an admin's decision carries. */
export const REASON_MAX = 500
export const NOTE_MAX = 500

/** The dates a request may use, seen from `today` (the organization's calendar date). */
export interface RangeLimits {
  today: string
  earliest_start: string
  latest_start: string
  max_days: number
}

export function rangeLimits(today: string): RangeLimits {
  return { today, earliest_start: addDays(today, -MAX_DAYS_BACK), latest_start: addDays(today, MAX_DAYS_AHEAD), max_days: MAX_LEAVE_DAYS }
}
