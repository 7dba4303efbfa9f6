import { afterEach, describe, expect, it } from 'vitest'
import { i18n, loadLocales } from '~/modules/i18n'
import { ApiError } from './client'
import { correctionErrorMessage, correctionFieldIssue, hhmm } from './corrections'

await loadLocales() // both languages' messages: the tests switch between them

// Test files share their worker's modules (isolate: false): the language goes back to English for the next file.
afterEach(() => {
  i18n.global.locale.value = 'en'
})

describe('correction requests in the app', () => {
  it('says what a refused request means, with the date or time it was compared with, in the interface language', () => {
    i18n.global.locale.value = 'id'
    const exists = new ApiError(422, 'CORRECTION_CHECK_IN_EXISTS', 'exists', [{ path: 'check_in_time', message: 'x', code: 'CORRECTION_CHECK_IN_EXISTS', limit: '07:50:00' }])
    expect(correctionErrorMessage(exists)).toBe('Hari ini sudah ada absen masuk (07.50).')
    expect(correctionFieldIssue(exists)).toEqual({ path: 'check_in_time', key: 'corrections.errors.CORRECTION_CHECK_IN_EXISTS', params: { limit: '07.50' } })
    const early = new ApiError(422, 'CORRECTION_BEFORE_START', 'early', [{ path: 'attendance_date', message: 'x', code: 'CORRECTION_BEFORE_START', limit: '2030-11-19' }])
    expect(correctionErrorMessage(early)).toMatch(/^Hari pertama Anda di sini adalah 19 Nov 2030\.$/)
    i18n.global.locale.value = 'en'
    expect(correctionErrorMessage(new ApiError(409, 'CORRECTION_ALREADY_DECIDED', 'decided', { status: 'approved' }))).toMatch(/already been decided/)
    // A refusal that names no field (or is not one of the area's) is not a field problem.
    expect(correctionFieldIssue(new ApiError(409, 'CORRECTION_ALREADY_DECIDED', 'decided'))).toBeNull()
    expect(correctionFieldIssue(new ApiError(422, 'VALIDATION_FAILED', 'bad', [{ path: 'reason', message: 'Required' }]))).toBeNull()
    i18n.global.locale.value = 'id'
  })

  it('puts a stored time into a time input', () => {
    expect(hhmm('08:05:00')).toBe('08:05')
    expect(hhmm(null)).toBe('')
  })
})
