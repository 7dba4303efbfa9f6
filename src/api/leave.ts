// Leave requests (docs/api.md, "Leave requests"): the member's own on the phone, the organization's on the dashboard.
import { i18n } from '~/modules/i18n'
import { ApiError, type AnswerOf, call, routes } from './client'
import { errorMessage } from './errors'
import { formatDay, formatRange } from '~/components/leave/format'
import type { Id } from './types'

export { LEAVE_KINDS, LEAVE_STATUSES, leaveInput, NOTE_MAX, REASON_MAX, rangeLimits, type LeaveKind, type LeaveStatus } from '@shared/leave/rules'
export { addDays, daysInclusive } from '@shared/calendar'

export type DecisionMode = 'approve' | 'reject'

const own = routes['leave-requests']
const org = routes.organizations[':id']['leave-requests']

export const listMyLeave = () => call(own.$get({ query: {} }))
export type LeaveRequest = AnswerOf<typeof listMyLeave>['leave_requests'][number]
/** The dates a member may ask for (from the server's own rules). */
export type LeaveRules = AnswerOf<typeof listMyLeave>['rules']
export type NewLeave = Parameters<typeof own.$post>[0]['json']
export const askForLeave = (body: NewLeave) => call(own.$post({ json: body }))
export const cancelMyLeave = (id: Id) => call(own[':rowId'].cancel.$post({ param: { rowId: String(id) } }))

export type LeaveQuery = NonNullable<Parameters<typeof org.$get>[0]['query']>
export const listLeave = (organizationId: string, query: LeaveQuery = {}) => call(org.$get({ param: { id: organizationId }, query }))
export type LeavePage = AnswerOf<typeof listLeave>
const row = (organizationId: string, id: Id) => ({ param: { id: organizationId, rowId: String(id) } })
export const approveLeave = (organizationId: string, id: Id, note?: string) =>
  call(org[':rowId'].approve.$post({ ...row(organizationId, id), json: note ? { note } : {} }))
export type LeaveDecision = AnswerOf<typeof approveLeave>
export type SkippedDay = LeaveDecision['skipped'][number]
export const rejectLeave = (organizationId: string, id: Id, note: string) => call(org[':rowId'].reject.$post({ ...row(organizationId, id), json: { note } }))

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
