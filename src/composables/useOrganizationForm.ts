import { DEFAULT_TIMEZONE, organizationInput } from '@shared/organization/profile'
import { DEFAULT_LATE_TOLERANCE } from '@shared/organization/structure'
import { schemaIssues } from '~/api/errors'
import type { OrganizationSettings } from '~/api/types'

export function defaultOrganization(): OrganizationSettings {
  return { name: '', timezone: DEFAULT_TIMEZONE, work_start_time: '08:00', work_end_time: '16:00', late_tolerance_minutes: DEFAULT_LATE_TOLERANCE }
}

/** The API may answer times as "08:00:00"; time inputs and the API's input take "08:00". */
export function toOrganizationSettings(source: Partial<OrganizationSettings>): OrganizationSettings {
  const base = defaultOrganization()
  const time = (value: string | undefined, fallback: string) => (value ? value.slice(0, 5) : fallback)
  return {
    name: source.name ?? base.name,
    timezone: source.timezone ?? base.timezone,
    work_start_time: time(source.work_start_time, base.work_start_time),
    work_end_time: time(source.work_end_time, base.work_end_time),
    late_tolerance_minutes: source.late_tolerance_minutes ?? base.late_tolerance_minutes,
  }
}

/**
 * Checks the fields with the server's own schema (shared/organization/profile.ts) before it is asked; `setIssue` puts
 * each message under its field (`prefix` names where the fields sit in the request, e.g. the setup's "organization.").
 * An end before the start is a night shift, not a mistake: the schema decides what it accepts.
 */
export function validateOrganization(value: OrganizationSettings, setIssue: (field: string, key: string, params?: Record<string, unknown>) => void, prefix = ''): void {
  const result = organizationInput.safeParse(value)
  if (result.success) return
  for (const [path, issue] of Object.entries(schemaIssues(result.error))) setIssue(`${prefix}${path}`, issue.key, issue.params)
}
