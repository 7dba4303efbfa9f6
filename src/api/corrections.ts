// Correction requests, "lupa absen" (docs/api.md, "Correction requests"): the member's own on the phone, the
// organization's on the dashboard.
import { i18n } from '~/modules/i18n'
import { ApiError, type AnswerOf, call, routes } from './client'
import { errorMessage } from './errors'
import { formatDay } from '~/components/leave/format'
import { formatTime } from '~/composables/useFormat'
import type { Id } from './types'

export {
  CORRECTION_DAYS_BACK,
  CORRECTION_KINDS,
  CORRECTION_NOTE_MAX,
  CORRECTION_REASON_MAX,
  CORRECTION_STATUSES,
  correctionInput,
  correctionLimits,
  correctionRejectInput,
  wantsCheckIn,
  wantsCheckOut,
  type CorrectionKind,
  type CorrectionStatus,
} from '@shared/corrections/rules'

const own = routes['correction-requests']
const org = routes.organizations[':id']['correction-requests']

export const listMyCorrections = () => call(own.$get({ query: {} }))
export type CorrectionRequest = AnswerOf<typeof listMyCorrections>['correction_requests'][number]
export type CorrectionRules = AnswerOf<typeof listMyCorrections>['rules']
export type NewCorrection = Parameters<typeof own.$post>[0]['json']
export const askForCorrection = (body: NewCorrection) => call(own.$post({ json: body }))
export const cancelMyCorrection = (id: Id) => call(own[':rowId'].cancel.$post({ param: { rowId: String(id) } }))

export type CorrectionQuery = NonNullable<Parameters<typeof org.$get>[0]['query']>
export const listCorrections = (organizationId: string, query: CorrectionQuery = {}) => call(org.$get({ param: { id: organizationId }, query }))
export type CorrectionPage = AnswerOf<typeof listCorrections>
const row = (organizationId: string, id: Id) => ({ param: { id: organizationId, rowId: String(id) } })
export type CorrectionApproval = Parameters<(typeof org)[':rowId']['approve']['$post']>[0]['json']
export const approveCorrection = (organizationId: string, id: Id, body: CorrectionApproval) => call(org[':rowId'].approve.$post({ ...row(organizationId, id), json: body }))
export const rejectCorrection = (organizationId: string, id: Id, note: string) => call(org[':rowId'].reject.$post({ ...row(organizationId, id), json: { note } }))

/** "HH:MM" of a stored "HH:MM:SS" (for a time input), or ''. */
export const hhmm = (time: string | null | undefined): string => (time ? time.slice(0, 5) : '')

function errorParams(error: ApiError): Record<string, unknown> {
  const locale = i18n.global.locale.value
  const details = error.details as { limit?: unknown }[] | undefined
  const limit = Array.isArray(details) ? details[0]?.limit : undefined
  if (typeof limit !== 'string') return { limit: '' }
  return { limit: /^\d{4}-\d{2}-\d{2}$/.test(limit) ? formatDay(limit, locale, { weekday: false }) : formatTime(limit) }
}

/** The translated sentence for a failure: the correction area's own codes first, then the common ones. */
export function correctionErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const key = `corrections.errors.${error.code}`
    if (i18n.global.te(key, 'en')) return i18n.global.t(key, errorParams(error))
  }
  return errorMessage(error)
}

/** A rule the server refused, as a field problem (path and i18n key), when it names a field. */
export function correctionFieldIssue(error: unknown): { path: string; key: string; params: Record<string, unknown> } | null {
  if (!(error instanceof ApiError) || error.status !== 422 || !error.code.startsWith('CORRECTION_')) return null
  const path = Array.isArray(error.details) ? (error.details[0] as { path?: unknown } | undefined)?.path : undefined
  return typeof path === 'string' ? { path, key: `corrections.errors.${error.code}`, params: errorParams(error) } : null
}
