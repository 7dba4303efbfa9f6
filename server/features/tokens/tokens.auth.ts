// Requests that carry `Authorization: Bearer hdr_...` (an integrator's API token): the caller is the token, scoped to
// its one organization with exactly its permissions. Cookies are ignored on such a request (a token call is never a
// browser session) and the same-origin check does not apply (a cross-site page cannot send an Authorization header
// without a CORS preflight, which this server never grants).
import crypto from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { and, eq, isNull, sql } from 'drizzle-orm'
import type { AppEnv, Principal } from '../../context'
import { apiTokens, memberRoles, organizationMembers, rolePermissions } from '../../db/schema'
import { AttemptLimiter } from '../../auth/rate-limit'
import { UnauthenticatedError } from '../../errors'
import { audit } from '../../audit'
import { clientIp } from '../../lib/http'
import { expandPermissions } from '../../../shared/permissions'
import { TOKEN_PERMISSIONS } from '../../../shared/integrations'

export const TOKEN_PREFIX = 'hdr_'
const TOUCH_EVERY = 60_000

/** Settings a test may change (like syncSettings): requests a minute per token. */
export const tokenSettings = {
  perMinute: Number(process.env.HADIR_API_TOKEN_PER_MINUTE) > 0 ? Number(process.env.HADIR_API_TOKEN_PER_MINUTE) : 120,
}

/** A new secret: the prefix (so leaked tokens are recognisable by secret scanners) and 256 random bits. */
export function newTokenSecret(): string {
  return TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url')
}

/** SHA-256 of the whole secret (hex): no salt needed for 256 random bits, and a request finds its token by index. */
export function tokenHash(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex')
}

/** The bearer credential of the request, or null when it has none. */
export function bearerOf(c: Context): string | null {
  const header = c.req.header('authorization')
  if (!header) return null
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return m ? m[1]! : null
}

/**
 * The principal of a bearer token, or a 401: unknown, expired or revoked tokens, and tokens whose creator is no
 * longer an active member of the organization. A token never does more than its creator may do now: its permissions
 * are those it was given that the roles its creator holds today still grant (a role narrowed or taken away narrows
 * the token at its next request; given back, they return). Each use counts against the token's own per-minute
 * allowance (in the database, shared by every instance).
 */
export async function tokenPrincipal(c: Context<AppEnv>, secret: string): Promise<Principal> {
  const { db } = c.get('deps').database
  const now = new Date()
  const [row] = await db
    .select({ token: apiTokens, membershipId: organizationMembers.id, memberStatus: organizationMembers.status })
    .from(apiTokens)
    .leftJoin(organizationMembers, and(eq(organizationMembers.userId, apiTokens.createdBy), eq(organizationMembers.organizationId, apiTokens.organizationId)))
    .where(and(eq(apiTokens.tokenHash, tokenHash(secret)), isNull(apiTokens.revokedAt)))
    .limit(1)
  const t = row?.token
  if (!t || t.expiresAt <= now || t.createdBy === null || row.memberStatus !== 'active' || row.membershipId === null) {
    throw new UnauthenticatedError('This API token is unknown, expired or revoked', 'TOKEN_INVALID')
  }
  // What the creator's roles grant today (every role they hold in the organization, as at a dashboard sign-in).
  const held = await db
    .select({ p: rolePermissions.permission })
    .from(memberRoles)
    .innerJoin(rolePermissions, eq(rolePermissions.roleId, memberRoles.roleId))
    .where(eq(memberRoles.organizationMemberId, row.membershipId))
  const limiter = new AttemptLimiter(db, tokenSettings.perMinute, { code: 'RATE_LIMITED', message: 'Too many requests with this API token. Wait a minute and try again.' })
  await limiter.hit(`token:${t.id}`, now)
  if (!t.lastUsedAt || now.getTime() - t.lastUsedAt.getTime() > TOUCH_EVERY) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, t.id))
  }
  const creator = expandPermissions(held.map((h) => h.p))
  const allowed = new Set(TOKEN_PERMISSIONS.filter((p) => creator.has(p)))
  return {
    sessionId: 0,
    kind: 'token',
    tokenId: t.id,
    userId: t.createdBy,
    userName: `API token ${t.name}`,
    organizationId: t.organizationId,
    memberId: null,
    roleId: null,
    roleKey: null,
    deviceId: null,
    permissions: new Set([...expandPermissions(t.permissions)].filter((p) => allowed.has(p))),
  }
}

/**
 * The audit trail of token calls, written after the answer: every write that went through (method, path, status), and
 * the first read of each day per token (reads are frequent and harmless to the data; last_used_at tells the rest).
 */
export function auditTokenUse(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next()
    const p = c.get('principal')
    if (p?.kind !== 'token' || !p.tokenId) return
    const { db } = c.get('deps').database
    const write = !/^(GET|HEAD|OPTIONS)$/.test(c.req.method)
    const day = new Date().toISOString().slice(0, 10)
    const entry = { organizationId: p.organizationId, actorUserId: p.userId, entityType: 'api_token', entityId: p.tokenId, ip: clientIp(c), details: { method: c.req.method, path: c.req.path, status: c.res.status } }
    if (write) {
      // A refused write changed nothing and leaves nothing behind but the token's last use (and its rate counter).
      if (c.res.status < 400) await audit(db, { ...entry, action: 'api_token.write' })
      return
    }
    // One statement decides which request is the day's first read, so two at once do not both log it.
    const [first] = await db
      .update(apiTokens)
      .set({ lastReadAuditDay: day })
      .where(and(eq(apiTokens.id, p.tokenId), sql`${apiTokens.lastReadAuditDay} is distinct from ${day}`))
      .returning({ id: apiTokens.id })
    if (first) await audit(db, { ...entry, action: 'api_token.read', details: { ...entry.details, first_read_of_day: day } })
  }
}
