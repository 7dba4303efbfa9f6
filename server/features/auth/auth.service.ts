import { and, eq, isNull, lte, or, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { memberRoles, organizationMembers, organizations, roles, sessions, users } from '../../db/schema'
import type { Principal } from '../../context'
import { verifySecret } from '../../auth/crypto'
import { LOCK_MINUTES, MAX_FAILED_ATTEMPTS } from '../../auth/rate-limit'
import { ForbiddenError, NotFoundError, TooManyRequestsError, UnauthenticatedError, ValidationError } from '../../errors'
import { auditAs, type CallerContext } from '../../lib/service-context'
import { expandPermissions } from '../../../shared/permissions'
import { myInvitations } from '../invitations/membership-invitations.service'
import { permissionsOfRole } from '../roles/roles.service'
import { findUserByEmail } from '../users/users.service'

export interface DashboardMembership {
  id: number
  name: string
  member_id: number
  roles: { id: number; key: string; name: string }[]
}

/** The organizations where a user holds a dashboard role, with those roles. */
export async function dashboardMemberships(tx: Tx, userId: number): Promise<DashboardMembership[]> {
  const rows = await tx
    .select({
      orgId: organizations.id,
      orgName: organizations.name,
      memberId: organizationMembers.id,
      roleId: roles.id,
      roleKey: roles.key,
      roleName: roles.name,
    })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .innerJoin(memberRoles, eq(memberRoles.organizationMemberId, organizationMembers.id))
    .innerJoin(roles, eq(roles.id, memberRoles.roleId))
    .where(and(eq(organizationMembers.userId, userId), eq(organizationMembers.status, 'active'), eq(roles.surface, 'web')))
    .orderBy(organizations.name, organizations.id, roles.id)
  const byOrg = new Map<number, DashboardMembership>()
  for (const r of rows) {
    const entry = byOrg.get(r.orgId) ?? { id: r.orgId, name: r.orgName, member_id: r.memberId, roles: [] }
    entry.roles.push({ id: r.roleId, key: r.roleKey, name: r.roleName })
    byOrg.set(r.orgId, entry)
  }
  return [...byOrg.values()]
}

export async function describeMe(tx: Tx, principal: Principal) {
  const [user] = await tx
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(eq(users.id, principal.userId))
  const memberships = await dashboardMemberships(tx, principal.userId)
  let active = null
  if (principal.organizationId !== null && principal.roleId !== null) {
    const org = memberships.find((m) => m.id === principal.organizationId)
    const role = org?.roles.find((r) => r.id === principal.roleId)
    const [orgRow] = await tx
      .select({ id: organizations.id, name: organizations.name, timezone: organizations.timezone })
      .from(organizations)
      .where(eq(organizations.id, principal.organizationId))
    if (org && role && orgRow) {
      active = { organization: orgRow, role, permissions: [...principal.permissions].sort() }
    }
  }
  return {
    user: user!,
    organizations: memberships.map(({ id, name, roles }) => ({ id, name, roles })),
    active,
    /** Organizations that invited this account and wait for an answer (accept/decline on the organization choice). */
    invitations: await myInvitations(tx, principal.userId),
  }
}

/** Refuses a locked account or membership with 429 and how long to wait. */
export function assertNotLocked(lockedUntil: Date | null, now = new Date()): void {
  if (lockedUntil && lockedUntil > now) {
    const seconds = Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000)
    throw new TooManyRequestsError(
      `Too many wrong attempts. Try again in ${Math.ceil(seconds / 60)} minute(s).`,
      'ACCOUNT_LOCKED',
      seconds,
    )
  }
}

/** After a wrong password/PIN: the new failure count and, at the limit, the lock expiry. */
export function nextFailure(failures: number, now = new Date()): { failures: number; lockedUntil: Date | null } {
  const next = failures + 1
  if (next >= MAX_FAILED_ATTEMPTS) return { failures: 0, lockedUntil: new Date(now.getTime() + LOCK_MINUTES * 60_000) }
  return { failures: next, lockedUntil: null }
}

/**
 * Takes one sign-in attempt from an account's allowance BEFORE its password or PIN is checked, in one atomic UPDATE.
 * Counting after the check let concurrent guesses all read the same count and never lock the account (20 parallel
 * wrong PINs were 20 free guesses); now at most MAX_FAILED_ATTEMPTS checks run per lock period however many requests
 * arrive at once. Throws 429 ACCOUNT_LOCKED when the account is locked or this attempt is over the allowance.
 * `succeeded()` clears the count; `failed()` locks the account on the last allowed try (and throws 429).
 */
export async function claimAttempt(db: Tx, account: { kind: 'user' | 'member'; id: number }, now = new Date()) {
  const counter = account.kind === 'user' ? userCounter(db, account.id) : memberCounter(db, account.id)
  const claimed = await counter.increment(now)
  const lock = async () => {
    const until = new Date(now.getTime() + LOCK_MINUTES * 60_000)
    await counter.write(0, until)
    assertNotLocked(until, now)
  }
  if (claimed === null) {
    assertNotLocked((await counter.lockedUntil()) ?? new Date(now.getTime() + 1000), now)
    throw new TooManyRequestsError('Too many wrong attempts. Try again later.', 'ACCOUNT_LOCKED', 1)
  }
  if (claimed > MAX_FAILED_ATTEMPTS) await lock()
  return {
    succeeded: () => counter.write(0, null),
    failed: async () => {
      if (claimed >= MAX_FAILED_ATTEMPTS) await lock()
    },
  }
}

function userCounter(db: Tx, id: number) {
  return {
    increment: async (now: Date) => {
      const [row] = await db
        .update(users)
        .set({ failedLogins: sql`${users.failedLogins} + 1` })
        .where(and(eq(users.id, id), or(isNull(users.lockedUntil), lte(users.lockedUntil, now))))
        .returning({ count: users.failedLogins })
      return row ? row.count : null
    },
    write: async (count: number, until: Date | null) => {
      await db.update(users).set({ failedLogins: count, lockedUntil: until }).where(eq(users.id, id))
    },
    lockedUntil: async () => (await db.select({ until: users.lockedUntil }).from(users).where(eq(users.id, id)))[0]?.until ?? null,
  }
}

function memberCounter(db: Tx, id: number) {
  const m = organizationMembers
  return {
    increment: async (now: Date) => {
      const [row] = await db
        .update(m)
        .set({ failedPins: sql`${m.failedPins} + 1` })
        .where(and(eq(m.id, id), or(isNull(m.pinLockedUntil), lte(m.pinLockedUntil, now))))
        .returning({ count: m.failedPins })
      return row ? row.count : null
    },
    write: async (count: number, until: Date | null) => {
      await db.update(m).set({ failedPins: count, pinLockedUntil: until }).where(eq(m.id, id))
    },
    lockedUntil: async () => (await db.select({ until: m.pinLockedUntil }).from(m).where(eq(m.id, id)))[0]?.until ?? null,
  }
}

/**
 * Dashboard sign-in (spec "Website Authentication"): email and password, the attempt counted before the password is
 * checked (parallel guesses cannot outrun the lock). A sign-in that passes resets the account's failures, starts the
 * session (`startSession`, which sets the cookie, in the same transaction) and is audited; the answer is GET /me's.
 */
export async function signInToDashboard(ctx: CallerContext, input: { email: string; password: string }, startSession: (tx: Tx, userId: number) => Promise<void>) {
  const { db } = ctx.deps.database
  const user = input.email.includes('@') ? await findUserByEmail(db, input.email) : null
  const attempt = user ? await claimAttempt(db, { kind: 'user', id: user.id }) : null
  const valid = await verifySecret(input.password, user?.passwordHash)
  const memberships = user ? await dashboardMemberships(db, user.id) : []
  if (!user || !valid) {
    // A wrong password for a known account is an attack on every organization whose dashboard it opens: it is in each
    // one's audit log (an unknown email belongs to no organization and stays unlogged). A sign-in that works is
    // logged in the organization the session enters (chooseOrganization): no organization learns of work elsewhere.
    const orgs = memberships.length > 0 ? memberships.map((m) => m.id) : [null]
    if (user) for (const organizationId of orgs) await auditAs(db, { ...ctx, userId: user.id }, { organizationId, action: 'auth.login_failed', entityType: 'user', entityId: user.id })
    await attempt?.failed()
    throw new UnauthenticatedError('Wrong email or password', 'INVALID_CREDENTIALS')
  }
  await attempt?.succeeded()
  // Someone invited to an organization signs in to answer the invitation, even with no dashboard role yet.
  if (memberships.length === 0 && (await myInvitations(db, user.id)).length === 0) {
    throw new ForbiddenError('This account cannot use the dashboard. Members and petugas use the Hadir app.', 'NO_DASHBOARD_ACCESS')
  }
  await db.transaction(async (tx) => {
    await tx.update(users).set({ failedLogins: 0, lockedUntil: null, lastLoginAt: new Date() }).where(eq(users.id, user.id))
    await startSession(tx, user.id)
    await auditAs(tx, { ...ctx, userId: user.id }, { organizationId: null, action: 'auth.login' })
  })
  const principal: Principal = {
    sessionId: 0,
    kind: 'web',
    userId: user.id,
    userName: user.name,
    organizationId: null,
    memberId: null,
    roleId: null,
    roleKey: null,
    deviceId: null,
    permissions: new Set(),
  }
  return describeMe(db, principal)
}

/**
 * The signed-in person chooses the organization (and role, when they hold several there) the session works in from
 * now on; the answer is GET /me's for the new choice.
 */
export async function chooseOrganization(ctx: CallerContext, principal: Principal, sessionTokenHash: string, input: { organization_id: number; role_id?: number }) {
  const { db } = ctx.deps.database
  const membership = (await dashboardMemberships(db, principal.userId)).find((m) => m.id === input.organization_id)
  if (!membership) throw new NotFoundError('Organization')
  let role = membership.roles.find((r) => r.id === input.role_id)
  if (input.role_id === undefined) {
    if (membership.roles.length !== 1) throw new ValidationError('Choose a role', { roles: membership.roles }, 'ROLE_REQUIRED')
    role = membership.roles[0]
  }
  if (!role) throw new NotFoundError('Role')
  await enterOrganization(db, sessionTokenHash, input.organization_id, membership.member_id, role.id)
  // The dashboard sign-in as this organization sees it: the session entering it (never the account's work elsewhere).
  await auditAs(db, { ...ctx, userId: principal.userId }, { organizationId: input.organization_id, action: 'auth.login', entityType: 'user', entityId: principal.userId, details: { role: role.key } })
  const next: Principal = {
    ...principal,
    organizationId: input.organization_id,
    memberId: membership.member_id,
    roleId: role.id,
    roleKey: role.key,
    permissions: expandPermissions(await permissionsOfRole(db, role.id)),
  }
  return describeMe(db, next)
}

/** The session works in this organization and role from now on. */
async function enterOrganization(db: Tx, sessionTokenHash: string, organizationId: number, memberId: number, roleId: number): Promise<void> {
  await db
    .update(sessions)
    .set({ organizationId, organizationMemberId: memberId, roleId })
    .where(eq(sessions.tokenHash, sessionTokenHash))
  // Entering an organization is the sign-in its staff list shows (never the account's sign-ins elsewhere).
  await db.update(organizationMembers).set({ lastSignInAt: new Date() }).where(eq(organizationMembers.id, memberId))
}
