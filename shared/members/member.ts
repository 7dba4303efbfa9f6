// A member as an admin adds or edits one (POST/PATCH /api/organizations/:id/members): the fields, their limits and the
// schemas the server validates with; the dashboard's member form checks with the same schemas before sending.
import { z } from 'zod'
import { email, name, optionalText, rowId } from '../validation'

/** What a member does on the phone: records their own attendance, or also others' as petugas. */
export const MEMBER_ROLES = ['member', 'petugas'] as const
export const MEMBER_STATUSES = ['active', 'inactive'] as const
export const PHONE_MAX = 40
export const MEMBER_NUMBER_MAX = 60

/** An email, or nothing: empty text clears it. */
const optionalEmail = email.nullish().or(z.literal('').transform(() => null))

export const memberInput = z.object({
  name,
  email: optionalEmail,
  phone: optionalText(PHONE_MAX),
  member_number: optionalText(MEMBER_NUMBER_MAX),
  department_id: rowId.nullish(),
  position_id: rowId.nullish(),
  role: z.enum(MEMBER_ROLES).default('member'),
})

export const memberPatch = z
  .object({
    name: name.optional(),
    email: optionalEmail,
    phone: optionalText(PHONE_MAX),
    member_number: optionalText(MEMBER_NUMBER_MAX),
    department_id: rowId.nullish(),
    position_id: rowId.nullish(),
    status: z.enum(MEMBER_STATUSES).optional(),
    role: z.enum(MEMBER_ROLES).optional(),
  })
  .strict()
