// An organization's structure: departments, positions, work schedules and locations. Their limits and the schemas the
// server validates a create or change with (POST/PATCH /api/organizations/:id/{departments,positions,schedules,
// locations}); the dashboard's structure editor checks its form with the same schemas and shows the same limits.
import { z } from 'zod'
import { name, optionalText, pgArray, pgDouble, pgInt, pgSmallint, pgText, rowId, timeOfDay } from '../validation'

/** A department's short code ("TU", "X-IPA-1"). */
export const DEPARTMENT_CODE_MAX = 30
/** ISO weekdays: 1 = Monday ... 7 = Sunday. */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const
/** A new schedule works Monday to Friday. */
export const DEFAULT_WORK_DAYS: readonly number[] = Object.freeze([1, 2, 3, 4, 5])
/** Minutes after the start a check-in still counts as on time. */
export const LATE_TOLERANCE_RANGE = Object.freeze({ min: 0, max: 240 })
export const DEFAULT_LATE_TOLERANCE = 15
/** A location's fence (meters around its point). */
export const RADIUS_RANGE = Object.freeze({ min: 10, max: 100_000 })
export const DEFAULT_RADIUS = 100
export const LATITUDE_RANGE = Object.freeze({ min: -90, max: 90 })
export const LONGITUDE_RANGE = Object.freeze({ min: -180, max: 180 })

/** Minutes of late tolerance (a schedule's, or the organization's own hours'). */
export const lateTolerance = pgInt(LATE_TOLERANCE_RANGE.min, LATE_TOLERANCE_RANGE.max)

export const departmentInput = z.object({ name, code: optionalText(DEPARTMENT_CODE_MAX), work_schedule_id: rowId.nullish() })

export const departmentPatch = z
  .object({
    name: name.optional(),
    code: pgText(DEPARTMENT_CODE_MAX, { trim: true }).nullable().optional(),
    work_schedule_id: rowId.nullable().optional(),
  })
  .strict()

// A position has no code; the field is still checked as it always was (a client may send the department form's shape).
export const positionInput = z.object({ name, code: optionalText(DEPARTMENT_CODE_MAX) })

export const positionPatch = z.object({ name }).strict()

const CLOCK = /^\d{2}:\d{2}:\d{2}$/

/** One working day's own hours (a short Friday): ends after it starts (shifts past midnight are shift types). */
export const dayHoursEntry = z
  .object({ start_time: timeOfDay, end_time: timeOfDay })
  .strict()
  // Compared only once both are times (HH:MM:SS after timeOfDay): a time that is not one has its own refusal.
  .refine((h) => !(CLOCK.test(h.start_time) && CLOCK.test(h.end_time)) || h.end_time > h.start_time, { message: 'The day ends after it starts', path: ['end_time'] })

/** Hours of particular weekdays ('1' = Monday ... '7' = Sunday) that differ from the schedule's. */
export const dayHours = z.partialRecord(z.enum(['1', '2', '3', '4', '5', '6', '7']), dayHoursEntry)

const scheduleFields = {
  name,
  work_days: pgArray(pgSmallint(1, 7), 7, 1),
  start_time: timeOfDay,
  end_time: timeOfDay,
  late_tolerance_minutes: lateTolerance,
  day_hours: dayHours,
}

export const scheduleInput = z.object({
  ...scheduleFields,
  work_days: scheduleFields.work_days.default([...DEFAULT_WORK_DAYS]),
  late_tolerance_minutes: lateTolerance.default(DEFAULT_LATE_TOLERANCE),
  day_hours: dayHours.default({}),
})

// A change carries only what it changes: made from the fields without their defaults (zod fills a default in even
// under .partial(), so a change of name alone would put the working days, tolerance and day hours back to them).
export const schedulePatch = z.object(scheduleFields).partial().strict()

const locationFields = {
  name,
  latitude: pgDouble(LATITUDE_RANGE.min, LATITUDE_RANGE.max).nullable().optional(),
  longitude: pgDouble(LONGITUDE_RANGE.min, LONGITUDE_RANGE.max).nullable().optional(),
  radius_meters: pgInt(RADIUS_RANGE.min, RADIUS_RANGE.max),
}

export const locationInput = z.object({ ...locationFields, radius_meters: locationFields.radius_meters.default(DEFAULT_RADIUS) })

export const locationPatch = z.object(locationFields).partial().strict()

/** A fence needs both coordinates or neither: the side that is missing, or null when the pair is whole. */
export function missingCoordinate(place: { latitude?: number | null; longitude?: number | null }): 'latitude' | 'longitude' | null {
  if ((place.latitude == null) === (place.longitude == null)) return null
  return place.latitude == null ? 'latitude' : 'longitude'
}
