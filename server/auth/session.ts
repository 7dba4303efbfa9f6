import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { and, eq, gt } from 'drizzle-orm'
import type { AppEnv, Principal } from '../context'
import type { Tx } from '../db/client'
import { devices, memberRoles, organizationMembers, roles, sessions, users } from '../db/schema'
import { hashToken, randomToken } from './crypto'
import { expandPermissions } from '../../shared/permissions'
import { permissionsOfRole } from '../features/roles/roles.service'

const HOUR = 60 * 60 * 1000
/** Dashboard sessions slide: 12 hours after the last request. Mobile ones last long: phones and kiosks stay signed in. */
export const SESSION_TTL = { web: 12 * HOUR, mobile: 30 * 24 * HOUR } as const
const TOUCH_EVERY = 5 * 60 * 1000

export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-hadir_session' : 'hadir_session'
}
export function deviceCookieName(secure: boolean): string {
  return secure ? '__Host-hadir_device' : 'hadir_device'
}

export interface NewSession {
  kind: 'web' | 'mobile'
  userId: number
  organizationId?: number | null
  memberId?: number | null
  roleId?: number | null
  deviceId?: number | null
}

export async function createSession(c: Context<AppEnv>, tx: Tx, input: NewSession): Promise<void> {
  const { secret, options } = c.get('deps')
  const token = randomToken()
  const ttl = SESSION_TTL[input.kind]
  // A sign-in always starts a new session: whatever session cookie the browser brought (an earlier sign-in, or one
  // planted by someone else) is ended, never carried over.
  const previous = sessionTokenHash(c)
  if (previous) await tx.delete(sessions).where(eq(sessions.tokenHash, previous))
  await tx.insert(sessions).values({
    tokenHash: hashToken(secret, token),
    kind: input.kind,
    userId: input.userId,
    organizationId: input.organizationId ?? null,
    organizationMemberId: input.memberId ?? null,
    roleId: input.roleId ?? null,
    deviceId: input.deviceId ?? null,
    expiresAt: new Date(Date.now() + ttl),
    userAgent: c.req.header('user-agent')?.slice(0, 300) ?? null,
  })
  setCookie(c, sessionCookieName(options.secureCookies), token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: options.secureCookies,
    path: '/',
    maxAge: Math.floor(ttl / 1000),
  })
}

export function sessionTokenHash(c: Context<AppEnv>): string | null {
  const { secret, options } = c.get('deps')
  const token = getCookie(c, sessionCookieName(options.secureCookies))
  return token ? hashToken(secret, token) : null
}

/** Ends the caller's session (if any) and clears the cookie. */
export async function destroySession(c: Context<AppEnv>): Promise<void> {
  const { database, options } = c.get('deps')
  const hash = sessionTokenHash(c)
  if (hash) await database.db.delete(sessions).where(eq(sessions.tokenHash, hash))
  deleteCookie(c, sessionCookieName(options.secureCookies), { path: '/', secure: options.secureCookies })
}

/**
 * Resolves the session cookie into a principal, or null. A session stops working the moment it expires, its member
 * is deactivated, or its device is revoked.
 */
export async function loadPrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  const hash = sessionTokenHash(c)
  if (!hash) return null
  const { db } = c.get('deps').database
  const now = new Date()
  const [row] = await db
    .select({
      session: sessions,
      userName: users.name,
      roleKey: roles.key,
      memberStatus: organizationMembers.status,
      deviceRevokedAt: devices.revokedAt,
      heldRole: memberRoles.roleId,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(roles, eq(roles.id, sessions.roleId))
    .leftJoin(organizationMembers, eq(organizationMembers.id, sessions.organizationMemberId))
    .leftJoin(devices, eq(devices.id, sessions.deviceId))
    .leftJoin(
      memberRoles,
      and(eq(memberRoles.organizationMemberId, sessions.organizationMemberId), eq(memberRoles.roleId, sessions.roleId)),
    )
    .where(and(eq(sessions.tokenHash, hash), gt(sessions.expiresAt, now)))
  if (!row) return null
  const s = row.session
  if (s.organizationMemberId && row.memberStatus !== 'active') return null
  if (s.deviceId && row.deviceRevokedAt) return null
  // A role taken away ends the sessions that use it.
  if (s.roleId && row.heldRole === null) return null

  if (now.getTime() - s.lastSeenAt.getTime() > TOUCH_EVERY) {
    const expiresAt = s.kind === 'web' ? new Date(now.getTime() + SESSION_TTL.web) : s.expiresAt
    await db.update(sessions).set({ lastSeenAt: now, expiresAt }).where(eq(sessions.id, s.id))
  }
  const granted = s.roleId ? await permissionsOfRole(db, s.roleId) : []
  return {
    sessionId: s.id,
    kind: s.kind,
    userId: s.userId,
    userName: row.userName,
    organizationId: s.organizationId,
    memberId: s.organizationMemberId,
    roleId: s.roleId,
    roleKey: row.roleKey,
    deviceId: s.deviceId,
    permissions: expandPermissions(granted),
  }
}
