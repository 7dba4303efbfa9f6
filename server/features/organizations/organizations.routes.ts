import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { activeOrganization, addOrganization, presentOrganization, updateOrganization } from './organizations.service'
import { idParam, organizationInput, organizationPatch } from './organizations.schemas'

export const organizationRoutes = new Hono<AppEnv>()
  .post('/', allow('settings:manage'), validate('json', organizationInput), async (c) => {
    const org = await addOrganization(serviceContext(c), c.req.valid('json'))
    return ok(c, presentOrganization(org), 201)
  })
  .get('/:id', allow('attendance:record:view'), validate('param', idParam), async (c) => {
    const org = await activeOrganization(serviceContext(c))
    return ok(c, presentOrganization(org))
  })
  .patch('/:id', allow('settings:manage'), validate('param', idParam), validate('json', organizationPatch), async (c) => {
    const org = await updateOrganization(serviceContext(c), c.req.valid('json'))
    return ok(c, presentOrganization(org!))
  })
