import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  checkGeofence,
  checkInStatus,
  checkOutStatus,
  clockSkewMs,
  closeForgottenCheckout,
  dayStatus,
  distanceMeters,
  isClockSkewed,
  memberFirstDay,
  minutesWorked,
  scheduleOn,
  toLocal,
  type WorkSchedule,
} from './rules'

const school: WorkSchedule = { workDays: [1, 2, 3, 4, 5], startTime: '07:30:00', endTime: '15:30', lateToleranceMinutes: 10 }

describe('local time in the organization zone', () => {
  it('puts the same instant on different wall clocks and dates', () => {
    const instant = new Date('2024-12-02T23:50:00Z') // Monday 23:50 UTC
    expect(toLocal(instant, 'Asia/Jakarta')).toEqual({ date: '2024-12-03', time: '06:50:00', weekday: 2, minutes: 410 })
    expect(toLocal(instant, 'Asia/Jayapura')).toMatchObject({ date: '2024-12-03', time: '08:50:00' })
    expect(toLocal(instant, 'Europe/London')).toMatchObject({ date: '2024-12-02', time: '23:50:00', weekday: 1 })
  })

  it('reads each zone with its own clock, zones interleaved, across daylight-saving changes', () => {
    const zones = ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura', 'UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe']
    // Reference: the UTC offset from first principles, via Date's own zone-free arithmetic on a fresh formatter.
    const offsetMinutes = (instant: Date, timeZone: string) => {
      const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(instant).find((p) => p.type === 'timeZoneName')!.value
      const m = /GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(name)!
      return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0
    }
    for (let k = 0; k < 400; k++) {
      const instant = new Date(Date.UTC(2020, 0, 1) + k * 7_919_311_177) // ~92 days apart, every hour of the day
      const zone = zones[k % zones.length]!
      const shifted = new Date(instant.getTime() + offsetMinutes(instant, zone) * 60_000).toISOString()
      expect(toLocal(instant, zone), `${instant.toISOString()} ${zone}`).toMatchObject({ date: shifted.slice(0, 10), time: shifted.slice(11, 19) })
    }
    expect(() => toLocal(new Date(), 'Not/AZone')).toThrow(RangeError)
  })

  it('answers what the zone\'s formatter answers, to the second, around every change of offset', () => {
    // The oracle: the wall clock as Intl formats it, field by field (toLocal skips the formatter within an hour whose
    // offset it has seen; shared/attendance/rules.ts).
    const formatters = new Map<string, Intl.DateTimeFormat>()
    const reference = (instant: Date, timeZone: string) => {
      let f = formatters.get(timeZone)
      if (!f) formatters.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short' })))
      const parts = f.formatToParts(instant)
      const get = (type: string) => parts.find((p) => p.type === type)!.value
      return {
        date: `${get('year')}-${get('month')}-${get('day')}`,
        time: `${get('hour')}:${get('minute')}:${get('second')}`,
        weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1,
        minutes: Number(get('hour')) * 60 + Number(get('minute')),
      }
    }
    // Daylight saving (an hour, and Lord Howe's half hour), offsets of :30 and :45, a zone that skipped a whole day
    // (Samoa, 2011-12-30), and Jakarta's historic offsets (+07:07:12 before 1924, +07:20, +07:30, +09:00 in 1942-45).
    const zones = ['Asia/Jakarta', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham', 'Pacific/Apia', 'UTC']
    const check = (ms: number, zone: string) => {
      const instant = new Date(ms)
      expect(toLocal(instant, zone), `${instant.toISOString()} ${zone}`).toEqual(reference(instant, zone))
    }
    // Every 7 minutes 13 seconds through a day either side of each change of offset the zones made in these years.
    const changes = [Date.UTC(1923, 11, 31, 16, 40), Date.UTC(1942, 2, 8), Date.UTC(2011, 11, 29, 10), Date.UTC(2024, 2, 10, 7), Date.UTC(2024, 2, 31, 1), Date.UTC(2024, 3, 6, 15), Date.UTC(2024, 3, 6, 14), Date.UTC(2024, 10, 3, 6), Date.UTC(2024, 2, 30, 5, 30)]
    for (const at of changes) for (let ms = at - 86_400_000; ms <= at + 86_400_000; ms += 433_000) for (const zone of zones) check(ms, zone)
    // And anywhere from year 1000 to 9999, to the millisecond, before and after the epoch; asked again (then from the hour's offset kept).
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31) }), fc.constantFrom(...zones), (ms, zone) => {
        check(ms, zone)
        check(ms, zone)
      }),
      { numRuns: 3000, seed: 20261207 },
    )
  })
})

describe('check-in status', () => {
  it('is present up to and including start + tolerance, late one minute after', () => {
    expect(checkInStatus(school, '07:00')).toEqual({ status: 'present', lateMinutes: 0 })
    expect(checkInStatus(school, '07:40:59')).toEqual({ status: 'present', lateMinutes: 0 })
    expect(checkInStatus(school, '07:41')).toEqual({ status: 'late', lateMinutes: 11 })
    expect(checkInStatus({ ...school, lateToleranceMinutes: 0 }, '07:31')).toEqual({ status: 'late', lateMinutes: 1 })
  })

  it('depends on the zone: the same capture is on time in Jakarta and late in Jayapura', () => {
    const capture = new Date('2024-12-03T00:35:00Z')
    expect(checkInStatus(school, toLocal(capture, 'Asia/Jakarta').time).status).toBe('present')
    expect(checkInStatus(school, toLocal(capture, 'Asia/Jayapura').time)).toEqual({ status: 'late', lateMinutes: 125 })
  })
})

describe('check-out and hours', () => {
  it('flags leaving before the end of the schedule', () => {
    expect(checkOutStatus(school, '15:29')).toEqual({ leftEarly: true, earlyMinutes: 1 })
    expect(checkOutStatus(school, '15:30')).toEqual({ leftEarly: false, earlyMinutes: 0 })
    expect(minutesWorked('07:30', '15:45')).toBe(495)
    expect(minutesWorked('07:30', null)).toBe(0)
  })

  it('closes a forgotten check-out at the end of the schedule, or leaves it open', () => {
    expect(closeForgottenCheckout(school, '07:35', 'close_at_schedule_end')).toEqual({ checkOutTime: '15:30:00', flag: 'auto_closed' })
    expect(closeForgottenCheckout(school, '16:10', 'close_at_schedule_end')?.checkOutTime).toBe('16:10:00')
    expect(closeForgottenCheckout(school, '07:35', 'leave_open')).toBeNull()
  })
})

describe('clock skew', () => {
  it('flags a device clock more than 5 minutes off either way, judged at send time', () => {
    const server = new Date('2024-12-03T08:00:00Z')
    expect(isClockSkewed(clockSkewMs(new Date('2024-12-03T07:55:00Z'), server))).toBe(false)
    expect(isClockSkewed(clockSkewMs(new Date('2024-12-03T07:54:59Z'), server))).toBe(true)
    expect(isClockSkewed(clockSkewMs(new Date('2024-12-04T08:00:00Z'), server))).toBe(true)
  })
})

describe('geofence', () => {
  const monas = { latitude: -6.1754, longitude: 106.8272, radiusMeters: 100 }
  it('measures distance on the globe', () => {
    // Monas to Bundaran HI is about 2.3 km.
    expect(distanceMeters(monas, { latitude: -6.1950, longitude: 106.8230 })).toBeGreaterThan(2100)
    expect(distanceMeters(monas, { latitude: -6.1950, longitude: 106.8230 })).toBeLessThan(2400)
  })

  it('is inside within the radius, allows for accuracy, but not past twice the radius', () => {
    const near = { latitude: -6.1754 + 0.0008, longitude: 106.8272 } // ~89 m north
    expect(checkGeofence(near, monas).inside).toBe(true)
    const edge = { latitude: -6.1754 + 0.0012, longitude: 106.8272 } // ~133 m
    expect(checkGeofence(edge, monas).inside).toBe(false)
    expect(checkGeofence({ ...edge, accuracyMeters: 50 }, monas).inside).toBe(true)
    const far = { latitude: -6.1754 + 0.003, longitude: 106.8272, accuracyMeters: 5000 } // ~333 m, useless fix
    expect(checkGeofence(far, monas)).toEqual({ inside: false, distanceMeters: 334 })
  })
})

describe('day status', () => {
  const base = { schedule: school, record: null, excused: false, today: '2024-12-04', nowMinutes: 9 * 60 }
  it('derives absent only for a past working day (or today after work) without a record', () => {
    expect(dayStatus({ ...base, date: '2024-12-03', weekday: 2 })).toBe('absent')
    expect(dayStatus({ ...base, date: '2024-12-04', weekday: 3 })).toBe('not_yet')
    expect(dayStatus({ ...base, date: '2024-12-04', weekday: 3, nowMinutes: 16 * 60 })).toBe('absent')
    expect(dayStatus({ ...base, date: '2024-12-01', weekday: 7 })).toBe('day_off')
    expect(dayStatus({ ...base, date: '2024-12-03', weekday: 2, excused: true })).toBe('excused')
    expect(dayStatus({ ...base, date: '2024-12-03', weekday: 2, record: { status: 'late' } })).toBe('late')
  })
  it('a day off (holiday) is never an absence, whatever the time; a record on one still counts', () => {
    expect(dayStatus({ ...base, date: '2024-12-03', weekday: 2, holiday: true })).toBe('holiday')
    expect(dayStatus({ ...base, date: '2024-12-04', weekday: 3, nowMinutes: 16 * 60, holiday: true })).toBe('holiday')
    expect(dayStatus({ ...base, date: '2024-12-01', weekday: 7, holiday: true })).toBe('holiday')
    expect(dayStatus({ ...base, date: '2024-12-03', weekday: 2, holiday: true, record: { status: 'present' } })).toBe('present')
    expect(dayStatus({ ...base, date: '2024-12-03', weekday: 2, holiday: false })).toBe('absent')
  })
})

describe('hours per weekday', () => {
  // Monday to Saturday 07:00-15:00; a short Friday from 06:30 to 11:00, a half-day Saturday to 12:00.
  const week: WorkSchedule = {
    workDays: [1, 2, 3, 4, 5, 6],
    startTime: '07:00',
    endTime: '15:00',
    lateToleranceMinutes: 10,
    dayHours: { 5: { startTime: '06:30', endTime: '11:00' }, 6: { startTime: '07:00', endTime: '12:00' } },
  }

  it('a weekday with hours of its own uses them; the others the schedule’s', () => {
    expect(scheduleOn(week, 5)).toMatchObject({ startTime: '06:30', endTime: '11:00', lateToleranceMinutes: 10, workDays: week.workDays })
    expect(scheduleOn(week, 4)).toBe(week)
    expect(scheduleOn(school, 5)).toBe(school)
  })

  it('late and left early follow the day', () => {
    expect(checkInStatus(scheduleOn(week, 4), '07:05')).toEqual({ status: 'present', lateMinutes: 0 })
    expect(checkInStatus(scheduleOn(week, 5), '07:05')).toEqual({ status: 'late', lateMinutes: 35 })
    expect(checkOutStatus(scheduleOn(week, 4), '11:05')).toEqual({ leftEarly: true, earlyMinutes: 235 })
    expect(checkOutStatus(scheduleOn(week, 5), '11:05')).toEqual({ leftEarly: false, earlyMinutes: 0 })
    expect(checkOutStatus(scheduleOn(week, 6), '11:30')).toEqual({ leftEarly: true, earlyMinutes: 30 })
    expect(closeForgottenCheckout(scheduleOn(week, 5), '06:40', 'close_at_schedule_end')?.checkOutTime).toBe('11:00:00')
  })

  it('a day ends at that day’s end: "not yet" before, absent after', () => {
    const day = (date: string, weekday: number, nowMinutes: number) =>
      dayStatus({ schedule: week, date, weekday, record: null, excused: false, today: date, nowMinutes })
    expect(day('2026-12-04', 5, 11 * 60 + 1)).toBe('absent') // Friday 11:01
    expect(day('2026-12-03', 4, 11 * 60 + 1)).toBe('not_yet') // Thursday 11:01
    expect(day('2026-12-06', 7, 11 * 60 + 1)).toBe('day_off')
  })

  it('someone added on a Friday at 06:45 starts the next day (Friday’s work had started at 06:30)', () => {
    const added = toLocal(new Date('2026-12-04T06:45:00+07:00'), 'Asia/Jakarta')
    expect(added.weekday).toBe(5)
    expect(memberFirstDay({ startDate: null, added, schedule: week })).toBe('2026-12-05')
    const thursday = toLocal(new Date('2026-12-03T06:45:00+07:00'), 'Asia/Jakarta')
    expect(memberFirstDay({ startDate: null, added: thursday, schedule: week })).toBe('2026-12-03')
  })
})
