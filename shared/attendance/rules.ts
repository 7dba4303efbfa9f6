// Attendance rules, one source of truth for the PWA (offline confirmation screens) and the server (stored status).
// Plain TypeScript: no DOM, no Node. Times of day are "HH:MM" or "HH:MM:SS" wall-clock times in the organization's zone.
import { addDays } from '../calendar'

/** A weekday's own hours of work. */
export interface DayHours {
  startTime: string
  endTime: string
}

export interface WorkSchedule {
  /** ISO weekdays that are working days: 1 = Monday ... 7 = Sunday. */
  workDays: readonly number[]
  /** The hours of every working day without hours of its own. */
  startTime: string
  endTime: string
  lateToleranceMinutes: number
  /** Working days (ISO weekday) whose hours differ: a short Friday, a half-day Saturday. */
  dayHours?: Readonly<Partial<Record<number, DayHours>>>
}

/**
 * The schedule as it applies on one ISO weekday: that day's own hours when it has them, else the schedule's. Every
 * rule about a particular day (late, left early, the end of work, a forgotten check-out) takes the schedule through
 * here; `memberFirstDay` reads the added day's start the same way.
 */
export function scheduleOn<S extends Pick<WorkSchedule, 'startTime' | 'endTime' | 'dayHours'>>(schedule: S, weekday: number): S {
  const own = schedule.dayHours?.[weekday]
  return own ? { ...schedule, startTime: own.startTime, endTime: own.endTime } : schedule
}

/** A schedule's day hours as the API and the database keep them (`{ "5": { start_time, end_time } }`). */
export type DayHoursJson = Partial<Record<string, { start_time: string; end_time: string }>>

export function dayHoursFrom(json: DayHoursJson | null | undefined): WorkSchedule['dayHours'] {
  const out: Partial<Record<number, DayHours>> = {}
  for (const [day, h] of Object.entries(json ?? {})) if (h) out[Number(day)] = { startTime: h.start_time, endTime: h.end_time }
  return out
}

/** A schedule's day hours as the API sends them (times "HH:MM"). */
export function dayHoursJson(schedule: Pick<WorkSchedule, 'dayHours'>): Record<string, { start_time: string; end_time: string }> {
  const out: Record<string, { start_time: string; end_time: string }> = {}
  for (const [day, h] of Object.entries(schedule.dayHours ?? {})) if (h) out[day] = { start_time: h.startTime.slice(0, 5), end_time: h.endTime.slice(0, 5) }
  return out
}

export interface LocalMoment {
  /** YYYY-MM-DD in the zone. */
  date: string
  /** HH:MM:SS in the zone. */
  time: string
  /** ISO weekday, 1 = Monday. */
  weekday: number
  /** Minutes since local midnight. */
  minutes: number
}

/** One formatter per zone: making one costs ~0.3 ms, using it microseconds (the sync reads a clock per record). */
const clocks = new Map<string, Intl.DateTimeFormat>()

function zonedParts(instant: Date, timeZone: string): (type: string) => string {
  let clock = clocks.get(timeZone)
  if (!clock) {
    // Throws RangeError for an unknown zone (nothing is cached then).
    clock = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    })
    clocks.set(timeZone, clock)
  }
  const parts = clock.formatToParts(instant)
  return (type) => parts.find((p) => p.type === type)?.value ?? ''
}

/** Where an instant falls on the organization's wall clock. */
export function toLocal(instant: Date, timeZone: string): LocalMoment {
  const ms = instant.getTime()
  const offset = Number.isFinite(ms) ? hourOffset(Math.floor(ms / HOUR_MS), timeZone) : null
  if (offset !== null) {
    // The wall clock is the UTC clock moved by the zone's offset (whole seconds: the fields are the formatter's).
    const local = new Date(ms + offset)
    const year = local.getUTCFullYear()
    if (year >= 1000 && year <= 9999) {
      const hour = local.getUTCHours()
      const minute = local.getUTCMinutes()
      return {
        date: `${year}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}`,
        time: `${two(hour)}:${two(minute)}:${two(local.getUTCSeconds())}`,
        weekday: ((local.getUTCDay() + 6) % 7) + 1,
        minutes: hour * 60 + minute,
      }
    }
  }
  return formatted(instant, timeZone)
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n))

/** toLocal through the zone's formatter. */
function formatted(instant: Date, timeZone: string): LocalMoment {
  const get = zonedParts(instant, timeZone)
  const date = `${get('year')}-${get('month')}-${get('day')}`
  const time = `${get('hour')}:${get('minute')}:${get('second')}`
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1
  return { date, time, weekday, minutes: Number(get('hour')) * 60 + Number(get('minute')) }
}

const HOUR_MS = 3_600_000

/**
 * Each zone's UTC offset (ms) over the UTC hours asked about, by hour number since the epoch; null for an hour whose
 * offset is not the same at its first and its last second (a change of offset within it: those instants go through
 * the formatter). No zone changes its offset twice within an hour, so an hour with the same offset at both ends has it
 * throughout. Formatting is most of toLocal's cost, and the sync, the lists and the exports ask it for every record:
 * their records fall within a few hours. Bounded: a zone's map is emptied when it grows past MAX_HOURS.
 */
const offsets = new Map<string, Map<number, number | null>>()
const MAX_HOURS = 20_000

function hourOffset(hour: number, timeZone: string): number | null {
  const hours = offsets.get(timeZone)
  let offset = hours?.get(hour)
  if (offset === undefined) {
    // Throws RangeError for an unknown zone (nothing is kept then).
    const start = offsetAt(hour * HOUR_MS, timeZone)
    offset = start !== null && start === offsetAt(hour * HOUR_MS + HOUR_MS - 1000, timeZone) ? start : null
    if (!hours) offsets.set(timeZone, new Map([[hour, offset]]))
    else {
      if (hours.size >= MAX_HOURS) hours.clear()
      hours.set(hour, offset)
    }
  }
  return offset
}

/** The zone's offset at a whole second (ms), from its formatter; null outside the years 1000-9999. */
function offsetAt(ms: number, timeZone: string): number | null {
  const { year, offset } = formatterOffset(ms, timeZone)
  return year >= 1000 && year <= 9999 ? offset : null
}

/** The zone's offset at an instant (ms) as its formatter shows the wall clock, and that wall clock's year. */
function formatterOffset(ms: number, timeZone: string): { year: number; offset: number } {
  const get = zonedParts(new Date(ms), timeZone)
  const year = Number(get('year'))
  return { year, offset: Date.UTC(year, Number(get('month')) - 1, Number(get('day')), Number(get('hour')), Number(get('minute')), Number(get('second'))) - ms }
}

/** The instant a wall-clock time ("2024-12-03 08:00:00") in a zone stands for, as an ISO string. */
export function localToIso(local: string, timeZone: string): string {
  const asUtc = new Date(`${local.replace(' ', 'T')}Z`).getTime()
  return new Date(asUtc - formatterOffset(asUtc, timeZone).offset).toISOString()
}

/** "08:15" or "08:15:30" -> minutes since midnight (seconds are dropped: rules work to the minute). */
export function minutesOf(time: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time)
  if (!m) throw new Error(`not a time of day: ${time}`)
  return Number(m[1]) * 60 + Number(m[2])
}

/**
 * Whether the hours run past midnight (a night shift, 22:00-06:00): the end is not after the start. Work schedules
 * always end after they start; shift types may not (shared/attendance/shifts.ts).
 */
export function isOvernight(schedule: Pick<WorkSchedule, 'startTime' | 'endTime'>): boolean {
  return minutesOf(schedule.endTime) <= minutesOf(schedule.startTime)
}

/**
 * Minutes of a wall-clock time counted from the midnight that starts the day's hours: for a night shift a time in
 * the morning after is the next day's (22:00-06:00: 06:10 is minute 1810, 21:55 is 1315). The night's last
 * morning and its next evening are told apart at the middle of the hours off (22:00-06:00: before 14:00 is the
 * morning after). Hours within one day count as they are.
 */
export function shiftMinute(schedule: Pick<WorkSchedule, 'startTime' | 'endTime'>, time: string): number {
  const at = minutesOf(time)
  if (!isOvernight(schedule)) return at
  return at < overnightBoundary(schedule) ? at + 24 * 60 : at
}

/** For a night shift: the wall-clock minute before which a time is the morning after (the middle of the hours off). */
export function overnightBoundary(schedule: Pick<WorkSchedule, 'startTime' | 'endTime'>): number {
  const end = minutesOf(schedule.endTime)
  return end + Math.floor((minutesOf(schedule.startTime) - end) / 2)
}

/** The end of the day's hours in shiftMinute's count (a night shift's end is the next day's). */
export function endMinute(schedule: Pick<WorkSchedule, 'startTime' | 'endTime'>): number {
  return minutesOf(schedule.endTime) + (isOvernight(schedule) ? 24 * 60 : 0)
}

export function isWorkingDay(schedule: WorkSchedule, weekday: number): boolean {
  return schedule.workDays.includes(weekday)
}

export interface CheckInResult {
  status: 'present' | 'late'
  /** Minutes after the start of work, when late; 0 otherwise. */
  lateMinutes: number
}

/**
 * Present up to and including start + tolerance, late after it. Late minutes count from the start of work, as the
 * member experiences it ("you were 20 minutes late"), not from the end of the tolerance.
 */
export function checkInStatus(schedule: WorkSchedule, localTime: string): CheckInResult {
  const at = shiftMinute(schedule, localTime)
  const start = minutesOf(schedule.startTime)
  if (at <= start + schedule.lateToleranceMinutes) return { status: 'present', lateMinutes: 0 }
  return { status: 'late', lateMinutes: at - start }
}

export interface CheckOutResult {
  leftEarly: boolean
  /** Minutes before the end of work, when left early. */
  earlyMinutes: number
}

export function checkOutStatus(schedule: WorkSchedule, localTime: string): CheckOutResult {
  const at = shiftMinute(schedule, localTime)
  const end = endMinute(schedule)
  return at < end ? { leftEarly: true, earlyMinutes: end - at } : { leftEarly: false, earlyMinutes: 0 }
}

/**
 * Minutes worked between check-in and check-out on one day (0 when either is missing or out of order); with the
 * day's hours, a night shift's check-out in the morning after counts from the check-in the evening before.
 */
export function minutesWorked(checkIn: string | null, checkOut: string | null, schedule?: Pick<WorkSchedule, 'startTime' | 'endTime'>): number {
  if (!checkIn || !checkOut) return 0
  if (schedule) return Math.max(0, shiftMinute(schedule, checkOut) - shiftMinute(schedule, checkIn))
  return Math.max(0, minutesOf(checkOut) - minutesOf(checkIn))
}

export type ForgottenCheckoutRule = 'close_at_schedule_end' | 'leave_open'

/**
 * A day that ended without a check-out: with `close_at_schedule_end` it is closed at the end of the schedule (or at
 * check-in, if that was later) and flagged, so hours worked are not inflated; otherwise it stays open.
 */
export function closeForgottenCheckout(
  schedule: WorkSchedule,
  checkIn: string,
  rule: ForgottenCheckoutRule,
): { checkOutTime: string; flag: 'auto_closed' } | null {
  if (rule === 'leave_open') return null
  // In the day's count (a night shift ends the next morning), given back as a wall-clock time.
  const end = Math.max(endMinute(schedule), shiftMinute(schedule, checkIn))
  return { checkOutTime: formatMinutes(end % (24 * 60)), flag: 'auto_closed' }
}

/**
 * Overtime of a day with both times: on a working day, the minutes past the end of its hours (a night shift's end is
 * the next morning's); on a day off or a holiday, every minute worked. Less than `minimum` minutes is no overtime
 * (someone who leaves ten minutes late did not work overtime).
 */
export function overtimeMinutes(input: { schedule: Pick<WorkSchedule, 'startTime' | 'endTime'>; working: boolean; checkIn: string | null; checkOut: string | null; minimum: number }): number {
  const { schedule, checkIn, checkOut } = input
  if (!checkIn || !checkOut) return 0
  const minutes = input.working ? Math.max(0, shiftMinute(schedule, checkOut) - Math.max(endMinute(schedule), shiftMinute(schedule, checkIn))) : minutesWorked(checkIn, checkOut, schedule)
  return minutes >= Math.max(1, input.minimum) ? minutes : 0
}

export function formatMinutes(total: number): string {
  const t = Math.max(0, Math.min(total, 24 * 60 - 1))
  return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}:00`
}

export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000

/**
 * A device's clock error, measured when it talks to the server: the server's time minus the device's "now" sent in
 * the same request. Records captured offline are judged by the skew of the device that captured them, not by how
 * late they arrived.
 */
export function clockSkewMs(deviceNow: Date, serverNow: Date): number {
  return serverNow.getTime() - deviceNow.getTime()
}

export function isClockSkewed(skewMs: number): boolean {
  return Math.abs(skewMs) > MAX_CLOCK_SKEW_MS
}

export interface GeoPoint {
  latitude: number
  longitude: number
}

/** Great-circle distance in metres (haversine). */
export function distanceMeters(a: GeoPoint, b: GeoPoint): number {
  const R = 6_371_008.8
  const rad = Math.PI / 180
  const dLat = (b.latitude - a.latitude) * rad
  const dLon = (b.longitude - a.longitude) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)))
}

export interface GeofenceResult {
  inside: boolean
  distanceMeters: number
}

/**
 * Inside when the reported position is within the radius, allowing for the reported GPS accuracy — but never more
 * than the radius again, so a wildly inaccurate fix cannot pass a far-away capture.
 */
export function checkGeofence(position: GeoPoint & { accuracyMeters?: number | null }, fence: GeoPoint & { radiusMeters: number }): GeofenceResult {
  const d = distanceMeters(position, fence)
  const slack = Math.min(Math.max(position.accuracyMeters ?? 0, 0), fence.radiusMeters)
  return { inside: d <= fence.radiusMeters + slack, distanceMeters: Math.round(d) }
}

/**
 * The first day a member is expected: the start date an admin set, else the day they were added, or the next day when
 * they were added after that day's work had started (someone imported at 22:05 is not absent that evening). The
 * report grid's SQL (server/features/reports/reports.grid.ts) applies the same rule set-wise.
 */
export function memberFirstDay(input: { startDate: string | null; added: LocalMoment; schedule: Pick<WorkSchedule, 'startTime' | 'dayHours'> }): string {
  if (input.startDate) return input.startDate
  const start = (input.schedule.dayHours?.[input.added.weekday] ?? input.schedule).startTime
  return input.added.minutes < minutesOf(start) ? input.added.date : addDays(input.added.date, 1)
}

/** Whether `date` lies in a member's days: from their first day to their last (null: open). */
export function expectedOn(date: string, firstDay: string, lastDay: string | null): boolean {
  return date >= firstDay && (lastDay === null || date <= lastDay)
}

export type DayStatus = 'present' | 'late' | 'absent' | 'excused' | 'not_yet' | 'day_off' | 'holiday'

/**
 * What a member's day amounts to, given their record (if any), whether an excuse was approved, and the time now.
 * Absent is derived, never stored: a working day that ended (or whose work time ended, today) with no record. A day
 * off (`holiday`: a national day the organization keeps, or its own) is never an absence; a record on one still counts.
 */
export function dayStatus(input: {
  schedule: WorkSchedule
  date: string
  weekday: number
  record: { status: 'present' | 'late' | 'absent' | 'excused' } | null
  excused: boolean
  /** Whether the day is a day off for this member (shared/holidays: HolidayCalendar.on). */
  holiday?: boolean
  today: string
  nowMinutes: number
}): DayStatus {
  if (input.record) return input.record.status
  if (input.holiday) return 'holiday'
  if (input.excused) return 'excused'
  if (!isWorkingDay(input.schedule, input.weekday)) return 'day_off'
  if (input.date > input.today) return 'not_yet'
  const hours = scheduleOn(input.schedule, input.weekday)
  if (input.date === input.today && input.nowMinutes < endMinute(hours)) return 'not_yet'
  // A night shift that started yesterday ends this morning.
  if (isOvernight(hours) && addDays(input.date, 1) === input.today && input.nowMinutes < minutesOf(hours.endTime)) return 'not_yet'
  return 'absent'
}
