import { accountInvited } from '../notifications/triggers'
import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { idParam } from '../organizations/organizations.schemas'
import { organizationRoles } from '../roles/roles.service'
import { SURFACE_PERMISSIONS } from '../../../shared/role-surfaces'
import { staffInput, staffRoleParams } from './staff.schemas'
import { addStaff, listStaff, revokeStaffRole } from './staff.service'

/** Dashboard users (admin, support, manager) of the active organization, and the role catalogue. */
export const staffRoutes = new Hono<AppEnv>()
  .get('/:id/roles', allow('settings:manage'), validate('param', idParam), async (c) => {
    return ok(c, {
      roles: await organizationRoles(serviceContext(c)),
      // What a custom role may hold, by surface (shared/role-surfaces.ts).
      permission_catalogue: SURFACE_PERMISSIONS,
    })
  })
  .get('/:id/staff', allow('settings:manage'), validate('param', idParam), async (c) => {
    return ok(c, { staff: await listStaff(serviceContext(c)) })
  })
  .post('/:id/staff', allow('settings:manage'), validate('param', idParam), validate('json', staffInput), async (c) => {
    const result = await addStaff(serviceContext(c), c.req.valid('json'))
    if (result.invitation) await accountInvited(c.get('deps'), scoped(c).organizationId, result.invitation, new URL(c.req.url).origin)
    if (result.invitation) return c.json({ success: true as const, data: { invitation: result.invitation } }, 202)
    return ok(c, result.member, 201)
  })
  .delete('/:id/staff/:memberId/roles/:roleId', allow('settings:manage'), validate('param', staffRoleParams), async (c) => {
    const { memberId, roleId } = c.req.valid('param')
    await revokeStaffRole(serviceContext(c), memberId, roleId)
    return ok(c, {})
  })
