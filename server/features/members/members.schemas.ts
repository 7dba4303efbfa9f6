import { z } from 'zod'
import { name, optionalText, pgText, queryInt, rowId, rowIdParam } from '../../../shared/validation'
import { email } from '../users/users.service'

export { optionalText }

export const memberInput = z.object({
  name,
  email: email.nullish().or(z.literal('').transform(() => null)),
  phone: optionalText(40),
  member_number: optionalText(60),
  department_id: rowId.nullish(),
  position_id: rowId.nullish(),
  role: z.enum(['member', 'petugas']).default('member'),
})

export const memberPatch = z
  .object({
    name: name.optional(),
    email: email.nullish().or(z.literal('').transform(() => null)),
    phone: optionalText(40),
    member_number: optionalText(60),
    department_id: rowId.nullish(),
    position_id: rowId.nullish(),
    status: z.enum(['active', 'inactive']).optional(),
    role: z.enum(['member', 'petugas']).optional(),
  })
  .strict()

export const memberListQuery = z.object({
  q: pgText(100, { trim: true }).optional(),
  status: z.enum(['active', 'inactive']).optional(),
  department_id: rowIdParam.optional(),
  role: z.enum(['member', 'petugas']).optional(),
  /** `registered`: members with face data; `missing`: members without. */
  face: z.enum(['registered', 'missing']).optional(),
  limit: queryInt(1, 500).default(50),
  offset: queryInt(0, 10_000_000).default(0),
})

export const memberParams = z.object({
  id: rowIdParam,
  memberId: rowIdParam,
})

export const attendanceQuery = z.object({ limit: queryInt(1, 100).default(20) })

export const exportQuery = memberListQuery.omit({ limit: true, offset: true }).extend({ format: z.enum(['xlsx', 'csv']).default('xlsx') })
