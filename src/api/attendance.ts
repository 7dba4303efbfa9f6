// Attendance capture calls, one function per route of docs/api.md ("Attendance capture", and the member's face sign-in
// and profile). Shared by the member app (/m) and the petugas kiosk (/p): add new calls at the end of the file.
import type { ChallengePurpose, Evidence, IssuedChallenge } from '@shared/attendance/evidence'
import type { WorkSchedule } from '@shared/attendance/rules'
import type { SyncRecord, SyncResult } from '@shared/attendance/sync'
import { api } from './client'
import type { Id, MobileMe } from './types'

export type AttendanceStatus = 'present' | 'late' | 'absent' | 'excused'

/** A work schedule as the API sends it (times "HH:MM", ISO weekdays 1 = Monday). */
export interface ScheduleDto {
  id?: Id
  name?: string
  work_days: number[]
  start_time: string
  end_time: string
  late_tolerance_minutes: number
}

export interface LocationDto {
  id: Id
  name: string
  latitude: number | null
  longitude: number | null
  radius_meters: number
}

/** GET /api/attendance/context: what a phone or kiosk needs to capture attendance, also offline. */
export interface CaptureContext {
  organization: { id: Id; name: string; timezone: string; work_start_time: string; work_end_time: string; late_tolerance_minutes: number }
  /** kiosk_gallery: whether a kiosk recognises the whole organization or only its station's department. */
  face: { threshold: number; margin: number; kiosk_gallery?: 'organization' | 'department' }
  /** The caller's own schedule (their department's, else the organization's). */
  schedule: ScheduleDto
  default_schedule: ScheduleDto
  schedules: ScheduleDto[]
  locations: LocationDto[]
  departments: { id: Id; name: string; work_schedule_id: Id | null }[]
  geofence_policy: 'flag' | 'refuse' | string
}

/** The shared rules module's shape of a schedule. */
export function toWorkSchedule(s: ScheduleDto): WorkSchedule {
  return { workDays: s.work_days, startTime: s.start_time, endTime: s.end_time, lateToleranceMinutes: s.late_tolerance_minutes }
}

/** One day of the member's own attendance (GET /api/attendance/mine). Times are "HH:MM:SS" in the organization's zone. */
export interface OwnAttendance {
  id: Id
  attendance_date: string
  check_in_time: string | null
  check_out_time: string | null
  status: AttendanceStatus
  /** verifying: the server is still checking the capture's evidence; pending: held for an admin's review. */
  approval_status: 'verifying' | 'pending' | 'approved' | 'rejected' | string
  flags: string[]
  remarks: string | null
}

export interface SyncAnswer {
  synced: number
  failed: number
  last_sync_at: string
  results: SyncResult[]
}

/** POST /api/attendance/submit and /record answer. */
export interface SubmittedAttendance {
  id: Id
  client_id: string
  status: AttendanceStatus | null
  sync_status: 'applied' | 'duplicate'
  flags: string[]
  created_at: string
}

export interface QrToken {
  token: string
  expires_at: string
}

export const getCaptureContext = (options?: { signal?: AbortSignal }) => api.get<CaptureContext>('/api/attendance/context', options)

export const syncAttendance = (batch: { device_id: string; sent_at: string; records: SyncRecord[] }) => api.post<SyncAnswer>('/api/attendance/sync', batch)

/** A member's own capture, sent directly (the outbox normally goes through /sync). */
export const submitAttendance = (body: SyncRecord & { organization_id: Id; device_id?: string; sent_at?: string }) =>
  api.post<SubmittedAttendance>('/api/attendance/submit', body)

export const getMyAttendance = (limit?: number, options?: { signal?: AbortSignal }) =>
  api.get<{ records: OwnAttendance[] }>('/api/attendance/mine', { ...options, query: { limit } })

export const getMyQr = () => api.get<QrToken>('/api/attendance/qr')

/**
 * Face sign-in on the member's own phone: the evidence of a login challenge (issueLoginChallenge), checked by the
 * server against the remembered member. 401 FACE_NOT_RECOGNISED on a miss.
 */
export const faceLogin = (organizationId: Id, memberId: Id, evidence: Evidence) =>
  api.post<MobileMe>('/api/mobile/login/face', { organization_id: organizationId, member_id: memberId, evidence }, { expectUnauthorized: true })

/** A liveness challenge for a face sign-in (public, rate-limited). */
export const issueLoginChallenge = (organizationId: Id, memberId: Id, options?: { signal?: AbortSignal }) =>
  api.post<IssuedChallenge>('/api/mobile/login/challenge', { organization_id: organizationId, member_id: memberId }, { ...options, expectUnauthorized: true })

/** The member edits their own profile. */
export const updateMyProfile = (patch: { name?: string; phone?: string | null }) => api.patch<MobileMe>('/api/mobile/me', patch)

// --- Petugas kiosk (/p) ---

/** A member as the kiosk finds them (GET /api/attendance/members, POST /api/attendance/qr/resolve). */
export interface KioskMember {
  id: Id
  name: string
  member_number: string | null
  department: string | null
  department_id: Id | null
  face_registered: boolean
}

export const searchKioskMembers = (query: { q?: string; department_id?: Id | null; limit?: number }, options?: { signal?: AbortSignal }) =>
  api.get<{ members: KioskMember[]; total: number }>('/api/attendance/members', { ...options, query })

/** Resolves a member's signed QR code (422 QR_INVALID / QR_EXPIRED, 404 another organization's). */
export const resolveMemberQr = (token: string) => api.post<{ member: KioskMember }>('/api/attendance/qr/resolve', { token })

/** GET /api/face/gallery: the organization's descriptors (base64) for a kiosk's offline 1:N (src/kiosk/gallery.ts). */
export interface GalleryResponse {
  organization_id: Id
  threshold: number
  margin: number
  generated_at: string
  /** Names the content; sent back as `known`, the server answers `unchanged: true` with no members when it still holds. */
  version: string
  unchanged: boolean
  /** confusable: the member's face sits close to another member's; a kiosk asks them for their QR code too. */
  members: { id: Id; name: string; member_number: string | null; department_id: Id | null; confusable?: boolean; descriptors: string[] }[]
}

export const getFaceGallery = (known?: string | null, options?: { signal?: AbortSignal }) =>
  api.get<GalleryResponse>('/api/face/gallery', { ...options, query: known ? { known } : {} })

/** An admin deletes a member's face data at the member's request (withdrawal of consent). */
export const deleteMemberFaceData = (organizationId: Id | string, memberId: Id) =>
  api.delete<{ deleted_descriptors: number; deleted_photos: number }>(
    `/api/organizations/${encodeURIComponent(String(organizationId))}/members/${encodeURIComponent(String(memberId))}/face`,
  )

/** A liveness challenge from the server: a member's attendance or face registration, or a kiosk's record. */
export const issueChallenge = (purpose: Exclude<ChallengePurpose, 'login'>, options?: { signal?: AbortSignal }) =>
  api.post<IssuedChallenge>('/api/attendance/challenge', { purpose }, options)

/** What the server concluded about one capture (GET /api/attendance/captures/:clientId). */
export interface CaptureStatus {
  client_id: string
  verification: 'verifying' | 'done'
  approval_status: 'verifying' | 'pending' | 'approved' | 'rejected'
  level: 'high' | 'medium' | 'low' | 'failed' | null
  record_id: Id | null
  flags: string[]
  reasons: string[]
}

export const getCaptureStatus = (clientId: string, options?: { signal?: AbortSignal }) =>
  api.get<CaptureStatus>(`/api/attendance/captures/${encodeURIComponent(clientId)}`, options)
