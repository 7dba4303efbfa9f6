import { describe, expect, it } from 'vitest'
import { checkInStatus, checkOutStatus, closeForgottenCheckout, dayStatus, minutesWorked, shiftMinute, toLocal, type WorkSchedule } from './rules'
import { effectiveKind } from './kind'
import { captureDay, patternCells, shiftDayOf, shiftSchedule, type ShiftType } from './shifts'

const NIGHT: ShiftType = { id: 2, name: 'Malam', code: 'M', startTime: '22:00', endTime: '06:00', lateToleranceMinutes: 15 }
const MORNING: ShiftType = { id: 1, name: 'Pagi', code: 'P', startTime: '07:00', endTime: '15:00', lateToleranceMinutes: 10 }
const OFFICE: WorkSchedule = { workDays: [1, 2, 3, 4, 5], startTime: '08:00', endTime: '16:00', lateToleranceMinutes: 15 }

describe('a night shift, 22:00 to 06:00 the next morning', () => {
  const night = shiftSchedule(NIGHT, OFFICE)

  it('counts the morning after later than the evening', () => {
    expect(shiftMinute(night, '21:55')).toBe(21 * 60 + 55)
    expect(shiftMinute(night, '06:10')).toBe(24 * 60 + 6 * 60 + 10)
    // The middle of the hours off (06:00-22:00) is 14:00: before it, the morning after; from it, the evening.
    expect(shiftMinute(night, '13:59')).toBeGreaterThan(24 * 60)
    expect(shiftMinute(night, '14:00')).toBe(14 * 60)
    // A day shift counts as the clock does.
    expect(shiftMinute(shiftSchedule(MORNING, OFFICE), '06:10')).toBe(6 * 60 + 10)
  })

  it('is late after 22:15, even past midnight, and early before 06:00', () => {
    expect(checkInStatus(night, '22:15')).toEqual({ status: 'present', lateMinutes: 0 })
    expect(checkInStatus(night, '22:30')).toEqual({ status: 'late', lateMinutes: 30 })
    expect(checkInStatus(night, '00:30')).toEqual({ status: 'late', lateMinutes: 150 })
    expect(checkOutStatus(night, '05:30')).toEqual({ leftEarly: true, earlyMinutes: 30 })
    expect(checkOutStatus(night, '06:10').leftEarly).toBe(false)
    expect(checkOutStatus(night, '23:30')).toEqual({ leftEarly: true, earlyMinutes: 390 })
  })

  it('works 8 h 15 min from 21:55 to 06:10, and a forgotten check-out closes at 06:00', () => {
    expect(minutesWorked('21:55:00', '06:10:00', night)).toBe(8 * 60 + 15)
    expect(minutesWorked('21:55:00', '06:10:00')).toBe(0)
    expect(closeForgottenCheckout(night, '21:58:00', 'close_at_schedule_end')).toEqual({ checkOutTime: '06:00:00', flag: 'auto_closed' })
    // A check-in after the end (02:00 for an 06:00 end is before it; 07:00 would be a different day) keeps its time.
    expect(closeForgottenCheckout(night, '05:50:00', 'close_at_schedule_end')?.checkOutTime).toBe('06:00:00')
  })

  it('a second check-in in the morning after is the check-out', () => {
    expect(effectiveKind('check_in', '06:10:00', '21:55:00', night)).toBe('check_out')
    expect(effectiveKind('check_in', '22:20:00', '21:55:00', night)).toBe('check_in')
  })

  it('is "not yet" from its evening until 06:00 the next morning, then absent', () => {
    const input = { schedule: night, date: '2026-12-01', weekday: 2, record: null, excused: false }
    expect(dayStatus({ ...input, today: '2026-12-01', nowMinutes: 23 * 60 })).toBe('not_yet')
    expect(dayStatus({ ...input, today: '2026-12-02', nowMinutes: 5 * 60 })).toBe('not_yet')
    expect(dayStatus({ ...input, today: '2026-12-02', nowMinutes: 6 * 60 + 1 })).toBe('absent')
  })
})

describe('the day a capture belongs to', () => {
  it('is last night’s in that night’s morning, else its own', () => {
    expect(shiftDayOf('2026-12-02', '06:10:00', NIGHT, undefined)).toBe('2026-12-01')
    expect(shiftDayOf('2026-12-02', '13:59:00', NIGHT, null)).toBe('2026-12-01')
    expect(shiftDayOf('2026-12-02', '14:00:00', NIGHT, NIGHT)).toBe('2026-12-02')
    expect(shiftDayOf('2026-12-02', '06:10:00', MORNING, undefined)).toBe('2026-12-02')
    expect(shiftDayOf('2026-12-02', '06:10:00', null, undefined)).toBe('2026-12-02')
    expect(shiftDayOf('2026-12-02', '06:10:00', undefined, undefined)).toBe('2026-12-02')
  })

  it('gives way to today’s own shift when that starts before the middle of the hours off', () => {
    // A night then a 09:00 shift: the gap 06:00-09:00 splits at 07:30.
    const nine: ShiftType = { ...MORNING, startTime: '09:00', endTime: '17:00' }
    expect(shiftDayOf('2026-12-02', '07:00:00', NIGHT, nine)).toBe('2026-12-01')
    expect(shiftDayOf('2026-12-02', '08:40:00', NIGHT, nine)).toBe('2026-12-02')
  })
})

describe('a night across a change of clocks', () => {
  // Berlin turns its clocks back at 03:00 on 25 October 2026 (to 02:00): the night of the 24th lasts an hour longer.
  const roster = new Map<string, ShiftType | null>([['2026-10-24', NIGHT], ['2026-10-25', null]])
  const at = (iso: string, zone: string) => toLocal(new Date(iso), zone)

  it('gives the morning’s check-out to the night that started the evening before, in a DST zone and without one', () => {
    const checkIn = at('2026-10-24T20:00:00Z', 'Europe/Berlin')
    const checkOut = at('2026-10-25T05:10:00Z', 'Europe/Berlin')
    expect([checkIn.date, checkIn.time, checkOut.date, checkOut.time]).toEqual(['2026-10-24', '22:00:00', '2026-10-25', '06:10:00'])
    const day = captureDay(OFFICE, roster, checkOut.date, checkOut.time)
    expect(day.date).toBe('2026-10-24')
    expect(checkOutStatus(day.schedule, checkOut.time).leftEarly).toBe(false)
    // Rules count the wall clock: 8 h 10 min on the roster's clock (the hour the clocks went back is not added).
    expect(minutesWorked(checkIn.time, checkOut.time, day.schedule)).toBe(8 * 60 + 10)
    // Jakarta has no daylight saving: the same night, the same answer.
    const jakarta = at('2026-10-24T23:10:00Z', 'Asia/Jakarta')
    expect(captureDay(OFFICE, roster, jakarta.date, jakarta.time).date).toBe('2026-10-24')
  })
})

describe('a shift as the schedule of its day', () => {
  it('is a working day whatever the weekday; a day marked off is a day off', () => {
    expect(shiftSchedule(MORNING, OFFICE)).toMatchObject({ workDays: [1, 2, 3, 4, 5, 6, 7], startTime: '07:00', endTime: '15:00', lateToleranceMinutes: 10 })
    const off = shiftSchedule(null, OFFICE)
    expect(dayStatus({ schedule: off, date: '2026-12-01', weekday: 2, record: null, excused: false, today: '2026-12-05', nowMinutes: 0 })).toBe('day_off')
  })

  it('a pattern repeats from each member’s own step', () => {
    const cells = patternCells({ member_ids: [5, 6], start_date: '2026-12-01', end_date: '2026-12-07', pattern: [1, 1, 2, 2, null, null], offsets: [0, 4] })
    expect(cells.filter((c) => c.member_id === 5).map((c) => c.shift_type_id)).toEqual([1, 1, 2, 2, null, null, 1])
    expect(cells.filter((c) => c.member_id === 6).map((c) => c.shift_type_id)).toEqual([null, null, 1, 1, 2, 2, null])
    expect(cells[0]).toEqual({ member_id: 5, date: '2026-12-01', shift_type_id: 1 })
  })
})
