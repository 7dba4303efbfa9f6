import { Hono, type Context } from 'hono'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { attachment, CSV_TYPE, toCsv, toStyledXlsx, XLSX_TYPE, type Sheet } from '../../lib/spreadsheet'
import { idParam } from '../organizations/organizations.schemas'
import { dailyExportQuery, dailyQuery, monthlyExportQuery, monthlyQuery } from './reports.schemas'
import { dailyReportOf, exportDailyReport, exportMonthlyRecap, monthlyRecapOf } from './reports.service'
import { dailyFileName, dailyRows, dailySheets, monthlyFileName, monthlyRows, monthlySheets } from './reports.export'

async function download(c: Context<AppEnv>, format: 'xlsx' | 'csv', filename: string, sheets: () => Sheet[], csvRows: () => ReturnType<typeof dailyRows>) {
  const body = format === 'xlsx' ? new Uint8Array(await toStyledXlsx(sheets())) : toCsv(csvRows())
  return c.body(body, 200, {
    'Content-Type': format === 'xlsx' ? XLSX_TYPE : CSV_TYPE,
    'Content-Disposition': attachment(filename),
    'X-Content-Type-Options': 'nosniff',
  })
}

/**
 * Reports and their exports (mounted at /api/organizations). The JSON routes and the export routes call the same
 * report function, so a file holds exactly the rows the page shows.
 */
export const reportRoutes = new Hono<AppEnv>()
  .get('/:id/reports/daily', allow('report:generate'), validate('param', idParam), validate('query', dailyQuery), async (c) => {
    return ok(c, await dailyReportOf(serviceContext(c), c.req.valid('query')))
  })
  .get('/:id/reports/daily/export', allow('report:generate'), validate('param', idParam), validate('query', dailyExportQuery), async (c) => {
    const { format, lang, ...query } = c.req.valid('query')
    const report = await exportDailyReport(serviceContext(c), query, format)
    return download(c, format, dailyFileName(report, lang, format), () => dailySheets(report, lang), () => dailyRows(report, lang))
  })
  .get('/:id/reports/monthly', allow('report:generate'), validate('param', idParam), validate('query', monthlyQuery), async (c) => {
    return ok(c, await monthlyRecapOf(serviceContext(c), c.req.valid('query')))
  })
  .get('/:id/reports/monthly/export', allow('report:generate'), validate('param', idParam), validate('query', monthlyExportQuery), async (c) => {
    const { format, lang, table, ...query } = c.req.valid('query')
    const report = await exportMonthlyRecap(serviceContext(c), query, format, table)
    const name = format === 'csv' ? monthlyFileName(report, lang, format, table) : monthlyFileName(report, lang, format)
    return download(c, format, name, () => monthlySheets(report, lang), () => monthlyRows(report, table, lang))
  })

export type ReportRoutes = typeof reportRoutes
