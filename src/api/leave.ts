// Leave requests (docs/api.md, "Leave requests"): the member's own on the phone, the organization's on the dashboard.
import { i18n } from '~/modules/i18n'
import { ApiError, api } from './client'
import { errorMessage } from './errors'
import { formatDay, formatRange } from '~/components/leave/format'
import type { Id } from './types'

export const LEAVE_KINDS = ['sick', 'leave', 'permit', 'other'] as const
export type LeaveKind = (typeof LEAVE_KINDS)[number]
export const LEAVE_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const
export type LeaveStatus = (typeof LEAVE_STATUSES)[number]

export interface LeaveRequest {
  id: Id
  member: { id: Id; name: string; member_number: string | null; department: string | null }
  kind: LeaveKind
  start_date: string
  end_date: string
  /** Calendar days, start and end included. */
  days: number
  reason: string
  status: LeaveStatus
  decision_note: string | null
  decided_at: string | null
  decided_by: { id: Id; name: string | null } | null
  /** Days the approval recorded as `excused` (working days that had no record). */
  excused_days: number
  created_at: string
  updated_at: string
}

/** The date window a request must fit, in the organization's calendar. */
export interface LeaveRules {
  today: string
  earliest_start: string
  latest_start: string
  max_days: number
}

export interface NewLeave {
  kind: LeaveKind
  start_date: string
  end_date: string
  reason: string
}

export type DecisionMode = 'approve' | 'reject'

export interface SkippedDay {
  date: string
  reason: 'day_off' | 'has_record'
}

export interface LeaveDecision {
  leave_request: LeaveRequest
  /** The dates that became `excused`. */
  excuse: string[]
  skipped: SkippedDay[]
}

export interface LeavePage {
  leave_requests: LeaveRequest[]
  total: number
  /** Pending requests in the whole organization (whatever the filters). */
  pending: number
}

export interface LeaveQuery {
  status?: LeaveStatus
  kind?: LeaveKind
  member_id?: Id
  q?: string
  from?: string
  to?: string
  limit?: number
  offset?: number
}

// The member's own (mobile session).
export const listMyLeave = () => api.get<{ leave_requests: LeaveRequest[]; rules: LeaveRules }>('/api/leave-requests')
export const askForLeave = (body: NewLeave) => api.post<LeaveRequest>('/api/leave-requests', body)
export const cancelMyLeave = (id: Id) => api.post<LeaveRequest>(`/api/leave-requests/${id}/cancel`, {})

// The dashboard (`:id` is the active organization).
const base = (organizationId: string) => `/api/organizations/${encodeURIComponent(organizationId)}/leave-requests`
export const listLeave = (organizationId: string, query: LeaveQuery = {}) => api.get<LeavePage>(base(organizationId), { query: { ...query } })
export const approveLeave = (organizationId: string, id: Id, note?: string) =>
  api.post<LeaveDecision>(`${base(organizationId)}/${id}/approve`, note ? { note } : {})
export const rejectLeave = (organizationId: string, id: Id, note: string) => api.post<LeaveRequest>(`${base(organizationId)}/${id}/reject`, { note })

/** What a leave error's sentence mentions: the limit it broke, or the range of the request it overlaps. */
function errorParams(error: ApiError): Record<string, unknown> {
  const locale = i18n.global.locale.value
  const details = error.details as { limit?: unknown }[] | { start_date?: unknown; end_date?: unknown } | undefined
  const limit = Array.isArray(details) ? details[0]?.limit : undefined
  const params: Record<string, unknown> = { limit: typeof limit === 'string' ? formatDay(limit, locale, { weekday: false }) : (limit ?? '') }
  if (details && !Array.isArray(details) && typeof details.start_date === 'string' && typeof details.end_date === 'string') {
    params.range = formatRange(details.start_date, details.end_date, locale)
  }
  return params
}

/** The translated sentence for a failure: the leave area's own codes first, then the common ones. */
export function leaveErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const key = `leave.errors.${error.code}`
    if (i18n.global.te(key, 'en')) return i18n.global.t(key, errorParams(error))
  }
  return errorMessage(error)
}

/** A leave rule the server refused, as a field problem (path and i18n key), when it names a field. */
export function leaveFieldIssue(error: unknown): { path: string; key: string; params: Record<string, unknown> } | null {
  if (!(error instanceof ApiError) || error.status !== 422 || !error.code.startsWith('LEAVE_')) return null
  const path = Array.isArray(error.details) ? (error.details[0] as { path?: unknown } | undefined)?.path : undefined
  return typeof path === 'string' ? { path, key: `leave.errors.${error.code}`, params: errorParams(error) } : null
}

/** Calendar days from start to end, both included (as the server counts them). */
export function daysInclusive(start: string, end: string): number {
  const ms = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)))
  return Math.round((ms(end) - ms(start)) / 86_400_000) + 1
}

export function addDays(date: string, days: number): string {
  const ms = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) + days * 86_400_000
  return new Date(ms).toISOString().slice(0, 10)
}
