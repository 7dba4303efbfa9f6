import { withTenant } from '../../../db/tenant'
import { Hono, type Context } from 'hono'
import { and, asc, eq, inArray } from 'drizzle-orm'
import sharp from 'sharp'
import { z } from 'zod'
import type { AppEnv } from '../../../context'
import { allow, scoped } from '../../../auth/guard'
import { validate } from '../../../lib/validate'
import { clientIp, ok } from '../../../lib/http'
import { audit } from '../../../audit'
import { NotFoundError } from '../../../errors'
import { departments, locations, memberRoles, organizationMembers, rolePermissions, users } from '../../../db/schema'
import { idParam } from '../../organizations/organizations.schemas'
import { toLocal } from '../../../../shared/attendance/rules'
import { organizationRules } from '../attendance.schedule'
import { correctionInput, decisionInput, frameQuery, listQuery, manualInput, recordParams, trendQuery } from './attendance-admin.schemas'
import { listParsed } from './attendance-list'
import { attendanceStream } from './attendance-live'
import { correctRecord, createManualRecord, decideRecord, recordDetail, recordFrameKey, recordPhotoKey, type Actor } from './attendance-manage'
import { attendanceToday, attendanceTrend } from './attendance-today'

function actorOf(c: Context<AppEnv>): Actor {
  const p = scoped(c)
  return { organizationId: p.organizationId, userId: p.userId, memberId: p.memberId, ip: clientIp(c) }
}

const photoQuery = z.object({ size: z.enum(['full', 'thumb']).default('full') }).strict()

/** The image type from its first bytes (frames are stored as the device sent them: JPEG, PNG or WebP). */
function imageType(bytes: Uint8Array): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4E && bytes[3] === 0x47) return 'image/png'
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46 && bytes[8] === 0x57 && bytes[9] === 0x45) return 'image/webp'
  return 'image/jpeg'
}

/** The dashboard's attendance: list, live stream, today at a glance, approvals, corrections, manual records (mounted at /api/organizations). */
export const attendanceAdminRoutes = new Hono<AppEnv>()
  // Fixed paths first: they must not be taken for a record id.
  .get('/:id/attendance/stream', allow('attendance:record:view'), validate('param', idParam), (c) => attendanceStream(c, scoped(c)))
  .get('/:id/attendance/today', allow('attendance:record:view'), validate('param', idParam), async (c) => ok(c, await attendanceToday(c.get('deps').database.db, scoped(c).organizationId)))
  .get('/:id/attendance/trend', allow('attendance:record:view'), validate('param', idParam), validate('query', trendQuery), async (c) =>
    ok(c, await attendanceTrend(c.get('deps').database.db, scoped(c).organizationId, c.req.valid('query').days)),
  )
  .get('/:id/attendance/options', allow('attendance:record:view'), validate('param', idParam), async (c) => {
    const p = scoped(c)
    const { db } = c.get('deps').database
    const rules = await organizationRules(db, p.organizationId)
    const depts = await db.select({ id: departments.id, name: departments.name }).from(departments).where(eq(departments.organizationId, p.organizationId)).orderBy(asc(departments.name))
    const locs = await db.select({ id: locations.id, name: locations.name }).from(locations).where(eq(locations.organizationId, p.organizationId)).orderBy(asc(locations.name))
    // Who can appear as "recorded by": people whose role records attendance for others or makes manual records.
    const recorders = await db
      .selectDistinct({ id: organizationMembers.id, name: users.name })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .innerJoin(memberRoles, eq(memberRoles.organizationMemberId, organizationMembers.id))
      .innerJoin(rolePermissions, eq(rolePermissions.roleId, memberRoles.roleId))
      .where(and(eq(organizationMembers.organizationId, p.organizationId), inArray(rolePermissions.permission, ['attendance:record:create', 'attendance:record:approve'])))
      .orderBy(asc(users.name), asc(organizationMembers.id))
    return ok(c, { timezone: rules.timezone, today: toLocal(new Date(), rules.timezone).date, departments: depts, locations: locs, recorders })
  })
  .get('/:id/attendance', allow('attendance:record:view'), validate('param', idParam), validate('query', listQuery), async (c) =>
    ok(c, await withTenant(c.get('deps').database.db, scoped(c).organizationId, (tx) => listParsed(tx, scoped(c).organizationId, c.req.valid('query')))),
  )
  .post('/:id/attendance', allow('attendance:record:approve'), validate('param', idParam), validate('json', manualInput), async (c) =>
    ok(c, await createManualRecord(c.get('deps'), actorOf(c), c.req.valid('json')), 201),
  )
  .get('/:id/attendance/:recordId', allow('attendance:record:view'), validate('param', recordParams), async (c) =>
    ok(c, await recordDetail(c.get('deps').database.db, scoped(c).organizationId, c.req.valid('param').recordId)),
  )
  .patch('/:id/attendance/:recordId', allow('attendance:record:approve'), validate('param', recordParams), validate('json', correctionInput), async (c) =>
    ok(c, await correctRecord(c.get('deps'), actorOf(c), c.req.valid('param').recordId, c.req.valid('json'))),
  )
  .post('/:id/attendance/:recordId/approve', allow('attendance:record:approve'), validate('param', recordParams), validate('json', decisionInput), async (c) =>
    ok(c, await decideRecord(c.get('deps'), actorOf(c), c.req.valid('param').recordId, 'approved', c.req.valid('json').note)),
  )
  .post('/:id/attendance/:recordId/reject', allow('attendance:record:approve'), validate('param', recordParams), validate('json', decisionInput), async (c) =>
    ok(c, await decideRecord(c.get('deps'), actorOf(c), c.req.valid('param').recordId, 'rejected', c.req.valid('json').note)),
  )
  .get('/:id/attendance/:recordId/photo', allow('attendance:record:view'), validate('param', recordParams), validate('query', photoQuery), async (c) => {
    const p = scoped(c)
    const { recordId } = c.req.valid('param')
    const { size } = c.req.valid('query')
    const deps = c.get('deps')
    const key = await recordPhotoKey(deps.database.db, p.organizationId, recordId)
    const stored = await deps.storage.get(key)
    if (!stored) throw new NotFoundError('Photo')
    // Photos are specific personal data: every view, thumbnails included, leaves an audit row.
    await audit(deps.database.db, { organizationId: p.organizationId, actorUserId: p.userId, action: 'attendance.photo_view', entityType: 'attendance_record', entityId: recordId, details: { size }, ip: clientIp(c) })
    const bytes = size === 'thumb' ? await sharp(stored).resize(96, 96, { fit: 'cover' }).jpeg({ quality: 70 }).toBuffer() : stored
    return c.body(new Uint8Array(bytes), 200, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-store', 'Content-Disposition': 'inline' })
  })
  // One face crop of a capture's liveness challenge (the evidence the server checked), under the same rules as the photo.
  .get('/:id/attendance/:recordId/frames', allow('attendance:record:view'), validate('param', recordParams), validate('query', frameQuery), async (c) => {
    const p = scoped(c)
    const { recordId } = c.req.valid('param')
    const { event, frame } = c.req.valid('query')
    const deps = c.get('deps')
    const key = await recordFrameKey(deps.database.db, p.organizationId, recordId, event, frame)
    const stored = await deps.storage.get(key)
    if (!stored) throw new NotFoundError('Frame')
    await audit(deps.database.db, { organizationId: p.organizationId, actorUserId: p.userId, action: 'attendance.frame_view', entityType: 'attendance_record', entityId: recordId, details: { event_id: event, frame }, ip: clientIp(c) })
    return c.body(new Uint8Array(stored), 200, { 'Content-Type': imageType(stored), 'Cache-Control': 'no-store', 'Content-Disposition': 'inline' })
  })
