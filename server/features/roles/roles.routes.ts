import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgText, rowIdParam } from '../../../shared/validation'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { PERMISSIONS } from '../../../shared/permissions'
import { createRole, deleteRole, updateRole } from './roles.service'
import { grantRoleTo, revokeRoleFrom, roleHolders } from './role-holders.service'

const roleParams = z.object({ id: rowIdParam, roleId: rowIdParam })
const memberRoleParams = roleParams.extend({ memberId: rowIdParam })

const permissionList = z
  .array(z.enum(PERMISSIONS))
  .min(1, 'Choose at least one permission')
  .max(PERMISSIONS.length)

const roleName = pgText(60, { trim: true, min: 1, minMessage: 'Required' })

const roleInput = z.object({ name: roleName, surface: z.enum(['web', 'mobile']), permissions: permissionList }).strict()
// The surface of a role never changes: its holders signed in on that surface.
const rolePatch = z
  .object({ name: roleName.optional(), permissions: permissionList.optional() })
  .strict()
  .refine((v) => v.name !== undefined || v.permissions !== undefined, { message: 'Nothing to change', path: ['name'] })

/**
 * Custom roles of the active organization and who holds which role (mounted at /api/organizations). Listing the roles
 * is GET /:id/roles (staff routes).
 */
export const roleAdminRoutes = new Hono<AppEnv>()
  .post('/:id/roles', allow('settings:manage'), validate('param', roleParams.pick({ id: true })), validate('json', roleInput), async (c) => {
    return ok(c, await createRole(serviceContext(c), c.req.valid('json')), 201)
  })
  .patch('/:id/roles/:roleId', allow('settings:manage'), validate('param', roleParams), validate('json', rolePatch), async (c) => {
    const change = await updateRole(serviceContext(c), c.req.valid('param').roleId, c.req.valid('json'))
    return ok(c, change.after)
  })
  .delete('/:id/roles/:roleId', allow('settings:manage'), validate('param', roleParams), async (c) => {
    await deleteRole(serviceContext(c), c.req.valid('param').roleId)
    return ok(c, {})
  })
  .get('/:id/roles/:roleId/holders', allow('settings:manage'), validate('param', roleParams), async (c) => {
    const holders = await roleHolders(serviceContext(c), c.req.valid('param').roleId)
    return ok(c, { holders })
  })
  .put('/:id/members/:memberId/roles/:roleId', allow('settings:manage'), validate('param', memberRoleParams), async (c) => {
    const { memberId, roleId } = c.req.valid('param')
    const result = await grantRoleTo(serviceContext(c), memberId, roleId)
    return ok(c, { member_id: memberId, roles: result.roles })
  })
  .delete('/:id/members/:memberId/roles/:roleId', allow('settings:manage'), validate('param', memberRoleParams), async (c) => {
    const { memberId, roleId } = c.req.valid('param')
    const result = await revokeRoleFrom(serviceContext(c), memberId, roleId)
    return ok(c, { member_id: memberId, roles: result.roles })
  })
