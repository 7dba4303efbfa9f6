import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, allowAny, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgInstant, pgText, queryInt, rowId } from '../../../shared/validation'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors'
import { MAX_SYNC_BATCH, syncBatchSchema, syncRecordSchema, type SyncResult } from '../../../shared/attendance/sync'
import { applyBatchLogged, applyRecord, type SyncContext } from './attendance.sync'
import { findCapture, logSync, myAttendance, syncContext, syncRequest } from './attendance.service'
import { applyRollCall } from './roll-call'
import { rollCallSchema } from '../../../shared/attendance/roll-call'
import { challengeFor } from './challenges'
import type { Assurance } from '../../../shared/attendance/evidence'

function contextFor(c: Context<AppEnv>, sentAt: string | undefined, mobileDeviceId: string): Promise<SyncContext> {
  return syncContext(c.get('deps'), scoped(c), sentAt, mobileDeviceId)
}

/** A single-record call answers with HTTP status codes; sync answers per record. */
function singleAnswer(c: Context<AppEnv>, result: SyncResult) {
  if (result.status === 'rejected') {
    if (result.code === 'NOT_ALLOWED') throw new ForbiddenError(result.reason, result.code)
    if (result.code === 'UNKNOWN_MEMBER' || result.code === 'UNKNOWN_LOCATION') throw new NotFoundError(result.code === 'UNKNOWN_MEMBER' ? 'Member' : 'Location', result.code)
    if (result.code === 'NOT_AN_IMAGE') throw new AppError(415, result.code, result.reason ?? 'Not an image')
    if (result.code === 'IMAGE_TOO_LARGE') throw new AppError(413, result.code, result.reason ?? 'Too large')
    throw new ValidationError(result.reason, undefined, result.code)
  }
  if (result.status === 'conflict') throw new ConflictError(result.reason ?? 'Conflict', result.code)
  return ok(
    c,
    { id: result.record_id, client_id: result.client_id, status: result.attendance_status ?? null, sync_status: result.status, flags: result.flags ?? [], created_at: new Date().toISOString() },
    result.status === 'applied' ? 201 : 200,
  )
}

const single = syncRecordSchema.omit({ member_id: true }).extend({
  organization_id: rowId,
  member_id: rowId.optional(),
  recorded_by: rowId.optional(),
  device_id: pgText(100, { trim: true, min: 1 }).optional(),
  sent_at: pgInstant.optional(),
})

const challengeInput = z.object({ purpose: z.enum(['attendance', 'kiosk', 'register']) })
const captureParam = z.object({ clientId: z.uuid() })

/** Plain-words reasons a capture waits for review, from its checklist (the phone and the kiosk show them). */
function reviewReasons(a: Assurance | null, flags: readonly string[]): string[] {
  const out: string[] = []
  if (!a) return out
  if (a.evidence === 'none') out.push('no_evidence')
  if (a.face.outcome === 'fail' || a.face.outcome === 'warn') out.push(`face_${a.face.code}`)
  if (a.liveness.outcome === 'fail' || a.liveness.outcome === 'warn') out.push(`liveness_${a.liveness.code}`)
  if (a.place.outcome === 'fail' || a.place.outcome === 'warn') out.push(`place_${a.place.code}`)
  if (a.time.outcome === 'fail' || a.time.outcome === 'warn') out.push(`time_${a.time.code}`)
  if (a.evidence === 'offline' && out.length === 0 && flags.includes('offline_evidence')) out.push('offline_evidence')
  return out
}

export const attendanceRoutes = new Hono<AppEnv>()
  .post('/challenge', allowAny('attendance:record:submit', 'attendance:record:create', 'member:face:register'), validate('json', challengeInput), async (c) => {
    return ok(c, await challengeFor(serviceContext(c), c.req.valid('json').purpose), 201)
  })
  .get('/captures/:clientId', allowAny('attendance:record:view:own', 'attendance:record:create'), validate('param', captureParam), async (c) => {
    // Where one capture stands: being checked, approved, or waiting for review (and why, in codes the app words).
    const p = scoped(c)
    const { clientId } = c.req.valid('param')
    const row = await findCapture(serviceContext(c), clientId)
    // A member sees their own captures; a tablet those it sent. Anything else is "not found".
    const mine = row && (row.memberId === p.memberId || (p.deviceId !== null && row.deviceId === p.deviceId && p.permissions.has('attendance:record:create')))
    if (!row || !mine) throw new NotFoundError('Capture')
    const assurance = row.verification === 'done' ? row.assurance : null
    return ok(c, {
      client_id: row.clientId,
      verification: row.verification,
      approval_status: row.approval ?? 'pending',
      level: assurance?.level ?? null,
      record_id: row.recordId,
      flags: row.flags ?? [],
      reasons: row.approval === 'approved' ? [] : reviewReasons(assurance, row.flags ?? []),
    })
  })
  .post('/sync', allowAny('attendance:record:submit', 'attendance:record:create'), validate('json', syncBatchSchema), async (c) => {
    const input = c.req.valid('json')
    if (input.records.length > MAX_SYNC_BATCH) {
      throw new AppError(413, 'BATCH_TOO_LARGE', `Send at most ${MAX_SYNC_BATCH} records per request`)
    }
    // The organization's rules are read with the batch's own lookups (applyBatch): one round trip.
    const ctx = syncRequest(c.get('deps'), scoped(c), input.sent_at, input.device_id)
    // Checked per record, then written together (see attendance.sync.ts); answered per record, in order.
    const { results, logged } = await applyBatchLogged(ctx, input.records, true)
    if (!logged) await logSync(ctx, results)
    const failed = results.filter((r) => r.status === 'rejected' || r.status === 'conflict').length
    return ok(c, { synced: results.length - failed, failed, last_sync_at: new Date().toISOString(), results })
  })
  .post('/roll-call', allow('attendance:record:create'), validate('json', rollCallSchema), async (c) => {
    // Roll-call from one photo (roll-call.ts): taken by a petugas on an enrolled tablet, each named face a capture.
    const p = scoped(c)
    if (!p.deviceId) throw new ForbiddenError('A roll-call is taken on an enrolled tablet', 'NOT_ALLOWED')
    const input = c.req.valid('json')
    const ctx = await contextFor(c, input.sent_at, input.device_id)
    const result = await applyRollCall(ctx, input)
    const named = result.faces.filter((f) => f.status !== 'unnamed')
    if (named.length > 0) await logSync(ctx, named.map((f) => ({ client_id: f.client_id, status: f.status as SyncResult['status'] })))
    return ok(c, result, result.status === 'applied' ? 201 : 200)
  })
  .post('/submit', allow('attendance:record:submit'), validate('json', single), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    if (input.organization_id !== p.organizationId) throw new NotFoundError('Organization')
    if (input.member_id !== undefined && input.member_id !== p.memberId) throw new ForbiddenError('A member can only submit their own attendance', 'NOT_ALLOWED')
    const ctx = await contextFor(c, input.sent_at, input.device_id ?? 'member-app')
    const result = await applyRecord(ctx, { ...input, member_id: p.memberId })
    await logSync(ctx, [result])
    return singleAnswer(c, result)
  })
  .post('/record', allow('attendance:record:create'), validate('json', single), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    if (input.organization_id !== p.organizationId) throw new NotFoundError('Organization')
    if (input.member_id === undefined) throw new ValidationError('Choose the member', [{ path: 'member_id', message: 'Required', code: 'required' }])
    // recorded_by is the signed-in petugas; a body naming someone else is refused, never trusted.
    if (input.recorded_by !== undefined && input.recorded_by !== p.memberId) {
      throw new ForbiddenError('recorded_by must be the signed-in petugas', 'RECORDED_BY_MISMATCH')
    }
    const ctx = await contextFor(c, input.sent_at, input.device_id ?? `device-${p.deviceId}`)
    const result = await applyRecord(ctx, input)
    await logSync(ctx, [result])
    return singleAnswer(c, result)
  })
  .get('/mine', allow('attendance:record:view:own'), validate('query', z.object({ limit: queryInt(1, 366).default(60) })), async (c) => {
    const rows = await myAttendance(serviceContext(c), c.req.valid('query').limit)
    return ok(c, { records: rows })
  })
