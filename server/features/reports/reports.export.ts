// The report JSON as spreadsheet rows: the same rows the page shows, with the page's own column names (the
// dashboard's locale files, so a label changed there changes in the files too).
import enMessages from '../../../src/locales/en/reports.json'
import idMessages from '../../../src/locales/id/reports.json'
import { toLocal } from '../../../shared/attendance/rules'
import { datesBetween, isoWeekday } from '../../../shared/calendar'
import { REPORT_DAY_STATUSES, type DailyReport, type DailyRow, type MonthlyReport, type MonthlyTable, type ReportOptions } from '../../../shared/reports/types'
import { dateCell, timeCell, type Cell, type Sheet } from '../../lib/spreadsheet'

export type ReportLang = 'id' | 'en'
type Labels = (typeof idMessages)['reports']
const LABELS: Record<ReportLang, Labels> = { id: idMessages.reports, en: enMessages.reports }

export function labelsFor(lang: ReportLang): Labels {
  return LABELS[lang]
}

/** One date format per language in the files, as on the page: "3 Des 2026", "3 Dec 2026" (Excel's locale codes). */
const DATE_FORMAT: Record<ReportLang, string> = { id: '[$-421]d mmm yyyy', en: '[$-809]d mmm yyyy' }
const DATE_TIME_FORMAT: Record<ReportLang, string> = { id: '[$-421]d mmm yyyy hh:mm', en: '[$-809]d mmm yyyy hh:mm' }

function flagText(l: Labels, row: Pick<DailyRow, 'flags' | 'approval_status' | 'holiday'>): string | null {
  const flags = row.flags.map((f) => (l.flags as Record<string, string>)[f] ?? f)
  if (row.holiday) flags.unshift(row.holiday)
  if (row.approval_status === 'pending') flags.push(l.flags.pending)
  return flags.join(', ') || null
}

/** When the report was made, in the organization's zone: a date-time cell (text in CSV and the SheetJS writer). */
function madeAt(iso: string, timeZone: string, lang: ReportLang): Cell {
  const local = toLocal(new Date(iso), timeZone)
  return { date: local.date, time: local.time.slice(0, 5), format: DATE_TIME_FORMAT[lang] }
}

function nameOf(list: { id: number; name: string }[], id: number | null, all: string): string {
  if (id === null) return all
  return list.find((x) => x.id === id)?.name ?? String(id)
}

function infoSheet(l: Labels, rows: Cell[][], lang: ReportLang): Sheet {
  return { name: l.export.sheetInfo, rows, widths: [22, 48], headerRows: 0, dateFormat: DATE_FORMAT[lang] }
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
      timeCell(r.check_in),
      timeCell(r.check_out),
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
    [l.print.date, dateCell(report.date)],
    [l.export.timezone, report.organization.timezone],
    ...filterRows(l, report.options, report.filters),
    [l.print.generatedAt, madeAt(report.generated_at, report.organization.timezone, lang)],
    [],
    [l.stats.members, report.summary.members],
    ...REPORT_DAY_STATUSES.map((s) => [l.status[s], report.summary[s]]),
  ]
  return [
    { name: `${l.export.sheetDaily} ${report.date}`, rows: dailyRows(report, lang), widths: [28, 14, 20, 14, 9, 9, 10, 10, 20, 36] },
    infoSheet(l, info, lang),
  ]
}

/** One table of the monthly recap: header + rows (the departments table ends with the total). */
export function monthlyRows(report: MonthlyReport, table: MonthlyTable, lang: ReportLang): Cell[][] {
  const l = labelsFor(lang)
  const c = l.columns
  const figures = (f: MonthlyReport['totals'] | MonthlyReport['members'][number]) => [f.working_days, f.present, f.late, f.sick, f.permit, f.leave, f.absent, f.holidays, f.late_minutes, f.hours_worked, f.overtime_minutes]
  const figureHeads = [c.workingDays, c.present, c.late, c.sick, c.permit, c.leave, c.absent, c.holidays, c.lateMinutesTotal, c.hoursWorked, c.overtimeMinutes]
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
    ...report.late_arrivals.map((a) => [dateCell(a.date), a.name, a.member_number, a.department, timeCell(a.check_in), a.late_minutes]),
  ]
}

export function monthlySheets(report: MonthlyReport, lang: ReportLang): Sheet[] {
  const l = labelsFor(lang)
  const info: Cell[][] = [
    [l.export.organization, report.organization.name],
    [l.export.report, l.print.monthly],
    [l.print.period, dateCell(report.period.start), dateCell(report.period.end)],
    [l.export.timezone, report.organization.timezone],
    ...filterRows(l, report.options, report.filters),
    [l.print.generatedAt, madeAt(report.generated_at, report.organization.timezone, lang)],
    [],
    [l.monthly.workingDaysHint],
    [],
    [l.export.legend],
    ...legendRows(l),
  ]
  const figureWidths = [11, 11, 11, 9, 9, 9, 11, 11, 14, 11]
  return [
    gridSheet(report, lang),
    { name: l.export.sheetMembers, rows: monthlyRows(report, 'members', lang), widths: [28, 14, 20, ...figureWidths], frozenColumns: 1 },
    { name: l.export.sheetDepartments, rows: monthlyRows(report, 'departments', lang), widths: [24, 10, ...figureWidths], frozenColumns: 1 },
    { name: l.export.sheetLate, rows: monthlyRows(report, 'late', lang), widths: [14, 28, 14, 20, 9, 14], dateFormat: DATE_FORMAT[lang] },
    infoSheet(l, info, lang),
  ]
}

/** The legend of the grid's letters ("H", "hadir"), the late mark last. */
function legendRows(l: Labels): Cell[][] {
  const legend = l.grid.legend as Record<string, string>
  return [...['H', 'S', 'I', 'C', 'A', 'L'].map((code) => [code, legend[code]]), ['-', legend.none], [l.export.lateMark, legend.T]]
}

const GRID_FILL: Record<string, string> = { S: 'FFFFF4CC', I: 'FFE3F0FF', C: 'FFE8E3FF', A: 'FFFCE1E1', L: 'FFEDEDED' }
const LATE_FONT = { underline: true, bold: true, color: { argb: 'FFB45309' } }

/**
 * The day grid as a sheet, as schools and offices keep it: one row per member, grouped by department (the
 * departments' order of the recap), one column per day (a date cell showing the day's number; the row below gives the
 * weekday's initial), then the totals H, late, S, I, C, A, L. A late arrival is an H underlined. Frozen at the names.
 */
export function gridRows(report: MonthlyReport, lang: ReportLang): Cell[][] {
  const l = labelsFor(lang)
  const c = l.columns
  const days = datesBetween(report.period.start, report.period.end)
  const initials = l.grid.weekdays
  const totalHeads = ['H', l.grid.lateTotal, 'S', 'I', 'C', 'A', 'L']
  return [
    [c.department, c.name, c.memberNumber, ...days.map((d) => dateCell(d, 'd')), ...totalHeads],
    [null, null, null, ...days.map((d) => initials.charAt(isoWeekday(d) - 1)), ...totalHeads.map(() => null)],
    ...gridMembers(report).map((m) => [
      m.department ?? l.export.noDepartment,
      m.name,
      m.member_number,
      ...[...m.days].map((code) => (code === 'T' ? 'H' : code)),
      m.present + m.late,
      m.late,
      m.sick,
      m.permit,
      m.leave,
      m.absent,
      // The row's L letters: holidays still ahead too (the recap's `holidays` counts up to today).
      [...m.days].filter((code) => code === 'L').length,
    ]),
    [],
    [`${l.export.legend}: ${legendRows(l).map(([code, text]) => `${code} ${text}`).join(' · ')}`],
  ]
}

/** The members in the grid's order: by department (the recap's order of departments), by name within one. */
function gridMembers(report: MonthlyReport): MonthlyReport['members'] {
  const order = new Map(report.departments.map((d, i) => [d.department_id, i]))
  // Array.prototype.sort is stable: the recap's name order survives within a department.
  return [...report.members].sort((a, b) => (order.get(a.department_id) ?? 0) - (order.get(b.department_id) ?? 0))
}

function gridSheet(report: MonthlyReport, lang: ReportLang): Sheet {
  const days = datesBetween(report.period.start, report.period.end).length
  const members = gridMembers(report)
  return {
    name: labelsFor(lang).export.sheetGrid,
    rows: gridRows(report, lang),
    widths: [18, 26, 11, ...Array.from({ length: days }, () => 3.6), 5, 9, 4, 4, 4, 4, 4],
    headerRows: 2,
    frozenColumns: 3,
    landscape: true,
    cellStyle: (row, column, value) => {
      if (row < 2) return column >= 3 ? { alignment: { horizontal: 'center', vertical: 'middle' } } : undefined
      if (column < 3 || column >= 3 + days) return undefined
      // The sheet says H for a late arrival too; the member's day string says T.
      const late = members[row - 2]?.days[column - 3] === 'T'
      const fill = typeof value === 'string' ? GRID_FILL[value] : undefined
      return {
        alignment: { horizontal: 'center' },
        ...(late ? { font: LATE_FONT } : {}),
        ...(fill ? { fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: fill } } } : {}),
      }
    },
  }
}

export function dailyFileName(report: DailyReport, lang: ReportLang, ext: string): string {
  return `${labelsFor(lang).export.fileDaily}-${report.date}.${ext}`
}

export function monthlyFileName(report: MonthlyReport, lang: ReportLang, ext: string, table?: MonthlyTable): string {
  return `${labelsFor(lang).export.fileMonthly}-${report.month}${table ? `-${table}` : ''}.${ext}`
}
