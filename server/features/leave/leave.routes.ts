import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgDate, pgText, queryInt, rowIdParam } from '../../../shared/validation'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { LEAVE_KINDS, LEAVE_STATUSES } from '../../db/schema'
import { ForbiddenError, ValidationError } from '../../errors'
import { idParam } from '../organizations/organizations.schemas'
import { approveInput, leaveInput, rejectInput } from './leave.rules'
import { approveLeave, cancelLeave, createLeave, organizationLeave, ownLeave, rejectLeave, type LeaveView, type MemberContext } from './leave.service'
import { requestAnswered } from '../notifications/triggers'

const leaveAnswer = (l: LeaveView) => ({ request: 'leave' as const, id: l.id, memberId: l.member.id, status: l.status, date: l.start_date === l.end_date ? l.start_date : `${l.start_date} – ${l.end_date}`, note: l.decision_note })

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

/** The signed-in member (a mobile member session always has one). */
function memberContext(c: Context<AppEnv>): MemberContext {
  const ctx = serviceContext(c)
  if (ctx.memberId === null) throw new ForbiddenError('Only a member can ask for leave', 'NOT_A_MEMBER')
  return ctx as MemberContext
}

/** Leave requests (sakit / cuti / izin): members ask, the dashboard decides (mounted at /api). */
export const leaveRoutes = new Hono<AppEnv>()
  // --- the member's own (phone) ---
  .get('/leave-requests', allow('attendance:record:submit'), validate('query', z.object({ limit: queryInt(1, 200).default(50) })), async (c) => {
    return ok(c, await ownLeave(memberContext(c), c.req.valid('query').limit))
  })
  .post('/leave-requests', allow('attendance:record:submit'), validate('json', leaveInput), async (c) => {
    const request = await createLeave(memberContext(c), c.req.valid('json'))
    return ok(c, request, 201)
  })
  .post('/leave-requests/:rowId/cancel', allow('attendance:record:submit'), validate('param', ownParam), async (c) => {
    return ok(c, await cancelLeave(memberContext(c), c.req.valid('param').rowId))
  })
  // --- the dashboard ---
  .get('/organizations/:id/leave-requests', allow('attendance:record:view'), validate('param', idParam), validate('query', listQuery), async (c) => {
    const query = c.req.valid('query')
    if (query.from && query.to && query.to < query.from) {
      throw new ValidationError('The end of the range is before its start', [{ path: 'to', message: 'Before from', code: 'too_small' }])
    }
    return ok(c, await organizationLeave(serviceContext(c), query))
  })
  .post('/organizations/:id/leave-requests/:rowId/approve', allow('attendance:record:approve'), validate('param', rowParams), validate('json', approveInput), async (c) => {
    const note = c.req.valid('json').note || null
    const ctx = serviceContext(c)
    const answer = await approveLeave(ctx, c.req.valid('param').rowId, note)
    await requestAnswered(ctx.deps, ctx.organizationId, leaveAnswer(answer.leave_request))
    return ok(c, answer)
  })
  .post('/organizations/:id/leave-requests/:rowId/reject', allow('attendance:record:approve'), validate('param', rowParams), validate('json', rejectInput), async (c) => {
    const ctx = serviceContext(c)
    const answer = await rejectLeave(ctx, c.req.valid('param').rowId, c.req.valid('json').note)
    await requestAnswered(ctx.deps, ctx.organizationId, leaveAnswer(answer))
    return ok(c, answer)
  })
