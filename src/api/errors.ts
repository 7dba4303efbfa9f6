// Turns API failures into sentences a member understands, in the interface language. Every code with a sentence
// in locales/*.json under "errors" is translated; an unknown code falls back to a sentence chosen by HTTP status,
// never to the server's English text.
import { issueDetails } from '@shared/validation'
import type { ZodError } from 'zod'
import { i18n } from '~/modules/i18n'
import { ApiError } from './client'

function statusKey(status: number): string {
  if (status === 0) return 'errors.NETWORK'
  if (status === 400) return 'errors.BAD_REQUEST'
  if (status === 401) return 'errors.UNAUTHENTICATED'
  if (status === 403) return 'errors.FORBIDDEN'
  if (status === 404) return 'errors.NOT_FOUND'
  if (status === 409) return 'errors.CONFLICT'
  if (status === 413) return 'errors.PAYLOAD_TOO_LARGE'
  if (status === 422) return 'errors.VALIDATION_FAILED'
  if (status === 429) return 'errors.RATE_LIMITED'
  if (status >= 500) return 'errors.SERVER'
  return 'errors.UNKNOWN'
}

function codeKey(error: ApiError): string {
  const key = `errors.${error.code}`
  return i18n.global.te(key, 'en') ? key : statusKey(error.status)
}

/** The translated message for any thrown value. */
export function errorMessage(error: unknown): string {
  return i18n.global.t(error instanceof ApiError ? codeKey(error) : 'errors.UNKNOWN')
}

/** A field's problem as an i18n key, translated when shown so a language switch re-translates it. */
export interface FieldIssue {
  key: string
  params?: Record<string, unknown>
}

/** A zod issue as the server sends it: path joined with dots (or an array), message, code; limits when present. */
interface ZodIssue {
  code?: string
  path?: string | (string | number)[]
  message?: string
  origin?: string
  format?: string
  minimum?: number | bigint
  maximum?: number | bigint
}

function limit(explicit: number | bigint | undefined, message: string): number | null {
  if (explicit !== undefined) return Number(explicit)
  const match = /(\d+)/.exec(message)
  return match ? Number(match[1]) : null
}

function issueFor(issue: ZodIssue, path: string): FieldIssue {
  const message = issue.message ?? ''
  const isText = issue.origin === 'string' || /string|character/i.test(message)
  if (/^required$/i.test(message) || /received undefined|received null/i.test(message)) return { key: 'validation.required' }
  if (/(^|_|\.)(time|work_start_time|work_end_time)$/.test(path)) return { key: 'validation.time' }
  switch (issue.code) {
    case 'too_small': {
      const min = limit(issue.minimum, message)
      if (min === null) return { key: 'validation.invalid' }
      if (isText) return min <= 1 ? { key: 'validation.required' } : { key: 'validation.minLength', params: { min } }
      // An empty list where one item is needed (a schedule's working days).
      if (min <= 1 && /\barray\b/.test(message)) return { key: 'validation.required' }
      return { key: 'validation.minNumber', params: { min } }
    }
    case 'too_big': {
      const max = limit(issue.maximum, message)
      if (max === null) return { key: 'validation.invalid' }
      return isText ? { key: 'validation.maxLength', params: { max } } : { key: 'validation.maxNumber', params: { max } }
    }
    case 'invalid_format':
    case 'invalid_string':
      return { key: issue.format === 'email' || /email/i.test(message) ? 'validation.email' : 'validation.format' }
    case 'invalid_value':
    case 'invalid_enum_value':
      return { key: 'validation.choose' }
    default:
      return { key: /email/i.test(message) ? 'validation.email' : 'validation.invalid' }
  }
}

/**
 * Field problems keyed by the dotted path ("organization.name", "email"): from a 422 (details = zod issues) or from
 * a 409 that names its field (`details.field`, e.g. an email already in use).
 */
export function fieldIssues(error: unknown): Record<string, FieldIssue> {
  if (!(error instanceof ApiError)) return {}
  const details = error.details as ZodIssue[] | { issues?: ZodIssue[]; field?: unknown } | undefined
  if (error.status === 409 && details && !Array.isArray(details) && typeof details.field === 'string') {
    return { [details.field]: { key: codeKey(error) } }
  }
  if (error.status !== 422) return {}
  const issues = Array.isArray(details) ? details : Array.isArray(details?.issues) ? details.issues : []
  // A specific code (PIN_TOO_SIMPLE, PASSWORD_REQUIRED) says more than the generic issue text.
  const specific = error.code !== 'VALIDATION_FAILED' && i18n.global.te(`errors.${error.code}`, 'en')
  return byPath(issues, specific ? `errors.${error.code}` : null)
}

function byPath(issues: readonly ZodIssue[], key: string | null): Record<string, FieldIssue> {
  const out: Record<string, FieldIssue> = {}
  for (const issue of issues) {
    const path = Array.isArray(issue.path) ? issue.path.join('.') : String(issue.path ?? '')
    if (path && !out[path]) out[path] = key ? { key } : issueFor(issue, path)
  }
  return out
}

/**
 * What a form's own check with a server schema (shared/) refused, field by field: the same messages as the server's
 * 422 for the same value, since both describe zod's issues with shared/validation.ts's issueDetails.
 */
export function schemaIssues(error: ZodError): Record<string, FieldIssue> {
  return byPath(issueDetails(error.issues), null)
}

export function issueMessage(issue: FieldIssue | undefined): string | undefined {
  if (!issue) return undefined
  return issue.params ? i18n.global.t(issue.key, issue.params) : i18n.global.t(issue.key)
}
