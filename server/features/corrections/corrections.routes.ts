import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgDate, pgText, queryInt, rowIdParam } from '../../../shared/validation'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { CORRECTION_STATUSES } from '../../db/schema'
import { ForbiddenError, ValidationError } from '../../errors'
import { idParam } from '../organizations/organizations.schemas'
import { correctionApproveInput, correctionInput, correctionRejectInput } from './corrections.rules'
import { approveCorrection, cancelCorrection, createCorrection, listCorrections, ownCorrections, rejectCorrection, type CorrectionView, type MemberContext } from './corrections.service'
import { requestAnswered } from '../notifications/triggers'

const correctionAnswer = (r: CorrectionView) => ({ request: 'correction' as const, id: r.id, memberId: r.member.id, status: r.status, date: r.attendance_date, note: r.decision_note })

// Member routes carry no organization in the path: `:rowId`, never `:id` (which the guard reads as the organization).
const ownParam = z.object({ rowId: rowIdParam })
const rowParams = z.object({ id: rowIdParam, rowId: rowIdParam })
const listQuery = z.object({
  status: z.enum(CORRECTION_STATUSES).optional(),
  member_id: rowIdParam.optional(),
  q: pgText(100, { trim: true }).optional(),
  from: pgDate.optional(),
  to: pgDate.optional(),
  limit: queryInt(1, 200).default(50),
  offset: queryInt(0, 10_000_000).default(0),
})

/** The signed-in member (a mobile member session always has one). */
function memberContext(c: Context<AppEnv>): MemberContext {
  const ctx = serviceContext(c)
  if (ctx.memberId === null) throw new ForbiddenError('Only a member can ask for a correction', 'NOT_A_MEMBER')
  return ctx as MemberContext
}

/**
 * Correction requests ("lupa absen"): a member asks for a forgotten check-in or check-out of one day, the dashboard
 * approves (the day's record is written, with its history) or refuses (mounted at /api). The same permissions as leave.
 */
export const correctionRoutes = new Hono<AppEnv>()
  // --- the member's own (phone) ---
  .get('/correction-requests', allow('attendance:record:submit'), validate('query', z.object({ limit: queryInt(1, 200).default(50) })), async (c) => {
    return ok(c, await ownCorrections(memberContext(c), c.req.valid('query').limit))
  })
  .post('/correction-requests', allow('attendance:record:submit'), validate('json', correctionInput), async (c) => {
    return ok(c, await createCorrection(memberContext(c), c.req.valid('json')), 201)
  })
  .post('/correction-requests/:rowId/cancel', allow('attendance:record:submit'), validate('param', ownParam), async (c) => {
    return ok(c, await cancelCorrection(memberContext(c), c.req.valid('param').rowId))
  })
  // --- the dashboard ---
  .get('/organizations/:id/correction-requests', allow('attendance:record:view'), validate('param', idParam), validate('query', listQuery), async (c) => {
    const query = c.req.valid('query')
    if (query.from && query.to && query.to < query.from) {
      throw new ValidationError('The end of the range is before its start', [{ path: 'to', message: 'Before from', code: 'too_small' }])
    }
    return ok(c, await listCorrections(serviceContext(c), query))
  })
  .post('/organizations/:id/correction-requests/:rowId/approve', allow('attendance:record:approve'), validate('param', rowParams), validate('json', correctionApproveInput), async (c) => {
    const ctx = serviceContext(c)
    const answer = await approveCorrection(ctx, c.req.valid('param').rowId, c.req.valid('json'))
    await requestAnswered(ctx.deps, ctx.organizationId, correctionAnswer(answer))
    return ok(c, answer)
  })
  .post('/organizations/:id/correction-requests/:rowId/reject', allow('attendance:record:approve'), validate('param', rowParams), validate('json', correctionRejectInput), async (c) => {
    const ctx = serviceContext(c)
    const answer = await rejectCorrection(ctx, c.req.valid('param').rowId, c.req.valid('json').note)
    await requestAnswered(ctx.deps, ctx.organizationId, correctionAnswer(answer))
    return ok(c, answer)
  })
