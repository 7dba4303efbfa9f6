import { z } from 'zod'
import { pgDouble, pgInt } from '../../../shared/validation'
import { name } from '../organizations/organizations.schemas'

export const locationInput = z.object({
  name,
  latitude: pgDouble(-90, 90).nullable().optional(),
  longitude: pgDouble(-180, 180).nullable().optional(),
  radius_meters: pgInt(10, 100_000).default(100),
})

export const locationPatch = locationInput.partial().strict()
