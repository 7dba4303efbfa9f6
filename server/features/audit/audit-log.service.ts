import { and, asc, desc, eq, inArray, isNotNull, like, lt, type SQL } from 'drizzle-orm'
import type { z } from 'zod'
import type { Tx } from '../../db/client'
import {
  auditLog,
  departments,
  devices,
  locations,
  organizationMembers,
  organizations,
  positions,
  roles,
  users,
  workSchedules,
} from '../../db/schema'
import type { ServiceContext } from '../../lib/service-context'
import { rolesVisibleIn } from '../roles/roles.service'
import type { auditQuery } from './audit.schemas'
import { dayRange, prefixPattern } from './filters'

type EntityNames = Map<string, string>

/** The organization's time zone: filter days are its days. */
export async function organizationTimezone(tx: Tx, organizationId: number): Promise<string> {
  const [org] = await tx.select({ timezone: organizations.timezone }).from(organizations).where(eq(organizations.id, organizationId))
  return org!.timezone
}

/** Names of the things entries point at, looked up within the organization only (ids of others stay unnamed). */
async function entityNames(tx: Tx, organizationId: number, refs: { type: string | null; id: string | null }[]): Promise<EntityNames> {
  const ids = (type: string) => [
    ...new Set(refs.filter((r) => r.type === type && r.id && /^\d{1,9}$/.test(r.id)).map((r) => Number(r.id))),
  ]
  const names: EntityNames = new Map()
  const put = (type: string, rows: { id: number; name: string }[]) => rows.forEach((r) => names.set(`${type}:${r.id}`, r.name))
  const member = ids('member')
  if (member.length) {
    put('member', await tx
      .select({ id: organizationMembers.id, name: users.name })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(and(eq(organizationMembers.organizationId, organizationId), inArray(organizationMembers.id, member))))
  }
  const user = ids('user')
  if (user.length) {
    put('user', await tx
      .select({ id: users.id, name: users.name })
      .from(users)
      .innerJoin(organizationMembers, and(eq(organizationMembers.userId, users.id), eq(organizationMembers.organizationId, organizationId)))
      .where(inArray(users.id, user)))
  }
  const role = ids('role')
  if (role.length) put('role', await tx.select({ id: roles.id, name: roles.name }).from(roles).where(and(rolesVisibleIn(organizationId), inArray(roles.id, role))))
  const simple = [
    ['device', devices],
    ['location', locations],
    ['department', departments],
    ['position', positions],
    ['schedule', workSchedules],
  ] as const
  for (const [type, table] of simple) {
    const list = ids(type)
    if (list.length) {
      put(type, await tx.select({ id: table.id, name: table.name }).from(table).where(and(eq(table.organizationId, organizationId), inArray(table.id, list))))
    }
  }
  const org = ids('organization').filter((id) => id === organizationId)
  if (org.length) put('organization', await tx.select({ id: organizations.id, name: organizations.name }).from(organizations).where(eq(organizations.id, organizationId)))
  return names
}

/** One keyset page of the organization's log, newest first, with the names of what its entries point at. */
export async function listAuditLog(ctx: ServiceContext, q: z.infer<typeof auditQuery>) {
  const { db } = ctx.deps.database
  const { organizationId } = ctx
  const timezone = await organizationTimezone(db, organizationId)
  const where: (SQL | undefined)[] = [
    eq(auditLog.organizationId, organizationId),
    q.actor_user_id !== undefined ? eq(auditLog.actorUserId, q.actor_user_id) : undefined,
    q.action !== undefined ? like(auditLog.action, prefixPattern(q.action)) : undefined,
    q.entity_type !== undefined ? eq(auditLog.entityType, q.entity_type) : undefined,
    q.entity_id !== undefined ? eq(auditLog.entityId, q.entity_id) : undefined,
    q.cursor !== undefined ? lt(auditLog.id, Number(q.cursor)) : undefined,
    ...dayRange(auditLog.createdAt, timezone, q.from, q.to),
  ]
  // Ids only grow, so "newest first" is the id order and the page key is the last id shown.
  const rows = await db
    .select({
      id: auditLog.id,
      at: auditLog.createdAt,
      action: auditLog.action,
      entityType: auditLog.entityType,
      entityId: auditLog.entityId,
      details: auditLog.details,
      ip: auditLog.ip,
      actorId: users.id,
      actorName: users.name,
      deviceId: devices.id,
      deviceName: devices.name,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .leftJoin(devices, and(eq(devices.id, auditLog.actorDeviceId), eq(devices.organizationId, organizationId)))
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(q.limit + 1)
  const page = rows.slice(0, q.limit)
  const names = await entityNames(db, organizationId, page.map((r) => ({ type: r.entityType, id: r.entityId })))
  // One more row than asked tells whether an older page exists.
  return { page, names, nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null }
}

/** The people who appear in this organization's log, for the "who" filter. */
export function listAuditActors(ctx: ServiceContext) {
  return ctx.deps.database.db
    .selectDistinct({ id: users.id, name: users.name })
    .from(auditLog)
    .innerJoin(users, eq(users.id, auditLog.actorUserId))
    .where(and(eq(auditLog.organizationId, ctx.organizationId), isNotNull(auditLog.actorUserId)))
    .orderBy(asc(users.name), asc(users.id))
    .limit(500)
}
