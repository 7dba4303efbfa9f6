import { describe, expect, it } from 'vitest'
import { addDays, checkRange, daysInclusive, excuseRemarks, isoWeekday, planExcuse, rangeLimits } from './leave.rules'

const WEEKDAYS = { workDays: [1, 2, 3, 4, 5], startTime: '08:00', endTime: '16:00', lateToleranceMinutes: 15 }

describe('leave rules', () => {
  it('does calendar arithmetic across months, leap days and years', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01')
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(daysInclusive('2026-01-30', '2026-02-02')).toBe(4)
    expect(daysInclusive('2026-01-30', '2026-01-30')).toBe(1)
    expect(isoWeekday('2026-11-16')).toBe(1) // a Monday
    expect(isoWeekday('2026-11-22')).toBe(7) // a Sunday
  })

  it('checks a range: end not before start, at most 31 days, starting within 30 days back and a year ahead', () => {
    const today = '2026-11-16'
    expect(checkRange('2026-11-16', '2026-11-16', today)).toBeNull()
    expect(checkRange('2026-10-17', '2026-11-16', today)).toBeNull() // 31 days, 30 back: both limits inclusive
    expect(checkRange('2026-11-16', '2026-11-15', today)?.code).toBe('LEAVE_END_BEFORE_START')
    expect(checkRange('2026-11-16', '2026-12-17', today)).toMatchObject({ code: 'LEAVE_TOO_LONG', path: 'end_date', limit: 31 })
    expect(checkRange('2026-10-16', '2026-10-16', today)).toMatchObject({ code: 'LEAVE_TOO_FAR_BACK', path: 'start_date', limit: '2026-10-17' })
    expect(checkRange('2027-11-17', '2027-11-17', today)?.code).toBe('LEAVE_TOO_FAR_AHEAD')
    expect(rangeLimits(today)).toEqual({ today, earliest_start: '2026-10-17', latest_start: '2027-11-16', max_days: 31 })
  })

  it('excuses working days without a record, skipping days off and recorded days', () => {
    // Thursday 19 Nov 2026 to Tuesday 24 Nov; Friday has a check-in.
    const plan = planExcuse('2026-11-19', '2026-11-24', WEEKDAYS, new Set(['2026-11-20']))
    expect(plan.excuse).toEqual(['2026-11-19', '2026-11-23', '2026-11-24'])
    expect(plan.skipped).toEqual([
      { date: '2026-11-20', reason: 'has_record' },
      { date: '2026-11-21', reason: 'day_off' },
      { date: '2026-11-22', reason: 'day_off' },
    ])
    expect(planExcuse('2026-11-21', '2026-11-22', WEEKDAYS, new Set()).excuse).toEqual([])
    expect(planExcuse('2026-11-21', '2026-11-21', { ...WEEKDAYS, workDays: [1, 2, 3, 4, 5, 6] }, new Set()).excuse).toEqual(['2026-11-21'])
  })

  it('writes the kind in the remarks', () => {
    expect(excuseRemarks('sick', 'Demam')).toBe('Sakit: Demam')
    expect(excuseRemarks('permit', 'Urusan keluarga')).toBe('Izin: Urusan keluarga')
  })
})
