import { z } from 'zod'
import { name } from '../organizations/organizations.schemas'
import { email } from '../users/users.service'

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullish()
    // Absent stays absent (a PATCH leaves the field alone); empty means "clear it".
    .transform((v) => (v === undefined ? undefined : v ? v : null))

export const memberInput = z.object({
  name,
  email: email.nullish().or(z.literal('').transform(() => null)),
  phone: optionalText(40),
  member_number: optionalText(60),
  department_id: z.number().int().positive().nullish(),
  position_id: z.number().int().positive().nullish(),
  role: z.enum(['member', 'petugas']).default('member'),
})

export const memberPatch = z
  .object({
    name: name.optional(),
    email: email.nullish().or(z.literal('').transform(() => null)),
    phone: optionalText(40),
    member_number: optionalText(60),
    department_id: z.number().int().positive().nullish(),
    position_id: z.number().int().positive().nullish(),
    status: z.enum(['active', 'inactive']).optional(),
    role: z.enum(['member', 'petugas']).optional(),
  })
  .strict()

export const memberListQuery = z.object({
  q: z.string().trim().max(100).optional(),
  status: z.enum(['active', 'inactive']).optional(),
  department_id: z.coerce.number().int().positive().optional(),
  role: z.enum(['member', 'petugas']).optional(),
  /** `registered`: members with face data; `missing`: members without. */
  face: z.enum(['registered', 'missing']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
})

export const memberParams = z.object({
  id: z.coerce.number().int().positive(),
  memberId: z.coerce.number().int().positive(),
})

export const namedInput = z.object({ name, code: optionalText(30) })

export const departmentInput = namedInput.extend({ work_schedule_id: z.number().int().positive().nullish() })

export const positionPatch = z.object({ name }).strict()

export const rowParams = z.object({ id: z.coerce.number().int().positive(), rowId: z.coerce.number().int().positive() })

export const attendanceQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) })

export const exportQuery = memberListQuery.omit({ limit: true, offset: true }).extend({ format: z.enum(['xlsx', 'csv']).default('xlsx') })
