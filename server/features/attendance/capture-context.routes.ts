import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, allowAny } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgText, rowIdParam } from '../../../shared/validation'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { memberListQuery } from '../members/members.schemas'
import { captureContext, findMembersToRecord, memberQr, resolveQr } from './capture-context.service'
import { memberToday } from './member-today'

/** What a phone or kiosk needs to capture attendance (mounted at /api/attendance): rules, places, members, QR codes. */
export const captureContextRoutes = new Hono<AppEnv>()
  .get('/context', allowAny('attendance:record:submit', 'attendance:record:create'), async (c) => {
    return ok(c, await captureContext(serviceContext(c)))
  })
  .get('/members', allow('attendance:record:create'), validate('query', memberListQuery), async (c) => {
    return ok(c, await findMembersToRecord(serviceContext(c), c.req.valid('query')))
  })
  // Whether the member already checked in or out today, and from where (a kiosk says so instead of recording again).
  .get('/members/:memberId/today', allow('attendance:record:create'), validate('param', z.object({ memberId: rowIdParam })), async (c) => {
    return ok(c, await memberToday(serviceContext(c), c.req.valid('param').memberId))
  })
  .get('/qr', allow('attendance:record:submit'), async (c) => {
    return ok(c, memberQr(serviceContext(c)))
  })
  .post('/qr/resolve', allow('attendance:record:create'), validate('json', z.object({ token: pgText(200) })), async (c) => {
    return ok(c, await resolveQr(serviceContext(c), c.req.valid('json').token))
  })
