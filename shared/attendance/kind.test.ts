import { describe, expect, it } from 'vitest'
import { effectiveKind, nextKind } from './kind'

describe('check-in or check-out', () => {
  it('a device taps check-in first, then check-out', () => {
    expect(nextKind({ serverCheckedIn: false, localKindsToday: [] })).toBe('check_in')
    expect(nextKind({ serverCheckedIn: false, localKindsToday: ['check_in'] })).toBe('check_out')
    expect(nextKind({ serverCheckedIn: true, localKindsToday: [] })).toBe('check_out')
  })
  it('the server takes a second check-in two hours or more after the first as the check-out', () => {
    expect(effectiveKind('check_in', '09:59:00', '08:00:00')).toBe('check_in')
    expect(effectiveKind('check_in', '10:00:00', '08:00:00')).toBe('check_out')
    expect(effectiveKind('check_in', '10:00:00', null)).toBe('check_in')
    expect(effectiveKind('check_out', '08:30:00', '08:00:00')).toBe('check_out')
  })
})
