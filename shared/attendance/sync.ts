// The sync protocol between a device's outbox and POST /api/attendance/sync, shared by the PWA and the server.
import { z } from 'zod'
import { evidenceSchema } from './evidence'

/** At most this many records in one request; a device sends more as several batches. */
export const MAX_SYNC_BATCH = 100

export const ATTENDANCE_KINDS = ['check_in', 'check_out'] as const
export type AttendanceKind = (typeof ATTENDANCE_KINDS)[number]

const isoInstant = z.iso.datetime({ offset: true })
/** Ids are PostgreSQL integers; text never holds NUL (PostgreSQL cannot store it): both refused per record, never a 500. */
const rowId = z.number().int().positive().max(2_147_483_647)
const noNul = (s: string) => !s.includes('\u0000')

/** One capture as the device made it. `client_id` is a UUIDv7 made at capture: the idempotency key. */
export const syncRecordSchema = z.object({
  client_id: z.uuid(),
  /** The spec's local id; kept for the device's own bookkeeping, never trusted. */
  id: z.union([z.string().max(100), z.number()]).optional(),
  member_id: z.number().int().positive(),
  /**
   * The petugas who made the capture on a shared tablet (their member id). Records queued offline by one petugas may be
   * sent after another has signed in; the server accepts it only from an enrolled tablet of the organization and only
   * for an active member allowed to record attendance, otherwise the record is rejected (RECORDED_BY_INVALID).
   */
  recorded_by: z.number().int().positive().optional(),
  kind: z.enum(ATTENDANCE_KINDS),
  /** The device's clock at capture. The server corrects it by the device's measured skew. */
  captured_at: isoInstant,
  /** What the device computed (spec fields); the server recomputes both from captured_at and its own rules. */
  attendance_date: z.string().optional(),
  check_in_time: z.string().optional(),
  face_encoding: z.string().max(2000).optional(),
  /** The device's own match score: stored as its claim, never used for a decision. */
  face_match_score: z.number().min(0).max(1).optional(),
  face_image: z.string().max(400_000).optional(),
  /** The face crops of the liveness challenge the capture answered: the only thing the server decides identity from. */
  evidence: evidenceSchema.optional(),
  remarks: z.string().trim().max(500).refine(noNul, 'Text may not contain the NUL character').optional(),
  location_id: rowId.optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  accuracy: z.number().min(0).max(1_000_000).optional(),
})
export type SyncRecord = z.infer<typeof syncRecordSchema>

export const syncBatchSchema = z.object({
  device_id: z.string().trim().min(1).max(100),
  /** The device's clock when it sent the batch: the server measures the device's clock skew from it. */
  sent_at: isoInstant,
  records: z.array(z.unknown()),
})

export type SyncStatus = 'applied' | 'duplicate' | 'rejected' | 'conflict'

export interface SyncResult {
  client_id: string | null
  status: SyncStatus
  /** Why a record was rejected or conflicted, as a stable code (the device shows it in "needs attention"). */
  code?: string
  reason?: string
  record_id?: number
  attendance_status?: 'present' | 'late' | 'absent' | 'excused'
  /** verifying: the server's image checks of this capture are queued (GET /api/attendance/captures/:clientId). */
  approval_status?: 'verifying' | 'pending' | 'approved' | 'rejected'
  flags?: string[]
}

/** Which results let the device delete the record from its outbox: the server has it (now or before). */
export function isAcknowledged(result: SyncResult): boolean {
  return result.status === 'applied' || result.status === 'duplicate'
}
