// One kiosk record as the outbox stores it: what POST /api/attendance/sync receives (a SyncRecord without its images),
// the evidence of the person's one-turn challenge (the server decides from it; the tablet's match score is only its
// claim) and what the screen shows. No descriptor goes with it: the server derives its own from the evidence and never
// keeps a device's (it stores only that one was sent), so a biometric template would cross the network and wait in the
// outbox for nothing (2.7 KB of base64 a record: nine tenths of a batch's bytes). The signed-in petugas is written in
// as `recorded_by`, so records that wait offline through a change of shift stay attributed to whoever made them (the
// server checks the claim).
import { toLocal } from '@shared/attendance/rules'
import type { AttendanceKind } from '@shared/attendance/sync'
import { uuidv7 } from '@shared/attendance/uuidv7'
import { distanceToScore } from '@shared/face/match'
import type { StoredEvidence } from '~/face/evidence-store'
import type { NewCapture } from '~/offline/outbox'

export interface KioskPosition {
  latitude: number
  longitude: number
  accuracy: number
}

export interface KioskRecordInput {
  organizationId: number
  timezone: string
  member: { id: number; name: string }
  /** The signed-in petugas's member id. */
  recordedBy: number | null
  kind: AttendanceKind
  now: Date
  /** The best frame's distance to the member (sent as the device's claim, a match score). */
  distance: number
  evidence: StoredEvidence
  locationId: number | null
  position: KioskPosition | null
  /** The member's own QR code, scanned as the second factor of a member the recognition can mix up (issue 14). */
  qrToken?: string | null
}

export function kioskCapture(input: KioskRecordInput): NewCapture {
  const local = toLocal(input.now, input.timezone)
  return {
    organization_id: input.organizationId,
    member_name: input.member.name,
    date: local.date,
    time: local.time,
    photo: null,
    evidence: input.evidence,
    record: {
      client_id: uuidv7(input.now.getTime()),
      member_id: input.member.id,
      ...(input.recordedBy ? { recorded_by: input.recordedBy } : {}),
      kind: input.kind,
      captured_at: input.now.toISOString(),
      attendance_date: local.date,
      ...(input.kind === 'check_in' ? { check_in_time: local.time } : {}),
      face_match_score: Math.round(distanceToScore(input.distance) * 1000) / 1000,
      ...(input.qrToken ? { qr_token: input.qrToken } : {}),
      ...(input.locationId ? { location_id: input.locationId } : {}),
      ...(input.position ? { latitude: input.position.latitude, longitude: input.position.longitude, accuracy: Math.round(input.position.accuracy) } : {}),
    },
  }
}
