// Whether the member the kiosk just recognised is already checked in (or out) today, from anywhere: their phone,
// another kiosk, an admin (the server's answer, GET /api/attendance/members/:id/today), or this tablet (its own
// records, when the server cannot be asked). A pupil who checked in on their phone on the way and then passes the gate
// sees "Already checked in 07:12 (phone)" instead of a second check-in, or worse a check-out (issue 18).
// Pure (tested alone).
import type { AttendanceKind } from '@shared/attendance/sync'
import { KIOSK_COOLDOWN_MS } from './cooldown'

/** Where the day's mark came from; 'here' is this tablet's own record (known without the server). */
export type MarkOrigin = 'phone' | 'kiosk' | 'other' | 'here'

export interface DayMark {
  /** The organization's wall clock, "07:12" or "07:12:05". */
  time: string
  origin: MarkOrigin
}

export interface TodayMarks {
  check_in: DayMark | null
  check_out: DayMark | null
}

export type KioskDecision = { type: 'record'; kind: AttendanceKind } | { type: 'already'; kind: AttendanceKind; mark: DayMark }

/**
 * Before this long after a check-in made elsewhere, passing the kiosk again is the same arrival (checked in on the
 * phone on the bus, then through the gate), not leaving: 2 hours. Leaving earlier goes through search or QR, which
 * ask before recording.
 */
export const KIOSK_MIN_STAY_MS = 2 * 3600_000

/** Seconds since midnight of "HH:MM[:SS]", or null. */
function secondsOf(time: string): number | null {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?/.exec(time)
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0) : null
}

/** Milliseconds from the mark to now, both wall-clock times of the same day (a mark "after" now counts as just now). */
function since(mark: DayMark, now: string): number {
  const a = secondsOf(mark.time)
  const b = secondsOf(now)
  return a === null || b === null ? 0 : Math.max(0, b - a) * 1000
}

/**
 * What the kiosk does with a recognised member: record `kind`, or say they are already checked in/out. `today` is the
 * server's answer (null when it could not be asked: offline, slow), `localKind` what this tablet's own records say
 * comes next, `now` the organization's wall clock.
 */
export function decideFromToday(today: TodayMarks | null, localKind: AttendanceKind, now: string): KioskDecision {
  if (!today) return { type: 'record', kind: localKind }
  if (today.check_out) {
    return since(today.check_out, now) < KIOSK_COOLDOWN_MS ? { type: 'already', kind: 'check_out', mark: today.check_out } : { type: 'record', kind: 'check_out' }
  }
  if (today.check_in) {
    return since(today.check_in, now) < KIOSK_MIN_STAY_MS ? { type: 'already', kind: 'check_in', mark: today.check_in } : { type: 'record', kind: 'check_out' }
  }
  return { type: 'record', kind: localKind }
}
