// The dashboard's attendance calls (docs/api.md, "Dashboard attendance"). `:id` is always the active organization.
// Types come from the server's routes (./client.ts).
import type { AssuranceLevel } from '@shared/attendance/evidence'
import { type AnswerOf, call, routes } from './client'
import type { Id } from './types'

import type { AttendanceSource } from '@shared/attendance/statuses'

const base = (id: string) => `/api/organizations/${encodeURIComponent(id)}/attendance`
export { APPROVAL_STATUSES, ATTENDANCE_STATUSES, type ApprovalStatus, type AttendanceSource, type AttendanceStatus } from '@shared/attendance/statuses'
export type AttendanceSort = 'date' | 'check_in' | 'name'

/** The list's level filter: a level, or `none` (no capture was checked: manual, excused, older records). */
export type LevelFilter = AssuranceLevel | 'none'
export const LEVEL_FILTERS: readonly LevelFilter[] = ['high', 'medium', 'low', 'failed', 'none']
export { ASSURANCE_LEVELS, type Assurance, type AssuranceLevel, type CheckOutcome } from '@shared/attendance/evidence'
export const ATTENDANCE_SOURCES: readonly AttendanceSource[] = ['mobile', 'manual', 'website']
export { ATTENDANCE_FLAGS, type AttendanceFlag } from '@shared/attendance/flags'

const att = routes.organizations[':id'].attendance
const one = att[':recordId']
const rp = (id: string, recordId: Id) => ({ param: { id, recordId: String(recordId) } })

export type AttendanceFilters = Omit<NonNullable<Parameters<typeof att.$get>[0]['query']>, 'limit' | 'cursor' | 'ids'>

export const listAttendance = (id: string, filters: AttendanceFilters, page: { limit?: number; cursor?: string | null } = {}) =>
  call(att.$get({ param: { id }, query: { ...filters, limit: page.limit, cursor: page.cursor ?? undefined } }))
export type AttendancePage = AnswerOf<typeof listAttendance>
export type AttendanceRow = AttendancePage['records'][number]

/** Which of these records match the filters (after a live event). */
export const matchingRecords = (id: string, filters: AttendanceFilters, ids: Id[]) =>
  call(att.$get({ param: { id }, query: { ...filters, sort: undefined, order: undefined, ids: ids.join(',') } }))

export const getRecord = (id: string, recordId: Id) => call(one.$get(rp(id, recordId)))
export type RecordDetail = AnswerOf<typeof getRecord>
export type HistoryEntry = RecordDetail['history'][number]
export type CaptureEvent = RecordDetail['events'][number]

export const approveRecord = (id: string, recordId: Id, note?: string) => call(one.approve.$post({ ...rp(id, recordId), json: note ? { note } : {} }))
export const rejectRecord = (id: string, recordId: Id, note?: string) => call(one.reject.$post({ ...rp(id, recordId), json: note ? { note } : {} }))
export type Correction = Parameters<typeof one.$patch>[0]['json']
export const correctRecord = (id: string, recordId: Id, correction: Correction) => call(one.$patch({ ...rp(id, recordId), json: correction }))
export type ManualRecord = Parameters<typeof att.$post>[0]['json']
export const createManualRecord = (id: string, record: ManualRecord) => call(att.$post({ param: { id }, json: record }))

export const getToday = (id: string) => call(att.today.$get({ param: { id } }))
export type TodayView = AnswerOf<typeof getToday>
export type Counts = TodayView['totals']
export const getTrend = (id: string, days = 30) => call(att.trend.$get({ param: { id }, query: { days } }))
export type TrendDay = AnswerOf<typeof getTrend>['days'][number]
export const getAttendanceOptions = (id: string) => call(att.options.$get({ param: { id } }))
export type AttendanceOptions = AnswerOf<typeof getAttendanceOptions>

/** The capture photo (an <img> source: the session cookie goes along; every view is audit-logged). */
export const photoUrl = (id: string, recordId: Id, size: 'thumb' | 'full' = 'full') => `${base(id)}/${recordId}/photo${size === 'thumb' ? '?size=thumb' : ''}`
/** One evidence frame of a capture (an <img> source; every view is audit-logged). */
export const frameUrl = (id: string, recordId: Id, eventId: Id, frame: number) => `${base(id)}/${recordId}/frames?event=${eventId}&frame=${frame}`
export const streamUrl = (id: string) => `${base(id)}/stream`
