import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgDate, pgText, queryInt, rowIdParam } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import { LEAVE_KINDS, LEAVE_STATUSES } from '../../db/schema'
import { ForbiddenError, ValidationError } from '../../errors'
import { idParam } from '../organizations/organizations.schemas'
import { approveInput, leaveInput, rangeLimits, rejectInput } from './leave.rules'
import { approveLeave, cancelLeave, createLeave, listLeave, listOwnLeave, organizationToday, rejectLeave, type Actor } from './leave.service'

const calendarDate = pgDate
// Member routes carry no organization in the path: `:rowId`, never `:id` (which the guard reads as the organization).
const ownParam = z.object({ rowId: rowIdParam })
const rowParams = z.object({ id: rowIdParam, rowId: rowIdParam })
const listQuery = z.object({
  status: z.enum(LEAVE_STATUSES).optional(),
  kind: z.enum(LEAVE_KINDS).optional(),
  member_id: rowIdParam.optional(),
  q: pgText(100, { trim: true }).optional(),
  from: calendarDate.optional(),
  to: calendarDate.optional(),
  limit: queryInt(1, 200).default(50),
  offset: queryInt(0, 10_000_000).default(0),
})

function actorOf(c: Context<AppEnv>): Actor {
  const p = scoped(c)
  return { organizationId: p.organizationId, userId: p.userId, memberId: p.memberId, ip: clientIp(c) }
}

/** The signed-in member (a mobile member session always has one). */
function memberActor(c: Context<AppEnv>): Actor & { memberId: number } {
  const actor = actorOf(c)
  if (actor.memberId === null) throw new ForbiddenError('Only a member can ask for leave', 'NOT_A_MEMBER')
  return actor as Actor & { memberId: number }
}

/** Leave requests (sakit / cuti / izin): members ask, the dashboard decides (mounted at /api). */
export const leaveRoutes = new Hono<AppEnv>()
  // --- the member's own (phone) ---
  .get('/leave-requests', allow('attendance:record:submit'), validate('query', z.object({ limit: queryInt(1, 200).default(50) })), async (c) => {
    const actor = memberActor(c)
    const { db } = c.get('deps').database
    const requests = await listOwnLeave(db, actor.organizationId, actor.memberId, c.req.valid('query').limit)
    return ok(c, { leave_requests: requests, rules: rangeLimits(await organizationToday(db, actor.organizationId)) })
  })
  .post('/leave-requests', allow('attendance:record:submit'), validate('json', leaveInput), async (c) => {
    const request = await createLeave(c.get('deps').database.db, memberActor(c), c.req.valid('json'))
    return ok(c, request, 201)
  })
  .post('/leave-requests/:rowId/cancel', allow('attendance:record:submit'), validate('param', ownParam), async (c) => {
    return ok(c, await cancelLeave(c.get('deps').database.db, memberActor(c), c.req.valid('param').rowId))
  })
  // --- the dashboard ---
  .get('/organizations/:id/leave-requests', allow('attendance:record:view'), validate('param', idParam), validate('query', listQuery), async (c) => {
    const query = c.req.valid('query')
    if (query.from && query.to && query.to < query.from) {
      throw new ValidationError('The end of the range is before its start', [{ path: 'to', message: 'Before from', code: 'too_small' }])
    }
    return ok(c, await listLeave(c.get('deps').database.db, scoped(c).organizationId, query))
  })
  .post('/organizations/:id/leave-requests/:rowId/approve', allow('attendance:record:approve'), validate('param', rowParams), validate('json', approveInput), async (c) => {
    const note = c.req.valid('json').note || null
    return ok(c, await approveLeave(c.get('deps').database.db, actorOf(c), c.req.valid('param').rowId, note))
  })
  .post('/organizations/:id/leave-requests/:rowId/reject', allow('attendance:record:approve'), validate('param', rowParams), validate('json', rejectInput), async (c) => {
    return ok(c, await rejectLeave(c.get('deps').database.db, actorOf(c), c.req.valid('param').rowId, c.req.valid('json').note))
  })
