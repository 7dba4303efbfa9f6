// The sync protocol between a device's outbox and POST /api/attendance/sync, shared by the PWA and the server.
import { z } from 'zod'
import { FACE_ENCODING_MAX_CHARS } from '../face/descriptor'
import { evidenceSchema } from './evidence'
import { pgDouble, pgInstant, pgReal, pgText, pgUuid, rowId } from '../validation'
import type { ApprovalStatus, AttendanceStatus } from './statuses'

// The two rules the service worker's outbox needs live in a module without zod (./outbox-rules.ts), so that bundle
// does not carry the schemas.
export { isAcknowledged, MAX_SYNC_BATCH } from './outbox-rules'

export const ATTENDANCE_KINDS = ['check_in', 'check_out'] as const
export type AttendanceKind = (typeof ATTENDANCE_KINDS)[number]

/** Every field is held to what PostgreSQL stores (shared/validation.ts), per record: a bad record is refused alone, never a 500. */
const isoInstant = pgInstant

/** One capture as the device made it. `client_id` is a UUIDv7 made at capture: the idempotency key. */
export const syncRecordSchema = z.object({
  client_id: pgUuid,
  /** The spec's local id; kept for the device's own bookkeeping, never trusted. */
  id: z.union([pgText(100), z.number()]).optional(),
  member_id: rowId,
  /**
   * The petugas who made the capture on a shared tablet (their member id). Records queued offline by one petugas may be
   * sent after another has signed in; the server accepts it only from an enrolled tablet of the organization and only
   * for an active member allowed to record attendance, otherwise the record is rejected (RECORDED_BY_INVALID).
   */
  recorded_by: rowId.optional(),
  kind: z.enum(ATTENDANCE_KINDS),
  /** The device's clock at capture. The server corrects it by the device's measured skew. */
  captured_at: isoInstant,
  /** What the device computed (spec fields); the server recomputes both from captured_at and its own rules. */
  attendance_date: pgText(40).optional(),
  check_in_time: pgText(40).optional(),
  face_encoding: pgText(FACE_ENCODING_MAX_CHARS).optional(),
  /** The device's own match score: stored as its claim, never used for a decision. */
  face_match_score: pgReal(0, 1).optional(),
  face_image: pgText(400_000).optional(),
  /**
   * The member's own QR code (HQ1.…) the kiosk scanned with this capture: a second factor for members whose faces the
   * recognition can mix up with another member's. A claim: the server checks its signature, organization, member and
   * expiry against the capture time.
   */
  qr_token: pgText(80, { trim: true }).optional(),
  /** The face crops of the liveness challenge the capture answered: the only thing the server decides identity from. */
  evidence: evidenceSchema.optional(),
  remarks: pgText(500, { trim: true }).optional(),
  location_id: rowId.optional(),
  latitude: pgDouble(-90, 90).optional(),
  longitude: pgDouble(-180, 180).optional(),
  accuracy: pgReal(0, 1_000_000).optional(),
})
export type SyncRecord = z.infer<typeof syncRecordSchema>

export const syncBatchSchema = z.object({
  device_id: pgText(100, { trim: true, min: 1 }),
  /** The device's clock when it sent the batch: the server measures the device's clock skew from it. */
  sent_at: isoInstant,
  records: z.array(z.unknown()),
})

export type SyncStatus = 'applied' | 'duplicate' | 'rejected' | 'conflict'

/**
 * Why the server refused a record (`rejected`) or kept another under its id (`conflict`): the stable codes of a
 * SyncResult, which the single-record routes answer as their error codes (POST /api/attendance/record and submit).
 */
export const SYNC_REFUSAL_CODES = [
  'VALIDATION_FAILED', 'CLIENT_ID_REUSED', 'UNSTORABLE',
  'UNKNOWN_MEMBER', 'UNKNOWN_LOCATION', 'MEMBER_INACTIVE', 'NOT_ALLOWED', 'RECORDED_BY_INVALID', 'CAPTURE_IN_FUTURE',
  'NO_LOCATION', 'OUTSIDE_GEOFENCE', 'LOCATION_INACCURATE',
  'NOT_BASE64', 'NOT_AN_IMAGE', 'IMAGE_TOO_LARGE', 'EVIDENCE_NOT_AN_IMAGE', 'EVIDENCE_FRAME_TOO_LARGE',
] as const
export type SyncRefusalCode = (typeof SYNC_REFUSAL_CODES)[number]

/** An image error's code as a sync refusal (the photo checks' codes are among them; anything else is a bad field). */
export function refusalCodeOf(code: string): SyncRefusalCode {
  return (SYNC_REFUSAL_CODES as readonly string[]).includes(code) ? (code as SyncRefusalCode) : 'VALIDATION_FAILED'
}

export interface SyncResult {
  client_id: string | null
  status: SyncStatus
  /** Why a record was rejected or conflicted, as a stable code (the device shows it in "needs attention"). */
  code?: SyncRefusalCode
  reason?: string
  record_id?: number
  attendance_status?: AttendanceStatus
  /** verifying: the server's image checks of this capture are queued (GET /api/attendance/captures/:clientId). */
  approval_status?: ApprovalStatus
  flags?: string[]
}
