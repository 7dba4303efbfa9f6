import { and, eq } from 'drizzle-orm'
import type { z } from 'zod'
import { memberRoles, organizationMembers, roles, users } from '../../db/schema'
import { ValidationError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { createUser, findUserByEmail } from '../users/users.service'
import { grantRole, roleInOrganization, systemRoleId } from '../roles/roles.service'
import { revokeMemberRole } from '../roles/role-holders.service'
import { inviteAccount, membershipOf } from '../invitations/membership-invitations.service'
import type { staffInput } from './staff.schemas'

interface StaffView {
  member_id: number
  user_id: number
  name: string
  email: string | null
  status: string
  last_sign_in_at: string | null
  roles: { id: number; key: string; name: string }[]
}

/** The organization's dashboard users, each with their dashboard roles, by name. */
export async function listStaff(ctx: ServiceContext): Promise<StaffView[]> {
  const rows = await ctx.deps.database.db
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
    .where(and(eq(organizationMembers.organizationId, ctx.organizationId), eq(roles.surface, 'web')))
    .orderBy(users.name, roles.id)
  const staff = new Map<number, StaffView>()
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
  return [...staff.values()]
}

/**
 * Gives a person a dashboard role: a new account (with the password given), or a person already in the organization.
 * An account of another organization is invited instead (`invitation`), and nothing of it is attached until it accepts.
 */
export function addStaff(ctx: ServiceContext, input: z.infer<typeof staffInput>) {
  return transaction(ctx, async (tx) => {
    const role = input.role_id !== undefined ? await roleInOrganization(tx, ctx.organizationId, input.role_id) : null
    if (role && role.surface !== 'web') {
      throw new ValidationError('Staff get a dashboard role', [{ path: 'role_id', message: 'Not a dashboard role' }], 'NOT_A_DASHBOARD_ROLE')
    }
    const roleId = role ? role.id : await systemRoleId(tx, input.role_key!)
    const roleKey = role ? role.key : input.role_key!
    let user = await findUserByEmail(tx, input.email)
    let membership: { id: number } | null | undefined = user ? await membershipOf(tx, ctx.organizationId, user.id) : null
    if (user && !membership) {
      // An account of its own (made in another organization): the person is invited and accepts on the dashboard
      // with their own password. Nothing of the account is shown or attached until then (202).
      const invitation = await inviteAccount(tx, { organizationId: ctx.organizationId, userId: user.id, kind: 'staff', roleId, name: input.name, email: input.email, createdBy: ctx.userId })
      await auditBy(tx, ctx, { action: 'staff.invite_account', entityType: 'invitation', entityId: invitation.id, details: { name: invitation.name, role: roleKey, role_id: roleId, ...(role ? { role_name: role.name } : {}) } })
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
        .values({ organizationId: ctx.organizationId, userId: user.id })
        .returning({ id: organizationMembers.id })
    }
    await grantRole(tx, ctx.organizationId, membership!.id, roleId)
    await auditBy(tx, ctx, {
      action: 'staff.grant',
      entityType: 'user',
      entityId: user.id,
      details: { role: roleKey, role_id: roleId, ...(role ? { role_name: role.name } : {}) },
    })
    return { member: { member_id: membership!.id, user_id: user.id, name: user.name, email: user.email, role_key: roleKey, role_id: roleId } }
  })
}

/** Takes a dashboard role away; the last admin keeps theirs (LAST_ADMIN); the sessions using the role end. */
export function revokeStaffRole(ctx: ServiceContext, memberId: number, roleId: number) {
  return transaction(ctx, async (tx) => {
    const { role } = await revokeMemberRole(tx, ctx.organizationId, memberId, roleId, 'web')
    await auditBy(tx, ctx, { action: 'staff.revoke', entityType: 'member', entityId: memberId, details: { role: role.key, role_id: role.id, role_name: role.name } })
  })
}
