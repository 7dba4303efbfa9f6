// Correction requests ("lupa absen"): a member asks for a missing check-in or check-out of one day, with a reason; the
// dashboard approves (the record is written or completed, with its history) or refuses. The kinds, states, limits and
// request schemas the server enforces and the phone's form checks before sending. One copy for both sides.
import { z } from 'zod'
import { addDays } from '../calendar'
import { pgDate, pgText, timeOfDay } from '../validation'

export const CORRECTION_KINDS = ['check_in', 'check_out', 'both'] as const
export type CorrectionKind = (typeof CORRECTION_KINDS)[number]
export const CORRECTION_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const
export type CorrectionStatus = (typeof CORRECTION_STATUSES)[number]

/** A member may ask about a day at most this many days back (today included, never ahead). */
export const CORRECTION_DAYS_BACK = 31
export const CORRECTION_REASON_MAX = 500
export const CORRECTION_NOTE_MAX = 500

/** The dates a request may name, seen from `today` (the organization's calendar date). */
export interface CorrectionLimits {
  today: string
  earliest_date: string
}

export function correctionLimits(today: string): CorrectionLimits {
  return { today, earliest_date: addDays(today, -CORRECTION_DAYS_BACK) }
}

/** Whether the kind asks for a check-in time, a check-out time. */
export const wantsCheckIn = (kind: CorrectionKind): boolean => kind !== 'check_out'
export const wantsCheckOut = (kind: CorrectionKind): boolean => kind !== 'check_in'

/** A local time of day in the organization's zone ("08:05" -> "08:05:00"). */
const clockTime = timeOfDay

/**
 * A member's request (POST /api/correction-requests): the times the kind asks for, and only those. The date's window,
 * the member's start date, a time still to come and the day's record are checked by the server afterwards.
 */
export const correctionInput = z
  .object({
    attendance_date: pgDate,
    kind: z.enum(CORRECTION_KINDS),
    check_in_time: clockTime.optional(),
    check_out_time: clockTime.optional(),
    reason: pgText(CORRECTION_REASON_MAX, { trim: true, min: 1, minMessage: 'Required' }),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const [field, wanted] of [['check_in_time', wantsCheckIn(v.kind)], ['check_out_time', wantsCheckOut(v.kind)]] as const) {
      if (wanted && v[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'Required', params: { reason: 'required' } })
      if (!wanted && v[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'Not asked for by this kind', params: { reason: 'not_asked' } })
    }
    // The order of the two times is the server's to judge with the day's hours (a night shift's check-out is the next
    // morning's, earlier on the clock); the same time twice is never a day.
    if (v.check_in_time && v.check_out_time && v.check_out_time === v.check_in_time) {
      ctx.addIssue({ code: 'custom', path: ['check_out_time'], message: 'The check-out must be after the check-in', params: { reason: 'before_check_in' } })
    }
  })

/** An approval may carry a note, and may set the times the admin knows better (only those the request asked for). */
export const correctionApproveInput = z
  .object({
    note: pgText(CORRECTION_NOTE_MAX, { trim: true }).optional(),
    check_in_time: clockTime.optional(),
    check_out_time: clockTime.optional(),
  })
  .strict()
/** A refusal says why: the member sees the note. */
export const correctionRejectInput = z.object({ note: pgText(CORRECTION_NOTE_MAX, { trim: true, min: 1, minMessage: 'Required' }) }).strict()
