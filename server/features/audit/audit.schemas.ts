import { z } from 'zod'
import { pgText, queryInt, rowIdParam } from '../../../shared/validation'
import { isoDay } from './filters'

export const auditQuery = z.object({
  actor_user_id: rowIdParam.optional(),
  /** An action or the start of one: "role." matches role.create, role.update...; "face" matches face.*. */
  action: z
    .string()
    .trim()
    .regex(/^[a-z][a-z_]*(\.[a-z_]*)?$/, 'Use an action name such as role.create or a prefix such as role.')
    .max(60)
    .optional(),
  entity_type: z.string().trim().regex(/^[a-z_]+$/).max(40).optional(),
  entity_id: pgText(60, { trim: true, min: 1 }).optional(),
  from: isoDay.optional(),
  to: isoDay.optional(),
  /** The `next_cursor` of the previous page: entries older than it. */
  cursor: z.string().regex(/^\d{1,15}$/, 'Use the next_cursor of the previous page').optional(),
  limit: queryInt(1, 100).default(50),
})

export const SYNC_STATUSES = ['pending', 'completed', 'failed'] as const

export const syncLogQuery = z.object({
  device_id: rowIdParam.optional(),
  mobile_device_id: pgText(100, { trim: true, min: 1 }).optional(),
  status: z.enum(SYNC_STATUSES).optional(),
  from: isoDay.optional(),
  to: isoDay.optional(),
  limit: queryInt(1, 100).default(25),
  offset: queryInt(0, 1_000_000).default(0),
})
