import { z } from 'zod'
import { organizationInput, name } from '../organizations/organizations.schemas'
import { email, password } from '../users/users.service'

export const setupInput = z.object({
  organization: organizationInput,
  admin: z.object({ name, email, password }),
})
