// Who holds which role in an organization: listing a role's holders, giving and taking roles (the last admin stays).
import { and, count, eq, ne } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { memberRoles, organizationMembers, roles, sessions, users } from '../../db/schema'
import type { Surface } from '../../../shared/permissions'
import { ConflictError, NotFoundError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { roleInOrganization } from './roles.service'

export async function listRoleHolders(tx: Tx, organizationId: number, roleId: number) {
  await roleInOrganization(tx, organizationId, roleId)
  const rows = await tx
    .select({
      member_id: organizationMembers.id,
      user_id: users.id,
      name: users.name,
      email: users.email,
      member_number: organizationMembers.memberNumber,
      status: organizationMembers.status,
    })
    .from(memberRoles)
    .innerJoin(organizationMembers, eq(organizationMembers.id, memberRoles.organizationMemberId))
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(and(eq(memberRoles.organizationId, organizationId), eq(memberRoles.roleId, roleId)))
    .orderBy(users.name, organizationMembers.id)
  return rows
}

/** The membership, in this organization, or 404. */
async function membershipIn(tx: Tx, organizationId: number, memberId: number) {
  const [row] = await tx
    .select({ id: organizationMembers.id, userId: organizationMembers.userId, email: users.email, passwordHash: users.passwordHash, name: users.name })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, organizationId)))
  if (!row) throw new NotFoundError('Member')
  return row
}

export async function memberRoleList(tx: Tx, memberId: number) {
  return tx
    .select({ id: roles.id, key: roles.key, name: roles.name, surface: roles.surface })
    .from(memberRoles)
    .innerJoin(roles, eq(roles.id, memberRoles.roleId))
    .where(eq(memberRoles.organizationMemberId, memberId))
    .orderBy(roles.id)
}

/**
 * Gives a member of the organization a role (system or custom). A dashboard role needs a dashboard account (an email
 * and a password: add the person on the Staff page first), else 409 NO_DASHBOARD_ACCOUNT. Holding it already is fine.
 */
export async function grantMemberRole(tx: Tx, organizationId: number, memberId: number, roleId: number) {
  const member = await membershipIn(tx, organizationId, memberId)
  const role = await roleInOrganization(tx, organizationId, roleId)
  if (role.surface === 'web' && (!member.email || !member.passwordHash)) {
    throw new ConflictError('This person has no dashboard account (email and password); add them as staff instead', 'NO_DASHBOARD_ACCOUNT')
  }
  const inserted = await tx
    .insert(memberRoles)
    .values({ organizationId, organizationMemberId: memberId, roleId })
    .onConflictDoNothing()
    .returning({ roleId: memberRoles.roleId })
  return { member, role, changed: inserted.length > 0, roles: await memberRoleList(tx, memberId) }
}

/** An organization always keeps at least one active admin, so nobody locks everyone out (409 LAST_ADMIN). */
export async function assertNotLastAdmin(tx: Tx, organizationId: number, memberId: number, roleId: number): Promise<void> {
  const [others] = await tx
    .select({ n: count() })
    .from(memberRoles)
    .innerJoin(organizationMembers, eq(organizationMembers.id, memberRoles.organizationMemberId))
    .where(and(eq(memberRoles.organizationId, organizationId), eq(memberRoles.roleId, roleId), ne(memberRoles.organizationMemberId, memberId), eq(organizationMembers.status, 'active')))
  if (Number(others?.n ?? 0) === 0) throw new ConflictError('The organization needs at least one admin', 'LAST_ADMIN')
}

/**
 * Takes a role away; the sessions signed in with it end. The last active admin keeps the admin role (409 LAST_ADMIN),
 * and a mobile role that is the person's only role stays (409 LAST_ROLE: deactivate or delete the member instead,
 * otherwise they would vanish from the member list).
 */
export async function revokeMemberRole(tx: Tx, organizationId: number, memberId: number, roleId: number, only?: Surface) {
  const member = await membershipIn(tx, organizationId, memberId)
  const held = await memberRoleList(tx, memberId)
  const role = held.find((r) => r.id === roleId && (only === undefined || r.surface === only))
  if (!role) throw new NotFoundError('Role assignment')
  const [system] = await tx.select({ isSystem: roles.isSystem }).from(roles).where(eq(roles.id, roleId))
  if (system?.isSystem && role.key === 'admin') await assertNotLastAdmin(tx, organizationId, memberId, roleId)
  if (role.surface === 'mobile' && held.length === 1) {
    throw new ConflictError('This is the member’s only role; deactivate or delete the member instead', 'LAST_ROLE')
  }
  await tx.delete(memberRoles).where(and(eq(memberRoles.organizationMemberId, memberId), eq(memberRoles.roleId, roleId)))
  await tx.delete(sessions).where(and(eq(sessions.organizationMemberId, memberId), eq(sessions.roleId, roleId)))
  return { member, role, roles: held.filter((r) => r.id !== roleId) }
}

/** Who holds the role in the context's organization. */
export function roleHolders(ctx: ServiceContext, roleId: number) {
  return listRoleHolders(ctx.deps.database.db, ctx.organizationId, roleId)
}

/** Gives the member the role; a grant that changed something is audited. */
export function grantRoleTo(ctx: ServiceContext, memberId: number, roleId: number) {
  return transaction(ctx, async (tx) => {
    const granted = await grantMemberRole(tx, ctx.organizationId, memberId, roleId)
    if (granted.changed) {
      await auditBy(tx, ctx, { action: 'role.grant', entityType: 'member', entityId: memberId, details: { role: granted.role.key, role_id: granted.role.id, role_name: granted.role.name, surface: granted.role.surface } })
    }
    return granted
  })
}

/** Takes the role from the member (the last admin stays), audited. */
export function revokeRoleFrom(ctx: ServiceContext, memberId: number, roleId: number) {
  return transaction(ctx, async (tx) => {
    const revoked = await revokeMemberRole(tx, ctx.organizationId, memberId, roleId)
    await auditBy(tx, ctx, { action: 'role.revoke', entityType: 'member', entityId: memberId, details: { role: revoked.role.key, role_id: revoked.role.id, role_name: revoked.role.name, surface: revoked.role.surface } })
    return revoked
  })
}
