import crypto from 'node:crypto'
import { and, eq, sql } from 'drizzle-orm'
import type { AppDeps, Principal } from '../../context'
import { attendanceEvents, attendanceRecords, memberFaceData, memberRoles, organizationMembers, rolePermissions } from '../../db/schema'
import { syncRecordSchema, type SyncRecord, type SyncResult } from '../../../shared/attendance/sync'
import { checkGeofence, checkInStatus, checkOutStatus, isClockSkewed, minutesOf, toLocal } from '../../../shared/attendance/rules'
import { decodeDescriptor, descriptorFromBytes, DescriptorError } from '../../../shared/face/descriptor'
import { distanceToScore, identify, verify } from '../../../shared/face/match'
import { AppError } from '../../errors'
import { assertImage, decodePhoto, normalizePhoto } from '../../face/photos'
import { photoKey } from '../../storage/storage'
import { galleryOf } from '../faces/faces.service'
import { memberSchedule, type OrganizationRules } from './attendance.schedule'

/** Flags that send a record to review instead of approving it outright. */
/** A second "check in" this long after the first one of the day is a check-out the device did not know to call so. */
const LATE_SECOND_CHECKIN_MINUTES = 120

const NEEDS_REVIEW = new Set(['face_not_verified', 'no_face', 'outside_geofence', 'clock_skew', 'photo_mismatch'])

export interface SyncContext {
  deps: AppDeps
  principal: Principal & { organizationId: number }
  rules: OrganizationRules
  /** Server time minus the device's clock, measured from the batch's sent_at. */
  skewMs: number
  mobileDeviceId: string
}

class Rejection extends Error {
  constructor(readonly code: string, message: string) {
    super(message)
  }
}

/** A stable hash of what the device sent for one capture: the same id with another hash is a conflict. */
export function payloadHash(r: SyncRecord): string {
  const photo = r.face_image ? crypto.createHash('sha256').update(r.face_image).digest('hex') : null
  const fields: unknown[] = [r.member_id, r.kind, new Date(r.captured_at).toISOString(), r.face_encoding ?? null, r.face_match_score ?? null, photo, r.remarks ?? null, r.location_id ?? null, r.latitude ?? null, r.longitude ?? null, r.accuracy ?? null]
  // Appended only when present, so records sent before the field existed keep their hash.
  if (r.recorded_by !== undefined) fields.push(['recorded_by', r.recorded_by])
  const canonical = JSON.stringify(fields)
  return crypto.createHash('sha256').update(canonical).digest('base64url')
}

async function existingOutcome(ctx: SyncContext, clientId: string, hash: string): Promise<SyncResult | null> {
  const [event] = await ctx.deps.database.db
    .select({ hash: attendanceEvents.payloadHash, recordId: attendanceEvents.attendanceRecordId })
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.organizationId, ctx.principal.organizationId), eq(attendanceEvents.clientId, clientId)))
  if (!event) return null
  if (event.hash === hash) return { client_id: clientId, status: 'duplicate', record_id: event.recordId ?? undefined }
  return { client_id: clientId, status: 'conflict', code: 'CLIENT_ID_REUSED', reason: 'A different record was already received with this id' }
}

/** Who the capture is for, and whether the caller may record it: members only themselves, petugas anyone active. */
async function assertMember(ctx: SyncContext, memberId: number): Promise<void> {
  const p = ctx.principal
  const mayRecordOthers = p.permissions.has('attendance:record:create')
  if (!mayRecordOthers && memberId !== p.memberId) throw new Rejection('NOT_ALLOWED', 'A member can only record their own attendance')
  const [m] = await ctx.deps.database.db
    .select({ status: organizationMembers.status })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, p.organizationId)))
  if (!m) throw new Rejection('UNKNOWN_MEMBER', 'No such member in this organization')
  if (m.status !== 'active') throw new Rejection('MEMBER_INACTIVE', 'This member is inactive')
}

/**
 * Who made the capture. A petugas's own session is the default; a tablet may name another petugas of the organization
 * (records queued offline before a change of shift), checked here, never taken on trust.
 */
async function recorderOf(ctx: SyncContext, r: SyncRecord): Promise<number | null> {
  const p = ctx.principal
  if (!p.permissions.has('attendance:record:create')) return null
  if (r.recorded_by === undefined || r.recorded_by === p.memberId) return p.memberId
  if (!p.deviceId) throw new Rejection('RECORDED_BY_INVALID', 'Only an enrolled tablet may send records made by another petugas')
  const rows = await ctx.deps.database.db
    .select({ permission: rolePermissions.permission })
    .from(organizationMembers)
    .innerJoin(memberRoles, eq(memberRoles.organizationMemberId, organizationMembers.id))
    .innerJoin(rolePermissions, eq(rolePermissions.roleId, memberRoles.roleId))
    .where(and(eq(organizationMembers.id, r.recorded_by), eq(organizationMembers.organizationId, p.organizationId), eq(organizationMembers.status, 'active'), eq(rolePermissions.permission, 'attendance:record:create')))
    .limit(1)
  if (rows.length === 0) throw new Rejection('RECORDED_BY_INVALID', 'The petugas named as recorder is not an active petugas of this organization')
  return r.recorded_by
}

/** The server's own face check: never the device's score. */
async function faceCheck(ctx: SyncContext, r: SyncRecord): Promise<{ distance: number | null; flags: string[] }> {
  if (!r.face_encoding) return { distance: null, flags: ['no_face'] }
  let probe: Float32Array
  try {
    probe = decodeDescriptor(r.face_encoding)
  } catch (err) {
    if (err instanceof DescriptorError) throw new Rejection('BAD_DESCRIPTOR', 'The face data is not a valid face descriptor')
    throw err
  }
  const { db } = ctx.deps.database
  const rows = await db
    .select({ e: memberFaceData.faceEncoding })
    .from(memberFaceData)
    .where(and(eq(memberFaceData.organizationId, ctx.principal.organizationId), eq(memberFaceData.organizationMemberId, r.member_id)))
  const own = verify(rows.map((x) => descriptorFromBytes(new Uint8Array(x.e))), probe, ctx.rules.settings.face_threshold)
  const flags: string[] = []
  if (!own.verified) flags.push('face_not_verified')
  else {
    // 1:N over the organization: the face must not be closer to someone else, and should clear the margin.
    const hit = identify(await galleryOf(ctx.deps, ctx.principal.organizationId), probe, {
      threshold: ctx.rules.settings.face_threshold,
      margin: ctx.rules.settings.face_margin,
    })
    if (hit.memberId !== r.member_id) flags.push('face_not_verified')
    else if (!hit.verified) flags.push('low_match_margin')
  }
  return { distance: own.distance, flags }
}

async function storePhoto(ctx: SyncContext, r: SyncRecord, probe: string | undefined): Promise<{ key: string | null; flags: string[] }> {
  if (!r.face_image) return { key: null, flags: [] }
  let bytes: Buffer
  try {
    bytes = decodePhoto(r.face_image)
    await assertImage(bytes)
  } catch (err) {
    if (err instanceof AppError) throw new Rejection(err.code, err.message)
    throw err
  }
  const flags: string[] = []
  if (ctx.rules.settings.face_reverify_photos && probe) {
    const { describeSingleFace } = await import('../../face/inference')
    const described = await describeSingleFace(bytes)
    const claimed = decodeDescriptor(probe)
    if (!described.ok || verify([described.descriptor], claimed, ctx.rules.settings.face_threshold).verified === false) {
      throw new Rejection('PHOTO_MISMATCH', 'The photo does not show the face that was checked')
    }
  }
  const key = photoKey(ctx.principal.organizationId, 'attendance', r.member_id)
  await ctx.deps.storage.put(key, await normalizePhoto(bytes))
  return { key, flags }
}

/**
 * Applies one capture. Each record commits on its own, so one bad record never holds back the others, and a batch
 * cut off half-way is safe to send again: what committed answers "duplicate".
 */
export async function applyRecord(ctx: SyncContext, raw: unknown): Promise<SyncResult> {
  const parsed = syncRecordSchema.safeParse(raw)
  const clientId = typeof (raw as { client_id?: unknown })?.client_id === 'string' ? ((raw as { client_id: string }).client_id) : null
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    return { client_id: clientId, status: 'rejected', code: 'VALIDATION_FAILED', reason: `${first?.path.join('.') || 'record'}: ${first?.message ?? 'invalid'}` }
  }
  const r = parsed.data
  const hash = payloadHash(r)
  const seen = await existingOutcome(ctx, r.client_id, hash)
  if (seen) return seen

  let photoKeyStored: string | null = null
  try {
    await assertMember(ctx, r.member_id)
    const recordedBy = await recorderOf(ctx, r)
    const face = await faceCheck(ctx, r)
    const photo = await storePhoto(ctx, r, r.face_encoding)
    photoKeyStored = photo.key

    const deviceCapturedAt = new Date(r.captured_at)
    const capturedAt = new Date(deviceCapturedAt.getTime() + ctx.skewMs)
    const local = toLocal(capturedAt, ctx.rules.timezone)
    const flags = new Set([...face.flags, ...photo.flags])
    if (isClockSkewed(ctx.skewMs)) flags.add('clock_skew')

    if (r.latitude !== undefined && r.longitude !== undefined) {
      const fences = ctx.rules.locations.filter((l) => l.latitude !== null && l.longitude !== null && (r.location_id === undefined || l.id === r.location_id))
      if (fences.length > 0) {
        const inside = fences.some((f) => checkGeofence({ latitude: r.latitude!, longitude: r.longitude!, accuracyMeters: r.accuracy }, { latitude: f.latitude!, longitude: f.longitude!, radiusMeters: f.radiusMeters }).inside)
        if (!inside) {
          if (ctx.rules.settings.geofence_policy === 'refuse') throw new Rejection('OUTSIDE_GEOFENCE', 'The capture was made outside the allowed location')
          flags.add('outside_geofence')
        }
      }
    }
    if (r.location_id !== undefined && !ctx.rules.locations.some((l) => l.id === r.location_id)) {
      throw new Rejection('UNKNOWN_LOCATION', 'No such location in this organization')
    }

    const schedule = await memberSchedule(ctx.deps.database.db, ctx.principal.organizationId, r.member_id, ctx.rules.defaultSchedule)
    const p = ctx.principal
    const score = face.distance === null ? null : distanceToScore(face.distance)

    const outcome = await ctx.deps.database.db.transaction(async (tx) => {
      // One capture at a time per member and day, so check-in/out from several devices fold in any order.
      await tx.execute(sql`select pg_advisory_xact_lock(${p.organizationId}, ${r.member_id})`)
      const [event] = await tx
        .insert(attendanceEvents)
        .values({
          organizationId: p.organizationId,
          clientId: r.client_id,
          organizationMemberId: r.member_id,
          kind: r.kind,
          payloadHash: hash,
          recordedBy,
          deviceId: p.deviceId,
          mobileDeviceId: ctx.mobileDeviceId,
          deviceCapturedAt,
          capturedAt,
          clockSkewMs: Math.max(-2_000_000_000, Math.min(2_000_000_000, ctx.skewMs)),
          faceDistance: face.distance,
        })
        .onConflictDoNothing()
        .returning({ id: attendanceEvents.id })
      if (!event) return null // a concurrent copy of this batch got there first

      const [existing] = await tx
        .select()
        .from(attendanceRecords)
        .where(and(eq(attendanceRecords.organizationId, p.organizationId), eq(attendanceRecords.organizationMemberId, r.member_id), eq(attendanceRecords.attendanceDate, local.date)))
        .for('update')
      const recordFlags = new Set([...(existing?.flags ?? []), ...flags])
      let values: Partial<typeof attendanceRecords.$inferInsert> = {}
      // A device that did not know of an earlier check-in (made on another device) sends "check in" when the person
      // means to leave: a check-in well after the day's first one is taken as a check-out, never dropped.
      const kind = r.kind === 'check_in' && existing?.checkInTime && minutesOf(local.time) - minutesOf(existing.checkInTime) >= LATE_SECOND_CHECKIN_MINUTES ? 'check_out' : r.kind
      await tx.update(attendanceEvents).set({ kind }).where(eq(attendanceEvents.id, event.id))
      if (kind === 'check_in') {
        if (!existing?.checkInTime || local.time < existing.checkInTime) {
          const status = checkInStatus(schedule, local.time)
          recordFlags.delete('late')
          recordFlags.delete('missing_check_in')
          if (status.status === 'late') recordFlags.add('late')
          values = { checkInTime: local.time, status: status.status, ...(existing?.status === 'excused' ? { source: 'mobile' as const } : {}), clientId: r.client_id, faceImageUrl: photo.key ?? existing?.faceImageUrl, faceMatchScore: score, deviceMatchScore: r.face_match_score, deviceCapturedAt, recordedBy, deviceId: p.deviceId, locationId: r.location_id, latitude: r.latitude, longitude: r.longitude, accuracyMeters: r.accuracy, remarks: r.remarks ?? existing?.remarks }
        }
      } else {
        if (!existing?.checkOutTime || local.time > existing.checkOutTime) {
          recordFlags.delete('left_early')
          if (checkOutStatus(schedule, local.time).leftEarly) recordFlags.add('left_early')
          values = { checkOutTime: local.time }
          if (!existing) {
            recordFlags.add('missing_check_in')
            values = { ...values, status: 'present', faceImageUrl: photo.key, faceMatchScore: score, deviceMatchScore: r.face_match_score, deviceCapturedAt, recordedBy, deviceId: p.deviceId, remarks: r.remarks }
          }
        }
      }
      const flagList = [...recordFlags].sort()
      const review = flagList.some((f) => NEEDS_REVIEW.has(f))
      let recordId: number
      let status: 'present' | 'late' | 'absent' | 'excused'
      if (!existing) {
        const [created] = await tx
          .insert(attendanceRecords)
          .values({
            organizationId: p.organizationId,
            organizationMemberId: r.member_id,
            attendanceDate: local.date,
            status: 'present',
            source: 'mobile',
            ...values,
            flags: flagList,
            approvalStatus: review ? 'pending' : 'approved',
            serverReceivedAt: new Date(),
          })
          .returning({ id: attendanceRecords.id, status: attendanceRecords.status })
        recordId = created!.id
        status = created!.status
      } else {
        const approval = existing.approvalStatus === 'approved' && review ? 'pending' : existing.approvalStatus
        const [updated] = await tx
          .update(attendanceRecords)
          .set({ ...values, flags: flagList, approvalStatus: approval, updatedAt: new Date() })
          .where(eq(attendanceRecords.id, existing.id))
          .returning({ id: attendanceRecords.id, status: attendanceRecords.status })
        recordId = updated!.id
        status = updated!.status
      }
      await tx.update(attendanceEvents).set({ attendanceRecordId: recordId }).where(eq(attendanceEvents.id, event.id))
      // A replaced photo (an earlier check-in superseded) is not kept.
      const superseded = existing?.faceImageUrl && values.faceImageUrl && values.faceImageUrl !== existing.faceImageUrl ? existing.faceImageUrl : null
      return { recordId, status, flags: flagList, superseded, usedPhoto: values.faceImageUrl === photo.key }
    })
    if (!outcome) {
      if (photoKeyStored) await ctx.deps.storage.delete(photoKeyStored)
      return (await existingOutcome(ctx, r.client_id, hash))!
    }
    if (outcome.superseded) await ctx.deps.storage.delete(outcome.superseded)
    if (photoKeyStored && !outcome.usedPhoto) await ctx.deps.storage.delete(photoKeyStored)
    return { client_id: r.client_id, status: 'applied', record_id: outcome.recordId, attendance_status: outcome.status, flags: outcome.flags }
  } catch (err) {
    if (photoKeyStored) await ctx.deps.storage.delete(photoKeyStored)
    if (err instanceof Rejection) return { client_id: r.client_id, status: 'rejected', code: err.code, reason: err.message }
    throw err
  }
}
