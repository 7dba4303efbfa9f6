import type { Context } from 'hono'
import type { AppDeps, AppEnv } from '../context'
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
  ip: string
}

/** The context of a route guarded by `allow`/`allowAny` (an organization is active). */
export function serviceContext(c: Context<AppEnv>): ServiceContext {
  const p = scoped(c)
  return { deps: c.get('deps'), organizationId: p.organizationId, userId: p.userId, memberId: p.memberId, ip: clientIp(c) }
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
