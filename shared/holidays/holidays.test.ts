import { describe, expect, it } from 'vitest'
import { daysOff, HolidayCalendar, holidayInput, OWN_HOLIDAY_MAX_DAYS } from './holidays'
import { NATIONAL_HOLIDAY_YEARS, NATIONAL_HOLIDAYS, nationalHolidaysBetween } from './national'
import { addDays } from '../calendar'

describe('the national holidays shipped with Hadir', () => {
  it('cover 2026 as decreed (17 holidays, 8 days of cuti bersama) and 2027, every date real and unique', () => {
    expect(NATIONAL_HOLIDAY_YEARS).toEqual([2026, 2027])
    const y2026 = NATIONAL_HOLIDAYS.filter((h) => h.date.startsWith('2026'))
    expect(y2026.filter((h) => h.kind === 'national')).toHaveLength(17)
    expect(y2026.filter((h) => h.kind === 'cuti_bersama')).toHaveLength(8)
    expect(y2026.every((h) => h.decree?.includes('1497/2025') && !h.provisional)).toBe(true)
    const dates = NATIONAL_HOLIDAYS.map((h) => h.date)
    expect(new Set(dates).size).toBe(dates.length)
    expect([...dates].sort()).toEqual(dates)
    for (const d of dates) expect(addDays(d, 0)).toBe(d)
    // 2027 has no decree yet: dates of the lunar calendars are marked as estimates, fixed ones are not.
    const y2027 = NATIONAL_HOLIDAYS.filter((h) => h.date.startsWith('2027'))
    expect(y2027.every((h) => h.decree === null)).toBe(true)
    expect(y2027.find((h) => h.date === '2027-08-17')?.provisional).toBe(false)
    expect(y2027.find((h) => h.name.startsWith('Idul Fitri'))?.provisional).toBe(true)
  })

  it('are found by range', () => {
    expect(nationalHolidaysBetween('2026-03-18', '2026-03-24').map((h) => h.date)).toEqual(['2026-03-18', '2026-03-19', '2026-03-20', '2026-03-21', '2026-03-22', '2026-03-23', '2026-03-24'])
    expect(nationalHolidaysBetween('2026-07-01', '2026-07-31')).toEqual([])
  })
})

describe('an organization’s days off', () => {
  const own = [
    { id: 1, name: 'Libur semester', start_date: '2026-06-20', end_date: '2026-07-05', department_ids: [7, 8] },
    { id: 2, name: 'Milad yayasan', start_date: '2026-06-30', end_date: '2026-06-30', department_ids: null },
  ]

  it('keeps the national days it did not opt out of and every day of its own entries, clipped to the range', () => {
    const days = daysOff({ start: '2026-05-30', end: '2026-07-01', optedOut: ['2026-06-01'], own })
    expect(days.filter((d) => d.kind === 'national').map((d) => d.date)).toEqual(['2026-05-31', '2026-06-16'])
    expect(days.filter((d) => d.name === 'Libur semester')).toHaveLength(12) // 20 June to 1 July
    expect(days.map((d) => d.date)).toEqual([...days.map((d) => d.date)].sort())
  })

  it('applies a department’s days only to its members, the organization’s to everyone', () => {
    const calendar = new HolidayCalendar(daysOff({ start: '2026-06-01', end: '2026-07-31', optedOut: [], own }))
    expect(calendar.on('2026-06-22', 7)?.name).toBe('Libur semester')
    expect(calendar.on('2026-06-22', 9)).toBeNull()
    expect(calendar.on('2026-06-22', null)).toBeNull()
    expect(calendar.on('2026-06-30', 9)?.name).toBe('Milad yayasan')
    expect(calendar.on('2026-06-30', 7)?.name).toBe('Milad yayasan') // the organization-wide day first
    expect(calendar.on('2026-06-01', null)?.kind).toBe('national')
    expect(calendar.on('2026-06-02', 7)).toBeNull()
  })

  it('refuses a range that runs backwards or is too long, and real dates only', () => {
    expect(holidayInput.safeParse({ name: 'Libur', start_date: '2026-07-01', end_date: '2026-07-01' }).success).toBe(true)
    expect(holidayInput.safeParse({ name: 'Libur', start_date: '2026-07-02', end_date: '2026-07-01' }).success).toBe(false)
    expect(holidayInput.safeParse({ name: 'Libur', start_date: '2026-07-01', end_date: addDays('2026-07-01', OWN_HOLIDAY_MAX_DAYS) }).success).toBe(false)
    expect(holidayInput.safeParse({ name: 'Libur', start_date: '2026-02-30', end_date: '2026-03-01' }).success).toBe(false)
    expect(holidayInput.safeParse({ name: ' ', start_date: '2026-07-01', end_date: '2026-07-01' }).success).toBe(false)
    expect(holidayInput.safeParse({ name: 'Libur', start_date: '2026-07-01', end_date: '2026-07-01', department_ids: [] }).success).toBe(false)
  })
})
