// Members, organization structure and import/export on the dashboard (docs/api.md, "Members, structure, import and
// export"). `:id` is always the active organization.
import { api, ApiError, NETWORK } from './client'
import { type Id, listOf, type Member } from './types'

const org = (id: string) => `/api/organizations/${encodeURIComponent(id)}`

export type MemberRole = 'member' | 'petugas'

export interface MemberFilters {
  q?: string
  status?: 'active' | 'inactive' | ''
  department_id?: Id | ''
  role?: MemberRole | ''
  face?: 'registered' | 'missing' | ''
}

export interface AdminMember extends Member {
  phone: string | null
  pin_set: boolean
  created_at: string
}

export interface MemberDetail extends AdminMember {
  face: { descriptors: number; registered_at: string | null; verified: boolean; consent: { version: string; accepted_at: string } | null }
  invitation: { created_at: string; expires_at: string } | null
}

export interface MemberPatch {
  name?: string
  email?: string | null
  phone?: string | null
  member_number?: string | null
  department_id?: Id | null
  position_id?: Id | null
  status?: 'active' | 'inactive'
  role?: MemberRole
}

export interface MemberAttendance {
  id: Id
  attendance_date: string
  check_in_time: string | null
  check_out_time: string | null
  status: 'present' | 'late' | 'absent' | 'excused'
  approval_status: 'pending' | 'approved' | 'rejected'
  flags: string[]
  source: string
  remarks: string | null
}

export interface DeleteMemberResult {
  deleted_descriptors: number
  deleted_photos: number
  deleted_attendance_records: number
  account_deleted: boolean
}

export async function listMemberPage(id: string, filters: MemberFilters & { limit: number; offset: number }) {
  const page = await api.get<{ members: AdminMember[]; total: number }>(`${org(id)}/members`, { query: { ...filters } })
  return { members: page.members ?? [], total: page.total ?? 0 }
}
export const getMemberDetail = (id: string, memberId: Id | string) => api.get<MemberDetail>(`${org(id)}/members/${encodeURIComponent(String(memberId))}`)
export const updateMember = (id: string, memberId: Id, patch: MemberPatch) => api.patch<AdminMember>(`${org(id)}/members/${memberId}`, patch)
export const deleteMember = (id: string, memberId: Id) => api.delete<DeleteMemberResult>(`${org(id)}/members/${memberId}`)
export const memberAttendance = async (id: string, memberId: Id, limit = 20) =>
  listOf<MemberAttendance>(await api.get(`${org(id)}/members/${memberId}/attendance`, { query: { limit } }), 'records')

/** A download link for the members as .xlsx (or .csv), with the list's filters. */
export function exportUrl(id: string, filters: MemberFilters, format: 'xlsx' | 'csv', lang: string): string {
  const params = new URLSearchParams({ format, lang })
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== '') params.set(key, String(value))
  return `${org(id)}/members/export?${params}`
}

// ---------------------------------------------------------------------------------------------------------------
// Organization structure

export interface DepartmentRow {
  id: Id
  name: string
  code: string | null
  work_schedule_id: Id | null
  members: number
}
export interface PositionRow {
  id: Id
  name: string
  members: number
}
export interface Schedule {
  id: Id
  name: string
  work_days: number[]
  start_time: string
  end_time: string
  late_tolerance_minutes: number
}
export interface Place {
  id: Id
  name: string
  latitude: number | null
  longitude: number | null
  radius_meters: number
}

export type DepartmentInput = { name: string; code?: string | null; work_schedule_id?: Id | null }
export type ScheduleInput = Omit<Schedule, 'id'>
export type PlaceInput = Omit<Place, 'id'>

export const listDepartmentRows = async (id: string) => listOf<DepartmentRow>(await api.get(`${org(id)}/departments`), 'departments')
export const createDepartmentRow = (id: string, input: DepartmentInput) => api.post<DepartmentRow>(`${org(id)}/departments`, input)
export const updateDepartmentRow = (id: string, rowId: Id, input: Partial<DepartmentInput>) => api.patch<DepartmentRow>(`${org(id)}/departments/${rowId}`, input)
export const deleteDepartmentRow = (id: string, rowId: Id) => api.delete<unknown>(`${org(id)}/departments/${rowId}`)

export const listPositionRows = async (id: string) => listOf<PositionRow>(await api.get(`${org(id)}/positions`), 'positions')
export const createPositionRow = (id: string, name: string) => api.post<PositionRow>(`${org(id)}/positions`, { name })
export const updatePositionRow = (id: string, rowId: Id, name: string) => api.patch<PositionRow>(`${org(id)}/positions/${rowId}`, { name })
export const deletePositionRow = (id: string, rowId: Id) => api.delete<unknown>(`${org(id)}/positions/${rowId}`)

export const listSchedules = async (id: string) => listOf<Schedule>(await api.get(`${org(id)}/schedules`), 'schedules')
export const createSchedule = (id: string, input: ScheduleInput) => api.post<Schedule>(`${org(id)}/schedules`, input)
export const updateSchedule = (id: string, rowId: Id, input: Partial<ScheduleInput>) => api.patch<Schedule>(`${org(id)}/schedules/${rowId}`, input)
export const deleteSchedule = (id: string, rowId: Id) => api.delete<unknown>(`${org(id)}/schedules/${rowId}`)

export const listPlaces = async (id: string) => listOf<Place>(await api.get(`${org(id)}/locations`), 'locations')
export const createPlace = (id: string, input: PlaceInput) => api.post<Place>(`${org(id)}/locations`, input)
export const updatePlace = (id: string, rowId: Id, input: Partial<PlaceInput>) => api.patch<Place>(`${org(id)}/locations/${rowId}`, input)
export const deletePlace = (id: string, rowId: Id) => api.delete<unknown>(`${org(id)}/locations/${rowId}`)

// ---------------------------------------------------------------------------------------------------------------
// Import

export const IMPORT_COLUMNS = ['name', 'email', 'phone', 'member_number', 'department', 'position', 'role'] as const
export type ImportColumn = (typeof IMPORT_COLUMNS)[number]
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024

export interface ImportRowError {
  column: ImportColumn
  code: string
  message: string
  max?: number
  row?: number
}

export interface ImportRow {
  row: number
  /** `invite`: the email has a Hadir account of its own; that person is invited, not added. */
  action: 'create' | 'invite' | 'update' | 'unchanged' | 'error'
  member_id: Id | null
  name: string
  member_number: string | null
  email: string | null
  changes?: Partial<Record<ImportColumn, { from: string | null; to: string }>>
  errors?: ImportRowError[]
}

export interface ImportCounts {
  total: number
  create: number
  invite: number
  update: number
  unchanged: number
  error: number
}

export interface ImportPreview {
  job_id: Id
  filename: string
  format: 'xlsx' | 'csv'
  sheet: string | null
  columns: Partial<Record<ImportColumn, string>>
  ignored_columns: string[]
  counts: ImportCounts
  new_departments: string[]
  new_positions: string[]
  dry_run: boolean
  expires_at?: string
  result?: { created: number; invited?: number; updated: number; unchanged: number; skipped: number; departments_created: string[]; positions_created: string[] }
  rows: ImportRow[]
}

export const templateUrl = (id: string, lang: string) => `${org(id)}/members/import/template?lang=${encodeURIComponent(lang)}`

function errorFrom(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } }
    if (body.error?.code) return new ApiError(status, body.error.code, body.error.message ?? '', body.error.details)
  } catch {
    // not JSON (a proxy's error page)
  }
  return new ApiError(status, `HTTP_${status}`, `Request failed with status ${status}`)
}

/**
 * Uploads the file for a preview (dry run). XMLHttpRequest rather than fetch, because only it reports upload
 * progress (0..1) for the progress bar.
 */
export function previewImport(id: string, file: File, onUpload: (fraction: number) => void): Promise<ImportPreview> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `${org(id)}/members/import`)
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onUpload(event.loaded / event.total)
    }
    xhr.upload.onload = () => onUpload(1)
    xhr.onerror = () => reject(new ApiError(0, NETWORK, 'The server could not be reached'))
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve((JSON.parse(xhr.responseText) as { data: ImportPreview }).data)
        } catch {
          reject(new ApiError(xhr.status, 'HTTP_BAD_BODY', 'The answer could not be read'))
        }
      } else reject(errorFrom(xhr.status, xhr.responseText))
    }
    const form = new FormData()
    form.append('file', file, file.name)
    form.append('dry_run', 'true')
    xhr.send(form)
  })
}

/** Applies a preview; the server streams progress as NDJSON lines, then the result (or an error). */
export async function applyImport(id: string, jobId: Id, onProgress: (done: number, total: number) => void): Promise<ImportPreview> {
  let response: Response
  try {
    response = await fetch(`${org(id)}/members/import/${jobId}/apply`, {
      method: 'POST',
      headers: { Accept: 'application/x-ndjson', 'Content-Type': 'application/json' },
      body: '{}',
      credentials: 'same-origin',
    })
  } catch {
    throw new ApiError(0, NETWORK, 'The server could not be reached')
  }
  if (!response.ok || !response.body) throw errorFrom(response.status, await response.text())
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  let result: ImportPreview | null = null
  for (;;) {
    const { value, done } = await reader.read()
    if (value) buffer += value
    let newline = buffer.indexOf('\n')
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim()
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf('\n')
      if (!line) continue
      const message = JSON.parse(line) as { progress?: { done: number; total: number }; result?: ImportPreview; error?: { code: string; message: string; details?: unknown } }
      if (message.progress) onProgress(message.progress.done, message.progress.total)
      if (message.result) result = message.result
      if (message.error) throw new ApiError(409, message.error.code, message.error.message, message.error.details)
    }
    if (done) break
  }
  if (!result) throw new ApiError(500, 'INTERNAL', 'The import ended without an answer')
  return result
}
