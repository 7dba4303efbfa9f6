// Check-in or check-out: the one rule the phone, the kiosk and the server's fold share.
import { minutesOf, shiftMinute, type WorkSchedule } from './rules'
import type { AttendanceKind } from './sync'

/** A second check-in this long after the day's first is the person leaving: the server takes it as a check-out. */
export const LATE_SECOND_CHECKIN_MINUTES = 120

/** The next tap of the day on a device: check-in first, then check-out (the server's record, or this device's own). */
export function nextKind(input: { serverCheckedIn: boolean; localKindsToday: readonly AttendanceKind[] }): AttendanceKind {
  if (input.serverCheckedIn) return 'check_out'
  return input.localKindsToday.includes('check_in') ? 'check_out' : 'check_in'
}

/**
 * What a capture counts as on its day (server side): a device that did not know of an earlier check-in (made on
 * another device) sends "check in" when the person means to leave, so a check-in well after the day's first one is a
 * check-out, never dropped. Times are "HH:MM[:SS]" of the organization's day.
 */
export function effectiveKind(kind: AttendanceKind, time: string, dayCheckIn: string | null | undefined, hours?: Pick<WorkSchedule, 'startTime' | 'endTime'>): AttendanceKind {
  if (kind !== 'check_in' || !dayCheckIn) return kind
  // With the day's hours, a night shift's morning counts after its evening (shiftMinute).
  const at = (t: string) => (hours ? shiftMinute(hours, t) : minutesOf(t))
  return at(time) - at(dayCheckIn) >= LATE_SECOND_CHECKIN_MINUTES ? 'check_out' : kind
}
