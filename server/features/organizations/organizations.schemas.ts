import { z } from 'zod'
import { lateTolerance } from '../../../shared/organization/structure'
import { name, pgText, rowIdParam, timeOfDay } from '../../../shared/validation'

// A name and a time of day are checked the same everywhere, the dashboard's forms included (shared/validation.ts).
export { name, timeOfDay }

export const timezone = pgText(64).refine((tz) => {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone.length > 0
  } catch {
    return false
  }
}, 'Unknown timezone')

export const organizationInput = z.object({
  name,
  timezone: timezone.default('Asia/Jakarta'),
  work_start_time: timeOfDay.default('08:00:00'),
  work_end_time: timeOfDay.default('16:00:00'),
  late_tolerance_minutes: lateTolerance.default(15),
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

export const idParam = z.object({ id: rowIdParam })
/** One row of an organization's resources: `/:id/<resource>/:rowId`. */
export const rowParams = z.object({ id: rowIdParam, rowId: rowIdParam })
