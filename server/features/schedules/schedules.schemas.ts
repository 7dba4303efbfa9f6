import { z } from 'zod'
import { pgArray, pgInt, pgSmallint } from '../../../shared/validation'
import { name, timeOfDay } from '../organizations/organizations.schemas'

export const scheduleInput = z.object({
  name,
  work_days: pgArray(pgSmallint(1, 7), 7, 1).default([1, 2, 3, 4, 5]),
  start_time: timeOfDay,
  end_time: timeOfDay,
  late_tolerance_minutes: pgInt(0, 240).default(15),
})

export const schedulePatch = scheduleInput.partial().strict()
