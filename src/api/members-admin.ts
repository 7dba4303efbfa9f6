// Members, organization structure and import/export on the dashboard (docs/api.md, "Members, structure, import and
// export"). `:id` is always the active organization.
import { type Answer, type AnswerOf, ApiError, call, errorFromText, NETWORK, routes } from './client'
import type { Id } from './types'

const org = (id: string) => `/api/organizations/${encodeURIComponent(id)}`
const o = routes.organizations[':id']
const mp = (id: string, memberId: Id | string) => ({ param: { id, memberId: String(memberId) } })
const rp = (id: string, rowId: Id) => ({ param: { id, rowId: String(rowId) } })

export type MemberRole = 'member' | 'petugas'
type MemberQuery = NonNullable<Parameters<typeof o.members.$get>[0]['query']>
/** The member list's filters as a form holds them: '' is "any". */
export interface MemberFilters {
  q?: string
  status?: MemberQuery['status'] | ''
  department_id?: Id | ''
  role?: MemberQuery['role'] | ''
  face?: MemberQuery['face'] | ''
}
const any = <T>(value: T | '' | undefined): T | undefined => (value === '' ? undefined : value)

export async function listMemberPage(id: string, filters: MemberFilters & { limit: number; offset: number }) {
  const { status, department_id, role, face, ...rest } = filters
  const query = { ...rest, status: any(status), role: any(role), face: any(face), department_id: department_id === '' || department_id === undefined ? undefined : String(department_id) }
  return call(o.members.$get({ param: { id }, query }))
}
export type AdminMember = AnswerOf<typeof listMemberPage>['members'][number]
export const getMemberDetail = (id: string, memberId: Id | string) => call(o.members[':memberId'].$get(mp(id, memberId)))
export type MemberDetail = AnswerOf<typeof getMemberDetail>
export type MemberPatch = Parameters<(typeof o.members)[':memberId']['$patch']>[0]['json']
export const updateMember = (id: string, memberId: Id, patch: MemberPatch) => call(o.members[':memberId'].$patch({ ...mp(id, memberId), json: patch }))
export const deleteMember = (id: string, memberId: Id) => call(o.members[':memberId'].$delete(mp(id, memberId)))
export type DeleteMemberResult = AnswerOf<typeof deleteMember>
export const memberAttendance = async (id: string, memberId: Id, limit = 20) =>
  (await call(o.members[':memberId'].attendance.$get({ ...mp(id, memberId), query: { limit } }))).records
export type MemberAttendance = AnswerOf<typeof memberAttendance>[number]

/** A download link for the members as .xlsx (or .csv), with the list's filters. */
export function exportUrl(id: string, filters: MemberFilters, format: 'xlsx' | 'csv', lang: string): string {
  const params = new URLSearchParams({ format, lang })
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== '') params.set(key, String(value))
  return `${org(id)}/members/export?${params}`
}

// ---------------------------------------------------------------------------------------------------------------
// Organization structure

export const listDepartmentRows = async (id: string) => (await call(o.departments.$get({ param: { id } }))).departments
export type DepartmentRow = AnswerOf<typeof listDepartmentRows>[number]
export type DepartmentInput = Parameters<typeof o.departments.$post>[0]['json']
export const createDepartmentRow = (id: string, input: DepartmentInput) => call(o.departments.$post({ param: { id }, json: input }))
export const updateDepartmentRow = (id: string, rowId: Id, input: Parameters<(typeof o.departments)[':rowId']['$patch']>[0]['json']) =>
  call(o.departments[':rowId'].$patch({ ...rp(id, rowId), json: input }))
export const deleteDepartmentRow = (id: string, rowId: Id) => call(o.departments[':rowId'].$delete(rp(id, rowId)))

export const listPositionRows = async (id: string) => (await call(o.positions.$get({ param: { id } }))).positions
export type PositionRow = AnswerOf<typeof listPositionRows>[number]
export const createPositionRow = (id: string, name: string) => call(o.positions.$post({ param: { id }, json: { name } }))
export const updatePositionRow = (id: string, rowId: Id, name: string) => call(o.positions[':rowId'].$patch({ ...rp(id, rowId), json: { name } }))
export const deletePositionRow = (id: string, rowId: Id) => call(o.positions[':rowId'].$delete(rp(id, rowId)))

export const listSchedules = async (id: string) => (await call(o.schedules.$get({ param: { id } }))).schedules
export type Schedule = AnswerOf<typeof listSchedules>[number]
export type ScheduleInput = Parameters<typeof o.schedules.$post>[0]['json']
export const createSchedule = (id: string, input: ScheduleInput) => call(o.schedules.$post({ param: { id }, json: input }))
export const updateSchedule = (id: string, rowId: Id, input: Parameters<(typeof o.schedules)[':rowId']['$patch']>[0]['json']) =>
  call(o.schedules[':rowId'].$patch({ ...rp(id, rowId), json: input }))
export const deleteSchedule = (id: string, rowId: Id) => call(o.schedules[':rowId'].$delete(rp(id, rowId)))

export const listPlaces = async (id: string) => (await call(o.locations.$get({ param: { id } }))).locations
export type Place = AnswerOf<typeof listPlaces>[number]
export type PlaceInput = Parameters<typeof o.locations.$post>[0]['json']
export const createPlace = (id: string, input: PlaceInput) => call(o.locations.$post({ param: { id }, json: input }))
export const updatePlace = (id: string, rowId: Id, input: Parameters<(typeof o.locations)[':rowId']['$patch']>[0]['json']) =>
  call(o.locations[':rowId'].$patch({ ...rp(id, rowId), json: input }))
export const deletePlace = (id: string, rowId: Id) => call(o.locations[':rowId'].$delete(rp(id, rowId)))

// ---------------------------------------------------------------------------------------------------------------
// Import

export { IMPORT_COLUMNS, MAX_IMPORT_BYTES, type ImportColumn } from '@shared/members/import'

type ImportAnswer = Answer<Awaited<ReturnType<typeof o.members.import.$post>>>
type Previewed = Extract<ImportAnswer, { expires_at: string }>
type Applied = Extract<ImportAnswer, { result: unknown }>
/** A preview of an upload (dry run, with its expiry), then the same shape with the applied import's result. */
export type ImportPreview = Omit<Previewed, 'dry_run' | 'expires_at'> & { dry_run: boolean; expires_at?: string; result?: Applied['result'] }
export type ImportRow = ImportPreview['rows'][number]
export type ImportCounts = ImportPreview['counts']
export type ImportRowError = NonNullable<ImportRow['errors']>[number]

export const templateUrl = (id: string, lang: string) => `${org(id)}/members/import/template?lang=${encodeURIComponent(lang)}`

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
      } else reject(errorFromText(xhr.status, xhr.responseText))
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
      headers: { 'Accept': 'application/x-ndjson', 'Content-Type': 'application/json' },
      body: '{}',
      credentials: 'same-origin',
    })
  } catch {
    throw new ApiError(0, NETWORK, 'The server could not be reached')
  }
  if (!response.ok || !response.body) throw errorFromText(response.status, await response.text())
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
