// Leave requests (sakit / cuti / izin): the kinds, states and limits the server enforces and the phone's form checks
// before sending. One copy for both sides.
import { z } from 'zod'
import { addDays } from '../calendar'
import { pgDate, pgText } from '../validation'

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

/** A member's request (POST /api/leave-requests); the dates' window and length are checked by `rangeLimits`' rules. */
export const leaveInput = z
  .object({
    kind: z.enum(LEAVE_KINDS),
    start_date: pgDate,
    end_date: pgDate,
    reason: pgText(REASON_MAX, { trim: true, min: 1, minMessage: 'Required' }),
  })
  .strict()

/** An approval may carry a note. */
export const approveInput = z.object({ note: pgText(NOTE_MAX, { trim: true }).optional() }).strict()
/** A rejection says why: the member sees the note. */
export const rejectInput = z.object({ note: pgText(NOTE_MAX, { trim: true, min: 1, minMessage: 'Required' }) }).strict()
