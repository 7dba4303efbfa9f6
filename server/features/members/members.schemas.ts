import { z } from 'zod'
import { MEMBER_ROLES, MEMBER_STATUSES } from '../../../shared/members/member'
import { pgText, queryInt, rowIdParam } from '../../../shared/validation'
import { exportFormat } from '../../lib/spreadsheet'

// A member is created and changed with the schemas the dashboard's member form shares (shared/members/member.ts).
export { memberInput, memberPatch } from '../../../shared/members/member'

export const memberListQuery = z.object({
  q: pgText(100, { trim: true }).optional(),
  status: z.enum(MEMBER_STATUSES).optional(),
  department_id: rowIdParam.optional(),
  role: z.enum(MEMBER_ROLES).optional(),
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

export const exportQuery = memberListQuery.omit({ limit: true, offset: true }).extend({ format: exportFormat })
