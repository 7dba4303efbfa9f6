import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { idParam, rowParams } from '../organizations/organizations.schemas'
import { positionInput, positionPatch } from './positions.schemas'
import { createPosition, deletePosition, listPositions, renamePosition } from './positions.service'

/** An organization's positions (mounted at /api/organizations). */
export const positionRoutes = new Hono<AppEnv>()
  .get('/:id/positions', allow('member:view'), validate('param', idParam), async (c) => {
    return ok(c, { positions: await listPositions(serviceContext(c)) })
  })
  .post('/:id/positions', allow('member:manage'), validate('param', idParam), validate('json', positionInput), async (c) => {
    return ok(c, await createPosition(serviceContext(c), c.req.valid('json')), 201)
  })
  .patch('/:id/positions/:rowId', allow('member:manage'), validate('param', rowParams), validate('json', positionPatch), async (c) => {
    return ok(c, await renamePosition(serviceContext(c), c.req.valid('param').rowId, c.req.valid('json')))
  })
  .delete('/:id/positions/:rowId', allow('member:manage'), validate('param', rowParams), async (c) => {
    return ok(c, await deletePosition(serviceContext(c), c.req.valid('param').rowId))
  })
