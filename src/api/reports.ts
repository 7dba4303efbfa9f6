// Reports (docs/api.md, "Reports"): the daily list and the monthly recap as JSON, and their .xlsx/.csv exports.
import type { DailyReport, ExportFormat, MonthlyReport, MonthlyTable, ReportDayStatus } from '@shared/reports/types'
import { ApiError, call, errorFromText, NETWORK, routes } from './client'

export type {
  DailyReport,
  DailyRow,
  DepartmentRecap,
  ExportFormat,
  LateArrival,
  MemberRecap,
  MonthlyReport,
  MonthlyTable,
  RecapFigures,
  ReportDayStatus,
} from '@shared/reports/types'
export { REPORT_DAY_STATUSES } from '@shared/reports/types'

export interface DailyFilters {
  date?: string
  department_id?: number | null
  location_id?: number | null
  q?: string
  status?: ReportDayStatus | null
}

export interface MonthlyFilters {
  month?: string
  department_id?: number | null
  q?: string
}

const reports = routes.organizations[':id'].reports
const idText = (value: number | null | undefined) => (value == null ? undefined : String(value))
const dailyQuery = (filters: DailyFilters) => ({
  ...filters,
  department_id: idText(filters.department_id),
  location_id: idText(filters.location_id),
  status: filters.status ?? undefined,
})
const monthlyQuery = (filters: MonthlyFilters) => ({ ...filters, department_id: idText(filters.department_id) })
/** The interface language names the file's language (the server knows 'id' and 'en', the app's two). */
type FileLanguage = 'id' | 'en'

export const getDailyReport = (id: string, filters: DailyFilters): Promise<DailyReport> => call(reports.daily.$get({ param: { id }, query: dailyQuery(filters) }))
export const getMonthlyReport = (id: string, filters: MonthlyFilters): Promise<MonthlyReport> => call(reports.monthly.$get({ param: { id }, query: monthlyQuery(filters) }))

// A download is a plain GET the browser makes (useDownload), so the export is addressed by its path: the typed client's
// `$path()` (its `$url()` needs an absolute base, and this client's is '/'). Empty filters are left out, as in a call.
export function dailyExportUrl(id: string, filters: DailyFilters, format: ExportFormat, lang: string): string {
  return reports.daily.export.$path({ param: { id }, query: { ...dailyQuery(filters), format, lang: lang as FileLanguage } })
}

export function monthlyExportUrl(id: string, filters: MonthlyFilters, format: ExportFormat, lang: string, table?: MonthlyTable): string {
  return reports.monthly.export.$path({ param: { id }, query: { ...monthlyQuery(filters), format, lang: lang as FileLanguage, table } })
}

/** The file name a Content-Disposition header gives (RFC 5987 `filename*` first). */
function fileNameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1])
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename="([^"]+)"/i.exec(disposition)
  return plain?.[1] ?? fallback
}

/**
 * Downloads an export and hands it to the browser as a file. Errors (a bad filter, a lost session) become an
 * ApiError the page shows, instead of a download of an error body.
 */
export async function downloadExport(url: string, fallbackName: string): Promise<string> {
  let response: Response
  try {
    response = await fetch(url, { credentials: 'same-origin' })
  } catch {
    throw new ApiError(0, NETWORK, 'The server could not be reached')
  }
  if (!response.ok) {
    throw errorFromText(response.status, await response.text())
  }
  const name = fileNameOf(response.headers.get('content-disposition'), fallbackName)
  const blob = await response.blob()
  const href = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = href
  link.download = name
  link.rel = 'noopener'
  document.body.appendChild(link)
  link.click()
  link.remove()
  // Give the browser a moment to start the download before the object URL goes.
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
  return name
}
