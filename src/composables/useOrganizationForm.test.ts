import { organizationInput } from '@shared/organization/profile'
import { issueDetails } from '@shared/validation'
import { describe, expect, it } from 'vitest'
import { ApiError } from '~/api/client'
import { fieldIssues, type FieldIssue } from '~/api/errors'
import { defaultOrganization, validateOrganization } from './useOrganizationForm'

function issuesOf(value: ReturnType<typeof defaultOrganization>, prefix = ''): Record<string, FieldIssue> {
  const out: Record<string, FieldIssue> = {}
  validateOrganization(value, (field, key, params) => (out[field] = params ? { key, params } : { key }), prefix)
  return out
}

describe('the organization form checks with the server\'s schema', () => {
  it('accepts the defaults and a night shift', () => {
    expect(issuesOf({ ...defaultOrganization(), name: 'SMA 1' })).toEqual({})
    expect(issuesOf({ ...defaultOrganization(), name: 'Satpam', work_start_time: '22:00', work_end_time: '06:00' })).toEqual({})
  })

  it('refuses what the server refuses, with the 422\'s message keys, under the request\'s field names', () => {
    const value = { name: ' ', timezone: 'Mars/Olympus', work_start_time: '8', work_end_time: '', late_tolerance_minutes: 241 }
    const server = organizationInput.safeParse(value)
    expect(server.success).toBe(false)
    const answer = fieldIssues(new ApiError(422, 'VALIDATION_FAILED', 'Some fields are invalid', issueDetails(server.error!.issues)))
    expect(issuesOf(value)).toEqual(answer)
    expect(answer).toEqual({
      name: { key: 'validation.required' },
      timezone: { key: 'validation.invalid' },
      work_start_time: { key: 'validation.time' },
      work_end_time: { key: 'validation.time' },
      late_tolerance_minutes: { key: 'validation.maxNumber', params: { max: 240 } },
    })
    expect(Object.keys(issuesOf(value, 'organization.'))).toEqual(Object.keys(answer).map((k) => `organization.${k}`))
  })
})
