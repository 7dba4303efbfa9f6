import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { idParam, rowParams } from '../organizations/organizations.schemas'
import { locationInput, locationPatch } from './locations.schemas'
import { createLocation, deleteLocation, organizationLocations, updateLocation } from './locations.service'

/** Locations with their geofences (mounted at /api/organizations): set by admins, read by everyone who records attendance. */
export const locationRoutes = new Hono<AppEnv>()
  .get('/:id/locations', allow('member:view'), validate('param', idParam), async (c) => {
    return ok(c, { locations: await organizationLocations(serviceContext(c)) })
  })
  .post('/:id/locations', allow('settings:manage'), validate('param', idParam), validate('json', locationInput), async (c) => {
    return ok(c, await createLocation(serviceContext(c), c.req.valid('json')), 201)
  })
  .patch('/:id/locations/:rowId', allow('settings:manage'), validate('param', rowParams), validate('json', locationPatch), async (c) => {
    return ok(c, await updateLocation(serviceContext(c), c.req.valid('param').rowId, c.req.valid('json')))
  })
  .delete('/:id/locations/:rowId', allow('settings:manage'), validate('param', rowParams), async (c) => {
    return ok(c, await deleteLocation(serviceContext(c), c.req.valid('param').rowId))
  })
