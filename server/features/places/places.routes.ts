import { Hono } from 'hono'
import { and, asc, count, eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, allowAny, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgArray, pgDouble, pgInt, pgSmallint, pgText, rowId, rowIdParam } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import { departments, locations, organizations, workSchedules } from '../../db/schema'
import { audit } from '../../audit'
import { ConflictError, NotFoundError, ValidationError } from '../../errors'
import { idParam, name, timeOfDay } from '../organizations/organizations.schemas'
import { memberListQuery } from '../members/members.schemas'
import { describeMembers, listMembers } from '../members/members.service'
import { makeQrToken, readQrToken } from './qr'
import { memberSchedule, organizationRules } from '../attendance/attendance.schedule'

const locationInput = z.object({
  name,
  latitude: pgDouble(-90, 90).nullable().optional(),
  longitude: pgDouble(-180, 180).nullable().optional(),
  radius_meters: pgInt(10, 100_000).default(100),
})
const scheduleInput = z.object({
  name,
  work_days: pgArray(pgSmallint(1, 7), 7, 1).default([1, 2, 3, 4, 5]),
  start_time: timeOfDay,
  end_time: timeOfDay,
  late_tolerance_minutes: pgInt(0, 240).default(15),
})
const rowParams = z.object({ id: rowIdParam, rowId: rowIdParam })

function presentLocation(l: typeof locations.$inferSelect) {
  return { id: l.id, name: l.name, latitude: l.latitude, longitude: l.longitude, radius_meters: l.radiusMeters }
}
function presentSchedule(s: typeof workSchedules.$inferSelect) {
  return { id: s.id, name: s.name, work_days: s.workDays, start_time: s.startTime.slice(0, 5), end_time: s.endTime.slice(0, 5), late_tolerance_minutes: s.lateToleranceMinutes }
}

function checkFence(input: { latitude?: number | null; longitude?: number | null }) {
  if ((input.latitude == null) !== (input.longitude == null)) {
    throw new ValidationError('Give both latitude and longitude, or neither', [{ path: 'longitude', message: 'Both or neither' }])
  }
}

/** Locations (with geofences) and work schedules: set by admins, read by everyone who records attendance. */
export const placeRoutes = new Hono<AppEnv>()
  .get('/:id/locations', allow('member:view'), validate('param', idParam), async (c) => {
    const rows = await c.get('deps').database.db.select().from(locations).where(eq(locations.organizationId, scoped(c).organizationId)).orderBy(asc(locations.name))
    return ok(c, { locations: rows.map(presentLocation) })
  })
  .post('/:id/locations', allow('settings:manage'), validate('param', idParam), validate('json', locationInput), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    checkFence(input)
    const row = await c.get('deps').database.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(locations)
        .values({ organizationId: p.organizationId, name: input.name, latitude: input.latitude ?? null, longitude: input.longitude ?? null, radiusMeters: input.radius_meters })
        .returning()
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'location.create', entityType: 'location', entityId: created!.id, ip: clientIp(c) })
      return created!
    })
    return ok(c, presentLocation(row), 201)
  })
  .patch('/:id/locations/:rowId', allow('settings:manage'), validate('param', rowParams), validate('json', locationInput.partial().strict()), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    checkFence(input)
    const row = await c.get('deps').database.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(locations)
        .set({ name: input.name, latitude: input.latitude, longitude: input.longitude, radiusMeters: input.radius_meters, updatedAt: new Date() })
        .where(and(eq(locations.id, c.req.valid('param').rowId), eq(locations.organizationId, p.organizationId)))
        .returning()
      if (!updated) throw new NotFoundError('Location')
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'location.update', entityType: 'location', entityId: updated.id, details: input, ip: clientIp(c) })
      return updated
    })
    return ok(c, presentLocation(row))
  })
  // Past attendance keeps its coordinates; it only loses the link to the location's name (the foreign key detaches it).
  .delete('/:id/locations/:rowId', allow('settings:manage'), validate('param', rowParams), async (c) => {
    const p = scoped(c)
    await c.get('deps').database.db.transaction(async (tx) => {
      const [gone] = await tx
        .delete(locations)
        .where(and(eq(locations.id, c.req.valid('param').rowId), eq(locations.organizationId, p.organizationId)))
        .returning({ id: locations.id, name: locations.name })
      if (!gone) throw new NotFoundError('Location')
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'location.delete', entityType: 'location', entityId: gone.id, details: { name: gone.name }, ip: clientIp(c) })
    })
    return ok(c, { deleted: true })
  })
  .get('/:id/schedules', allow('member:view'), validate('param', idParam), async (c) => {
    const rows = await c.get('deps').database.db.select().from(workSchedules).where(eq(workSchedules.organizationId, scoped(c).organizationId)).orderBy(asc(workSchedules.id))
    return ok(c, { schedules: rows.map(presentSchedule) })
  })
  .post('/:id/schedules', allow('settings:manage'), validate('param', idParam), validate('json', scheduleInput), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const row = await c.get('deps').database.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(workSchedules)
        .values({ organizationId: p.organizationId, name: input.name, workDays: [...new Set(input.work_days)].sort(), startTime: input.start_time, endTime: input.end_time, lateToleranceMinutes: input.late_tolerance_minutes })
        .returning()
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'schedule.create', entityType: 'schedule', entityId: created!.id, ip: clientIp(c) })
      return created!
    })
    return ok(c, presentSchedule(row), 201)
  })
  .patch('/:id/schedules/:rowId', allow('settings:manage'), validate('param', rowParams), validate('json', scheduleInput.partial().strict()), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const row = await c.get('deps').database.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(workSchedules)
        .set({
          name: input.name,
          workDays: input.work_days ? [...new Set(input.work_days)].sort() : undefined,
          startTime: input.start_time,
          endTime: input.end_time,
          lateToleranceMinutes: input.late_tolerance_minutes,
          updatedAt: new Date(),
        })
        .where(and(eq(workSchedules.id, c.req.valid('param').rowId), eq(workSchedules.organizationId, p.organizationId)))
        .returning()
      if (!updated) throw new NotFoundError('Schedule')
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'schedule.update', entityType: 'schedule', entityId: updated.id, details: input, ip: clientIp(c) })
      return updated
    })
    return ok(c, presentSchedule(row))
  })
  // A schedule that departments follow is refused (409 IN_USE): deleting it would silently change their hours.
  .delete('/:id/schedules/:rowId', allow('settings:manage'), validate('param', rowParams), async (c) => {
    const p = scoped(c)
    const { rowId } = c.req.valid('param')
    await c.get('deps').database.db.transaction(async (tx) => {
      const [row] = await tx.select({ id: workSchedules.id, name: workSchedules.name }).from(workSchedules).where(and(eq(workSchedules.id, rowId), eq(workSchedules.organizationId, p.organizationId)))
      if (!row) throw new NotFoundError('Schedule')
      const [used] = await tx.select({ n: count() }).from(departments).where(and(eq(departments.organizationId, p.organizationId), eq(departments.workScheduleId, rowId)))
      if ((used?.n ?? 0) > 0) throw new ConflictError(`${used!.n} department(s) follow this schedule: give them another first`, 'IN_USE', { departments: used!.n })
      await tx.delete(workSchedules).where(and(eq(workSchedules.id, rowId), eq(workSchedules.organizationId, p.organizationId)))
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'schedule.delete', entityType: 'schedule', entityId: rowId, details: { name: row.name }, ip: clientIp(c) })
    })
    return ok(c, { deleted: true })
  })
  .patch('/:id/departments/:rowId', allow('member:manage'), validate('param', rowParams), validate('json', z.object({ name: name.optional(), code: pgText(30, { trim: true }).nullable().optional(), work_schedule_id: rowId.nullable().optional() }).strict()), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const { db } = c.get('deps').database
    if (input.name) {
      const [dup] = await db
        .select({ id: departments.id })
        .from(departments)
        .where(and(eq(departments.organizationId, p.organizationId), sql`lower(${departments.name}) = lower(${input.name})`, sql`${departments.id} <> ${c.req.valid('param').rowId}`))
      if (dup) throw new ConflictError('A department with this name exists', 'DUPLICATE_NAME', { field: 'name' })
    }
    if (input.work_schedule_id) {
      const [s] = await db.select({ id: workSchedules.id }).from(workSchedules).where(and(eq(workSchedules.id, input.work_schedule_id), eq(workSchedules.organizationId, p.organizationId)))
      if (!s) throw new ValidationError('Unknown schedule', [{ path: 'work_schedule_id', message: 'Unknown schedule' }])
    }
    const [updated] = await db
      .update(departments)
      .set({ name: input.name, code: input.code === undefined ? undefined : input.code || null, workScheduleId: input.work_schedule_id, updatedAt: new Date() })
      .where(and(eq(departments.id, c.req.valid('param').rowId), eq(departments.organizationId, p.organizationId)))
      .returning()
    if (!updated) throw new NotFoundError('Department')
    await audit(db, { organizationId: p.organizationId, actorUserId: p.userId, action: 'department.update', entityType: 'department', entityId: updated.id, details: input, ip: clientIp(c) })
    return ok(c, { id: updated.id, name: updated.name, code: updated.code, work_schedule_id: updated.workScheduleId })
  })

/** What a phone or kiosk needs to capture attendance: the organization's rules, places, and (for petugas) members. */
export const captureContextRoutes = new Hono<AppEnv>()
  .get('/context', allowAny('attendance:record:submit', 'attendance:record:create'), async (c) => {
    const p = scoped(c)
    const { db } = c.get('deps').database
    const [org] = await db.select().from(organizations).where(eq(organizations.id, p.organizationId))
    const locs = await db.select().from(locations).where(eq(locations.organizationId, p.organizationId)).orderBy(asc(locations.name))
    const depts = await db.select({ id: departments.id, name: departments.name, work_schedule_id: departments.workScheduleId }).from(departments).where(eq(departments.organizationId, p.organizationId)).orderBy(asc(departments.name))
    const schedules = await db.select().from(workSchedules).where(eq(workSchedules.organizationId, p.organizationId)).orderBy(asc(workSchedules.id))
    const rules = await organizationRules(db, p.organizationId)
    // The caller's own schedule (a member's phone shows "on time" or "late" before the server answers).
    const own = p.memberId ? await memberSchedule(db, p.organizationId, p.memberId, rules.defaultSchedule) : rules.defaultSchedule
    return ok(c, {
      organization: { id: org!.id, name: org!.name, timezone: org!.timezone, work_start_time: org!.workStartTime.slice(0, 5), work_end_time: org!.workEndTime.slice(0, 5), late_tolerance_minutes: org!.lateToleranceMinutes },
      face: { threshold: rules.settings.face_threshold, margin: rules.settings.face_margin, kiosk_gallery: rules.settings.kiosk_gallery },
      schedule: { work_days: own.workDays, start_time: own.startTime.slice(0, 5), end_time: own.endTime.slice(0, 5), late_tolerance_minutes: own.lateToleranceMinutes },
      default_schedule: { work_days: rules.defaultSchedule.workDays, start_time: rules.defaultSchedule.startTime.slice(0, 5), end_time: rules.defaultSchedule.endTime.slice(0, 5), late_tolerance_minutes: rules.defaultSchedule.lateToleranceMinutes },
      schedules: schedules.map(presentSchedule),
      locations: locs.map(presentLocation),
      departments: depts,
      geofence_policy: rules.settings.geofence_policy,
    })
  })
  .get('/members', allow('attendance:record:create'), validate('query', memberListQuery), async (c) => {
    const p = scoped(c)
    const { members, total } = await listMembers(c.get('deps').database.db, p.organizationId, { ...c.req.valid('query'), status: 'active' })
    // A kiosk needs to find and name people, not their contact details.
    return ok(c, { members: members.map((m) => ({ id: m.id, name: m.name, member_number: m.member_number, department: m.department, department_id: m.department_id, face_registered: m.face_registered })), total })
  })
  .get('/qr', allow('attendance:record:submit'), async (c) => {
    const p = scoped(c)
    const { token, expiresAt } = makeQrToken(c.get('deps').secret, p.organizationId, p.memberId!)
    return ok(c, { token, expires_at: expiresAt.toISOString() })
  })
  .post('/qr/resolve', allow('attendance:record:create'), validate('json', z.object({ token: pgText(200) })), async (c) => {
    const p = scoped(c)
    const check = readQrToken(c.get('deps').secret, c.req.valid('json').token)
    if (!check.ok) {
      throw new ValidationError(check.code === 'QR_EXPIRED' ? 'This QR code has expired. Ask the member to open it again.' : 'This is not a Hadir member QR code.', undefined, check.code)
    }
    if (check.organizationId !== p.organizationId) throw new NotFoundError('Member')
    const [m] = await describeMembers(c.get('deps').database.db, p.organizationId, [check.memberId])
    if (!m || m.status !== 'active') throw new NotFoundError('Member')
    return ok(c, { member: { id: m.id, name: m.name, member_number: m.member_number, department: m.department, department_id: m.department_id, face_registered: m.face_registered } })
  })
