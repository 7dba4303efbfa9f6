import { and, eq, isNull, lte, or, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { memberRoles, organizationMembers, organizations, roles, sessions, users } from '../../db/schema'
import type { AppDeps, Principal } from '../../context'
import { audit } from '../../audit'
import { LOCK_MINUTES, MAX_FAILED_ATTEMPTS } from '../../auth/rate-limit'
import { TooManyRequestsError } from '../../errors'
import { myInvitations } from '../invitations/membership-invitations.service'

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
 * A dashboard sign-in that passed: the account's failures reset, the session starts (`startSession`, which sets the
 * cookie, in the same transaction) and the sign-in is audited.
 */
export function completeDashboardLogin(deps: AppDeps, userId: number, ip: string, startSession: (tx: Tx) => Promise<void>): Promise<void> {
  return deps.database.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ failedLogins: 0, lockedUntil: null, lastLoginAt: new Date() })
      .where(eq(users.id, userId))
    await startSession(tx)
    await audit(tx, { organizationId: null, actorUserId: userId, action: 'auth.login', ip })
  })
}

/** The session works in this organization and role from now on. */
export async function enterOrganization(db: Tx, sessionTokenHash: string, organizationId: number, memberId: number, roleId: number): Promise<void> {
  await db
    .update(sessions)
    .set({ organizationId, organizationMemberId: memberId, roleId })
    .where(eq(sessions.tokenHash, sessionTokenHash))
  // Entering an organization is the sign-in its staff list shows (never the account's sign-ins elsewhere).
  await db.update(organizationMembers).set({ lastSignInAt: new Date() }).where(eq(organizationMembers.id, memberId))
}
