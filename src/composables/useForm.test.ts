import { leaveInput } from '@shared/leave/rules'
import { memberInput, memberPatch } from '@shared/members/member'
import { locationInput, scheduleInput } from '@shared/organization/structure'
import { settingsPatch } from '@shared/organization/settings'
import { issueDetails } from '@shared/validation'
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { ApiError } from '~/api/client'
import { fieldIssues } from '~/api/errors'
import { i18n, loadLocales } from '~/modules/i18n'
import { useForm } from './useForm'

await loadLocales() // both languages' messages: the tests switch between them

i18n.global.locale.value = 'en'

/** What the server answers for a body its route refuses (server/lib/validate.ts: a 422 listing issueDetails). */
function serverRefusal(schema: z.ZodType, body: unknown): ApiError {
  const result = schema.safeParse(body)
  if (result.success) throw new Error('the server would accept this body')
  return new ApiError(422, 'VALIDATION_FAILED', 'Some fields are invalid', issueDetails(result.error.issues))
}

/** The form's own check of the same body, before anything is sent. */
function formCheck(schema: z.ZodType, body: unknown) {
  const form = useForm()
  expect(form.check(schema, body)).toBeUndefined()
  return form.issues.value
}

describe('a form checks with the server\'s schema', () => {
  const refused: [string, z.ZodType, unknown][] = [
    ['a schedule', scheduleInput, { name: '  ', work_days: [], start_time: '', end_time: '25:00', late_tolerance_minutes: 241 }],
    ['a schedule without a tolerance', scheduleInput, { name: 'Pagi', work_days: [1], start_time: '07:00', end_time: '15:00', late_tolerance_minutes: null }],
    ['a location', locationInput, { name: 'Gerbang', latitude: 91, longitude: Number.NaN, radius_meters: 9 }],
    ['a location with a huge fence', locationInput, { name: 'Gerbang', latitude: null, longitude: null, radius_meters: 100_001 }],
    ['a leave request', leaveInput, { kind: 'holiday', start_date: '2026-02-30', reason: ' ' }],
    ['face settings', settingsPatch, { face_threshold: 2, face_margin: Number.NaN, photo_retention_days: 1.5 }],
    ['attendance rules', settingsPatch, { offline_window_hours: 745 }],
    ['a new member', memberInput, { name: '', email: 'budi@sekolah', phone: '0'.repeat(41), member_number: 'x'.repeat(61), department_id: 0 }],
    ['a member\'s change', memberPatch, { name: ' ', email: 'budi', role: 'admin' }],
  ]

  it.each(refused)('%s: a value the server refuses is refused by the form with the same message key', (_, schema, body) => {
    const form = formCheck(schema, body)
    expect(Object.keys(form).length).toBeGreaterThan(0)
    expect(form).toEqual(fieldIssues(serverRefusal(schema, body)))
  })

  it('says what a person understands, with the server\'s limits', () => {
    const schedule = formCheck(scheduleInput, refused[0]![2])
    expect(schedule).toEqual({
      name: { key: 'validation.required' },
      work_days: { key: 'validation.required' },
      start_time: { key: 'validation.time' },
      end_time: { key: 'validation.time' },
      late_tolerance_minutes: { key: 'validation.maxNumber', params: { max: 240 } },
    })
    expect(formCheck(locationInput, refused[2]![2])).toEqual({
      latitude: { key: 'validation.maxNumber', params: { max: 90 } },
      longitude: { key: 'validation.invalid' },
      radius_meters: { key: 'validation.minNumber', params: { min: 10 } },
    })
    expect(formCheck(memberInput, refused[7]![2])).toEqual({
      name: { key: 'validation.required' },
      email: { key: 'validation.email' },
      phone: { key: 'validation.maxLength', params: { max: 40 } },
      member_number: { key: 'validation.maxLength', params: { max: 60 } },
      department_id: { key: 'validation.minNumber', params: { min: 1 } },
    })
    expect(formCheck(settingsPatch, { offline_window_hours: 0 })).toEqual({ offline_window_hours: { key: 'validation.minNumber', params: { min: 1 } } })
    expect(formCheck(leaveInput, { start_date: '2026-12-01', end_date: '2026-12-01', reason: 'Demam' })).toEqual({ kind: { key: 'validation.choose' } })
  })

  it('a form may name a field\'s message itself, and keeps a message its own checks set first', () => {
    const form = useForm()
    form.setIssue('reason', 'leave.errors.LEAVE_TOO_LONG')
    expect(form.check(leaveInput, { start_date: '2026-12-01', end_date: '2026-12-01', reason: '' }, { kind: 'leave.member.kindRequired' })).toBeUndefined()
    expect(form.issues.value).toEqual({ kind: { key: 'leave.member.kindRequired' }, reason: { key: 'leave.errors.LEAVE_TOO_LONG' } })
    expect(useForm().check(leaveInput, { kind: 'sick', start_date: '2026-12-01', end_date: '2026-12-01', reason: ' Demam ' })).toEqual({
      kind: 'sick',
      start_date: '2026-12-01',
      end_date: '2026-12-01',
      reason: 'Demam',
    })
  })
})
