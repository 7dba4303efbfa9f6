import { describe, expect, it } from 'vitest'
import { addDays, addMonths, datesBetween, daysInclusive, isCalendarDate, isoWeekday, utcNoon } from './calendar'
import { rangeLimits } from './leave/rules'

describe('calendar dates', () => {
  it('adds days across months, years and a leap day', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
  })
  it('counts days inclusively and names ISO weekdays', () => {
    expect(daysInclusive('2026-12-01', '2026-12-01')).toBe(1)
    expect(daysInclusive('2026-12-01', '2026-12-31')).toBe(31)
    expect(daysInclusive('2026-12-02', '2026-12-01')).toBe(0)
    expect(isoWeekday('2026-12-07')).toBe(1) // a Monday
    expect(isoWeekday('2026-12-06')).toBe(7) // a Sunday
    expect(datesBetween('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02'])
  })
  it('tells real calendar dates from other text', () => {
    expect(isCalendarDate('2026-12-07')).toBe(true)
    expect(isCalendarDate('2028-02-29')).toBe(true)
    expect(isCalendarDate('2026-02-29')).toBe(false)
    expect(isCalendarDate('2026-13-01')).toBe(false)
    expect(isCalendarDate('2026-1-5')).toBe(false)
    expect(isCalendarDate('5 Oct 2026')).toBe(false)
    expect(isCalendarDate('')).toBe(false)
  })
  it('moves months across years', () => {
    expect(addMonths('2026-12', 1)).toBe('2027-01')
    expect(addMonths('2026-01', -1)).toBe('2025-12')
    expect(addMonths('2026-10', -13)).toBe('2025-09')
    expect(addMonths('2026-10', 0)).toBe('2026-10')
  })
  it('a date as the noon UTC instant it is formatted from', () => {
    expect(utcNoon('2026-12-07').toISOString()).toBe('2026-12-07T12:00:00.000Z')
    expect(utcNoon('2028-02-29').toISOString()).toBe('2028-02-29T12:00:00.000Z')
  })
  it('leave range limits from today', () => {
    expect(rangeLimits('2026-12-04')).toEqual({ today: '2026-12-04', earliest_start: '2026-11-04', latest_start: '2027-12-04', max_days: 31 })
  })
})
