import { describe, expect, it } from 'vitest'
import { i18n, loadLocales } from '~/modules/i18n'
import { ApiError } from './client'
import { addDays, daysInclusive, leaveErrorMessage, leaveFieldIssue } from './leave'
import { formatDay, formatRange } from '~/components/leave/format'

await loadLocales() // both languages' messages: the tests switch between them

describe('leave requests in the app', () => {
  it('counts calendar days as the server does', () => {
    expect(daysInclusive('2026-11-16', '2026-11-16')).toBe(1)
    expect(daysInclusive('2026-01-30', '2026-02-02')).toBe(4)
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31')
  })

  it('shows calendar dates as they are, whatever the viewer’s zone', () => {
    expect(formatDay('2026-11-19', 'id', { weekday: false })).toMatch(/^19 Nov( 2026)?$/)
    // (ICU versions differ on the comma after the weekday.)
    expect(formatRange('2030-11-19', '2030-11-19', 'en')).toMatch(/^Tue,? 19 Nov 2030$/)
    expect(formatRange('2030-11-19', '2030-11-21', 'id')).toMatch(/^Sel,? 19 Nov 2030 – Kam,? 21 Nov 2030$/)
  })

  it('says what a refused request means, with the limit or the overlapping request, in the interface language', () => {
    i18n.global.locale.value = 'id'
    const overlap = new ApiError(409, 'LEAVE_OVERLAP', 'overlap', { id: 4, start_date: '2030-11-19', end_date: '2030-11-20', status: 'pending' })
    expect(leaveErrorMessage(overlap)).toMatch(/\(Sel,? 19 Nov 2030 – Rab,? 20 Nov 2030\)/)
    const tooLong = new ApiError(422, 'LEAVE_TOO_LONG', 'long', [{ path: 'end_date', message: 'x', code: 'LEAVE_TOO_LONG', limit: 31 }])
    expect(leaveErrorMessage(tooLong)).toMatch(/paling lama 31 hari/)
    expect(leaveFieldIssue(tooLong)).toEqual({ path: 'end_date', key: 'leave.errors.LEAVE_TOO_LONG', params: { limit: 31 } })
    i18n.global.locale.value = 'en'
    const back = new ApiError(422, 'LEAVE_TOO_FAR_BACK', 'back', [{ path: 'start_date', message: 'x', code: 'LEAVE_TOO_FAR_BACK', limit: '2030-10-20' }])
    expect(leaveErrorMessage(back)).toBe('The first day can be 20 Oct 2030 at the earliest.')
    // Not a leave code: the common sentences.
    expect(leaveErrorMessage(new ApiError(0, 'NETWORK', ''))).toMatch(/internet connection/)
    expect(leaveFieldIssue(new ApiError(422, 'VALIDATION_FAILED', 'x', [{ path: 'kind' }]))).toBeNull()
  })
})
