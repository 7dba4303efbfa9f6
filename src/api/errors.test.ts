import { describe, expect, it } from 'vitest'
import { i18n, loadLocales } from '~/modules/i18n'
import { ApiError } from './client'
import { errorMessage, fieldIssues, issueMessage } from './errors'

await loadLocales() // both languages' messages: the tests switch between them

i18n.global.locale.value = 'en'

describe('API errors a person can read', () => {
  it('translates a known code and follows the interface language', () => {
    const error = new ApiError(401, 'INVALID_CREDENTIALS', 'Wrong email or password')
    expect(errorMessage(error)).toMatch(/did not match/)
    i18n.global.locale.value = 'id'
    expect(errorMessage(error)).toMatch(/tidak cocok/)
    i18n.global.locale.value = 'en'
  })

  it('falls back on the HTTP status for a code it does not know, never the server text', () => {
    expect(errorMessage(new ApiError(409, 'SOMETHING_NEW', 'Server words'))).toBe(i18n.global.t('errors.CONFLICT'))
    expect(errorMessage(new ApiError(503, 'X', 'down'))).toBe(i18n.global.t('errors.SERVER'))
    expect(errorMessage(new ApiError(0, 'NETWORK', ''))).toMatch(/internet connection/)
    expect(errorMessage(new Error('boom'))).toBe(i18n.global.t('errors.UNKNOWN'))
  })

  it('puts 422 zod issues under their fields, with limits read from the message', () => {
    const error = new ApiError(422, 'VALIDATION_FAILED', 'Some fields are invalid', [
      { path: 'admin.password', code: 'too_small', message: 'Too small: expected string to have >=8 characters' },
      { path: 'organization.name', code: 'too_small', message: 'Required' },
      { path: 'admin.email', code: 'invalid_format', message: 'Enter a valid email address' },
      { path: ['organization', 'late_tolerance_minutes'], code: 'too_big', message: 'Too big: expected number to be <=240' },
      { path: 'organization.work_start_time', code: 'invalid_format', message: 'Use 24-hour time, e.g. 08:00' },
    ])
    const issues = fieldIssues(error)
    expect(issueMessage(issues['admin.password'])).toBe('Use at least 8 characters.')
    expect(issueMessage(issues['organization.name'])).toBe('Please fill this in.')
    expect(issueMessage(issues['admin.email'])).toBe('Enter a valid email address.')
    expect(issueMessage(issues['organization.late_tolerance_minutes'])).toBe('Use 240 or less.')
    expect(issueMessage(issues['organization.work_start_time'])).toMatch(/08:00/)
  })

  it('uses the specific code of a 422 (PIN_TOO_SIMPLE) and the field a 409 names', () => {
    const pin = fieldIssues(new ApiError(422, 'PIN_TOO_SIMPLE', 'x', [{ path: 'pin', message: 'Too easy to guess' }]))
    expect(issueMessage(pin.pin)).toMatch(/too easy to guess/i)
    const taken = fieldIssues(new ApiError(409, 'MEMBER_EXISTS', 'x', { field: 'email' }))
    expect(issueMessage(taken.email)).toMatch(/already a member/)
  })
})
