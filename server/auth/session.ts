import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { and, eq, gt, isNull, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import type { AppEnv, DevicePrincipal, Principal } from '../context'
import type { Db, Tx } from '../db/client'
import { devices, memberRoles, organizationMembers, rolePermissions, roles, sessions, users } from '../db/schema'
import { hashToken, randomToken } from './crypto'
import { expandPermissions } from '../../shared/permissions'
import { bearerOf, tokenPrincipal } from '../features/tokens/tokens.auth'

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

export interface Caller {
  /** The enrolled, unrevoked tablet of the `hadir_device` cookie, or null. */
  device: DevicePrincipal | null
  /** The signed-in person of the session cookie, or null. */
  principal: Principal | null
}

/** Each request's credentials, resolved once (loadDevice and loadPrincipal both ask for them). */
const callers = new WeakMap<Context<AppEnv>, Promise<Caller>>()

/**
 * The caller's tablet and session, checked afresh on every request in ONE SQL statement (no cache: a revoked device,
 * a signed-out or deleted session, a deactivated member or a role taken away stop working at once, on every server
 * instance). The statement joins what the checks need: the device of the device cookie; the session with its user,
 * role, membership, the session's device and the role still held; and the role's permissions.
 */
export function loadCaller(c: Context<AppEnv>): Promise<Caller> {
  let caller = callers.get(c)
  if (!caller) {
    caller = resolveCaller(c)
    callers.set(c, caller)
  }
  return caller
}

const sessionDevice = alias(devices, 'session_device')

/**
 * The statement, prepared once per database: a plain query of seven tables would be planned afresh on every request
 * (the drivers do not prepare by default), which costs PostgreSQL more than running it.
 */
function callerStatement(db: Db) {
  return db
    .select({
      device: { id: devices.id, name: devices.name, organizationId: devices.organizationId, lastSeenAt: devices.lastSeenAt },
      session: sessions,
      userName: users.name,
      roleKey: roles.key,
      memberStatus: organizationMembers.status,
      deviceRevokedAt: sessionDevice.revokedAt,
      heldRole: memberRoles.roleId,
      permissions: sql<string | null>`(select string_agg(${rolePermissions.permission}, ',') from ${rolePermissions} where ${rolePermissions.roleId} = ${sessions.roleId})`,
    })
    .from(sql`(select 1) as caller`)
    .leftJoin(devices, and(eq(devices.tokenHash, sql.placeholder('deviceHash')), isNull(devices.revokedAt)))
    .leftJoin(sessions, and(eq(sessions.tokenHash, sql.placeholder('sessionHash')), gt(sessions.expiresAt, sql.placeholder('now'))))
    .leftJoin(users, eq(users.id, sessions.userId))
    .leftJoin(roles, eq(roles.id, sessions.roleId))
    .leftJoin(organizationMembers, eq(organizationMembers.id, sessions.organizationMemberId))
    .leftJoin(sessionDevice, eq(sessionDevice.id, sessions.deviceId))
    .leftJoin(
      memberRoles,
      and(eq(memberRoles.organizationMemberId, sessions.organizationMemberId), eq(memberRoles.roleId, sessions.roleId)),
    )
    .prepare('hadir_caller')
}
const callerStatements = new WeakMap<Db, ReturnType<typeof callerStatement>>()

async function resolveCaller(c: Context<AppEnv>): Promise<Caller> {
  const { secret, options, database } = c.get('deps')
  // An API token: the token alone decides, whatever cookies came along.
  const bearer = bearerOf(c)
  if (bearer !== null) return { device: null, principal: await tokenPrincipal(c, bearer) }
  const deviceToken = getCookie(c, deviceCookieName(options.secureCookies))
  const deviceHash = deviceToken ? hashToken(secret, deviceToken) : null
  const sessionHash = sessionTokenHash(c)
  if (!deviceHash && !sessionHash) return { device: null, principal: null }
  const { db } = database
  let statement = callerStatements.get(db)
  if (!statement) {
    statement = callerStatement(db)
    callerStatements.set(db, statement)
  }
  const now = new Date()
  // The time as text: a placeholder gets no column's encoder, and PostgreSQL reads ISO 8601 for timestamptz.
  const [row] = await statement.execute({ deviceHash, sessionHash, now: now.toISOString() })

  let device: DevicePrincipal | null = null
  const d = row?.device
  if (d && d.id !== null) {
    if (!d.lastSeenAt || now.getTime() - d.lastSeenAt.getTime() > TOUCH_EVERY) {
      await db.update(devices).set({ lastSeenAt: now }).where(eq(devices.id, d.id))
    }
    device = { id: d.id, name: d.name, organizationId: d.organizationId }
  }
  return { device, principal: row ? await principalOf(db, row, now) : null }
}

interface SessionRow {
  session: typeof sessions.$inferSelect | null
  userName: string | null
  roleKey: string | null
  memberStatus: string | null
  deviceRevokedAt: Date | null
  heldRole: number | null
  permissions: string | null
}

/** The principal of a session row, or null when the session no longer stands (the rules of loadPrincipal). */
async function principalOf(db: Tx, row: SessionRow, now: Date): Promise<Principal | null> {
  const s = row.session
  if (!s || row.userName === null) return null
  if (s.organizationMemberId && row.memberStatus !== 'active') return null
  if (s.deviceId && row.deviceRevokedAt) return null
  // A role taken away ends the sessions that use it.
  if (s.roleId && row.heldRole === null) return null

  if (now.getTime() - s.lastSeenAt.getTime() > TOUCH_EVERY) {
    const expiresAt = s.kind === 'web' ? new Date(now.getTime() + SESSION_TTL.web) : s.expiresAt
    await db.update(sessions).set({ lastSeenAt: now, expiresAt }).where(eq(sessions.id, s.id))
  }
  const granted = s.roleId && row.permissions ? row.permissions.split(',') : []
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

/**
 * Resolves the session cookie into a principal, or null. A session stops working the moment it expires, its member
 * is deactivated, or its device is revoked.
 */
export async function loadPrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  return (await loadCaller(c)).principal
}
