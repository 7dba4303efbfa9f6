// Words for the days-off page: who an entry applies to, what is wrong with a field (the form's own check and the
// import's rows both describe the shared holidayInput schema's issues), and this area's error codes.
import { HOLIDAY_DATE_MAX, HOLIDAY_DATE_MIN, OWN_HOLIDAY_MAX_DAYS } from '@shared/holidays/holidays'
import { type IssueDetail, issueDetails } from '@shared/validation'
import type { z } from 'zod'
import { ApiError } from '~/api/client'
import { errorMessage, type FieldIssue } from '~/api/errors'
import { i18n } from '~/modules/i18n'

const t = (key: string, params?: Record<string, unknown>) => (params ? i18n.global.t(key, params) : i18n.global.t(key))
const te = (key: string) => i18n.global.te(key, 'en')

/** "Everyone", or the departments' names (one that is gone as #id). */
export function appliesToText(departmentIds: readonly number[] | null, departments: readonly { id: number; name: string }[]): string {
  if (!departmentIds || departmentIds.length === 0) return t('dashSettings.holidays.everyone')
  const names = new Map(departments.map((d) => [d.id, d.name]))
  return departmentIds.map((id) => names.get(id) ?? `#${id}`).join(', ')
}

/** One refused field of an entry (a form field or an import row's cell) as a message key. */
export function holidayIssue(issue: Pick<IssueDetail, 'path' | 'code' | 'message' | 'reason'>): FieldIssue {
  if (issue.code === 'UNKNOWN_DEPARTMENT') {
    // The import names the department it did not find ("Unknown department: Kelas 13").
    const name = /: (.+)$/.exec(issue.message)?.[1]?.trim()
    return name ? { key: 'dashSettings.holidays.issue.unknownDepartmentNamed', params: { name } } : { key: 'dashSettings.holidays.issue.unknownDepartment' }
  }
  if (issue.path === 'start_date' || issue.path === 'end_date') {
    // The schema's own checks are all `custom`: told apart by the reason each gives (shared/holidays, shared/validation).
    if (issue.reason === 'date_out_of_range') return { key: 'dashSettings.holidays.issue.dateRange', params: { min: HOLIDAY_DATE_MIN.slice(0, 4), max: HOLIDAY_DATE_MAX.slice(0, 4) } }
    if (issue.reason === 'end_before_start') return { key: 'dashSettings.holidays.issue.endBeforeStart' }
    if (issue.reason === 'too_many_days') return { key: 'dashSettings.holidays.issue.tooLong', params: { max: OWN_HOLIDAY_MAX_DAYS } }
    return { key: 'dashSettings.holidays.issue.notADate' }
  }
  if (issue.path === 'name') {
    if (issue.code === 'too_small' || /required/i.test(issue.message)) return { key: 'validation.required' }
    if (issue.code === 'too_big') return { key: 'validation.maxLength', params: { max: Number(/(\d+)/.exec(issue.message)?.[1] ?? 0) } }
  }
  if (issue.path.startsWith('department_ids')) return { key: 'dashSettings.holidays.issue.departments' }
  return { key: 'validation.invalid' }
}

/** An issue in words, in the interface language. */
export function issueText(issue: Pick<IssueDetail, 'path' | 'code' | 'message' | 'reason'>): string {
  const { key, params } = holidayIssue(issue)
  return t(key, params)
}

/** What the shared schema refuses in `value`, field by field (the first issue of each), in this page's words. */
export function holidayIssues(schema: z.ZodType, value: unknown): Record<string, FieldIssue> {
  const result = schema.safeParse(value)
  const out: Record<string, FieldIssue> = {}
  if (result.success) return out
  for (const issue of issueDetails(result.error.issues)) {
    const path = issue.path.startsWith('department_ids') ? 'department_ids' : issue.path
    out[path] ??= holidayIssue(issue)
  }
  return out
}

/** The column an import row's problem is in, as the page names it. */
export function columnName(path: string): string {
  const key = `dashSettings.holidays.columns.${path.replace(/^department_ids.*/, 'departments')}`
  return te(key) ? t(key) : path
}

/** This area's error codes first (UNKNOWN_DEPARTMENT, the import's refusals of a file), then the common sentences. */
export function holidayError(error: unknown): string {
  if (error instanceof ApiError) {
    const xls = error.code === 'IMPORT_FILE_INVALID' && (error.details as { reason?: unknown } | undefined)?.reason === 'xls'
    const key = `dashSettings.holidays.errors.${xls ? 'IMPORT_FILE_XLS' : error.code}`
    if (te(key)) return t(key)
  }
  return errorMessage(error)
}
