// The JSON the report routes answer (docs/api.md, "Reports"). The dashboard renders exactly these rows and the
// .xlsx/.csv exports write exactly these rows: both come from one server function per report.
import type { DayStatus } from '../attendance/rules'

/**
 * The excused day of a report, by the kind of leave that excused it (schools and offices report them apart):
 * sick = Sakit, permit = Izin (a leave request of kind permit or other, or an excused record an admin wrote without an
 * approved request), leave = Cuti.
 */
export const EXCUSE_KINDS = ['sick', 'permit', 'leave'] as const
export type ExcuseKind = (typeof EXCUSE_KINDS)[number]

/** A day of a report: the attendance day status (shared/attendance/rules.ts) with `excused` told apart by its kind. */
export type ReportDayStatus = Exclude<DayStatus, 'excused'> | ExcuseKind
export const REPORT_DAY_STATUSES: readonly ReportDayStatus[] = ['present', 'late', 'sick', 'permit', 'leave', 'absent', 'not_yet', 'holiday', 'day_off']

/**
 * The letter of a day in the monthly grid, as Indonesian schools and offices keep it: H hadir (present; T is a late
 * arrival, which the page and the files show as an H with a mark), S sakit, I izin, C cuti, A alpa (absent), L libur
 * (a holiday), '-' nothing to count (a weekly day off, a day not yet over, a day before joining or after leaving).
 */
export type GridCode = 'H' | 'T' | 'S' | 'I' | 'C' | 'A' | 'L' | '-'
export const GRID_CODE: Record<ReportDayStatus, GridCode> = {
  present: 'H',
  late: 'T',
  sick: 'S',
  permit: 'I',
  leave: 'C',
  absent: 'A',
  holiday: 'L',
  not_yet: '-',
  day_off: '-',
}

export interface ReportOrganization {
  id: number
  name: string
  timezone: string
}

/** What the filters can choose from (so a role with report:generate alone can still filter). */
export interface ReportOptions {
  departments: { id: number; name: string }[]
  locations: { id: number; name: string }[]
}

export interface DailyRow {
  member_id: number
  name: string
  member_number: string | null
  department: string | null
  status: ReportDayStatus
  /** HH:MM in the organization's zone, or null. */
  check_in: string | null
  check_out: string | null
  late_minutes: number
  worked_minutes: number
  /** worked_minutes / 60, two decimals. */
  hours_worked: number
  location: string | null
  flags: string[]
  /** The record's review state; null when there is no record (absent, not yet in, day off). */
  approval_status: 'pending' | 'approved' | null
  /** The name of the day off this member has on the day (a national holiday, the organization's own), or null. */
  holiday: string | null
}

export type DailySummary = Record<ReportDayStatus, number> & { members: number }

export interface DailyReport {
  organization: ReportOrganization
  date: string
  /** The organization's date today, and the moment the report was made. */
  today: string
  generated_at: string
  filters: { department_id: number | null; location_id: number | null; q: string | null; status: ReportDayStatus | null }
  /** Counts per status over the filtered members, before the status filter (the page's status chips). */
  summary: DailySummary
  rows: DailyRow[]
  options: ReportOptions
}

/** The monthly figures; a member row, a department row and the total all carry them. */
export interface RecapFigures {
  /** Working days of the member's schedule in the month, from their join date up to today. */
  working_days: number
  /** Days checked in on time. */
  present: number
  late: number
  absent: number
  /** Excused days in all: sick + permit + leave. */
  excused: number
  /** Excused days by kind: Sakit, Izin (permit and other), Cuti. */
  sick: number
  permit: number
  leave: number
  /** Days off for holidays (national or the organization's own) up to today: never counted as working days. */
  holidays: number
  late_minutes: number
  worked_minutes: number
  /** worked_minutes / 60, two decimals. */
  hours_worked: number
  /** Overtime that counts (approved where the organization wants approval): GET /overtime has the days. */
  overtime_minutes: number
}

export interface MemberRecap extends RecapFigures {
  member_id: number
  name: string
  member_number: string | null
  department_id: number | null
  department: string | null
  /** The day grid: one GridCode per day of the period, in order (31 letters for October). */
  days: string
}

export interface DepartmentRecap extends RecapFigures {
  department_id: number | null
  department: string | null
  members: number
}

export interface LateArrival {
  date: string
  member_id: number
  name: string
  member_number: string | null
  department: string | null
  check_in: string
  late_minutes: number
}

export interface MonthlyReport {
  organization: ReportOrganization
  month: string
  period: { start: string; end: string }
  today: string
  generated_at: string
  filters: { department_id: number | null; q: string | null }
  members: MemberRecap[]
  departments: DepartmentRecap[]
  totals: RecapFigures & { members: number }
  late_arrivals: LateArrival[]
  options: ReportOptions
}

export const EXPORT_FORMATS = ['xlsx', 'csv'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]
/** The tables of a monthly report; a CSV holds one of them, an .xlsx all three. */
export const MONTHLY_TABLES = ['members', 'departments', 'late'] as const
export type MonthlyTable = (typeof MONTHLY_TABLES)[number]

export function hoursOf(minutes: number): number {
  return Math.round((minutes / 60) * 100) / 100
}
