import crypto from 'node:crypto'
import { and, eq, inArray, sql } from 'drizzle-orm'
import type { AppDeps, Principal } from '../../context'
import type { Tx } from '../../db/client'
import {
  attendanceEvents,
  attendanceRecords,
  departments,
  memberRoles,
  organizationMembers,
  rolePermissions,
  workSchedules,
} from '../../db/schema'
import { syncRecordSchema, type SyncRecord, type SyncResult } from '../../../shared/attendance/sync'
import { checkGeofence, checkInStatus, checkOutStatus, isClockSkewed, minutesOf, toLocal, type WorkSchedule } from '../../../shared/attendance/rules'
import { decodeDescriptor, DescriptorError, FACE_DESCRIPTOR_LENGTH } from '../../../shared/face/descriptor'
import { distanceToScore, identify, verify, type FaceGallery, type MatchOptions } from '../../../shared/face/match'
import { AppError } from '../../errors'
import { assertImage, decodePhoto, normalizePhoto } from '../../face/photos'
import { photoKey } from '../../storage/storage'
import { galleryOf } from '../faces/faces.service'
import type { OrganizationRules } from './attendance.schedule'

// Sync ingest. A batch is applied in three steps:
//   1. per record, without writing: validation, idempotency (events already received), member and recorder checks,
//      the server's own face check and the photo, place and clock rules. What they need of the database (members and
//      their schedules, recorders, descriptors, known events) is read once for the whole batch.
//   2. the records that passed are written in ONE transaction with multi-row statements: advisory locks on the batch's
//      members, a re-check of the events (a concurrent copy of the batch may have committed meanwhile), the day
//      records locked, check-ins and check-outs folded into them in memory in the batch's order, then written.
//   3. if that transaction fails for any reason, each record is written in its own transaction instead (the path
//      single captures always take), so one bad record never holds back the others.
// Both write paths fold with the same function and take the same per-member advisory lock, so they interleave safely.

/** A second "check in" this long after the first one of the day is a check-out the device did not know to call so. */
const LATE_SECOND_CHECKIN_MINUTES = 120

/** Flags that send a record to review instead of approving it outright. */
const NEEDS_REVIEW = new Set(['face_not_verified', 'no_face', 'outside_geofence', 'clock_skew', 'photo_mismatch'])

/** How many records of a batch prepare their photo at once (sharp re-encodes on libuv's thread pool). */
const PHOTO_CONCURRENCY = 4

/** Test switch: `false` writes every record in its own transaction (the fallback path), to compare the two. */
export const syncSettings = { batchWrites: true }

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

/** The write transaction of a batch could not take every record as planned: write them one by one instead. */
class BatchAbandoned extends Error {}

/** A stable hash of what the device sent for one capture: the same id with another hash is a conflict. */
export function payloadHash(r: SyncRecord): string {
  const photo = r.face_image ? crypto.createHash('sha256').update(r.face_image).digest('hex') : null
  const fields: unknown[] = [r.member_id, r.kind, new Date(r.captured_at).toISOString(), r.face_encoding ?? null, r.face_match_score ?? null, photo, r.remarks ?? null, r.location_id ?? null, r.latitude ?? null, r.longitude ?? null, r.accuracy ?? null]
  // Appended only when present, so records sent before the field existed keep their hash.
  if (r.recorded_by !== undefined) fields.push(['recorded_by', r.recorded_by])
  const canonical = JSON.stringify(fields)
  return crypto.createHash('sha256').update(canonical).digest('base64url')
}

interface KnownEvent {
  hash: string
  recordId: number | null
}

function knownOutcome(clientId: string, hash: string, event: KnownEvent): SyncResult {
  if (event.hash === hash) return { client_id: clientId, status: 'duplicate', record_id: event.recordId ?? undefined }
  return { client_id: clientId, status: 'conflict', code: 'CLIENT_ID_REUSED', reason: 'A different record was already received with this id' }
}

/** Events already received with these client ids. */
async function knownEvents(db: Tx, organizationId: number, clientIds: string[]): Promise<Map<string, KnownEvent>> {
  const known = new Map<string, KnownEvent>()
  if (clientIds.length === 0) return known
  const rows = await db
    .select({ clientId: attendanceEvents.clientId, hash: attendanceEvents.payloadHash, recordId: attendanceEvents.attendanceRecordId })
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.organizationId, organizationId), inArray(attendanceEvents.clientId, clientIds)))
  for (const row of rows) known.set(row.clientId, { hash: row.hash, recordId: row.recordId })
  return known
}

// ---------------------------------------------------------------- what a batch reads once

interface BatchLookups {
  members: Map<number, { status: string; schedule: WorkSchedule | null }>
  /** Members the tablet may name as `recorded_by`: active petugas of the organization. */
  recorders: Set<number>
  /** The batch's members' registered descriptors (for the 1:1 check), read from the organization's gallery. */
  descriptors(): Promise<Map<number, Float32Array[]>>
  gallery(): Promise<FaceGallery>
}

async function loadLookups(ctx: SyncContext, records: readonly SyncRecord[]): Promise<BatchLookups> {
  const { db } = ctx.deps.database
  const p = ctx.principal
  const organizationId = p.organizationId
  const memberIds = [...new Set(records.map((r) => r.member_id))]
  const faceMemberIds = [...new Set(records.filter((r) => r.face_encoding).map((r) => r.member_id))]
  const mayRecordOthers = p.permissions.has('attendance:record:create')
  const recorderIds = mayRecordOthers && p.deviceId ? [...new Set(records.flatMap((r) => (r.recorded_by !== undefined && r.recorded_by !== p.memberId ? [r.recorded_by] : [])))] : []

  const [memberRows, recorderRows] = await Promise.all([
    memberIds.length === 0
      ? []
      : db
          .select({
            id: organizationMembers.id,
            status: organizationMembers.status,
            workDays: workSchedules.workDays,
            startTime: workSchedules.startTime,
            endTime: workSchedules.endTime,
            tolerance: workSchedules.lateToleranceMinutes,
          })
          .from(organizationMembers)
          .leftJoin(departments, eq(departments.id, organizationMembers.departmentId))
          .leftJoin(workSchedules, eq(workSchedules.id, departments.workScheduleId))
          .where(and(eq(organizationMembers.organizationId, organizationId), inArray(organizationMembers.id, memberIds))),
    recorderIds.length === 0
      ? []
      : db
          .selectDistinct({ id: organizationMembers.id })
          .from(organizationMembers)
          .innerJoin(memberRoles, eq(memberRoles.organizationMemberId, organizationMembers.id))
          .innerJoin(rolePermissions, eq(rolePermissions.roleId, memberRoles.roleId))
          .where(
            and(
              inArray(organizationMembers.id, recorderIds),
              eq(organizationMembers.organizationId, organizationId),
              eq(organizationMembers.status, 'active'),
              eq(rolePermissions.permission, 'attendance:record:create'),
            ),
          ),
  ])

  const members = new Map<number, { status: string; schedule: WorkSchedule | null }>()
  for (const m of memberRows) {
    const schedule =
      m.workDays !== null && m.startTime !== null && m.endTime !== null && m.tolerance !== null
        ? { workDays: m.workDays, startTime: m.startTime, endTime: m.endTime, lateToleranceMinutes: m.tolerance }
        : null
    members.set(m.id, { status: m.status, schedule })
  }
  let gallery: Promise<FaceGallery> | null = null
  const galleryOnce = () => (gallery ??= galleryOf(ctx.deps, organizationId))
  // The 1:1 check reads the member's rows of the gallery the 1:N check scans (the in-memory index, dropped whenever
  // a face changes), not the database again: one source for both checks, and no descriptor bytes over the wire.
  let descriptors: Promise<Map<number, Float32Array[]>> | null = null
  const descriptorsOnce = () =>
    (descriptors ??= galleryOnce().then((g) => {
      const wanted = new Set(faceMemberIds)
      const byMember = new Map<number, Float32Array[]>()
      for (let row = 0; row < g.size; row++) {
        const id = g.memberIds[row] as number
        if (!wanted.has(id)) continue
        let list = byMember.get(id)
        if (!list) byMember.set(id, (list = []))
        list.push(g.descriptors.subarray(row * FACE_DESCRIPTOR_LENGTH, (row + 1) * FACE_DESCRIPTOR_LENGTH))
      }
      return byMember
    }))
  return {
    members,
    recorders: new Set(recorderRows.map((r) => r.id)),
    descriptors: descriptorsOnce,
    gallery: galleryOnce,
  }
}

// ---------------------------------------------------------------- step 1: checks and rules, per record

/** Who the capture is for, and whether the caller may record it: members only themselves, petugas anyone active. */
function assertMember(ctx: SyncContext, look: BatchLookups, memberId: number): void {
  const p = ctx.principal
  const mayRecordOthers = p.permissions.has('attendance:record:create')
  if (!mayRecordOthers && memberId !== p.memberId) throw new Rejection('NOT_ALLOWED', 'A member can only record their own attendance')
  const m = look.members.get(memberId)
  if (!m) throw new Rejection('UNKNOWN_MEMBER', 'No such member in this organization')
  if (m.status !== 'active') throw new Rejection('MEMBER_INACTIVE', 'This member is inactive')
}

/**
 * Who made the capture. A petugas's own session is the default; a tablet may name another petugas of the organization
 * (records queued offline before a change of shift), checked here, never taken on trust.
 */
function recorderOf(ctx: SyncContext, look: BatchLookups, r: SyncRecord): number | null {
  const p = ctx.principal
  if (!p.permissions.has('attendance:record:create')) return null
  if (r.recorded_by === undefined || r.recorded_by === p.memberId) return p.memberId
  if (!p.deviceId) throw new Rejection('RECORDED_BY_INVALID', 'Only an enrolled tablet may send records made by another petugas')
  if (!look.recorders.has(r.recorded_by)) throw new Rejection('RECORDED_BY_INVALID', 'The petugas named as recorder is not an active petugas of this organization')
  return r.recorded_by
}

/**
 * What `identify(gallery, probe, options)` concludes about `memberId`: `ok` (the best match, clear of everyone else by
 * the margin), `low_match_margin` (the best match, but not by the margin or not under the threshold) or
 * `face_not_verified` (someone else is closer, or the member is not in the gallery).
 */
export function galleryCheck(
  gallery: FaceGallery,
  probe: Float32Array,
  memberId: number,
  options: MatchOptions,
  ownDistance?: number,
): 'ok' | 'low_match_margin' | 'face_not_verified' {
  // With the member's own distance known, nobody further than own + margin can change the conclusion: scan only
  // that near (slack for the order of summation), which drops nearly every row after a few of its values.
  const horizon = ownDistance === undefined ? undefined : (ownDistance + options.margin) * (1 + 1e-6) + 1e-9
  const hit = identify(gallery, probe, options, { horizon })
  if (hit.memberId !== memberId) return 'face_not_verified'
  return hit.verified ? 'ok' : 'low_match_margin'
}

/** The server's own face check: never the device's score. */
async function faceCheck(ctx: SyncContext, look: BatchLookups, r: SyncRecord): Promise<{ distance: number | null; flags: string[] }> {
  if (!r.face_encoding) return { distance: null, flags: ['no_face'] }
  let probe: Float32Array
  try {
    probe = decodeDescriptor(r.face_encoding)
  } catch (err) {
    if (err instanceof DescriptorError) throw new Rejection('BAD_DESCRIPTOR', 'The face data is not a valid face descriptor')
    throw err
  }
  const { face_threshold: threshold, face_margin: margin } = ctx.rules.settings
  const own = verify((await look.descriptors()).get(r.member_id) ?? [], probe, threshold)
  const flags: string[] = []
  if (!own.verified) flags.push('face_not_verified')
  else {
    // 1:N over the organization: the face must not be closer to someone else, and should clear the margin.
    const outcome = galleryCheck(await look.gallery(), probe, r.member_id, { threshold, margin }, own.distance ?? undefined)
    if (outcome !== 'ok') flags.push(outcome)
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

/** A record that passed every check, with everything its write needs. */
interface Prepared {
  /** Position in the batch. */
  index: number
  r: SyncRecord
  hash: string
  recordedBy: number | null
  distance: number | null
  photoKey: string | null
  flags: string[]
  deviceCapturedAt: Date
  capturedAt: Date
  date: string
  time: string
  schedule: WorkSchedule
}

async function prepare(ctx: SyncContext, look: BatchLookups, index: number, r: SyncRecord, hash: string): Promise<Prepared> {
  assertMember(ctx, look, r.member_id)
  const recordedBy = recorderOf(ctx, look, r)
  const face = await faceCheck(ctx, look, r)
  const photo = await storePhoto(ctx, r, r.face_encoding)
  try {
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
    return {
      index,
      r,
      hash,
      recordedBy,
      distance: face.distance,
      photoKey: photo.key,
      flags: [...flags],
      deviceCapturedAt,
      capturedAt,
      date: local.date,
      time: local.time,
      schedule: look.members.get(r.member_id)?.schedule ?? ctx.rules.defaultSchedule,
    }
  } catch (err) {
    if (photo.key) await ctx.deps.storage.delete(photo.key)
    throw err
  }
}

// ---------------------------------------------------------------- folding a capture into its day

type AttendanceStatus = 'present' | 'late' | 'absent' | 'excused'

/** The columns of a day record that captures change (the rest never moves after the insert). */
interface DayState {
  checkInTime: string | null
  checkOutTime: string | null
  status: AttendanceStatus
  source: 'mobile' | 'website' | 'manual'
  clientId: string | null
  faceImageUrl: string | null
  faceMatchScore: number | null
  deviceMatchScore: number | null
  deviceCapturedAt: Date | null
  recordedBy: number | null
  deviceId: number | null
  locationId: number | null
  latitude: number | null
  longitude: number | null
  accuracyMeters: number | null
  remarks: string | null
  flags: string[]
  approvalStatus: 'pending' | 'approved' | 'rejected'
}

const NEW_DAY: DayState = {
  checkInTime: null,
  checkOutTime: null,
  status: 'present',
  source: 'mobile',
  clientId: null,
  faceImageUrl: null,
  faceMatchScore: null,
  deviceMatchScore: null,
  deviceCapturedAt: null,
  recordedBy: null,
  deviceId: null,
  locationId: null,
  latitude: null,
  longitude: null,
  accuracyMeters: null,
  remarks: null,
  flags: [],
  approvalStatus: 'approved',
}

function dayStateOf(row: typeof attendanceRecords.$inferSelect): DayState {
  const state = { ...NEW_DAY }
  for (const key of Object.keys(NEW_DAY) as (keyof DayState)[]) (state as Record<string, unknown>)[key] = row[key]
  return state
}

/**
 * One capture folded into its day: `existing` is the day as it stands (null: no record yet). Check-in and check-out
 * from any device, in any order: the earliest check-in and the latest check-out win; a second check-in long after the
 * first is the check-out. Pure, so the batch and the single-record paths fold identically.
 */
function fold(existing: DayState | null, p: Prepared, deviceId: number | null): { kind: 'check_in' | 'check_out'; next: DayState } {
  const r = p.r
  const recordFlags = new Set([...(existing?.flags ?? []), ...p.flags])
  const score = p.distance === null ? null : distanceToScore(p.distance)
  let values: Partial<DayState> = {}
  // A device that did not know of an earlier check-in (made on another device) sends "check in" when the person
  // means to leave: a check-in well after the day's first one is taken as a check-out, never dropped.
  const kind = r.kind === 'check_in' && existing?.checkInTime && minutesOf(p.time) - minutesOf(existing.checkInTime) >= LATE_SECOND_CHECKIN_MINUTES ? 'check_out' : r.kind
  if (kind === 'check_in') {
    if (!existing?.checkInTime || p.time < existing.checkInTime) {
      const status = checkInStatus(p.schedule, p.time)
      recordFlags.delete('late')
      recordFlags.delete('missing_check_in')
      if (status.status === 'late') recordFlags.add('late')
      values = {
        checkInTime: p.time,
        status: status.status,
        ...(existing?.status === 'excused' ? { source: 'mobile' as const } : {}),
        clientId: r.client_id,
        faceImageUrl: p.photoKey ?? existing?.faceImageUrl,
        faceMatchScore: score,
        deviceMatchScore: r.face_match_score,
        deviceCapturedAt: p.deviceCapturedAt,
        recordedBy: p.recordedBy,
        deviceId,
        locationId: r.location_id,
        latitude: r.latitude,
        longitude: r.longitude,
        accuracyMeters: r.accuracy,
        remarks: r.remarks ?? existing?.remarks,
      }
    }
  } else if (!existing?.checkOutTime || p.time > existing.checkOutTime) {
    recordFlags.delete('left_early')
    if (checkOutStatus(p.schedule, p.time).leftEarly) recordFlags.add('left_early')
    values = { checkOutTime: p.time }
    if (!existing) {
      recordFlags.add('missing_check_in')
      values = { ...values, status: 'present', faceImageUrl: p.photoKey, faceMatchScore: score, deviceMatchScore: r.face_match_score, deviceCapturedAt: p.deviceCapturedAt, recordedBy: p.recordedBy, deviceId, remarks: r.remarks }
    }
  }
  // An absent value leaves the column as it is (and a new record's column at its default).
  const set = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<DayState>
  const flags = [...recordFlags].sort()
  const review = flags.some((f) => NEEDS_REVIEW.has(f))
  const approvalStatus = !existing ? (review ? 'pending' : 'approved') : existing.approvalStatus === 'approved' && review ? 'pending' : existing.approvalStatus
  return { kind, next: { ...(existing ?? NEW_DAY), ...set, flags, approvalStatus } }
}

// ---------------------------------------------------------------- step 2 and 3: writing

type Written = { applied: { recordId: number; status: AttendanceStatus; flags: string[] } } | { known: KnownEvent }

interface DayRow {
  /** null until inserted. */
  id: number | null
  memberId: number
  date: string
  original: DayState | null
  state: DayState
}

const dayKey = (memberId: number, date: string) => `${memberId}|${date}`
const intArray = (xs: readonly number[]) => `{${xs.join(',')}}`
const textArray = (xs: readonly string[]) => `{${xs.map((x) => `"${x}"`).join(',')}}`

async function lockMembers(tx: Tx, organizationId: number, memberIds: readonly number[]): Promise<void> {
  // One capture at a time per member (any path, any instance), taken in id order so batches never deadlock.
  const ids = [...new Set(memberIds)].sort((a, b) => a - b)
  if (ids.length === 1) await tx.execute(sql`select pg_advisory_xact_lock(${organizationId}, ${ids[0]})`)
  else await tx.execute(sql`select pg_advisory_xact_lock(${organizationId}, m) from (select m from unnest(${intArray(ids)}::int[]) as m order by m) as s`)
}

async function lockDays(tx: Tx, organizationId: number, keys: readonly { memberId: number; date: string }[]): Promise<Map<string, typeof attendanceRecords.$inferSelect>> {
  const rows = await tx
    .select()
    .from(attendanceRecords)
    .where(
      and(
        eq(attendanceRecords.organizationId, organizationId),
        sql`(${attendanceRecords.organizationMemberId}, ${attendanceRecords.attendanceDate}) in (select * from unnest(${intArray(keys.map((k) => k.memberId))}::int[], ${textArray(keys.map((k) => k.date))}::date[]))`,
      ),
    )
    .for('update')
  return new Map(rows.map((row) => [dayKey(row.organizationMemberId, row.attendanceDate), row]))
}

/** Rows of a raw statement, whichever driver ran it (postgres-js answers an array, PGlite `{ rows }`). */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])) as T[]
}

const DAY_COLUMNS = `check_in_time time, check_out_time time, status text, source text, client_id uuid, face_image_url text,
  face_match_score real, device_match_score real, device_captured_at timestamptz, recorded_by integer, device_id integer,
  location_id integer, latitude double precision, longitude double precision, accuracy_meters real, remarks text,
  flags text[], approval_status text`

function dayJson(d: DayRow): Record<string, unknown> {
  const s = d.state
  return {
    id: d.id,
    member_id: d.memberId,
    date: d.date,
    check_in_time: s.checkInTime,
    check_out_time: s.checkOutTime,
    status: s.status,
    source: s.source,
    client_id: s.clientId,
    face_image_url: s.faceImageUrl,
    face_match_score: s.faceMatchScore,
    device_match_score: s.deviceMatchScore,
    device_captured_at: s.deviceCapturedAt,
    recorded_by: s.recordedBy,
    device_id: s.deviceId,
    location_id: s.locationId,
    latitude: s.latitude,
    longitude: s.longitude,
    accuracy_meters: s.accuracyMeters,
    remarks: s.remarks,
    flags: s.flags,
    approval_status: s.approvalStatus,
  }
}

/**
 * Inserts the new days and updates the changed ones: two statements whatever the number of days, each carrying its
 * rows as one JSON parameter, sent together.
 */
async function persistDays(tx: Tx, organizationId: number, days: DayRow[]): Promise<void> {
  const inserts = days.filter((d) => d.id === null)
  const updates = days.filter((d) => d.id !== null && d.original !== null)
  const insert = async () => {
    if (inserts.length === 0) return
    const created = rowsOf<{ id: number; member_id: number; date: string }>(
      await tx.execute(sql`
        insert into attendance_records (organization_id, organization_member_id, attendance_date, check_in_time, check_out_time,
          status, source, client_id, face_image_url, face_match_score, device_match_score, device_captured_at, recorded_by,
          device_id, location_id, latitude, longitude, accuracy_meters, remarks, flags, approval_status, server_received_at)
        select ${organizationId}::integer, v.member_id, v.date, v.check_in_time, v.check_out_time, v.status, v.source, v.client_id,
          v.face_image_url, v.face_match_score, v.device_match_score, v.device_captured_at, v.recorded_by, v.device_id,
          v.location_id, v.latitude, v.longitude, v.accuracy_meters, v.remarks, v.flags, v.approval_status, now()
        from jsonb_to_recordset(${JSON.stringify(inserts.map(dayJson))}::jsonb) as v(member_id integer, date date, ${sql.raw(DAY_COLUMNS)})
        returning id, organization_member_id as member_id, attendance_date::text as date`),
    )
    const ids = new Map(created.map((c) => [dayKey(Number(c.member_id), c.date), Number(c.id)]))
    for (const d of inserts) d.id = ids.get(dayKey(d.memberId, d.date)) ?? null
    if (inserts.some((d) => d.id === null)) throw new BatchAbandoned('a new day record was not created')
  }
  const update = async () => {
    if (updates.length === 0) return
    await tx.execute(sql`
      update attendance_records as a set
        check_in_time = v.check_in_time, check_out_time = v.check_out_time, status = v.status, source = v.source,
        client_id = v.client_id, face_image_url = v.face_image_url, face_match_score = v.face_match_score,
        device_match_score = v.device_match_score, device_captured_at = v.device_captured_at, recorded_by = v.recorded_by,
        device_id = v.device_id, location_id = v.location_id, latitude = v.latitude, longitude = v.longitude,
        accuracy_meters = v.accuracy_meters, remarks = v.remarks, flags = v.flags, approval_status = v.approval_status,
        updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(updates.map(dayJson))}::jsonb) as v(id integer, ${sql.raw(DAY_COLUMNS)})
      where a.id = v.id and a.organization_id = ${organizationId}`)
  }
  await Promise.all([insert(), update()])
}

function eventValues(ctx: SyncContext, p: Prepared, kind: 'check_in' | 'check_out', recordId: number | null): typeof attendanceEvents.$inferInsert {
  return {
    organizationId: ctx.principal.organizationId,
    clientId: p.r.client_id,
    attendanceRecordId: recordId,
    organizationMemberId: p.r.member_id,
    kind,
    payloadHash: p.hash,
    recordedBy: p.recordedBy,
    deviceId: ctx.principal.deviceId,
    mobileDeviceId: ctx.mobileDeviceId,
    deviceCapturedAt: p.deviceCapturedAt,
    capturedAt: p.capturedAt,
    clockSkewMs: Math.max(-2_000_000_000, Math.min(2_000_000_000, ctx.skewMs)),
    faceDistance: p.distance,
  }
}

/**
 * The batch's whole write in ONE statement: the new days inserted, the changed days updated, and every capture's event
 * inserted pointing at its day (a new day's id comes from the insert in the same statement). Answers the new days' ids
 * and the client ids whose events were new.
 */
async function writeFolded(tx: Tx, ctx: SyncContext, days: DayRow[], events: { p: Prepared; kind: 'check_in' | 'check_out'; day: DayRow }[]): Promise<{ created: Map<string, number>; inserted: Set<string> }> {
  const organizationId = ctx.principal.organizationId
  const inserts = days.filter((d) => d.id === null).map(dayJson)
  const updates = days.filter((d) => d.id !== null && d.original !== null).map(dayJson)
  const eventRows = events.map(({ p, kind, day }) => ({
    client_id: p.r.client_id,
    record_id: day.id,
    member_id: p.r.member_id,
    date: p.date,
    kind,
    hash: p.hash,
    recorded_by: p.recordedBy,
    device_captured_at: p.deviceCapturedAt,
    captured_at: p.capturedAt,
    face_distance: p.distance,
  }))
  const rows = rowsOf<{ t: string; id: number | null; member_id: number | null; date: string | null; client_id: string | null }>(
    await tx.execute(sql`
      with ins as (
        insert into attendance_records (organization_id, organization_member_id, attendance_date, check_in_time, check_out_time,
          status, source, client_id, face_image_url, face_match_score, device_match_score, device_captured_at, recorded_by,
          device_id, location_id, latitude, longitude, accuracy_meters, remarks, flags, approval_status, server_received_at)
        select ${organizationId}::integer, v.member_id, v.date, v.check_in_time, v.check_out_time, v.status, v.source, v.client_id,
          v.face_image_url, v.face_match_score, v.device_match_score, v.device_captured_at, v.recorded_by, v.device_id,
          v.location_id, v.latitude, v.longitude, v.accuracy_meters, v.remarks, v.flags, v.approval_status, now()
        from jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb) as v(member_id integer, date date, ${sql.raw(DAY_COLUMNS)})
        returning id, organization_member_id, attendance_date
      ), upd as (
        update attendance_records as a set
          check_in_time = v.check_in_time, check_out_time = v.check_out_time, status = v.status, source = v.source,
          client_id = v.client_id, face_image_url = v.face_image_url, face_match_score = v.face_match_score,
          device_match_score = v.device_match_score, device_captured_at = v.device_captured_at, recorded_by = v.recorded_by,
          device_id = v.device_id, location_id = v.location_id, latitude = v.latitude, longitude = v.longitude,
          accuracy_meters = v.accuracy_meters, remarks = v.remarks, flags = v.flags, approval_status = v.approval_status,
          updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as v(id integer, ${sql.raw(DAY_COLUMNS)})
        where a.id = v.id and a.organization_id = ${organizationId}
        returning a.id
      ), ev as (
        insert into attendance_events (organization_id, client_id, attendance_record_id, organization_member_id, kind, payload_hash,
          recorded_by, device_id, mobile_device_id, device_captured_at, captured_at, clock_skew_ms, face_distance)
        select ${organizationId}::integer, v.client_id, coalesce(v.record_id, ins.id), v.member_id, v.kind, v.hash, v.recorded_by,
          ${ctx.principal.deviceId}::integer, ${ctx.mobileDeviceId}::text, v.device_captured_at, v.captured_at,
          ${Math.max(-2_000_000_000, Math.min(2_000_000_000, ctx.skewMs))}::integer, v.face_distance
        from jsonb_to_recordset(${JSON.stringify(eventRows)}::jsonb) as v(client_id uuid, record_id integer, member_id integer,
          date date, kind text, hash text, recorded_by integer, device_captured_at timestamptz, captured_at timestamptz, face_distance real)
        left join ins on v.record_id is null and ins.organization_member_id = v.member_id and ins.attendance_date = v.date
        on conflict do nothing
        returning client_id
      )
      select 'day' as t, id, organization_member_id as member_id, attendance_date::text as date, null::text as client_id from ins
      union all
      select 'event', null, null, null, client_id::text from ev`),
  )
  const created = new Map<string, number>()
  const inserted = new Set<string>()
  for (const r of rows) {
    if (r.t === 'day') created.set(dayKey(Number(r.member_id), r.date!), Number(r.id))
    else inserted.add(r.client_id!)
  }
  return { created, inserted }
}

/** Photos that no day record points to any more: a capture's photo that lost to an earlier check-in, or a replaced one. */
function unusedPhotos(days: Iterable<DayRow>, prepared: readonly Prepared[], applied: (p: Prepared) => boolean): string[] {
  const finalPhotos = new Set<string>()
  const out: string[] = []
  for (const d of days) {
    if (d.state.faceImageUrl) finalPhotos.add(d.state.faceImageUrl)
    if (d.original?.faceImageUrl && d.original.faceImageUrl !== d.state.faceImageUrl) out.push(d.original.faceImageUrl)
  }
  for (const p of prepared) if (p.photoKey && (!applied(p) || !finalPhotos.has(p.photoKey))) out.push(p.photoKey)
  return out
}

/** Step 2: the whole batch in one transaction. Throws BatchAbandoned (or a database error) to fall back to step 3. */
async function writeBatch(ctx: SyncContext, prepared: readonly Prepared[]): Promise<Map<Prepared, Written>> {
  const organizationId = ctx.principal.organizationId
  const deviceId = ctx.principal.deviceId
  const outcome = new Map<Prepared, Written>()
  const days = new Map<string, DayRow>()
  await ctx.deps.database.db.transaction(async (tx) => {
    // Sent together, run in order: the locks, then (seeing what committed while waiting for them: a concurrent copy
    // of this batch) the events already received and the days to fold into, locked.
    const keys = [...new Map(prepared.map((p) => [dayKey(p.r.member_id, p.date), { memberId: p.r.member_id, date: p.date }])).values()]
    const [, known, existing] = await Promise.all([
      lockMembers(tx, organizationId, prepared.map((p) => p.r.member_id)),
      knownEvents(tx, organizationId, prepared.map((p) => p.r.client_id)),
      lockDays(tx, organizationId, keys),
    ])
    const fresh = prepared.filter((p) => !known.has(p.r.client_id))
    for (const p of prepared) {
      const event = known.get(p.r.client_id)
      if (event) outcome.set(p, { known: event })
    }
    if (fresh.length === 0) return

    for (const k of keys) {
      const row = existing.get(dayKey(k.memberId, k.date))
      const original = row ? dayStateOf(row) : null
      days.set(dayKey(k.memberId, k.date), { id: row?.id ?? null, memberId: k.memberId, date: k.date, original, state: original ?? NEW_DAY })
    }
    // Fold in the batch's order, as if each record had been sent alone.
    const folded: { p: Prepared; kind: 'check_in' | 'check_out'; day: DayRow; status: AttendanceStatus; flags: string[] }[] = []
    const touched = new Set<DayRow>()
    for (const p of fresh) {
      const day = days.get(dayKey(p.r.member_id, p.date))!
      const { kind, next } = fold(day.original === null && !touched.has(day) ? null : day.state, p, deviceId)
      day.state = next
      touched.add(day)
      folded.push({ p, kind, day, status: next.status, flags: next.flags })
    }
    const { created, inserted } = await writeFolded(tx, ctx, [...touched], folded)
    for (const day of touched) if (day.id === null) day.id = created.get(dayKey(day.memberId, day.date)) ?? null
    if ([...touched].some((d) => d.id === null)) throw new BatchAbandoned('a new day record was not created')
    // An id taken by another member's capture in a concurrent batch (the locks did not cover it): start over, one by one.
    if (inserted.size !== folded.length) throw new BatchAbandoned('a client id was taken concurrently')
    for (const f of folded) outcome.set(f.p, { applied: { recordId: f.day.id!, status: f.status, flags: f.flags } })
  })
  const unused = unusedPhotos(days.values(), prepared, (p) => 'applied' in (outcome.get(p) ?? {}))
  await Promise.all(unused.map((key) => ctx.deps.storage.delete(key)))
  return outcome
}

/** Step 3 (and a single capture): one record, one transaction. */
async function writeOne(ctx: SyncContext, p: Prepared): Promise<Written> {
  const organizationId = ctx.principal.organizationId
  const deviceId = ctx.principal.deviceId
  let done: { day: DayRow; written: Written } | null
  try {
    done = await ctx.deps.database.db.transaction(async (tx) => {
      await lockMembers(tx, organizationId, [p.r.member_id])
      const [event] = await tx.insert(attendanceEvents).values(eventValues(ctx, p, p.r.kind, null)).onConflictDoNothing().returning({ id: attendanceEvents.id })
      if (!event) return null // a concurrent copy of this batch got there first

      const row = (await lockDays(tx, organizationId, [{ memberId: p.r.member_id, date: p.date }])).get(dayKey(p.r.member_id, p.date))
      const original = row ? dayStateOf(row) : null
      const { kind, next } = fold(original, p, deviceId)
      const day: DayRow = { id: row?.id ?? null, memberId: p.r.member_id, date: p.date, original, state: next }
      await persistDays(tx, organizationId, [day])
      await tx.update(attendanceEvents).set({ kind, attendanceRecordId: day.id }).where(eq(attendanceEvents.id, event.id))
      return { day, written: { applied: { recordId: day.id!, status: next.status, flags: next.flags } } }
    })
  } catch (err) {
    if (p.photoKey) await ctx.deps.storage.delete(p.photoKey)
    throw err
  }
  const unused = unusedPhotos(done ? [done.day] : [], [p], () => done !== null)
  await Promise.all(unused.map((key) => ctx.deps.storage.delete(key)))
  if (done) return done.written
  const known = (await knownEvents(ctx.deps.database.db, organizationId, [p.r.client_id])).get(p.r.client_id)
  if (!known) throw new Error(`attendance event ${p.r.client_id} vanished`)
  return { known }
}

// ---------------------------------------------------------------- the entry points

function parse(raw: unknown): { r: SyncRecord; hash: string } | SyncResult {
  const parsed = syncRecordSchema.safeParse(raw)
  if (!parsed.success) {
    const clientId = typeof (raw as { client_id?: unknown })?.client_id === 'string' ? (raw as { client_id: string }).client_id : null
    const first = parsed.error.issues[0]
    return { client_id: clientId, status: 'rejected', code: 'VALIDATION_FAILED', reason: `${first?.path.join('.') || 'record'}: ${first?.message ?? 'invalid'}` }
  }
  return { r: parsed.data, hash: payloadHash(parsed.data) }
}

async function mapLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/**
 * Applies a batch of captures (at most MAX_SYNC_BATCH) and answers per record, in order. Safe to repeat: what was
 * received before answers "duplicate" (or "conflict" when the same id comes with another payload). The device's
 * outcome is the same as if each record had been sent alone, one after another.
 */
export async function applyBatch(ctx: SyncContext, raws: readonly unknown[]): Promise<SyncResult[]> {
  const results: (SyncResult | undefined)[] = new Array(raws.length)
  const organizationId = ctx.principal.organizationId
  const candidates: { index: number; r: SyncRecord; hash: string }[] = []
  const repeats: number[] = []
  const ids = new Set<string>()
  raws.forEach((raw, index) => {
    const parsed = parse(raw)
    if ('status' in parsed) results[index] = parsed
    else if (ids.has(parsed.r.client_id)) repeats.push(index) // answered after the first copy is written
    else {
      ids.add(parsed.r.client_id)
      candidates.push({ index, ...parsed })
    }
  })

  // What was received before, and what the checks need to know, read together.
  const [known, look] = await Promise.all([
    knownEvents(ctx.deps.database.db, organizationId, candidates.map((c) => c.r.client_id)),
    candidates.length > 0 ? loadLookups(ctx, candidates.map((c) => c.r)) : null,
  ])
  const fresh = candidates.filter((c) => {
    const event = known.get(c.r.client_id)
    if (event) results[c.index] = knownOutcome(c.r.client_id, c.hash, event)
    return !event
  })

  if (fresh.length > 0 && look) {
    const prepared: Prepared[] = []
    let failure: unknown = null
    await mapLimited(fresh, PHOTO_CONCURRENCY, async (c) => {
      if (failure) return
      try {
        prepared.push(await prepare(ctx, look, c.index, c.r, c.hash))
      } catch (err) {
        if (err instanceof Rejection) results[c.index] = { client_id: c.r.client_id, status: 'rejected', code: err.code, reason: err.message }
        else failure ??= err
      }
    })
    prepared.sort((a, b) => a.index - b.index)
    if (failure) {
      await Promise.all(prepared.flatMap((p) => (p.photoKey ? [ctx.deps.storage.delete(p.photoKey)] : [])))
      throw failure
    }

    let written: Map<Prepared, Written> | null = null
    if (syncSettings.batchWrites && prepared.length > 1) {
      try {
        written = await writeBatch(ctx, prepared)
      } catch (err) {
        if (!(err instanceof BatchAbandoned)) console.warn('[hadir] sync batch written record by record:', err instanceof Error ? err.message : err)
        written = null
      }
    }
    if (!written) {
      written = new Map()
      for (const [i, p] of prepared.entries()) {
        try {
          written.set(p, await writeOne(ctx, p))
        } catch (err) {
          await Promise.all(prepared.slice(i + 1).flatMap((q) => (q.photoKey ? [ctx.deps.storage.delete(q.photoKey)] : [])))
          throw err
        }
      }
    }
    for (const p of prepared) {
      const w = written.get(p)!
      results[p.index] =
        'applied' in w
          ? { client_id: p.r.client_id, status: 'applied', record_id: w.applied.recordId, attendance_status: w.applied.status, flags: w.applied.flags }
          : knownOutcome(p.r.client_id, p.hash, w.known)
    }
  }

  // A client id repeated within the batch: the first copy has been written (or refused); this one is answered as if
  // sent again afterwards.
  for (const index of repeats) results[index] = (await applyBatch(ctx, [raws[index]]))[0]
  await (await import('../dashboard/attendance-live')).publishAttendanceChanges(ctx.deps, organizationId, results.flatMap((r) => (r?.status === 'applied' && r.record_id ? [r.record_id] : [])))
  return results as SyncResult[]
}

/** Applies one capture (the single-record routes): the same as a batch of one. */
export async function applyRecord(ctx: SyncContext, raw: unknown): Promise<SyncResult> {
  return (await applyBatch(ctx, [raw]))[0]!
}
