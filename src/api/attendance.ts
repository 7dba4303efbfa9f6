// Attendance capture calls, one function per route of docs/api.md ("Attendance capture", and the member's face sign-in
// and profile). Shared by the member app (/m) and the petugas kiosk (/p). Types come from the server's routes.
import type { ChallengePurpose, Evidence } from '@shared/attendance/evidence'
import { dayHoursFrom, type WorkSchedule } from '@shared/attendance/rules'
import type { ShiftType } from '@shared/attendance/shifts'
import type { SyncRecord } from '@shared/attendance/sync'
import { type AnswerOf, call, routes, withSignal } from './client'
import type { Id } from './types'

export type { AttendanceStatus } from '@shared/attendance/statuses'
interface Signal { signal?: AbortSignal }
const attendance = routes.attendance

/** GET /api/attendance/context: what a phone or kiosk needs to capture attendance, also offline. */
export const getCaptureContext = (options?: Signal) => call(attendance.context.$get(undefined, withSignal(options?.signal)))
export type CaptureContext = AnswerOf<typeof getCaptureContext>
/** A work schedule as the API sends it (times "HH:MM", ISO weekdays 1 = Monday). */
export type ScheduleDto = CaptureContext['schedule']
export type LocationDto = CaptureContext['locations'][number]

/** The shared rules module's shape of a schedule. */
export function toWorkSchedule(s: Pick<ScheduleDto, 'work_days' | 'start_time' | 'end_time' | 'late_tolerance_minutes'> & Partial<Pick<ScheduleDto, 'day_hours'>>): WorkSchedule {
  return { workDays: s.work_days, startTime: s.start_time, endTime: s.end_time, lateToleranceMinutes: s.late_tolerance_minutes, dayHours: dayHoursFrom(s.day_hours) }
}

/**
 * The member's roster days from the context (date -> shift, or null for a day off); a context saved before shifts
 * existed has none.
 */
export function toShiftDays(shifts: CaptureContext['shifts'] | undefined): Map<string, ShiftType | null> {
  return new Map((shifts ?? []).map((d) => [d.date, d.shift ? { id: 0, name: d.shift.name, code: d.shift.code, startTime: d.shift.start_time, endTime: d.shift.end_time, lateToleranceMinutes: d.shift.late_tolerance_minutes } : null]))
}

export const syncAttendance = (batch: { device_id: string; sent_at: string; records: SyncRecord[] }) => call(attendance.sync.$post({ json: batch }))
export type SyncAnswer = AnswerOf<typeof syncAttendance>

/** A member's own capture, sent directly (the outbox normally goes through /sync). */
export const submitAttendance = (body: Parameters<typeof attendance.submit.$post>[0]['json']) => call(attendance.submit.$post({ json: body }))
/** POST /api/attendance/submit and /record answer. */
export type SubmittedAttendance = AnswerOf<typeof submitAttendance>

export const getMyAttendance = (limit?: number, options?: Signal) =>
  call(attendance.mine.$get({ query: { limit } }, withSignal(options?.signal)))
/** One day of the member's own attendance. Times are "HH:MM:SS" in the organization's zone. */
export type OwnAttendance = AnswerOf<typeof getMyAttendance>['records'][number]

export const getMyQr = () => call(attendance.qr.$get())
export type QrToken = AnswerOf<typeof getMyQr>

/**
 * Face sign-in on the member's own phone: the evidence of a login challenge (issueLoginChallenge), checked by the
 * server against the remembered member. 401 FACE_NOT_RECOGNISED on a miss.
 */
export const faceLogin = (organizationId: Id, memberId: Id, evidence: Evidence) =>
  call(routes.mobile.login.face.$post({ json: { organization_id: organizationId, member_id: memberId, evidence } }), { expectUnauthorized: true })

/** A liveness challenge for a face sign-in (public, rate-limited). */
export const issueLoginChallenge = (organizationId: Id, memberId: Id, options?: Signal) =>
  call(routes.mobile.login.challenge.$post({ json: { organization_id: organizationId, member_id: memberId } }, withSignal(options?.signal)), { expectUnauthorized: true })

/** The member edits their own profile. */
export const updateMyProfile = (patch: { name?: string; phone?: string | null }) => call(routes.mobile.me.$patch({ json: patch }))

// --- Petugas kiosk (/p) ---

export const searchKioskMembers = (query: { q?: string; department_id?: Id | null; limit?: number }, options?: Signal) =>
  call(attendance.members.$get({ query: { ...query, department_id: query.department_id == null ? undefined : String(query.department_id) } }, withSignal(options?.signal)))
/** A member as the kiosk finds them (GET /api/attendance/members, POST /api/attendance/qr/resolve). */
export type KioskMember = AnswerOf<typeof searchKioskMembers>['members'][number]

/** Whether the member already checked in/out today and from where (GET /api/attendance/members/:memberId/today). */
export const getMemberToday = (memberId: Id, options?: Signal) =>
  call(attendance.members[':memberId'].today.$get({ param: { memberId: String(memberId) } }, withSignal(options?.signal)))
export type MemberToday = AnswerOf<typeof getMemberToday>

/** Resolves a member's signed QR code (422 QR_INVALID / QR_EXPIRED, 404 another organization's). */
export const resolveMemberQr = (token: string) => call(attendance.qr.resolve.$post({ json: { token } }))

/** GET /api/face/gallery: the organization's descriptors (base64) for a kiosk's offline 1:N (src/kiosk/gallery.ts). */
export const getFaceGallery = (known?: string | null, options?: Signal) =>
  call(routes.face.gallery.$get({ query: known ? { known } : {} }, withSignal(options?.signal)))
export type GalleryResponse = AnswerOf<typeof getFaceGallery>

/** An admin deletes a member's face data at the member's request (withdrawal of consent). */
export const deleteMemberFaceData = (organizationId: Id | string, memberId: Id) =>
  call(routes.organizations[':id'].members[':memberId'].face.$delete({ param: { id: String(organizationId), memberId: String(memberId) } }))

/** A liveness challenge from the server: a member's attendance or face registration, or a kiosk's record. */
export const issueChallenge = (purpose: Exclude<ChallengePurpose, 'login'>, options?: Signal) =>
  call(attendance.challenge.$post({ json: { purpose } }, withSignal(options?.signal)))

export const getCaptureStatus = (clientId: string, options?: Signal) =>
  call(attendance.captures[':clientId'].$get({ param: { clientId } }, withSignal(options?.signal)))
/** What the server concluded about one capture (GET /api/attendance/captures/:clientId). */
export type CaptureStatus = AnswerOf<typeof getCaptureStatus>
