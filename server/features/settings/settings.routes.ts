import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { idParam } from '../organizations/organizations.schemas'
import { settingsPatch } from './settings.schemas'
import { updateSettings } from './settings.service'

/** The organization's settings (mounted at /api/organizations): face matching, geofence, offline and photo rules. */
export const settingsRoutes = new Hono<AppEnv>().patch('/:id/settings', allow('settings:manage'), validate('param', idParam), validate('json', settingsPatch), async (c) => {
  return ok(c, await updateSettings(serviceContext(c), c.req.valid('json')))
})
