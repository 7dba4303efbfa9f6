// An organization's own fields (name, time zone, working hours) and the schemas the server creates and changes one with
// (POST /api/organizations, the setup wizard, PATCH /api/organizations/:id); the dashboard's organization forms check
// with the same schema and start from the same defaults.
import { z } from 'zod'
import { name, pgText, timeOfDay } from '../validation'
import { DEFAULT_LATE_TOLERANCE, lateTolerance } from './structure'

export const DEFAULT_TIMEZONE = 'Asia/Jakarta'

/** An IANA time zone the runtime knows ("Asia/Jakarta"). */
export const timezone = pgText(64).refine((tz) => {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone.length > 0
  } catch {
    return false
  }
}, 'Unknown timezone')

export const organizationInput = z.object({
  name,
  timezone: timezone.default(DEFAULT_TIMEZONE),
  work_start_time: timeOfDay.default('08:00:00'),
  work_end_time: timeOfDay.default('16:00:00'),
  late_tolerance_minutes: lateTolerance.default(DEFAULT_LATE_TOLERANCE),
})
export type OrganizationInput = z.infer<typeof organizationInput>

export const organizationPatch = z
  .object({
    name: name.optional(),
    timezone: timezone.optional(),
    work_start_time: timeOfDay.optional(),
    work_end_time: timeOfDay.optional(),
    late_tolerance_minutes: lateTolerance.optional(),
  })
  .strict()
