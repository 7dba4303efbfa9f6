// The dashboard's attendance calls (docs/api.md, "Dashboard attendance"). `:id` is always the active organization.
import type { Assurance, AssuranceLevel, LivenessStep } from '@shared/attendance/evidence'
import { api } from './client'
import type { Id } from './types'

const base = (id: string) => `/api/organizations/${encodeURIComponent(id)}/attendance`

export type AttendanceStatus = 'present' | 'late' | 'absent' | 'excused'
/** verifying: the server is still checking the captures' images; a person decides after it. */
export type ApprovalStatus = 'verifying' | 'pending' | 'approved' | 'rejected'
export type AttendanceSource = 'mobile' | 'website' | 'manual'
export type AttendanceSort = 'date' | 'check_in' | 'name'

export const ATTENDANCE_STATUSES: readonly AttendanceStatus[] = ['present', 'late', 'absent', 'excused']
export const APPROVAL_STATUSES: readonly ApprovalStatus[] = ['verifying', 'pending', 'approved', 'rejected']
/** The list's level filter: a level, or `none` (no capture was checked: manual, excused, older records). */
export type LevelFilter = AssuranceLevel | 'none'
export const LEVEL_FILTERS: readonly LevelFilter[] = ['high', 'medium', 'low', 'failed', 'none']
export { ASSURANCE_LEVELS, type Assurance, type AssuranceLevel, type CheckOutcome } from '@shared/attendance/evidence'
export const ATTENDANCE_SOURCES: readonly AttendanceSource[] = ['mobile', 'manual', 'website']
export { ATTENDANCE_FLAGS, type AttendanceFlag } from '@shared/attendance/flags'

export interface AttendanceRow {
  id: Id
  member_id: Id
  member_name: string
  member_number: string | null
  department: string | null
  department_id: Id | null
  attendance_date: string
  check_in_time: string | null
  check_out_time: string | null
  status: AttendanceStatus
  approval_status: ApprovalStatus
  /** The lowest level among the day's checked captures; null: none checked (yet). */
  assurance_level: AssuranceLevel | null
  flags: string[]
  source: AttendanceSource
  recorded_by: string | null
  recorded_by_id: Id | null
  location: string | null
  location_id: Id | null
  face_match_score: number | null
  has_photo: boolean
  remarks: string | null
  server_received_at: string
  updated_at: string
}

export interface AttendancePage {
  records: AttendanceRow[]
  /** Counted on the first page only, up to a cap (then total_capped: "10,000+"). */
  total: number | null
  total_capped?: boolean
  next_cursor: string | null
}

export interface AttendanceFilters {
  start_date?: string
  end_date?: string
  member_id?: Id
  department_id?: Id
  location_id?: Id
  recorded_by?: Id
  status?: AttendanceStatus
  source?: AttendanceSource
  approval_status?: ApprovalStatus
  level?: LevelFilter
  flag?: string
  q?: string
  sort?: AttendanceSort
  order?: 'asc' | 'desc'
}

export interface HistoryEntry {
  id: Id
  action: 'create_manual' | 'approve' | 'reject' | 'correct' | 'excuse'
  changed_by: string | null
  reason: string | null
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
  created_at: string
}

export interface CaptureEvent {
  id: Id
  kind: 'check_in' | 'check_out'
  captured_at: string
  device_captured_at: string
  received_at: string
  clock_skew_ms: number
  face_distance: number | null
  recorded_by: string | null
  device: string | null
  mobile_device_id: string | null
  origin: 'phone' | 'kiosk'
  /** verifying: the server's image checks have not ended; `assurance` then holds only place and time. */
  verification: 'verifying' | 'done'
  /** What came with the capture (frames by index and time since the first); null: no images were sent. */
  evidence: {
    mode: 'online' | 'offline'
    steps: LivenessStep[]
    challenge_issued: boolean
    frames: { index: number; t: number }[]
    /** A face of a roll-call photo: the one frame is the whole photo, and this is where the member's face is in it. */
    roll_call?: { box: { x: number; y: number; width: number; height: number }; width: number; height: number } | null
  } | null
  /** The server's checklist; null for captures older than the checks. */
  assurance: Assurance | null
}

export interface RecordDetail {
  record: AttendanceRow & {
    device: string | null
    device_match_score: number | null
    device_captured_at: string | null
    latitude: number | null
    longitude: number | null
    accuracy_meters: number | null
    created_at: string
  }
  history: HistoryEntry[]
  events: CaptureEvent[]
}

export interface Counts {
  members: number
  /** Approved check-ins only. */
  present: number
  late: number
  /** Check-ins waiting for a person's review, and those the server is still checking. */
  pending: number
  verifying: number
  absent: number
  excused: number
  not_yet: number
  day_off: number
  attended: number
  rate: number | null
}

export interface TodayView {
  date: string
  time: string
  timezone: string
  totals: Counts
  departments: (Counts & { id: Id | null; name: string | null })[]
  pending_review: number
  verifying: number
}

export interface TrendDay {
  date: string
  scheduled: number
  present: number
  late: number
  excused: number
  absent: number
  not_yet: number
  waiting: number
  rate: number | null
}

export interface AttendanceOptions {
  timezone: string
  today: string
  departments: { id: Id; name: string }[]
  locations: { id: Id; name: string }[]
  recorders: { id: Id; name: string }[]
}

export interface Correction {
  reason: string
  check_in_time?: string | null
  check_out_time?: string | null
  status?: AttendanceStatus
  remarks?: string | null
  location_id?: Id | null
}

export interface ManualRecord {
  member_id: Id
  attendance_date: string
  check_in_time?: string
  check_out_time?: string
  status?: AttendanceStatus
  location_id?: Id
  remarks?: string
  reason: string
}

type Query = Record<string, string | number | undefined>

export const listAttendance = (id: string, filters: AttendanceFilters, page: { limit?: number; cursor?: string | null } = {}) =>
  api.get<AttendancePage>(base(id), { query: { ...(filters as Query), limit: page.limit, cursor: page.cursor ?? undefined } })

/** Which of these records match the filters (after a live event). */
export const matchingRecords = (id: string, filters: AttendanceFilters, ids: Id[]) =>
  api.get<AttendancePage>(base(id), { query: { ...(filters as Query), sort: undefined, order: undefined, ids: ids.join(',') } })

export const getRecord = (id: string, recordId: Id) => api.get<RecordDetail>(`${base(id)}/${recordId}`)
export const approveRecord = (id: string, recordId: Id, note?: string) => api.post<AttendanceRow>(`${base(id)}/${recordId}/approve`, note ? { note } : {})
export const rejectRecord = (id: string, recordId: Id, note?: string) => api.post<AttendanceRow>(`${base(id)}/${recordId}/reject`, note ? { note } : {})
export const correctRecord = (id: string, recordId: Id, correction: Correction) => api.patch<AttendanceRow>(`${base(id)}/${recordId}`, correction)
export const createManualRecord = (id: string, record: ManualRecord) => api.post<AttendanceRow>(base(id), record)
export const getToday = (id: string) => api.get<TodayView>(`${base(id)}/today`)
export const getTrend = (id: string, days = 30) => api.get<{ timezone: string; today: string; days: TrendDay[] }>(`${base(id)}/trend`, { query: { days } })
export const getAttendanceOptions = (id: string) => api.get<AttendanceOptions>(`${base(id)}/options`)

/** The capture photo (an <img> source: the session cookie goes along; every view is audit-logged). */
export const photoUrl = (id: string, recordId: Id, size: 'thumb' | 'full' = 'full') => `${base(id)}/${recordId}/photo${size === 'thumb' ? '?size=thumb' : ''}`
/** One evidence frame of a capture (an <img> source; every view is audit-logged). */
export const frameUrl = (id: string, recordId: Id, eventId: Id, frame: number) => `${base(id)}/${recordId}/frames?event=${eventId}&frame=${frame}`
export const streamUrl = (id: string) => `${base(id)}/stream`
