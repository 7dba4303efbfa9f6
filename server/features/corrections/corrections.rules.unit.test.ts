import { describe, expect, it } from 'vitest'
import { checkDate, checkTimes, correctionInput, kindsOverlap } from './corrections.rules'

describe('correction requests: which days and times a member may ask for', () => {
  const today = '2026-11-20'

  it('takes a day from 31 days back to today, within the member\'s days', () => {
    expect(checkDate(today, today, null, null)).toBeNull()
    expect(checkDate('2026-10-20', today, null, null)).toBeNull()
    expect(checkDate('2026-10-19', today, null, null)).toMatchObject({ code: 'CORRECTION_TOO_FAR_BACK', limit: '2026-10-20' })
    expect(checkDate('2026-11-21', today, null, null)).toMatchObject({ code: 'CORRECTION_FUTURE_DATE' })
    expect(checkDate('2026-11-09', today, '2026-11-10', null)).toMatchObject({ code: 'CORRECTION_BEFORE_START', limit: '2026-11-10' })
    expect(checkDate('2026-11-10', today, '2026-11-10', null)).toBeNull()
    expect(checkDate('2026-11-16', today, null, '2026-11-15')).toMatchObject({ code: 'CORRECTION_AFTER_END' })
  })

  it('asks only for a time the day lacks, in order, and never one still to come', () => {
    const none = { checkIn: null, checkOut: null }
    expect(checkTimes('both', { checkIn: '08:00:00', checkOut: '16:00:00' }, null, null)).toBeNull()
    expect(checkTimes('check_in', { checkIn: '08:00:00', checkOut: null }, null, '07:59:59')).toMatchObject({ code: 'CORRECTION_FUTURE_TIME', path: 'check_in_time' })
    expect(checkTimes('check_in', { checkIn: '08:00:00', checkOut: null }, null, '08:00:00')).toBeNull()
    expect(checkTimes('check_in', { checkIn: '08:00:00', checkOut: null }, { ...none, checkIn: '07:50:00', flags: [] }, null)).toMatchObject({ code: 'CORRECTION_CHECK_IN_EXISTS', limit: '07:50:00' })
    expect(checkTimes('check_out', { checkIn: null, checkOut: '16:00:00' }, null, null)).toMatchObject({ code: 'CORRECTION_NO_CHECK_IN', path: 'kind' })
    const open = { checkIn: '07:50:00', checkOut: null, flags: [] }
    expect(checkTimes('check_out', { checkIn: null, checkOut: '16:00:00' }, open, null)).toBeNull()
    expect(checkTimes('check_out', { checkIn: null, checkOut: '07:50:00' }, open, null)).toMatchObject({ code: 'CORRECTION_CHECK_OUT_BEFORE_CHECK_IN', limit: '07:50:00' })
    // A check-out the forgotten check-out job wrote may be replaced; a real one not.
    expect(checkTimes('check_out', { checkIn: null, checkOut: '18:00:00' }, { ...open, checkOut: '16:00:00', flags: ['auto_closed'] }, null)).toBeNull()
    expect(checkTimes('check_out', { checkIn: null, checkOut: '18:00:00' }, { ...open, checkOut: '16:00:00', flags: [] }, null)).toMatchObject({ code: 'CORRECTION_CHECK_OUT_EXISTS' })
    // A check-in alone on a day with only a check-out: before it.
    const outOnly = { checkIn: null, checkOut: '16:00:00', flags: ['missing_check_in'] }
    expect(checkTimes('check_in', { checkIn: '08:00:00', checkOut: null }, outOnly, null)).toBeNull()
    expect(checkTimes('check_in', { checkIn: '16:30:00', checkOut: null }, outOnly, null)).toMatchObject({ code: 'CORRECTION_CHECK_IN_AFTER_CHECK_OUT' })
  })

  it('sees two requests of a day as the same question when they ask about the same time', () => {
    expect(kindsOverlap('check_in', 'both')).toBe(true)
    expect(kindsOverlap('check_out', 'both')).toBe(true)
    expect(kindsOverlap('check_in', 'check_out')).toBe(false)
  })

  it('asks for exactly the times of the kind, the check-out after the check-in', () => {
    const base = { attendance_date: today, reason: 'Lupa' }
    expect(correctionInput.safeParse({ ...base, kind: 'both', check_in_time: '08:00', check_out_time: '16:00' }).data).toMatchObject({ check_in_time: '08:00:00', check_out_time: '16:00:00' })
    expect(correctionInput.safeParse({ ...base, kind: 'both', check_in_time: '08:00' }).success).toBe(false)
    expect(correctionInput.safeParse({ ...base, kind: 'check_out', check_in_time: '08:00', check_out_time: '16:00' }).success).toBe(false)
    expect(correctionInput.safeParse({ ...base, kind: 'both', check_in_time: '08:00', check_out_time: '08:00' }).success).toBe(false)
  })
})
