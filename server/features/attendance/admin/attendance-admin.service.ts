import { and, asc, eq, inArray } from 'drizzle-orm'
import sharp from 'sharp'
import { departments, locations, memberRoles, organizationMembers, rolePermissions, users } from '../../../db/schema'
import { NotFoundError } from '../../../errors'
import { auditBy, tenantTransaction, type ServiceContext } from '../../../lib/service-context'
import { toLocal } from '../../../../shared/attendance/rules'
import { organizationRules } from '../attendance.schedule'
import type { ParsedListQuery } from './attendance-admin.schemas'
import { listParsed } from './attendance-list'
import { recordDetail, recordFrameKey, recordPhotoKey } from './attendance-manage'
import { attendanceToday, attendanceTrend } from './attendance-today'

/** What the attendance filters offer: the organization's day, departments, locations and who records attendance. */
export async function attendanceOptions(ctx: ServiceContext) {
  const { db } = ctx.deps.database
  const { organizationId } = ctx
  const rules = await organizationRules(db, organizationId)
  const depts = await db.select({ id: departments.id, name: departments.name }).from(departments).where(eq(departments.organizationId, organizationId)).orderBy(asc(departments.name))
  const locs = await db.select({ id: locations.id, name: locations.name }).from(locations).where(eq(locations.organizationId, organizationId)).orderBy(asc(locations.name))
  // Who can appear as "recorded by": people whose role records attendance for others or makes manual records.
  const recorders = await db
    .selectDistinct({ id: organizationMembers.id, name: users.name })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .innerJoin(memberRoles, eq(memberRoles.organizationMemberId, organizationMembers.id))
    .innerJoin(rolePermissions, eq(rolePermissions.roleId, memberRoles.roleId))
    .where(and(eq(organizationMembers.organizationId, organizationId), inArray(rolePermissions.permission, ['attendance:record:create', 'attendance:record:approve'])))
    .orderBy(asc(users.name), asc(organizationMembers.id))
  return { timezone: rules.timezone, today: toLocal(new Date(), rules.timezone).date, departments: depts, locations: locs, recorders }
}

/** A record's photo (or its 96 px thumbnail). Photos are specific personal data: every view leaves an audit row. */
export async function viewRecordPhoto(ctx: ServiceContext, recordId: number, size: 'full' | 'thumb'): Promise<Uint8Array> {
  const key = await recordPhotoKey(ctx.deps.database.db, ctx.organizationId, recordId)
  const stored = await ctx.deps.storage.get(key)
  if (!stored) throw new NotFoundError('Photo')
  await auditBy(ctx.deps.database.db, ctx, { action: 'attendance.photo_view', entityType: 'attendance_record', entityId: recordId, details: { size } })
  const bytes = size === 'thumb' ? await sharp(stored).resize(96, 96, { fit: 'cover' }).jpeg({ quality: 70 }).toBuffer() : stored
  return bytes
}

/** One face crop of a capture's liveness challenge (the evidence the server checked), audited like the photo. */
export async function viewRecordFrame(ctx: ServiceContext, recordId: number, event: number, frame: number): Promise<Uint8Array> {
  const key = await recordFrameKey(ctx.deps.database.db, ctx.organizationId, recordId, event, frame)
  const stored = await ctx.deps.storage.get(key)
  if (!stored) throw new NotFoundError('Frame')
  await auditBy(ctx.deps.database.db, ctx, { action: 'attendance.frame_view', entityType: 'attendance_record', entityId: recordId, details: { event_id: event, frame } })
  return stored
}

/** The organization's day at a glance (who is in, late, absent, on leave). */
export function todayView(ctx: ServiceContext) {
  return attendanceToday(ctx.deps.database.db, ctx.organizationId)
}

/** The organization's last `days` days, one row of counts each. */
export function trendView(ctx: ServiceContext, days: number) {
  return attendanceTrend(ctx.deps.database.db, ctx.organizationId, days)
}

/** One page of the organization's attendance records the (validated) query matches. */
export function listRecords(ctx: ServiceContext, query: ParsedListQuery) {
  return tenantTransaction(ctx, (tx) => listParsed(tx, ctx.organizationId, query))
}

/** One attendance record with its captures and history. */
export function recordView(ctx: ServiceContext, recordId: number) {
  return recordDetail(ctx.deps.database.db, ctx.organizationId, recordId)
}
