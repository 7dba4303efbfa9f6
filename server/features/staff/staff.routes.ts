import { Hono } from 'hono'
import { and, eq } from 'drizzle-orm'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { rowId, rowIdParam } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import { memberRoles, organizationMembers, roles, users } from '../../db/schema'
import { audit } from '../../audit'
import { ValidationError } from '../../errors'
import { idParam, name } from '../organizations/organizations.schemas'
import { createUser, email, findUserByEmail, password } from '../users/users.service'
import { grantRole, listRolesWithPermissions, roleInOrganization, systemRoleId } from '../roles/roles.service'
import { revokeMemberRole } from '../roles/role-holders.service'
import { SURFACE_PERMISSIONS } from '../../../shared/role-surfaces'
import { inviteAccount, membershipOf } from '../invitations/membership-invitations.service'

const staffRoleParams = z.object({
  id: rowIdParam,
  memberId: rowIdParam,
  roleId: rowIdParam,
})

// A system dashboard role by key, or any dashboard role of the organization (custom ones too) by id: exactly one.
const staffInput = z
  .object({
    name,
    email,
    password: password.optional(),
    role_key: z.enum(['admin', 'support', 'manager']).optional(),
    role_id: rowId.optional(),
  })
  .refine((v) => (v.role_key === undefined) !== (v.role_id === undefined), { message: 'Give role_key or role_id', path: ['role_key'] })

/** Dashboard users (admin, support, manager) of the active organization, and the role catalogue. */
export const staffRoutes = new Hono<AppEnv>()
  .get('/:id/roles', allow('settings:manage'), validate('param', idParam), async (c) => {
    return ok(c, {
      roles: await listRolesWithPermissions(c.get('deps').database.db, scoped(c).organizationId),
      // What a custom role may hold, by surface (shared/role-surfaces.ts).
      permission_catalogue: SURFACE_PERMISSIONS,
    })
  })
  .get('/:id/staff', allow('settings:manage'), validate('param', idParam), async (c) => {
    const p = scoped(c)
    const rows = await c
      .get('deps')
      .database
      .db
      .select({
        member_id: organizationMembers.id,
        user_id: users.id,
        name: users.name,
        email: users.email,
        status: organizationMembers.status,
        role_id: roles.id,
        role_key: roles.key,
        role_name: roles.name,
        // The last sign-in to THIS organization; the account's own last sign-in (maybe elsewhere) is not shown.
        last_sign_in_at: organizationMembers.lastSignInAt,
      })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .innerJoin(memberRoles, eq(memberRoles.organizationMemberId, organizationMembers.id))
      .innerJoin(roles, eq(roles.id, memberRoles.roleId))
      .where(and(eq(organizationMembers.organizationId, p.organizationId), eq(roles.surface, 'web')))
      .orderBy(users.name, roles.id)
    const staff = new Map<number, { member_id: number; user_id: number; name: string; email: string | null; status: string; last_sign_in_at: string | null; roles: { id: number; key: string; name: string }[] }>()
    for (const r of rows) {
      const s = staff.get(r.member_id) ?? {
        member_id: r.member_id,
        user_id: r.user_id,
        name: r.name,
        email: r.email,
        status: r.status,
        last_sign_in_at: r.last_sign_in_at?.toISOString() ?? null,
        roles: [],
      }
      s.roles.push({ id: r.role_id, key: r.role_key, name: r.role_name })
      staff.set(r.member_id, s)
    }
    return ok(c, { staff: [...staff.values()] })
  })
  .post('/:id/staff', allow('settings:manage'), validate('param', idParam), validate('json', staffInput), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const result = await c.get('deps').database.db.transaction(async (tx) => {
      const role = input.role_id !== undefined ? await roleInOrganization(tx, p.organizationId, input.role_id) : null
      if (role && role.surface !== 'web') {
        throw new ValidationError('Staff get a dashboard role', [{ path: 'role_id', message: 'Not a dashboard role' }], 'NOT_A_DASHBOARD_ROLE')
      }
      const roleId = role ? role.id : await systemRoleId(tx, input.role_key!)
      const roleKey = role ? role.key : input.role_key!
      let user = await findUserByEmail(tx, input.email)
      let membership: { id: number } | null | undefined = user ? await membershipOf(tx, p.organizationId, user.id) : null
      if (user && !membership) {
        // An account of its own (made in another organization): the person is invited and accepts on the dashboard
        // with their own password. Nothing of the account is shown or attached until then (202).
        const invitation = await inviteAccount(tx, { organizationId: p.organizationId, userId: user.id, kind: 'staff', roleId, name: input.name, email: input.email, createdBy: p.userId })
        await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'staff.invite_account', entityType: 'invitation', entityId: invitation.id, details: { name: invitation.name, role: roleKey, role_id: roleId, ...(role ? { role_name: role.name } : {}) }, ip: clientIp(c) })
        return { invitation }
      }
      if (!user) {
        if (!input.password) {
          throw new ValidationError('Set a password for the new account', [{ path: 'password', message: 'Required for a new account' }], 'PASSWORD_REQUIRED')
        }
        user = await createUser(tx, { name: input.name, email: input.email, password: input.password })
      }
      if (!membership) {
        ;[membership] = await tx
          .insert(organizationMembers)
          .values({ organizationId: p.organizationId, userId: user.id })
          .returning({ id: organizationMembers.id })
      }
      await grantRole(tx, p.organizationId, membership!.id, roleId)
      await audit(tx, {
        organizationId: p.organizationId,
        actorUserId: p.userId,
        action: 'staff.grant',
        entityType: 'user',
        entityId: user.id,
        details: { role: roleKey, role_id: roleId, ...(role ? { role_name: role.name } : {}) },
        ip: clientIp(c),
      })
      return { member: { member_id: membership!.id, user_id: user.id, name: user.name, email: user.email, role_key: roleKey, role_id: roleId } }
    })
    if (result.invitation) return c.json({ success: true as const, data: { invitation: result.invitation } }, 202)
    return ok(c, result.member, 201)
  })
  .delete('/:id/staff/:memberId/roles/:roleId', allow('settings:manage'), validate('param', staffRoleParams), async (c) => {
    const p = scoped(c)
    const { memberId, roleId } = c.req.valid('param')
    await c.get('deps').database.db.transaction(async (tx) => {
      // Only dashboard roles here; the last admin keeps theirs (LAST_ADMIN); the sessions using the role end.
      const { role } = await revokeMemberRole(tx, p.organizationId, memberId, roleId, 'web')
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'staff.revoke', entityType: 'member', entityId: memberId, details: { role: role.key, role_id: role.id, role_name: role.name }, ip: clientIp(c) })
    })
    return ok(c, {})
  })
