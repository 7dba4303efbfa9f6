import { and, asc, eq, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import type { z } from 'zod'
import type { AppDeps } from '../../../context'
import type { Tx } from '../../../db/client'
import { attendanceEvents, attendanceRecordHistory, attendanceRecords, devices, locations, organizationMembers, users } from '../../../db/schema'
import { audit } from '../../../audit'
import { ConflictError, NotFoundError, ValidationError } from '../../../errors'
import { checkInStatus, checkOutStatus, shiftMinute, toLocal, type WorkSchedule } from '../../../../shared/attendance/rules'
import { memberSchedule, organizationRules } from '../attendance.schedule'
import { describeRecords, type AttendanceRow } from './attendance-list'
import { publishAttendanceChange } from './attendance-live'
import { queueDeliveries, stageEvent } from '../../webhooks/webhooks.outbox'
import type { correctionInput, manualInput } from './attendance-admin.schemas'

/** The person acting on the dashboard. */
export interface Actor {
  organizationId: number
  userId: number
  memberId: number | null
  ip: string
}

type RecordRow = typeof attendanceRecords.$inferSelect

/** The fields a person can change, as the API names them. */
interface Editable {
  check_in_time: string | null
  check_out_time: string | null
  status: RecordRow['status']
  remarks: string | null
  location_id: number | null
  flags: string[]
  approval_status: RecordRow['approvalStatus']
}

function editable(r: RecordRow): Editable {
  return { check_in_time: r.checkInTime, check_out_time: r.checkOutTime, status: r.status, remarks: r.remarks, location_id: r.locationId, flags: [...r.flags].sort(), approval_status: r.approvalStatus }
}

/** Only what changed, before and after. */
function diff(before: Editable, after: Editable): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
  const b: Record<string, unknown> = {}
  const a: Record<string, unknown> = {}
  for (const key of Object.keys(after) as (keyof Editable)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key]
      a[key] = after[key]
    }
  }
  return Object.keys(a).length ? { before: b, after: a } : null
}

export async function lockedRecord(tx: Tx, organizationId: number, recordId: number): Promise<RecordRow> {
  const [row] = await tx
    .select()
    .from(attendanceRecords)
    .where(and(eq(attendanceRecords.id, recordId), eq(attendanceRecords.organizationId, organizationId)))
    .for('update')
  if (!row) throw new NotFoundError('Attendance record')
  return row
}

async function assertLocation(tx: Tx, organizationId: number, locationId: number | null | undefined): Promise<void> {
  if (!locationId) return
  const [l] = await tx.select({ id: locations.id }).from(locations).where(and(eq(locations.id, locationId), eq(locations.organizationId, organizationId)))
  if (!l) throw new ValidationError('Unknown location', [{ path: 'location_id', message: 'Unknown location', code: 'unknown_location' }])
}

/** A check-out before the check-in is refused; on a night shift the morning after comes after the evening (shiftMinute). */
function assertOrder(checkIn: string | null, checkOut: string | null, schedule: WorkSchedule): void {
  if (checkIn && checkOut && shiftMinute(schedule, checkOut) < shiftMinute(schedule, checkIn)) {
    throw new ValidationError('The check-out is before the check-in', [{ path: 'check_out_time', message: 'Before the check-in' }], 'CHECK_OUT_BEFORE_CHECK_IN')
  }
}

/** The flags that follow from the times and the status (the capture flags, such as clock_skew, stay as they are). */
function deriveFlags(current: string[], schedule: WorkSchedule, next: { check_in_time: string | null; check_out_time: string | null; status: RecordRow['status'] }, changed: { checkIn: boolean; checkOut: boolean }): string[] {
  const flags = new Set(current)
  if (next.status === 'late') flags.add('late')
  else flags.delete('late')
  if (changed.checkIn) {
    flags.delete('missing_check_in')
    if (!next.check_in_time && next.check_out_time) flags.add('missing_check_in')
  }
  if (changed.checkOut) {
    flags.delete('left_early')
    flags.delete('auto_closed')
    if (next.check_out_time && (next.status === 'present' || next.status === 'late') && checkOutStatus(schedule, next.check_out_time).leftEarly) flags.add('left_early')
  }
  return [...flags].sort()
}

export async function writeHistory(tx: Tx, actor: Actor, recordId: number, action: (typeof attendanceRecordHistory.$inferInsert)['action'], reason: string | null, change: { before: Record<string, unknown> | null; after: Record<string, unknown> }) {
  await tx.insert(attendanceRecordHistory).values({ organizationId: actor.organizationId, attendanceRecordId: recordId, action, changedByUserId: actor.userId, reason, before: change.before, after: change.after })
  await audit(tx, { organizationId: actor.organizationId, actorUserId: actor.userId, action: `attendance.${action}`, entityType: 'attendance_record', entityId: recordId, details: { reason, ...change }, ip: actor.ip })
}

async function answer(deps: AppDeps, organizationId: number, recordId: number): Promise<AttendanceRow> {
  const [row] = await describeRecords(deps.database.db, organizationId, [recordId])
  return row!
}

/** Approve or reject a record (with an optional note), with its history and audit rows in one transaction. */
export async function decideRecord(deps: AppDeps, actor: Actor, recordId: number, decision: 'approved' | 'rejected', note: string | undefined): Promise<AttendanceRow> {
  const { record, staged } = await deps.database.db.transaction(async (tx) => {
    const row = await lockedRecord(tx, actor.organizationId, recordId)
    // The server's own check of the captures decides first; a person decides on what it found, not before.
    if (row.approvalStatus === 'verifying') {
      throw new ConflictError('The server is still checking the captures of this record. Wait until the check has finished, then decide.', 'STILL_VERIFYING')
    }
    if (row.approvalStatus === decision) {
      throw new ConflictError(decision === 'approved' ? 'This record is already approved' : 'This record is already rejected', decision === 'approved' ? 'ALREADY_APPROVED' : 'ALREADY_REJECTED')
    }
    await tx.update(attendanceRecords).set({ approvalStatus: decision, updatedAt: new Date() }).where(eq(attendanceRecords.id, row.id))
    await writeHistory(tx, actor, row.id, decision === 'approved' ? 'approve' : 'reject', note || null, { before: { approval_status: row.approvalStatus }, after: { approval_status: decision } })
    const [record] = await describeRecords(tx, actor.organizationId, [row.id])
    return { record: record!, staged: await stageEvent(tx, actor.organizationId, 'attendance.reviewed', { decision, note: note || null, record }) }
  })
  await queueDeliveries(deps, staged)
  await publishAttendanceChange(deps, actor.organizationId, recordId, 'updated')
  return record
}

/** Correct times, status, remarks or location, for a stated reason. The status follows a changed check-in unless given. */
export async function correctRecord(deps: AppDeps, actor: Actor, recordId: number, input: z.output<typeof correctionInput>): Promise<AttendanceRow> {
  await deps.database.db.transaction(async (tx) => {
    const row = await lockedRecord(tx, actor.organizationId, recordId)
    await assertLocation(tx, actor.organizationId, input.location_id)
    const before = editable(row)
    const next: Editable = { ...before }
    if (input.check_in_time !== undefined) next.check_in_time = input.check_in_time
    if (input.check_out_time !== undefined) next.check_out_time = input.check_out_time
    if (input.remarks !== undefined) next.remarks = input.remarks || null
    if (input.location_id !== undefined) next.location_id = input.location_id
    const rules = await organizationRules(tx, actor.organizationId)
    const schedule = await memberSchedule(tx, actor.organizationId, row.organizationMemberId, rules.defaultSchedule, row.attendanceDate)
    assertOrder(next.check_in_time, next.check_out_time, schedule)
    const changed = { checkIn: next.check_in_time !== before.check_in_time, checkOut: next.check_out_time !== before.check_out_time }
    if (input.status) next.status = input.status
    else if (changed.checkIn && next.check_in_time && (before.status === 'present' || before.status === 'late')) next.status = checkInStatus(schedule, next.check_in_time).status
    next.flags = deriveFlags(before.flags, schedule, next, changed)
    const change = diff(before, next)
    if (!change) throw new ValidationError('Nothing would change', undefined, 'NOTHING_TO_CHANGE')
    await tx
      .update(attendanceRecords)
      .set({ checkInTime: next.check_in_time, checkOutTime: next.check_out_time, status: next.status, remarks: next.remarks, locationId: next.location_id, flags: next.flags, updatedAt: new Date() })
      .where(eq(attendanceRecords.id, row.id))
    await writeHistory(tx, actor, row.id, 'correct', input.reason, change)
  })
  await publishAttendanceChange(deps, actor.organizationId, recordId, 'updated')
  return answer(deps, actor.organizationId, recordId)
}

/** A record made on the dashboard (source `manual`): one per member and day, never in the future. */
export async function createManualRecord(deps: AppDeps, actor: Actor, input: z.output<typeof manualInput>, now = new Date()): Promise<AttendanceRow> {
  const { db } = deps.database
  const rules = await organizationRules(db, actor.organizationId)
  if (input.attendance_date > toLocal(now, rules.timezone).date) {
    throw new ValidationError('The date is in the future', [{ path: 'attendance_date', message: 'In the future' }], 'FUTURE_DATE')
  }
  const attended = input.status === undefined || input.status === 'present' || input.status === 'late'
  if (attended && !input.check_in_time) {
    throw new ValidationError('Give the check-in time', [{ path: 'check_in_time', message: 'Required' }], 'CHECK_IN_REQUIRED')
  }
  const [member] = await db
    .select({ status: organizationMembers.status })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.id, input.member_id), eq(organizationMembers.organizationId, actor.organizationId)))
  if (!member) throw new ValidationError('Unknown member', [{ path: 'member_id', message: 'Unknown member', code: 'unknown_member' }])
  if (member.status !== 'active') throw new ConflictError('This member is inactive', 'MEMBER_INACTIVE')

  const { recordId, record, staged } = await db.transaction(async (tx) => {
    await assertLocation(tx, actor.organizationId, input.location_id)
    // The same lock as sync: a capture arriving now for the same member waits, then folds into this record.
    await tx.execute(sql`select pg_advisory_xact_lock(${actor.organizationId}, ${input.member_id})`)
    const [existing] = await tx
      .select({ id: attendanceRecords.id })
      .from(attendanceRecords)
      .where(and(eq(attendanceRecords.organizationId, actor.organizationId), eq(attendanceRecords.organizationMemberId, input.member_id), eq(attendanceRecords.attendanceDate, input.attendance_date)))
    if (existing) throw new ConflictError('This member already has a record on that day: correct it instead', 'ATTENDANCE_EXISTS', { record_id: existing.id })
    const schedule = await memberSchedule(tx, actor.organizationId, input.member_id, rules.defaultSchedule, input.attendance_date)
    const checkIn = input.check_in_time ?? null
    const checkOut = input.check_out_time ?? null
    assertOrder(checkIn, checkOut, schedule)
    const status = input.status ?? checkInStatus(schedule, checkIn!).status
    const flags = deriveFlags([], schedule, { check_in_time: checkIn, check_out_time: checkOut, status }, { checkIn: true, checkOut: true })
    const [created] = await tx
      .insert(attendanceRecords)
      .values({
        organizationId: actor.organizationId,
        organizationMemberId: input.member_id,
        recordedBy: actor.memberId,
        attendanceDate: input.attendance_date,
        checkInTime: checkIn,
        checkOutTime: checkOut,
        status,
        approvalStatus: 'approved',
        flags,
        remarks: input.remarks || null,
        source: 'manual',
        locationId: input.location_id ?? null,
        serverReceivedAt: new Date(),
      })
      .returning()
    await writeHistory(tx, actor, created!.id, 'create_manual', input.reason, { before: null, after: { member_id: input.member_id, attendance_date: input.attendance_date, ...editable(created!) } })
    const [record] = await describeRecords(tx, actor.organizationId, [created!.id])
    const event = { record_id: created!.id, client_id: null, member_id: input.member_id, kind: 'manual', captured_at: null, origin: 'manual', attendance_status: status, approval_status: 'approved', flags, record }
    return { recordId: created!.id, record: record!, staged: await stageEvent(tx, actor.organizationId, 'attendance.recorded', event) }
  })
  await queueDeliveries(deps, staged)
  await publishAttendanceChange(deps, actor.organizationId, recordId, 'created')
  return record
}

const changer = alias(users, 'history_changer')
const eventRecorder = alias(organizationMembers, 'event_recorder')
const eventRecorderUser = alias(users, 'event_recorder_user')

/** One record with what the review needs: its capture details, its history and the captures that made it. */
export async function recordDetail(db: Tx, organizationId: number, recordId: number) {
  const [record] = await describeRecords(db, organizationId, [recordId])
  if (!record) throw new NotFoundError('Attendance record')
  const [extra] = await db
    .select({ r: attendanceRecords, device: devices.name })
    .from(attendanceRecords)
    .leftJoin(devices, eq(devices.id, attendanceRecords.deviceId))
    .where(and(eq(attendanceRecords.id, recordId), eq(attendanceRecords.organizationId, organizationId)))
  const history = await db
    .select({ h: attendanceRecordHistory, by: changer.name })
    .from(attendanceRecordHistory)
    .leftJoin(changer, eq(changer.id, attendanceRecordHistory.changedByUserId))
    .where(and(eq(attendanceRecordHistory.organizationId, organizationId), eq(attendanceRecordHistory.attendanceRecordId, recordId)))
    .orderBy(asc(attendanceRecordHistory.id))
  const events = await db
    .select({ e: attendanceEvents, device: devices.name, recorder: eventRecorderUser.name })
    .from(attendanceEvents)
    .leftJoin(devices, eq(devices.id, attendanceEvents.deviceId))
    .leftJoin(eventRecorder, eq(eventRecorder.id, attendanceEvents.recordedBy))
    .leftJoin(eventRecorderUser, eq(eventRecorderUser.id, eventRecorder.userId))
    .where(and(eq(attendanceEvents.organizationId, organizationId), eq(attendanceEvents.attendanceRecordId, recordId)))
    .orderBy(asc(attendanceEvents.capturedAt), asc(attendanceEvents.id))
  const r = extra!.r
  return {
    record: {
      ...record,
      device: extra!.device,
      device_match_score: r.deviceMatchScore === null ? null : Math.round(r.deviceMatchScore * 1000) / 1000,
      device_captured_at: r.deviceCapturedAt?.toISOString() ?? null,
      latitude: r.latitude,
      longitude: r.longitude,
      accuracy_meters: r.accuracyMeters,
      created_at: r.createdAt.toISOString(),
    },
    history: history.map(({ h, by }) => ({ id: h.id, action: h.action, changed_by: by, reason: h.reason, before: h.before, after: h.after, created_at: h.createdAt.toISOString() })),
    events: events.map(({ e, device, recorder }) => ({
      id: e.id,
      kind: e.kind,
      captured_at: e.capturedAt.toISOString(),
      device_captured_at: e.deviceCapturedAt.toISOString(),
      received_at: e.receivedAt.toISOString(),
      clock_skew_ms: e.clockSkewMs,
      face_distance: e.faceDistance === null ? null : Math.round(e.faceDistance * 1000) / 1000,
      recorded_by: recorder,
      device,
      mobile_device_id: e.mobileDeviceId,
      origin: e.origin,
      verification: e.verification,
      // Where the frames are stored stays on the server: the page asks for frame `index` of this capture.
      evidence: e.evidence
        ? {
            mode: e.evidence.mode,
            steps: e.evidence.steps,
            challenge_issued: e.evidence.challenge_id !== null,
            frames: e.evidence.frames.map((f, index) => ({ index, t: f.t })),
            // A roll-call capture's one frame is the whole photo: where this member's face is in it.
            roll_call: e.evidence.roll_call ? { box: e.evidence.roll_call.box, width: e.evidence.roll_call.width, height: e.evidence.roll_call.height } : null,
          }
        : null,
      assurance: e.assurance ?? null,
    })),
  }
}

/** The storage key of frame `frame` of a capture of this record (a 404 for another organization's, or no such frame). */
export async function recordFrameKey(db: Tx, organizationId: number, recordId: number, eventId: number, frame: number): Promise<string> {
  const [row] = await db
    .select({ evidence: attendanceEvents.evidence })
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.id, eventId), eq(attendanceEvents.organizationId, organizationId), eq(attendanceEvents.attendanceRecordId, recordId)))
  if (!row) throw new NotFoundError('Capture')
  const key = row.evidence?.frames[frame]?.key
  if (!key) throw new NotFoundError('Frame')
  return key
}

/** The stored photo of a record (its storage key), or a 404. */
export async function recordPhotoKey(db: Tx, organizationId: number, recordId: number): Promise<string> {
  const [row] = await db
    .select({ url: attendanceRecords.faceImageUrl })
    .from(attendanceRecords)
    .where(and(eq(attendanceRecords.id, recordId), eq(attendanceRecords.organizationId, organizationId)))
  if (!row) throw new NotFoundError('Attendance record')
  if (!row.url) throw new NotFoundError('Photo')
  return row.url
}

/** The times of an approved correction request (server/features/corrections), for `applyCorrection`. */
export interface CorrectionToApply {
  requestId: number
  memberId: number
  date: string
  checkIn: string | null
  checkOut: string | null
  /** The member's reason (the history row's reason; the remarks of a record the correction creates). */
  reason: string
  remarks: string
}

/**
 * Writes an approved correction request into the member's day, inside the caller's transaction (which holds the
 * member's lock): a new manual record when the day has none, else the asked-for times on the existing one. The status
 * and flags follow the same rules as an admin's manual record or correction (the member's schedule of that weekday):
 * a check-in makes the day present or late, a check-out may leave it early, an auto-closed check-out is replaced. A
 * `correction_request` history row keeps what changed and the request's id; the audit log the same. Returns the record
 * and whether it was created (the caller publishes the change after commit).
 */
export async function applyCorrection(tx: Tx, actor: Actor, input: CorrectionToApply): Promise<{ recordId: number; created: boolean }> {
  const rules = await organizationRules(tx, actor.organizationId)
  const schedule = await memberSchedule(tx, actor.organizationId, input.memberId, rules.defaultSchedule, input.date)
  const [row] = await tx
    .select()
    .from(attendanceRecords)
    .where(and(eq(attendanceRecords.organizationId, actor.organizationId), eq(attendanceRecords.organizationMemberId, input.memberId), eq(attendanceRecords.attendanceDate, input.date)))
    .for('update')
  const mark = { correction_request_id: input.requestId }
  if (!row) {
    if (!input.checkIn) throw new ConflictError('This day has no check-in to complete', 'CORRECTION_NO_CHECK_IN')
    assertOrder(input.checkIn, input.checkOut, schedule)
    const status = checkInStatus(schedule, input.checkIn).status
    const flags = deriveFlags([], schedule, { check_in_time: input.checkIn, check_out_time: input.checkOut, status }, { checkIn: true, checkOut: true })
    const [created] = await tx
      .insert(attendanceRecords)
      .values({
        organizationId: actor.organizationId,
        organizationMemberId: input.memberId,
        recordedBy: actor.memberId,
        attendanceDate: input.date,
        checkInTime: input.checkIn,
        checkOutTime: input.checkOut,
        status,
        approvalStatus: 'approved',
        flags,
        remarks: input.remarks,
        source: 'manual',
        serverReceivedAt: new Date(),
      })
      .returning()
    await writeHistory(tx, actor, created!.id, 'correction_request', input.reason, { before: null, after: { member_id: input.memberId, attendance_date: input.date, ...editable(created!), ...mark } })
    return { recordId: created!.id, created: true }
  }
  const before = editable(row)
  const next: Editable = { ...before }
  if (input.checkIn) next.check_in_time = input.checkIn
  if (input.checkOut) next.check_out_time = input.checkOut
  assertOrder(next.check_in_time, next.check_out_time, schedule)
  const changed = { checkIn: next.check_in_time !== before.check_in_time, checkOut: next.check_out_time !== before.check_out_time }
  // The member was there: a day that was absent or excused becomes present or late from the check-in.
  if (changed.checkIn && next.check_in_time) next.status = checkInStatus(schedule, next.check_in_time).status
  next.flags = deriveFlags(before.flags, schedule, next, changed)
  const change = diff(before, next)
  if (!change) throw new ConflictError('The day already has these times', 'NOTHING_TO_CHANGE')
  await tx
    .update(attendanceRecords)
    .set({ checkInTime: next.check_in_time, checkOutTime: next.check_out_time, status: next.status, flags: next.flags, updatedAt: new Date() })
    .where(eq(attendanceRecords.id, row.id))
  await writeHistory(tx, actor, row.id, 'correction_request', input.reason, { before: change.before, after: { ...change.after, ...mark } })
  return { recordId: row.id, created: false }
}
