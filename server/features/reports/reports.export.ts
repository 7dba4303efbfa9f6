// The report JSON as spreadsheet rows: the same rows the page shows, with the page's own column names (the
// dashboard's locale files, so a label changed there changes in the files too).
import enMessages from '../../../src/locales/en/reports.json'
import idMessages from '../../../src/locales/id/reports.json'
import { toLocal } from '../../../shared/attendance/rules'
import type { DailyReport, DailyRow, MonthlyReport, MonthlyTable, ReportOptions } from '../../../shared/reports/types'
import type { Cell, Sheet } from '../../lib/spreadsheet'

export type ReportLang = 'id' | 'en'
type Labels = (typeof idMessages)['reports']
const LABELS: Record<ReportLang, Labels> = { id: idMessages.reports, en: enMessages.reports }

export function labelsFor(lang: ReportLang): Labels {
  return LABELS[lang]
}

function flagText(l: Labels, row: Pick<DailyRow, 'flags' | 'approval_status' | 'holiday'>): string | null {
  const flags = row.flags.map((f) => (l.flags as Record<string, string>)[f] ?? f)
  if (row.holiday) flags.unshift(row.holiday)
  if (row.approval_status === 'pending') flags.push(l.flags.pending)
  return flags.join(', ') || null
}

function madeAt(iso: string, timeZone: string): string {
  const local = toLocal(new Date(iso), timeZone)
  return `${local.date} ${local.time.slice(0, 5)}`
}

function nameOf(list: { id: number; name: string }[], id: number | null, all: string): string {
  if (id === null) return all
  return list.find((x) => x.id === id)?.name ?? String(id)
}

function infoSheet(l: Labels, rows: Cell[][]): Sheet {
  return { name: l.export.sheetInfo, rows, widths: [22, 48] }
}

function filterRows(l: Labels, options: ReportOptions, f: { department_id: number | null; location_id?: number | null; q: string | null; status?: string | null }): Cell[][] {
  const rows: Cell[][] = [[l.filters.department, nameOf(options.departments, f.department_id, l.export.all)]]
  if (f.location_id !== undefined) rows.push([l.filters.location, nameOf(options.locations, f.location_id, l.export.all)])
  rows.push([l.export.search, f.q ?? ''])
  if (f.status !== undefined) rows.push([l.filters.status, f.status ? (l.status as Record<string, string>)[f.status] ?? f.status : l.export.all])
  return rows
}

/** The daily list's table: header + one row per member (exactly `report.rows`). */
export function dailyRows(report: DailyReport, lang: ReportLang): Cell[][] {
  const l = labelsFor(lang)
  const c = l.columns
  return [
    [c.name, c.memberNumber, c.department, c.status, c.checkIn, c.checkOut, c.lateMinutes, c.hoursWorked, c.location, c.flags],
    ...report.rows.map((r) => [
      r.name,
      r.member_number,
      r.department,
      l.status[r.status],
      r.check_in,
      r.check_out,
      r.late_minutes,
      r.hours_worked,
      r.location,
      flagText(l, r),
    ]),
  ]
}

export function dailySheets(report: DailyReport, lang: ReportLang): Sheet[] {
  const l = labelsFor(lang)
  const info: Cell[][] = [
    [l.export.organization, report.organization.name],
    [l.export.report, l.print.daily],
    [l.print.date, report.date],
    [l.export.timezone, report.organization.timezone],
    ...filterRows(l, report.options, report.filters),
    [l.print.generatedAt, madeAt(report.generated_at, report.organization.timezone)],
    [],
    [l.stats.members, report.summary.members],
    ...(['present', 'late', 'absent', 'excused', 'not_yet', 'holiday', 'day_off'] as const).map((s) => [l.status[s], report.summary[s]]),
  ]
  return [
    { name: `${l.export.sheetDaily} ${report.date}`, rows: dailyRows(report, lang), widths: [28, 14, 20, 14, 9, 9, 10, 10, 20, 36] },
    infoSheet(l, info),
  ]
}

/** One table of the monthly recap: header + rows (the departments table ends with the total). */
export function monthlyRows(report: MonthlyReport, table: MonthlyTable, lang: ReportLang): Cell[][] {
  const l = labelsFor(lang)
  const c = l.columns
  const figures = (f: MonthlyReport['totals'] | MonthlyReport['members'][number]) => [f.working_days, f.present, f.late, f.absent, f.excused, f.holidays, f.late_minutes, f.hours_worked]
  const figureHeads = [c.workingDays, c.present, c.late, c.absent, c.excused, c.holidays, c.lateMinutesTotal, c.hoursWorked]
  if (table === 'members') {
    return [[c.name, c.memberNumber, c.department, ...figureHeads], ...report.members.map((m) => [m.name, m.member_number, m.department, ...figures(m)])]
  }
  if (table === 'departments') {
    return [
      [c.department, c.members, ...figureHeads],
      ...report.departments.map((d) => [d.department ?? l.export.noDepartment, d.members, ...figures(d)]),
      [l.export.total, report.totals.members, ...figures(report.totals)],
    ]
  }
  return [
    [c.date, c.name, c.memberNumber, c.department, c.checkIn, c.lateArrival],
    ...report.late_arrivals.map((a) => [a.date, a.name, a.member_number, a.department, a.check_in, a.late_minutes]),
  ]
}

export function monthlySheets(report: MonthlyReport, lang: ReportLang): Sheet[] {
  const l = labelsFor(lang)
  const info: Cell[][] = [
    [l.export.organization, report.organization.name],
    [l.export.report, l.print.monthly],
    [l.print.period, `${report.period.start} – ${report.period.end}`],
    [l.export.timezone, report.organization.timezone],
    ...filterRows(l, report.options, report.filters),
    [l.print.generatedAt, madeAt(report.generated_at, report.organization.timezone)],
    [],
    [l.monthly.workingDaysHint],
  ]
  return [
    { name: l.export.sheetMembers, rows: monthlyRows(report, 'members', lang), widths: [28, 14, 20, 11, 11, 11, 11, 11, 11, 14, 11] },
    { name: l.export.sheetDepartments, rows: monthlyRows(report, 'departments', lang), widths: [24, 10, 11, 11, 11, 11, 11, 11, 14, 11] },
    { name: l.export.sheetLate, rows: monthlyRows(report, 'late', lang), widths: [12, 28, 14, 20, 9, 14] },
    infoSheet(l, info),
  ]
}

export function dailyFileName(report: DailyReport, lang: ReportLang, ext: string): string {
  return `${labelsFor(lang).export.fileDaily}-${report.date}.${ext}`
}

export function monthlyFileName(report: MonthlyReport, lang: ReportLang, ext: string, table?: MonthlyTable): string {
  return `${labelsFor(lang).export.fileMonthly}-${report.month}${table ? `-${table}` : ''}.${ext}`
}
