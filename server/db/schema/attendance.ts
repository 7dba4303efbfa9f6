import {
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  time,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import { createdAt, id, organizationId, updatedAt } from './common'
import { locations, organizationMembers } from './members'
import { devices } from './devices'
import { users } from './users'
import type { RollCallBox } from '../../../shared/attendance/roll-call'
import { ASSURANCE_LEVELS, CHALLENGE_PURPOSES, type Assurance, type LivenessStep } from '../../../shared/attendance/evidence'
import { LEAVE_KINDS, LEAVE_STATUSES } from '../../../shared/leave/rules'
import { CORRECTION_KINDS, CORRECTION_STATUSES } from '../../../shared/corrections/rules'
import { APPROVAL_STATUSES, ATTENDANCE_SOURCES, ATTENDANCE_STATUSES } from '../../../shared/attendance/statuses'

/** The evidence of one capture as stored: where each frame's image is kept, never the image itself. */
export interface StoredEvidence {
  challenge_id: string | null
  steps: LivenessStep[]
  mode: 'online' | 'offline'
  frames: { t: number; key: string }[]
  /** The member QR code the kiosk scanned with the capture (the device's claim; the verify job checks it). */
  qr_token?: string | null
  /**
   * A face of a roll-call photo (shared/attendance/roll-call.ts): the one frame is the whole photo, shared by every
   * capture of the roll-call; `box` is where the tablet says this member's face is; the job checks that face.
   */
  roll_call?: { id: number; face: number; box: RollCallBox; width: number; height: number }
}

/** One face of a roll-call as received (all claims), with the capture made for it. */
export interface StoredRollCallFace {
  box: RollCallBox
  member_id: number | null
  named_by: 'recognised' | 'chosen' | null
  distance: number | null
  client_id: string | null
}

export { APPROVAL_STATUSES, ATTENDANCE_SOURCES, ATTENDANCE_STATUSES }

/** An admin's decision on a day's overtime, where the organization wants one (settings.overtime_approval). */
export const OVERTIME_DECISIONS = ['approved', 'rejected'] as const

/** One member's attendance on one day (spec table), plus what offline capture and review need. */
export const attendanceRecords = pgTable(
  'attendance_records',
  {
    id: id(),
    organizationId: organizationId(),
    organizationMemberId: integer('organization_member_id')
      .notNull()
      .references(() => organizationMembers.id, { onDelete: 'cascade' }),
    recordedBy: integer('recorded_by').references(() => organizationMembers.id, { onDelete: 'set null' }),
    /** UUIDv7 made on the device at capture: the idempotency key of sync. */
    clientId: uuid('client_id'),
    attendanceDate: date('attendance_date').notNull(),
    checkInTime: time('check_in_time'),
    checkOutTime: time('check_out_time'),
    faceImageUrl: text('face_image_url'),
    faceMatchScore: real('face_match_score'),
    deviceMatchScore: real('device_match_score'),
    status: text('status', { enum: ATTENDANCE_STATUSES }).notNull(),
    /** verifying: the server's image checks of a capture of this day have not ended yet (see attendance_events). */
    approvalStatus: text('approval_status', { enum: APPROVAL_STATUSES }).notNull().default('approved'),
    /** The lowest assurance level among the day's captures (null: no capture checked, e.g. manual or excused). */
    assuranceLevel: text('assurance_level', { enum: ASSURANCE_LEVELS }),
    flags: text('flags').array().notNull().default([]),
    /** The admin's decision on the day's overtime (null: none yet), and the minutes approved (null: as worked). */
    overtimeDecision: text('overtime_decision', { enum: OVERTIME_DECISIONS }),
    overtimeMinutes: integer('overtime_minutes'),
    remarks: text('remarks'),
    source: text('source', { enum: ATTENDANCE_SOURCES }).notNull(),
    locationId: integer('location_id').references(() => locations.id, { onDelete: 'set null' }),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    accuracyMeters: real('accuracy_meters'),
    deviceId: integer('device_id').references(() => devices.id, { onDelete: 'set null' }),
    deviceCapturedAt: timestamp('device_captured_at', { withTimezone: true }),
    serverReceivedAt: timestamp('server_received_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('attendance_records_org_client_unique').on(t.organizationId, t.clientId),
    index('attendance_records_org_date_idx').on(t.organizationId, t.attendanceDate, t.id),
    // One record per member and day: check-in and check-out events from any device fold into it.
    uniqueIndex('attendance_records_member_day_unique').on(t.organizationId, t.organizationMemberId, t.attendanceDate),
    // The dashboard's live list and keyset pages: newest first by server arrival.
    index('attendance_records_org_received_idx').on(t.organizationId, t.serverReceivedAt, t.id),
  ],
)

/**
 * Every capture a device sent (check-in or check-out), keyed by the device's UUIDv7: the idempotency record of sync.
 * The same id again is a duplicate; the same id with a different payload is a conflict. Never deleted by sync.
 */
export const attendanceEvents = pgTable(
  'attendance_events',
  {
    id: id(),
    organizationId: organizationId(),
    clientId: uuid('client_id').notNull(),
    attendanceRecordId: integer('attendance_record_id').references(() => attendanceRecords.id, { onDelete: 'cascade' }),
    organizationMemberId: integer('organization_member_id')
      .notNull()
      .references(() => organizationMembers.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['check_in', 'check_out'] }).notNull(),
    payloadHash: text('payload_hash').notNull(),
    recordedBy: integer('recorded_by').references(() => organizationMembers.id, { onDelete: 'set null' }),
    deviceId: integer('device_id').references(() => devices.id, { onDelete: 'set null' }),
    mobileDeviceId: text('mobile_device_id'),
    deviceCapturedAt: timestamp('device_captured_at', { withTimezone: true }).notNull(),
    capturedAt: timestamp('captured_at', { withTimezone: true }).notNull(),
    clockSkewMs: integer('clock_skew_ms').notNull().default(0),
    faceDistance: real('face_distance'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** 'phone' (a member's own) or 'kiosk' (an enrolled petugas tablet). */
    origin: text('origin', { enum: ['phone', 'kiosk'] }).notNull().default('phone'),
    /** The images and challenge the capture came with (null: none were sent). */
    evidence: jsonb('evidence').$type<StoredEvidence>(),
    /** verifying: the image checks are queued or running; done: `assurance` is final. */
    verification: text('verification', { enum: ['verifying', 'done'] }).notNull().default('done'),
    /** The server's checklist for this capture (place and time at receipt, face and liveness when verified). */
    assurance: jsonb('assurance').$type<Assurance>(),
    /** What the device claimed (its location id, coordinates and match score), kept as claims. */
    claims: jsonb('claims').$type<Record<string, unknown>>(),
  },
  (t) => [
    uniqueIndex('attendance_events_org_client_unique').on(t.organizationId, t.clientId),
    index('attendance_events_record_idx').on(t.attendanceRecordId),
    index('attendance_events_verifying_idx').on(t.verification).where(sql`verification = 'verifying'`),
    index('attendance_events_member_idx').on(t.organizationId, t.organizationMemberId, t.capturedAt),
  ],
)

/**
 * A roll-call photo (issue 14 item 5): one photo of a class or a meeting, taken on an enrolled tablet, whose named
 * faces became captures (attendance_events with evidence.roll_call). The photo is each capture's evidence frame.
 */
export const rollCalls = pgTable(
  'roll_calls',
  {
    id: id(),
    organizationId: organizationId(),
    clientId: uuid('client_id').notNull(),
    payloadHash: text('payload_hash').notNull(),
    deviceId: integer('device_id').references(() => devices.id, { onDelete: 'set null' }),
    recordedBy: integer('recorded_by').references(() => organizationMembers.id, { onDelete: 'set null' }),
    kind: text('kind', { enum: ['check_in', 'check_out'] }).notNull(),
    /** The tablet's clock when the photo was taken (the captures carry the corrected time). */
    deviceCapturedAt: timestamp('device_captured_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** Where the photo is kept (the captures' evidence frame); null once deleted. */
    photoKey: text('photo_key'),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    faces: jsonb('faces').$type<StoredRollCallFace[]>().notNull(),
  },
  (t) => [uniqueIndex('roll_calls_org_client_unique').on(t.organizationId, t.clientId), index('roll_calls_org_received_idx').on(t.organizationId, t.receivedAt)],
)

/**
 * A liveness challenge the server issued: a random sequence of head turns and a nonce that answers once, within a
 * short expiry. The capture (or sign-in, or registration) that answers it is written in `used_by`.
 */
export const livenessChallenges = pgTable(
  'liveness_challenges',
  {
    id: uuid('id').primaryKey(),
    organizationId: organizationId(),
    purpose: text('purpose', { enum: CHALLENGE_PURPOSES }).notNull(),
    steps: text('steps').array().notNull(),
    /** Who may answer it: the member it was issued to (phone, sign-in, registration), or the enrolled tablet (kiosk). */
    organizationMemberId: integer('organization_member_id').references(() => organizationMembers.id, { onDelete: 'cascade' }),
    deviceId: integer('device_id').references(() => devices.id, { onDelete: 'cascade' }),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    /** The capture's client id (or 'login:<session>' / 'register:<member>') that answered it. */
    usedBy: text('used_by'),
  },
  (t) => [index('liveness_challenges_org_idx').on(t.organizationId, t.expiresAt)],
)

/** Spec table: one row per sync exchange with a device. */
export const attendanceSyncLogs = pgTable(
  'attendance_sync_logs',
  {
    id: id(),
    organizationId: organizationId(),
    mobileDeviceId: text('mobile_device_id').notNull(),
    deviceId: integer('device_id').references(() => devices.id, { onDelete: 'set null' }),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true }).notNull().defaultNow(),
    syncStatus: text('sync_status', { enum: ['pending', 'completed', 'failed'] }).notNull(),
    recordsSynced: integer('records_synced').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('attendance_sync_logs_org_idx').on(t.organizationId, t.lastSyncAt)],
)

/** correction_request: the times of a member's approved correction request (`after.correction_request_id`). */
export const HISTORY_ACTIONS = ['create_manual', 'approve', 'reject', 'correct', 'excuse', 'correction_request', 'overtime'] as const

/**
 * What a person changed on an attendance record, and why: approvals, rejections, corrections and manual records.
 * `before`/`after` hold only the fields that changed. Rows are only ever inserted.
 */
export const attendanceRecordHistory = pgTable(
  'attendance_record_history',
  {
    id: id(),
    organizationId: organizationId(),
    attendanceRecordId: integer('attendance_record_id')
      .notNull()
      .references(() => attendanceRecords.id, { onDelete: 'cascade' }),
    action: text('action', { enum: HISTORY_ACTIONS }).notNull(),
    changedByUserId: integer('changed_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    reason: text('reason'),
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index('attendance_record_history_record_idx').on(t.attendanceRecordId, t.id)],
)

export { LEAVE_KINDS, LEAVE_STATUSES }

/**
 * A member's request to be excused (sakit / cuti / izin) for a range of days. Once approved, each working day in the
 * range without a check-in becomes an `excused` attendance record.
 */
export const leaveRequests = pgTable(
  'leave_requests',
  {
    id: id(),
    organizationId: organizationId(),
    organizationMemberId: integer('organization_member_id')
      .notNull()
      .references(() => organizationMembers.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: LEAVE_KINDS }).notNull(),
    startDate: date('start_date').notNull(),
    endDate: date('end_date').notNull(),
    reason: text('reason').notNull(),
    status: text('status', { enum: LEAVE_STATUSES }).notNull().default('pending'),
    decidedByUserId: integer('decided_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('leave_requests_org_status_idx').on(t.organizationId, t.status, t.startDate),
    index('leave_requests_member_idx').on(t.organizationMemberId, t.startDate),
  ],
)

export { CORRECTION_KINDS, CORRECTION_STATUSES }

/**
 * A member's request to complete one day's attendance ("lupa absen"): a forgotten check-in, check-out or both, at the
 * local times they claim, for a reason. The claimed times stay as claimed; an approval writes (or completes) the day's
 * record as a manual one, at the times the admin approved (`approved_*`, the claim unless adjusted), with a history row
 * naming the request (`attendance_record_id` then points at that record). A refusal changes no record.
 */
export const correctionRequests = pgTable(
  'correction_requests',
  {
    id: id(),
    organizationId: organizationId(),
    organizationMemberId: integer('organization_member_id')
      .notNull()
      .references(() => organizationMembers.id, { onDelete: 'cascade' }),
    attendanceDate: date('attendance_date').notNull(),
    kind: text('kind', { enum: CORRECTION_KINDS }).notNull(),
    claimedCheckInTime: time('claimed_check_in_time'),
    claimedCheckOutTime: time('claimed_check_out_time'),
    reason: text('reason').notNull(),
    status: text('status', { enum: CORRECTION_STATUSES }).notNull().default('pending'),
    approvedCheckInTime: time('approved_check_in_time'),
    approvedCheckOutTime: time('approved_check_out_time'),
    attendanceRecordId: integer('attendance_record_id').references(() => attendanceRecords.id, { onDelete: 'set null' }),
    decidedByUserId: integer('decided_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('correction_requests_org_status_idx').on(t.organizationId, t.status, t.attendanceDate),
    index('correction_requests_member_idx').on(t.organizationMemberId, t.attendanceDate),
  ],
)
