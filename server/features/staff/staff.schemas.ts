import { z } from 'zod'
import { rowId, rowIdParam } from '../../../shared/validation'
import { name } from '../organizations/organizations.schemas'
import { email, password } from '../users/users.service'

export const staffRoleParams = z.object({
  id: rowIdParam,
  memberId: rowIdParam,
  roleId: rowIdParam,
})

// A system dashboard role by key, or any dashboard role of the organization (custom ones too) by id: exactly one.
export const staffInput = z
  .object({
    name,
    email,
    password: password.optional(),
    role_key: z.enum(['admin', 'support', 'manager']).optional(),
    role_id: rowId.optional(),
  })
  .refine((v) => (v.role_key === undefined) !== (v.role_id === undefined), { message: 'Give role_key or role_id', path: ['role_key'] })
