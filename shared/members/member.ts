// A member as an admin adds or edits one (POST/PATCH /api/organizations/:id/members): the fields, their limits and the
// schemas the server validates with; the dashboard's member form checks with the same schemas before sending.
import { z } from 'zod'
import { email, name, optionalText, pgDateBetween, pgText, rowId, rowIdParam } from '../validation'

/** What a member does on the phone: records their own attendance, or also others' as petugas. */
export const MEMBER_ROLES = ['member', 'petugas'] as const
export const MEMBER_STATUSES = ['active', 'inactive'] as const
/** The member list's face filter: `registered`, members with face data; `missing`, members without. */
export const MEMBER_FACE_FILTERS = ['registered', 'missing'] as const
export const PHONE_MAX = 40
export const MEMBER_NUMBER_MAX = 60

/** A member's first or last day (YYYY-MM-DD), or nothing: null clears it. */
const memberDate = pgDateBetween('2000-01-01', '2099-12-31').nullish()

/** Where a member's last day falls before their first: the field and the message a form shows. */
export function memberDatesProblem(start: string | null | undefined, end: string | null | undefined): string | null {
  return start && end && end < start ? 'The last day is before the first day' : null
}

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
  /** The first day they are expected (default: the day they are added, or the next day when added after work started). */
  start_date: memberDate,
  /** The last day they are expected (default: open). */
  end_date: memberDate,
}).superRefine((v, ctx) => {
  const problem = memberDatesProblem(v.start_date, v.end_date)
  if (problem) ctx.addIssue({ code: 'custom', path: ['end_date'], message: problem })
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
    start_date: memberDate,
    end_date: memberDate,
  })
  .strict()
  .superRefine((v, ctx) => {
    const problem = memberDatesProblem(v.start_date, v.end_date)
    if (problem) ctx.addIssue({ code: 'custom', path: ['end_date'], message: problem })
  })

/**
 * The member list's filters (GET /members and its export, each optional): the server validates its query with these and
 * the dashboard checks the filters it reads from the address with them.
 */
export const memberFilters = z.object({
  q: pgText(100, { trim: true }).optional(),
  status: z.enum(MEMBER_STATUSES).optional(),
  department_id: rowIdParam.optional(),
  role: z.enum(MEMBER_ROLES).optional(),
  face: z.enum(MEMBER_FACE_FILTERS).optional(),
})
