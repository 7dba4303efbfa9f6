import { z } from 'zod'
import { name, rowIdParam, timeOfDay } from '../../../shared/validation'

// A name and a time of day are checked the same everywhere, the dashboard's forms included (shared/validation.ts), and
// so is an organization's profile (shared/organization/profile.ts).
export { name, timeOfDay }
export { organizationInput, organizationPatch, timezone, type OrganizationInput } from '../../../shared/organization/profile'

export const idParam = z.object({ id: rowIdParam })
/** One row of an organization's resources: `/:id/<resource>/:rowId`. */
export const rowParams = z.object({ id: rowIdParam, rowId: rowIdParam })
