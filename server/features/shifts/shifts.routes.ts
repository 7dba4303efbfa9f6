import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { idParam, rowParams } from '../organizations/organizations.schemas'
import { ROSTER_MAX_DAYS, rosterCellsInput, rosterPatternInput, shiftTypeInput, shiftTypePatch } from '../../../shared/attendance/shifts'
import { daysInclusive } from '../../../shared/calendar'
import { pgDateBetween, queryInt } from '../../../shared/validation'
import { applyRosterPattern, createShiftType, deleteShiftType, listShiftTypes, rosterOf, setRosterCells, updateShiftType } from './shifts.service'

const rosterDate = pgDateBetween('2000-01-01', '2100-12-31')
const rosterQuery = z
  .object({ start: rosterDate, end: rosterDate, department_id: queryInt(1).optional() })
  .refine((q) => q.end >= q.start, { message: 'The last day is before the first day', path: ['end'], params: { reason: 'end_before_start' } })
  .refine((q) => daysInclusive(q.start, q.end) <= ROSTER_MAX_DAYS, { message: `At most ${ROSTER_MAX_DAYS} days at once`, path: ['end'], params: { reason: 'too_many_days' } })

/**
 * Shift types and the roster (mounted at /api/organizations): everyone who reads the structure may read them; settings
 * managers change them, as they change work schedules.
 */
export const shiftRoutes = new Hono<AppEnv>()
  .get('/:id/shift-types', allow('member:view'), validate('param', idParam), async (c) => {
    return ok(c, { shift_types: await listShiftTypes(serviceContext(c)) })
  })
  .post('/:id/shift-types', allow('settings:manage'), validate('param', idParam), validate('json', shiftTypeInput), async (c) => {
    return ok(c, await createShiftType(serviceContext(c), c.req.valid('json')), 201)
  })
  .patch('/:id/shift-types/:rowId', allow('settings:manage'), validate('param', rowParams), validate('json', shiftTypePatch), async (c) => {
    return ok(c, await updateShiftType(serviceContext(c), c.req.valid('param').rowId, c.req.valid('json')))
  })
  .delete('/:id/shift-types/:rowId', allow('settings:manage'), validate('param', rowParams), async (c) => {
    return ok(c, await deleteShiftType(serviceContext(c), c.req.valid('param').rowId))
  })
  .get('/:id/roster', allow('member:view'), validate('param', idParam), validate('query', rosterQuery), async (c) => {
    return ok(c, await rosterOf(serviceContext(c), c.req.valid('query')))
  })
  .put('/:id/roster', allow('settings:manage'), validate('param', idParam), validate('json', rosterCellsInput), async (c) => {
    return ok(c, await setRosterCells(serviceContext(c), c.req.valid('json')))
  })
  .post('/:id/roster/pattern', allow('settings:manage'), validate('param', idParam), validate('json', rosterPatternInput), async (c) => {
    return ok(c, await applyRosterPattern(serviceContext(c), c.req.valid('json')))
  })
