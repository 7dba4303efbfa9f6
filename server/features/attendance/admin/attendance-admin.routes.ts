import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../../context'
import { allow, scoped } from '../../../auth/guard'
import { validate } from '../../../lib/validate'
import { ok } from '../../../lib/http'
import { serviceContext } from '../../../lib/service-context'
import { idParam } from '../../organizations/organizations.schemas'
import { correctionInput, decisionInput, frameQuery, listQuery, manualInput, overtimeDecisionInput, overtimeQuery, recordParams, trendQuery } from './attendance-admin.schemas'
import { decideOvertime, overtimeMonth } from './attendance-overtime'
import { attendanceStream } from './attendance-live'
import { correctRecord, createManualRecord, decideRecord } from './attendance-manage'
import { attendanceOptions, listRecords, recordView, todayView, trendView, viewRecordFrame, viewRecordPhoto } from './attendance-admin.service'

const photoQuery = z.object({ size: z.enum(['full', 'thumb']).default('full') }).strict()

/** The image type from its first bytes (frames are stored as the device sent them: JPEG, PNG or WebP). */
function imageType(bytes: Uint8Array): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4E && bytes[3] === 0x47) return 'image/png'
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46 && bytes[8] === 0x57 && bytes[9] === 0x45) return 'image/webp'
  return 'image/jpeg'
}

// The manage verbs take the acting admin as their Actor: the service context is one (organization, user, member, ip).

/** The dashboard's attendance: list, live stream, today at a glance, approvals, corrections, manual records (mounted at /api/organizations). */
export const attendanceAdminRoutes = new Hono<AppEnv>()
  // Fixed paths first: they must not be taken for a record id.
  .get('/:id/attendance/stream', allow('attendance:record:view'), validate('param', idParam), (c) => attendanceStream(c, scoped(c)))
  .get('/:id/attendance/today', allow('attendance:record:view'), validate('param', idParam), async (c) => ok(c, await todayView(serviceContext(c))))
  .get('/:id/attendance/trend', allow('attendance:record:view'), validate('param', idParam), validate('query', trendQuery), async (c) =>
    ok(c, await trendView(serviceContext(c), c.req.valid('query').days)),
  )
  .get('/:id/attendance/options', allow('attendance:record:view'), validate('param', idParam), async (c) => ok(c, await attendanceOptions(serviceContext(c))))
  .get('/:id/attendance', allow('attendance:record:view'), validate('param', idParam), validate('query', listQuery), async (c) => {
    return ok(c, await listRecords(serviceContext(c), c.req.valid('query')))
  })
  .post('/:id/attendance', allow('attendance:record:approve'), validate('param', idParam), validate('json', manualInput), async (c) => {
    const ctx = serviceContext(c)
    return ok(c, await createManualRecord(ctx.deps, ctx, c.req.valid('json')), 201)
  })
  .get('/:id/overtime', allow('attendance:record:view'), validate('param', idParam), validate('query', overtimeQuery), async (c) => {
    const ctx = serviceContext(c)
    return ok(c, await overtimeMonth(ctx.deps.database.db, ctx.organizationId, c.req.valid('query')))
  })
  .post('/:id/attendance/:recordId/overtime', allow('attendance:record:approve'), validate('param', recordParams), validate('json', overtimeDecisionInput), async (c) => {
    const ctx = serviceContext(c)
    return ok(c, await decideOvertime(ctx.deps, ctx, c.req.valid('param').recordId, c.req.valid('json')))
  })
  .get('/:id/attendance/:recordId', allow('attendance:record:view'), validate('param', recordParams), async (c) =>
    ok(c, await recordView(serviceContext(c), c.req.valid('param').recordId)),
  )
  .patch('/:id/attendance/:recordId', allow('attendance:record:approve'), validate('param', recordParams), validate('json', correctionInput), async (c) => {
    const ctx = serviceContext(c)
    return ok(c, await correctRecord(ctx.deps, ctx, c.req.valid('param').recordId, c.req.valid('json')))
  })
  .post('/:id/attendance/:recordId/approve', allow('attendance:record:approve'), validate('param', recordParams), validate('json', decisionInput), async (c) => {
    const ctx = serviceContext(c)
    return ok(c, await decideRecord(ctx.deps, ctx, c.req.valid('param').recordId, 'approved', c.req.valid('json').note))
  })
  .post('/:id/attendance/:recordId/reject', allow('attendance:record:approve'), validate('param', recordParams), validate('json', decisionInput), async (c) => {
    const ctx = serviceContext(c)
    return ok(c, await decideRecord(ctx.deps, ctx, c.req.valid('param').recordId, 'rejected', c.req.valid('json').note))
  })
  .get('/:id/attendance/:recordId/photo', allow('attendance:record:view'), validate('param', recordParams), validate('query', photoQuery), async (c) => {
    const bytes = await viewRecordPhoto(serviceContext(c), c.req.valid('param').recordId, c.req.valid('query').size)
    return c.body(new Uint8Array(bytes), 200, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-store', 'Content-Disposition': 'inline' })
  })
  // One face crop of a capture's liveness challenge (the evidence the server checked), under the same rules as the photo.
  .get('/:id/attendance/:recordId/frames', allow('attendance:record:view'), validate('param', recordParams), validate('query', frameQuery), async (c) => {
    const { event, frame } = c.req.valid('query')
    const bytes = await viewRecordFrame(serviceContext(c), c.req.valid('param').recordId, event, frame)
    return c.body(new Uint8Array(bytes), 200, { 'Content-Type': imageType(bytes), 'Cache-Control': 'no-store', 'Content-Disposition': 'inline' })
  })
