import { describe, expect, it } from 'vitest'
import { decideFromToday, type TodayMarks } from './already'

const phoneIn: TodayMarks = { check_in: { time: '07:12:05', origin: 'phone' }, check_out: null }

describe('decideFromToday', () => {
  it('records what the tablet would when the server could not be asked or knows nothing of today', () => {
    expect(decideFromToday(null, 'check_in', '07:15:00')).toEqual({ type: 'record', kind: 'check_in' })
    expect(decideFromToday({ check_in: null, check_out: null }, 'check_in', '07:15:00')).toEqual({ type: 'record', kind: 'check_in' })
  })

  it('says "already checked in" with the time and the phone for a pupil who checked in on the way', () => {
    expect(decideFromToday(phoneIn, 'check_in', '07:15:00')).toEqual({ type: 'already', kind: 'check_in', mark: { time: '07:12:05', origin: 'phone' } })
    // Still the same arrival just under two hours later; leaving after that is a check-out.
    expect(decideFromToday(phoneIn, 'check_in', '09:12:04').type).toBe('already')
    expect(decideFromToday(phoneIn, 'check_in', '13:05:00')).toEqual({ type: 'record', kind: 'check_out' })
  })

  it('a check-out shows as such for a few minutes, then a later one is recorded', () => {
    const out: TodayMarks = { ...phoneIn, check_out: { time: '13:00:00', origin: 'kiosk' } }
    expect(decideFromToday(out, 'check_in', '13:02:00')).toEqual({ type: 'already', kind: 'check_out', mark: out.check_out })
    expect(decideFromToday(out, 'check_in', '13:30:00')).toEqual({ type: 'record', kind: 'check_out' })
  })
})
