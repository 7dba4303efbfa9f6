import { and, eq, gt, isNull, or, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { devices, invitations, memberRoles, organizationMembers, organizations, roles, rolePermissions, users } from '../../db/schema'
import type { AppDeps, DevicePrincipal, Principal } from '../../context'
import { audit, type AuditEntry } from '../../audit'
import { hashToken, normalizeCode } from '../../auth/crypto'
import { ForbiddenError, NotFoundError } from '../../errors'
import { announceRenames, dropMemberNames } from '../faces/faces.names'

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

/**
 * The organization a person names by its code (its short name, the slug): what the dashboard shows and the sign-in link
 * carries. Typed by hand, so case, spaces and a pasted sign-in address are forgiven.
 */
export async function organizationIdByCode(tx: Tx, typed: string): Promise<number | null> {
  const code = typed.trim().toLowerCase().replace(/^.*[?&]org=/, '').replace(/[&#].*$/, '').replace(/\s+/g, '-')
  if (!code) return null
  const [row] = await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, code)).limit(1)
  return row?.id ?? null
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

export type MemberRow = typeof organizationMembers.$inferSelect

/** An open invitation by its code (unused, unexpired, of an active member), else 404 INVITATION_INVALID. */
export async function findInvitation(tx: Tx, secret: string, code: string) {
  const [row] = await tx
    .select({ inv: invitations, orgName: organizations.name, memberName: users.name, status: organizationMembers.status })
    .from(invitations)
    .innerJoin(organizationMembers, eq(organizationMembers.id, invitations.organizationMemberId))
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
    .where(
      and(
        eq(invitations.codeHash, hashToken(secret, normalizeCode(code))),
        isNull(invitations.usedAt),
        gt(invitations.expiresAt, new Date()),
      ),
    )
  if (!row || row.status !== 'active') {
    throw new NotFoundError('Invitation', 'INVITATION_INVALID')
  }
  return row
}

export interface Redemption {
  code: string
  pinHash: string
  device: DevicePrincipal | null
  role?: string
  ip: string
}

/**
 * Redeems an invitation: the member's PIN is set and the invitation used, then `signIn` starts the session in the same
 * transaction with the mobile role chosen for this device.
 */
export function redeemInvitation<T>(deps: AppDeps, input: Redemption, signIn: (tx: Tx, m: MemberRow, role: MobileRole) => Promise<T>): Promise<T> {
  return deps.database.db.transaction(async (tx) => {
    const inv = await findInvitation(tx, deps.secret, input.code)
    const [m] = await tx.select().from(organizationMembers).where(eq(organizationMembers.id, inv.inv.organizationMemberId))
    const role = chooseMobileRole(await mobileRoles(tx, m!.id), m!.organizationId, input.device, input.role)
    // The claim is atomic: of two concurrent redemptions exactly one marks the invitation used.
    const [claimed] = await tx
      .update(invitations)
      .set({ usedAt: new Date() })
      .where(and(eq(invitations.id, inv.inv.id), isNull(invitations.usedAt)))
      .returning({ id: invitations.id })
    if (!claimed) throw new NotFoundError('Invitation', 'INVITATION_INVALID')
    await tx
      .update(organizationMembers)
      .set({ pinHash: input.pinHash, failedPins: 0, pinLockedUntil: null, lastSignInAt: new Date(), updatedAt: new Date() })
      .where(eq(organizationMembers.id, m!.id))
    await audit(tx, { organizationId: m!.organizationId, actorUserId: m!.userId, action: 'member.pin_set', entityType: 'member', entityId: m!.id, ip: input.ip })
    return signIn(tx, m!, role)
  })
}

/** A membership of the organization by id (any status: the caller decides what an inactive one gets). */
export async function findMember(tx: Tx, organizationId: number, memberId: number): Promise<MemberRow | null> {
  const [m] = await tx
    .select()
    .from(organizationMembers)
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, organizationId)))
  return m ?? null
}

/** A sign-in that passed (PIN or face): the member's failures reset, audited as `entry`, then `signIn` in the same transaction. */
export function completeMobileSignIn<T>(deps: AppDeps, memberId: number, entry: AuditEntry, signIn: (tx: Tx) => Promise<T>): Promise<T> {
  return deps.database.db.transaction(async (tx) => {
    await tx.update(organizationMembers).set({ failedPins: 0, pinLockedUntil: null, lastSignInAt: new Date() }).where(eq(organizationMembers.id, memberId))
    await audit(tx, entry)
    return signIn(tx)
  })
}

/** The tablet a petugas session runs on. */
export async function sessionDevice(tx: Tx, deviceId: number): Promise<{ id: number; name: string } | null> {
  const [d] = await tx.select({ id: devices.id, name: devices.name }).from(devices).where(eq(devices.id, deviceId))
  return d ?? null
}

/** A member edits their own profile: the name and phone are theirs, in every organization they belong to. */
export async function updateOwnProfile(deps: AppDeps, p: Principal, input: { name?: string; phone?: string | null }, ip: string): Promise<void> {
  const renamedIn = await deps.database.db.transaction(async (tx) => {
    await tx.update(users).set({ name: input.name, phone: input.phone, updatedAt: new Date() }).where(eq(users.id, p.userId))
    await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'member.profile_update', entityType: 'member', entityId: p.memberId ?? undefined, details: { fields: Object.keys(input) }, ip })
    return input.name !== undefined ? announceRenames(tx, [p.userId]) : []
  })
  // Every kiosk names them anew at their next match, in each of their organizations.
  dropMemberNames(deps, renamedIn)
}
