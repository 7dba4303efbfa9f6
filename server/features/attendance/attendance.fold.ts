// Folding one capture into its day record: pure, so the batch and the single-record write paths fold identically.
import { checkInStatus, checkOutStatus, shiftMinute } from '../../../shared/attendance/rules'
import { effectiveKind } from '../../../shared/attendance/kind'
import { distanceToScore } from '../../../shared/face/match'
import type { Prepared } from './attendance.checks'

import type { ApprovalStatus, AttendanceStatus } from '../../../shared/attendance/statuses'

/** A second "check in" this long after the first one of the day is a check-out the device did not know to call so. */
export { LATE_SECOND_CHECKIN_MINUTES } from '../../../shared/attendance/kind'
export type { ApprovalStatus, AttendanceStatus }

/** The columns of a day record that captures change (the rest never moves after the insert). */
export interface DayState {
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
  approvalStatus: ApprovalStatus
  assuranceLevel: 'high' | 'medium' | 'low' | 'failed' | null
}

export const NEW_DAY: DayState = {
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
  assuranceLevel: null,
}

/** The DayState columns of a day record (a row read with more columns keeps only these). */
export function dayStateOf(row: DayState): DayState {
  const state = { ...NEW_DAY }
  for (const key of Object.keys(NEW_DAY) as (keyof DayState)[]) (state as Record<string, unknown>)[key] = row[key]
  return state
}

const LEVEL_ORDER = ['failed', 'low', 'medium', 'high'] as const
/** The lower of two assurance levels (null: nothing checked yet). */
export function lowerLevel(a: DayState['assuranceLevel'], b: DayState['assuranceLevel']): DayState['assuranceLevel'] {
  if (a === null) return b
  if (b === null) return a
  return LEVEL_ORDER.indexOf(a) <= LEVEL_ORDER.indexOf(b) ? a : b
}

export interface Folded {
  kind: 'check_in' | 'check_out'
  next: DayState
  /** The capture claimed an earlier check-in than the day's accepted one: kept as a claim, the day waits for review. */
  earlier: boolean
}

/**
 * One capture folded into its day: `existing` is the day as it stands (null: no record yet). Check-in and check-out
 * from any device, in any order: the latest check-out wins; a second check-in long after the first is the check-out.
 * A check-in EARLIER than the day's is never taken silently (a replayed capture "made" at 07:50 would turn a late
 * arrival into an on-time one): the day keeps its check-in, the capture stays on record as a claim, and the day waits
 * for review.
 *
 * Approval: a capture with evidence makes the day `verifying` until the server's image checks end (the job decides
 * then); one without evidence (or failing the checks made at receipt) sends the day to review. A day a person
 * already reviewed keeps their decision unless a new capture needs review.
 */
export function fold(existing: DayState | null, p: Prepared, deviceId: number | null): Folded {
  const r = p.r
  const recordFlags = new Set([...(existing?.flags ?? []), ...p.flags])
  const score = p.distance === null ? null : distanceToScore(p.distance)
  let values: Partial<DayState> = {}
  let earlier = false
  // A late second check-in is the check-out (shared/attendance/kind.ts, the rule the devices share).
  const kind = effectiveKind(r.kind, p.time, existing?.checkInTime, p.schedule)
  // Times compared in the day's count: a night shift's morning-after check-out is later than its evening check-in.
  const at = (time: string) => shiftMinute(p.schedule, time)
  if (kind === 'check_in') {
    if (existing?.checkInTime && at(p.time) < at(existing.checkInTime)) {
      earlier = true
      recordFlags.add('earlier_capture')
    } else if (!existing?.checkInTime) {
      // On a day off someone who comes anyway is present, never late (and never "left early" below).
      const status = p.holiday ? { status: 'present' as const, lateMinutes: 0 } : checkInStatus(p.schedule, p.time)
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
  } else if (!existing?.checkOutTime || at(p.time) > at(existing.checkOutTime)) {
    recordFlags.delete('left_early')
    if (!p.holiday && checkOutStatus(p.schedule, p.time).leftEarly) recordFlags.add('left_early')
    values = { checkOutTime: p.time }
    if (!existing) {
      recordFlags.add('missing_check_in')
      values = { ...values, status: 'present', faceImageUrl: p.photoKey, faceMatchScore: score, deviceMatchScore: r.face_match_score, deviceCapturedAt: p.deviceCapturedAt, recordedBy: p.recordedBy, deviceId, remarks: r.remarks }
    } else if (!existing.faceImageUrl && p.photoKey) {
      values = { ...values, faceImageUrl: p.photoKey }
    }
  }
  // An absent value leaves the column as it is (and a new record's column at its default).
  const set = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<DayState>
  const flags = [...recordFlags].sort()
  const needsReview = earlier || (!p.verifying && !p.autoApprove)
  const before = existing?.approvalStatus ?? null
  let approvalStatus: ApprovalStatus
  if (before === 'rejected') approvalStatus = 'rejected'
  else if (needsReview) approvalStatus = 'pending'
  else if (before === 'pending') approvalStatus = 'pending'
  else if (p.verifying) approvalStatus = 'verifying'
  else approvalStatus = before ?? 'approved'
  const assuranceLevel = p.verifying ? (existing?.assuranceLevel ?? null) : lowerLevel(existing?.assuranceLevel ?? null, p.level)
  return { kind, earlier, next: { ...(existing ?? NEW_DAY), ...set, flags, approvalStatus, assuranceLevel } }
}
