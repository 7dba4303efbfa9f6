import { z } from 'zod'
import { pgInt, pgText, rowIdParam } from '../../../shared/validation'

export const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'Use 24-hour time, e.g. 08:00')
  .transform((v) => (v.length === 5 ? `${v}:00` : v))

export const timezone = pgText(64).refine((tz) => {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone.length > 0
  } catch {
    return false
  }
}, 'Unknown timezone')

export const name = pgText(120, { trim: true, min: 1, minMessage: 'Required' })

export const organizationInput = z.object({
  name,
  timezone: timezone.default('Asia/Jakarta'),
  work_start_time: timeOfDay.default('08:00:00'),
  work_end_time: timeOfDay.default('16:00:00'),
  late_tolerance_minutes: pgInt(0, 240).default(15),
})
export type OrganizationInput = z.infer<typeof organizationInput>

export const organizationPatch = z
  .object({
    name: name.optional(),
    timezone: timezone.optional(),
    work_start_time: timeOfDay.optional(),
    work_end_time: timeOfDay.optional(),
    late_tolerance_minutes: pgInt(0, 240).optional(),
  })
  .strict()

export const idParam = z.object({ id: rowIdParam })
/** One row of an organization's resources: `/:id/<resource>/:rowId`. */
export const rowParams = z.object({ id: rowIdParam, rowId: rowIdParam })
