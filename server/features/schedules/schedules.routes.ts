import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { idParam, rowParams } from '../organizations/organizations.schemas'
import { scheduleInput, schedulePatch } from './schedules.schemas'
import { createSchedule, deleteSchedule, organizationSchedules, updateSchedule } from './schedules.service'

/** Work schedules (mounted at /api/organizations): departments follow one, or the organization's own hours apply. */
export const scheduleRoutes = new Hono<AppEnv>()
  .get('/:id/schedules', allow('member:view'), validate('param', idParam), async (c) => {
    return ok(c, { schedules: await organizationSchedules(serviceContext(c)) })
  })
  .post('/:id/schedules', allow('settings:manage'), validate('param', idParam), validate('json', scheduleInput), async (c) => {
    return ok(c, await createSchedule(serviceContext(c), c.req.valid('json')), 201)
  })
  .patch('/:id/schedules/:rowId', allow('settings:manage'), validate('param', rowParams), validate('json', schedulePatch), async (c) => {
    return ok(c, await updateSchedule(serviceContext(c), c.req.valid('param').rowId, c.req.valid('json')))
  })
  .delete('/:id/schedules/:rowId', allow('settings:manage'), validate('param', rowParams), async (c) => {
    return ok(c, await deleteSchedule(serviceContext(c), c.req.valid('param').rowId))
  })
