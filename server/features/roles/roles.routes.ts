import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgText, rowIdParam } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import { audit } from '../../audit'
import { PERMISSIONS } from '../../../shared/permissions'
import { createCustomRole, deleteCustomRole, updateCustomRole } from './roles.service'
import { grantMemberRole, listRoleHolders, revokeMemberRole } from './role-holders.service'

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
    const p = scoped(c)
    const input = c.req.valid('json')
    const role = await c.get('deps').database.db.transaction(async (tx) => {
      const created = await createCustomRole(tx, p.organizationId, input)
      await audit(tx, {
        organizationId: p.organizationId,
        actorUserId: p.userId,
        action: 'role.create',
        entityType: 'role',
        entityId: created.id,
        details: { name: created.name, surface: created.surface, permissions: created.permissions },
        ip: clientIp(c),
      })
      return created
    })
    return ok(c, role, 201)
  })
  .patch('/:id/roles/:roleId', allow('settings:manage'), validate('param', roleParams), validate('json', rolePatch), async (c) => {
    const p = scoped(c)
    const { roleId } = c.req.valid('param')
    const input = c.req.valid('json')
    const change = await c.get('deps').database.db.transaction(async (tx) => {
      const done = await updateCustomRole(tx, p.organizationId, roleId, input)
      await audit(tx, {
        organizationId: p.organizationId,
        actorUserId: p.userId,
        action: 'role.update',
        entityType: 'role',
        entityId: roleId,
        details: {
          name: done.after.name,
          ...(done.before.name !== done.after.name ? { previous_name: done.before.name } : {}),
          ...(done.added.length ? { added: done.added } : {}),
          ...(done.removed.length ? { removed: done.removed } : {}),
          ...(done.endedSessions ? { ended_sessions: done.endedSessions } : {}),
        },
        ip: clientIp(c),
      })
      return done
    })
    return ok(c, change.after)
  })
  .delete('/:id/roles/:roleId', allow('settings:manage'), validate('param', roleParams), async (c) => {
    const p = scoped(c)
    const { roleId } = c.req.valid('param')
    await c.get('deps').database.db.transaction(async (tx) => {
      const gone = await deleteCustomRole(tx, p.organizationId, roleId)
      await audit(tx, {
        organizationId: p.organizationId,
        actorUserId: p.userId,
        action: 'role.delete',
        entityType: 'role',
        entityId: roleId,
        details: { name: gone.name, surface: gone.surface, permissions: gone.permissions },
        ip: clientIp(c),
      })
    })
    return ok(c, {})
  })
  .get('/:id/roles/:roleId/holders', allow('settings:manage'), validate('param', roleParams), async (c) => {
    const p = scoped(c)
    const holders = await listRoleHolders(c.get('deps').database.db, p.organizationId, c.req.valid('param').roleId)
    return ok(c, { holders })
  })
  .put('/:id/members/:memberId/roles/:roleId', allow('settings:manage'), validate('param', memberRoleParams), async (c) => {
    const p = scoped(c)
    const { memberId, roleId } = c.req.valid('param')
    const result = await c.get('deps').database.db.transaction(async (tx) => {
      const granted = await grantMemberRole(tx, p.organizationId, memberId, roleId)
      if (granted.changed) {
        await audit(tx, {
          organizationId: p.organizationId,
          actorUserId: p.userId,
          action: 'role.grant',
          entityType: 'member',
          entityId: memberId,
          details: { role: granted.role.key, role_id: granted.role.id, role_name: granted.role.name, surface: granted.role.surface },
          ip: clientIp(c),
        })
      }
      return granted
    })
    return ok(c, { member_id: memberId, roles: result.roles })
  })
  .delete('/:id/members/:memberId/roles/:roleId', allow('settings:manage'), validate('param', memberRoleParams), async (c) => {
    const p = scoped(c)
    const { memberId, roleId } = c.req.valid('param')
    const result = await c.get('deps').database.db.transaction(async (tx) => {
      const revoked = await revokeMemberRole(tx, p.organizationId, memberId, roleId)
      await audit(tx, {
        organizationId: p.organizationId,
        actorUserId: p.userId,
        action: 'role.revoke',
        entityType: 'member',
        entityId: memberId,
        details: { role: revoked.role.key, role_id: revoked.role.id, role_name: revoked.role.name, surface: revoked.role.surface },
        ip: clientIp(c),
      })
      return revoked
    })
    return ok(c, { member_id: memberId, roles: result.roles })
  })
