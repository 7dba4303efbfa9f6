import { z } from 'zod'
import { pgDateBetween, pgText, rowIdParam } from '../../../shared/validation'
import { exportFormat } from '../../lib/spreadsheet'
import { MONTHLY_TABLES, REPORT_DAY_STATUSES, type ReportDayStatus } from '../../../shared/reports/types'

/** YYYY-MM-DD, a real calendar day between 2000 and 2100. */
export const reportDate = pgDateBetween('2000-01-01', '2100-12-31')

/** YYYY-MM between 2000-01 and 2100-12. */
export const reportMonth = z.string().regex(/^(20\d{2}|2100)-(0[1-9]|1[0-2])$/, 'Use a month like 2026-11')

const optionalId = rowIdParam.optional()
const search = pgText(100, { trim: true })
  .optional()
  .transform((v) => v || undefined)

export const dailyQuery = z.object({
  /** Default: today in the organization's zone. */
  date: reportDate.optional(),
  department_id: optionalId,
  location_id: optionalId,
  q: search,
  status: z.enum(REPORT_DAY_STATUSES as [ReportDayStatus, ...ReportDayStatus[]]).optional(),
})
/** What the daily report reads (the validated query; every field optional). */
export interface DailyQuery {
  date?: string
  department_id?: number
  location_id?: number
  q?: string
  status?: ReportDayStatus
}

export const monthlyQuery = z.object({
  /** Default: this month in the organization's zone. */
  month: reportMonth.optional(),
  department_id: optionalId,
  q: search,
})
/** What the monthly recap reads (the validated query; every field optional). */
export interface MonthlyQuery {
  month?: string
  department_id?: number
  q?: string
}

const exportPart = z.object({
  format: exportFormat,
  /** The language of headers and labels in the file. */
  lang: z.enum(['id', 'en']).default('id'),
})

export const dailyExportQuery = dailyQuery.extend(exportPart.shape)
export const monthlyExportQuery = monthlyQuery.extend({
  ...exportPart.shape,
  /** Which table a CSV holds (an .xlsx holds all three). */
  table: z.enum(MONTHLY_TABLES).default('members'),
})
