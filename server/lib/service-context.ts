import type { Context } from 'hono'
import type { AppDeps, AppEnv, DevicePrincipal } from '../context'
import type { Permission } from '../../shared/permissions'
import type { Tx } from '../db/client'
import { audit, type AuditEntry } from '../audit'
import { scoped } from '../auth/guard'
import { withTenant } from '../db/tenant'
import { clientIp } from './http'

/**
 * What a service verb needs besides its input: the app's dependencies and who is acting (the active organization, the
 * signed-in user and their membership, the client's address). Routes build it once with `serviceContext(c)`; the
 * verbs run their own transaction and write the audit log through it, so every entry names the same actor.
 */
export interface ServiceContext {
  deps: AppDeps
  organizationId: number
  userId: number
  memberId: number | null
  /** The enrolled tablet a petugas session runs on, or null (a phone, the dashboard). */
  deviceId: number | null
  /** What the actor's role allows (a verb that serves several roles decides by it). */
  permissions: ReadonlySet<Permission>
  ip: string
}

/**
 * What a verb needs before an organization is active (signing in, choosing an organization, answering an invitation):
 * the app's dependencies, the client's address, the enrolled tablet the request comes from and, once signed in, the
 * person. Its audit entries name their organization themselves (`auditAs`).
 */
export interface CallerContext {
  deps: AppDeps
  ip: string
  /** The signed-in person, or null on a public route (a sign-in). */
  userId: number | null
  /** The enrolled petugas tablet (the `hadir_device` cookie), if any. */
  device: DevicePrincipal | null
}

/** The context of any route, an organization active or not. */
export function callerContext(c: Context<AppEnv>): CallerContext {
  return { deps: c.get('deps'), ip: clientIp(c), userId: c.get('principal')?.userId ?? null, device: c.get('device') }
}

/** An audit entry by the caller (their account and address unless the entry says otherwise), in the caller's transaction. */
export function auditAs(tx: Tx, ctx: CallerContext, entry: AuditEntry): Promise<void> {
  return audit(tx, { actorUserId: ctx.userId, ip: ctx.ip, ...entry })
}

/** The context of a route guarded by `allow`/`allowAny` (an organization is active). */
export function serviceContext(c: Context<AppEnv>): ServiceContext {
  const p = scoped(c)
  return { deps: c.get('deps'), organizationId: p.organizationId, userId: p.userId, memberId: p.memberId, deviceId: p.deviceId, permissions: p.permissions, ip: clientIp(c) }
}

/** A read-write transaction of the context's database. */
export function transaction<T>(ctx: ServiceContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return ctx.deps.database.db.transaction(fn)
}

/** A transaction confined to the context's organization by row-level security (see db/tenant.ts). */
export function tenantTransaction<T>(ctx: ServiceContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return withTenant(ctx.deps.database.db, ctx.organizationId, fn)
}

/** An audit entry by the context's actor, in the caller's transaction. */
export function auditBy(tx: Tx, ctx: ServiceContext, entry: Omit<AuditEntry, 'organizationId' | 'actorUserId' | 'ip'>): Promise<void> {
  return audit(tx, { organizationId: ctx.organizationId, actorUserId: ctx.userId, ip: ctx.ip, ...entry })
}
