import type { OrganizationSettings } from '~/api/types'
import { DEFAULT_TIMEZONE } from './useTimezones'

export function defaultOrganization(): OrganizationSettings {
  return { name: '', timezone: DEFAULT_TIMEZONE, work_start_time: '08:00', work_end_time: '16:00', late_tolerance_minutes: 15 }
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

/** Checks a user would expect before the server is asked; `setIssue` puts the message under the field. */
export function validateOrganization(value: OrganizationSettings, setIssue: (field: string, key: string) => void, prefix = ''): void {
  if (!value.name.trim()) setIssue(`${prefix}name`, 'validation.required')
  if (!value.timezone) setIssue(`${prefix}timezone`, 'validation.required')
  if (!/^\d{2}:\d{2}$/.test(value.work_start_time)) setIssue(`${prefix}work_start_time`, 'validation.time')
  // An end before the start is a night shift, not a mistake: the server decides what it accepts.
  if (!/^\d{2}:\d{2}$/.test(value.work_end_time)) setIssue(`${prefix}work_end_time`, 'validation.time')
  const tolerance = value.late_tolerance_minutes
  if (!Number.isInteger(tolerance) || tolerance < 0) setIssue(`${prefix}late_tolerance_minutes`, 'validation.tolerance')
}
