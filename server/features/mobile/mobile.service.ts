import { and, eq, or, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { memberRoles, organizationMembers, organizations, roles, rolePermissions, users } from '../../db/schema'
import type { DevicePrincipal, Principal } from '../../context'
import { ForbiddenError } from '../../errors'

export interface MobileRole {
  id: number
  key: string
  name: string
  /** Recording other people's attendance happens only on an enrolled tablet. */
  needsDevice: boolean
}

/** The mobile roles a membership holds. */
export async function mobileRoles(tx: Tx, memberId: number): Promise<MobileRole[]> {
  const rows = await tx
    .select({
      id: roles.id,
      key: roles.key,
      name: roles.name,
      needsDevice: sql<boolean>`exists (select 1 from ${rolePermissions} rp where rp.role_id = ${roles.id} and rp.permission = 'attendance:record:create')`,
    })
    .from(memberRoles)
    .innerJoin(roles, eq(roles.id, memberRoles.roleId))
    .where(and(eq(memberRoles.organizationMemberId, memberId), eq(roles.surface, 'mobile')))
    .orderBy(roles.id)
  return rows
}

/**
 * Picks the role a mobile sign-in gets: the one asked for, else petugas on an enrolled tablet of the organization,
 * else member. A petugas role is never granted away from an enrolled tablet of the same organization.
 */
export function chooseMobileRole(
  available: MobileRole[],
  organizationId: number,
  device: DevicePrincipal | null,
  wanted?: string,
): MobileRole {
  const onDevice = device !== null && device.organizationId === organizationId
  const usable = available.filter((r) => onDevice || !r.needsDevice)
  if (available.length === 0) throw new ForbiddenError('This account cannot use the Hadir app', 'NO_MOBILE_ACCESS')
  const pick = wanted
    ? usable.find((r) => r.key === wanted)
    : (usable.find((r) => onDevice && r.needsDevice) ?? usable[0])
  if (!pick) {
    throw new ForbiddenError('Petugas sign in on an enrolled tablet of their organization', 'DEVICE_REQUIRED')
  }
  return pick
}

/** Finds a membership by what a person types: member number, email or member id. */
export async function findMembershipByLogin(tx: Tx, organizationId: number, login: string) {
  const trimmed = login.trim()
  const asId = /^\d{1,9}$/.test(trimmed) ? Number(trimmed) : -1
  const [row] = await tx
    .select({ m: organizationMembers, userName: users.name })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(
      and(
        eq(organizationMembers.organizationId, organizationId),
        or(
          eq(organizationMembers.memberNumber, trimmed),
          eq(sql`lower(${users.email})`, trimmed.toLowerCase()),
          eq(organizationMembers.id, asId),
        ),
      ),
    )
    .orderBy(sql`case when ${organizationMembers.memberNumber} = ${trimmed} then 0 else 1 end`)
    .limit(1)
  return row ?? null
}

export async function describeMobileMe(tx: Tx, p: Principal) {
  const [row] = await tx
    .select({
      memberId: organizationMembers.id,
      name: users.name,
      phone: users.phone,
      memberNumber: organizationMembers.memberNumber,
      orgId: organizations.id,
      orgName: organizations.name,
      timezone: organizations.timezone,
    })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(eq(organizationMembers.id, p.memberId!))
  const [role] = await tx.select({ key: roles.key, name: roles.name }).from(roles).where(eq(roles.id, p.roleId!))
  return {
    member: { id: row!.memberId, name: row!.name, member_number: row!.memberNumber, phone: row!.phone },
    organization: { id: row!.orgId, name: row!.orgName, timezone: row!.timezone },
    role: role!,
    permissions: [...p.permissions].sort(),
    device: null as null | { id: number; name: string },
  }
}

/** PINs a stranger would try first. */
export function isTrivialPin(pin: string): boolean {
  if (/^(\d)\1{5}$/.test(pin)) return true
  const asc = '01234567890'
  const desc = '09876543210'
  return asc.includes(pin) || desc.includes(pin)
}
