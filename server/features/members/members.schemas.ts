import { z } from 'zod'
import { memberFilters } from '../../../shared/members/member'
import { queryInt, rowIdParam } from '../../../shared/validation'
import { exportFormat } from '../../lib/spreadsheet'

// A member is created and changed with the schemas the dashboard's member form shares (shared/members/member.ts).
export { memberInput, memberPatch } from '../../../shared/members/member'

export const memberListQuery = memberFilters.extend({
  limit: queryInt(1, 500).default(50),
  offset: queryInt(0, 10_000_000).default(0),
})

export const memberParams = z.object({
  id: rowIdParam,
  memberId: rowIdParam,
})

export const attendanceQuery = z.object({ limit: queryInt(1, 100).default(20) })

export const exportQuery = memberListQuery.omit({ limit: true, offset: true }).extend({ format: exportFormat })
