import { Hono } from 'hono'
import { and, asc, desc, eq, inArray, isNotNull, like, lt, type SQL } from 'drizzle-orm'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import type { Tx } from '../../db/client'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgText, rowIdParam, queryInt } from '../../../shared/validation'
import { ok } from '../../lib/http'
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
import { idParam } from '../organizations/organizations.schemas'
import { rolesVisibleIn } from '../roles/roles.service'
import { dayRange, isoDay, prefixPattern } from './filters'

const auditQuery = z.object({
  actor_user_id: rowIdParam.optional(),
  /** An action or the start of one: "role." matches role.create, role.update...; "face" matches face.*. */
  action: z
    .string()
    .trim()
    .regex(/^[a-z][a-z_]*(\.[a-z_]*)?$/, 'Use an action name such as role.create or a prefix such as role.')
    .max(60)
    .optional(),
  entity_type: z.string().trim().regex(/^[a-z_]+$/).max(40).optional(),
  entity_id: pgText(60, { trim: true, min: 1 }).optional(),
  from: isoDay.optional(),
  to: isoDay.optional(),
  /** The `next_cursor` of the previous page: entries older than it. */
  cursor: z.string().regex(/^\d{1,15}$/, 'Use the next_cursor of the previous page').optional(),
  limit: queryInt(1, 100).default(50),
})

type EntityNames = Map<string, string>

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

/** Who did or viewed what in the organization, newest first, one keyset page at a time. */
export const auditLogRoutes = new Hono<AppEnv>()
  .get('/:id/audit-log', allow('settings:manage'), validate('param', idParam), validate('query', auditQuery), async (c) => {
    const p = scoped(c)
    const q = c.req.valid('query')
    const { db } = c.get('deps').database
    const [org] = await db.select({ timezone: organizations.timezone }).from(organizations).where(eq(organizations.id, p.organizationId))
    const where: (SQL | undefined)[] = [
      eq(auditLog.organizationId, p.organizationId),
      q.actor_user_id !== undefined ? eq(auditLog.actorUserId, q.actor_user_id) : undefined,
      q.action !== undefined ? like(auditLog.action, prefixPattern(q.action)) : undefined,
      q.entity_type !== undefined ? eq(auditLog.entityType, q.entity_type) : undefined,
      q.entity_id !== undefined ? eq(auditLog.entityId, q.entity_id) : undefined,
      q.cursor !== undefined ? lt(auditLog.id, Number(q.cursor)) : undefined,
      ...dayRange(auditLog.createdAt, org!.timezone, q.from, q.to),
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
      .leftJoin(devices, and(eq(devices.id, auditLog.actorDeviceId), eq(devices.organizationId, p.organizationId)))
      .where(and(...where))
      .orderBy(desc(auditLog.id))
      .limit(q.limit + 1)
    const page = rows.slice(0, q.limit)
    const names = await entityNames(db, p.organizationId, page.map((r) => ({ type: r.entityType, id: r.entityId })))
    return ok(c, {
      entries: page.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        action: r.action,
        entity_type: r.entityType,
        entity_id: r.entityId,
        entity_name: r.entityType && r.entityId ? (names.get(`${r.entityType}:${r.entityId}`) ?? null) : null,
        actor: r.actorId === null ? null : { id: r.actorId, name: r.actorName! },
        device: r.deviceId === null ? null : { id: r.deviceId, name: r.deviceName! },
        details: r.details ?? null,
        ip: r.ip,
      })),
      next_cursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null,
    })
  })
  .get('/:id/audit-log/actors', allow('settings:manage'), validate('param', idParam), async (c) => {
    const p = scoped(c)
    // The people who appear in this organization's log, for the "who" filter.
    const actors = await c
      .get('deps')
      .database
      .db
      .selectDistinct({ id: users.id, name: users.name })
      .from(auditLog)
      .innerJoin(users, eq(users.id, auditLog.actorUserId))
      .where(and(eq(auditLog.organizationId, p.organizationId), isNotNull(auditLog.actorUserId)))
      .orderBy(asc(users.name), asc(users.id))
      .limit(500)
    return ok(c, { actors })
  })
