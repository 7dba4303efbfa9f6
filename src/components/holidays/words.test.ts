import { holidayInput } from '@shared/holidays/holidays'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ApiError } from '~/api/client'
import { issueMessage } from '~/api/errors'
import { i18n, loadDashboardMessages, loadLocales } from '~/modules/i18n'
import { appliesToText, columnName, holidayError, holidayIssues, issueText } from './words'

await loadLocales()

const DEPARTMENTS = [
  { id: 3, name: 'Kelas 10' },
  { id: 5, name: 'Tata Usaha' },
]

describe('the days-off page in words', () => {
  beforeAll(async () => {
    await loadDashboardMessages()
  })
  afterEach(() => {
    i18n.global.locale.value = 'en'
  })

  it('says who an entry is for: everyone, or the departments by name (a deleted one by its number)', () => {
    expect(appliesToText(null, DEPARTMENTS)).toBe('Everyone')
    expect(appliesToText([5, 3], DEPARTMENTS)).toBe('Tata Usaha, Kelas 10')
    expect(appliesToText([9], DEPARTMENTS)).toBe('#9')
    i18n.global.locale.value = 'id'
    expect(appliesToText([], DEPARTMENTS)).toBe('Semua')
  })

  it('describes what the shared schema refuses in the form, field by field', () => {
    const words = (value: unknown) => Object.fromEntries(Object.entries(holidayIssues(holidayInput, value)).map(([path, issue]) => [path, issueMessage(issue)]))
    expect(words({ name: 'Libur semester', start_date: '2026-06-22', end_date: '2026-07-10', department_ids: [3] })).toEqual({})
    expect(words({ name: ' ', start_date: '2026-07-10', end_date: '2026-06-22', department_ids: null })).toEqual({
      name: 'Please fill this in.',
      end_date: 'The last day is before the first day.',
    })
    expect(words({ name: 'Lama', start_date: '2026-01-01', end_date: '2026-12-31' })).toEqual({ end_date: 'At most 92 days at once. Split a longer break into two entries.' })
    expect(words({ name: 'X', start_date: '', end_date: '2100-01-01' })).toEqual({
      start_date: 'Not a date. Write it like 2026-07-01 or 1/7/2026.',
      end_date: 'Use a date between 2000 and 2099.',
    })
  })

  it('describes an import row’s problems, the unknown department by its name, in both languages', () => {
    const unknown = { path: 'departments', code: 'UNKNOWN_DEPARTMENT', message: 'Unknown department: Kelas 13' }
    expect(issueText(unknown)).toBe('There is no department called Kelas 13.')
    expect(columnName('departments')).toBe('Departments')
    expect(columnName('start_date')).toBe('Start date')
    i18n.global.locale.value = 'id'
    expect(issueText(unknown)).toBe('Tidak ada departemen bernama Kelas 13.')
    expect(issueText({ path: 'end_date', code: 'custom', message: 'The last day is before the first', reason: 'end_before_start' })).toBe('Hari terakhir sebelum hari pertama.')
    // Told apart by the reason, not the server's wording: the same words with another reason say something else.
    expect(issueText({ path: 'end_date', code: 'custom', message: 'The last day is before the first', reason: 'too_many_days' })).toBe('Paling lama 92 hari sekaligus. Bagi libur yang lebih panjang menjadi dua.')
    expect(columnName('end_date')).toBe('Tanggal selesai')
  })

  it('says this area’s refusals in words and falls back to the common sentences', () => {
    expect(holidayError(new ApiError(422, 'UNKNOWN_DEPARTMENT', 'Some departments do not exist'))).toMatch(/no longer exists/)
    expect(holidayError(new ApiError(422, 'IMPORT_FILE_INVALID', 'x', { reason: 'xls' }))).toMatch(/Old \.xls files/)
    expect(holidayError(new ApiError(422, 'IMPORT_COLUMNS_MISSING', 'x'))).toMatch(/Name and Start date/)
    expect(holidayError(new ApiError(0, 'NETWORK', 'x'))).toMatch(/Cannot reach/)
  })
})
