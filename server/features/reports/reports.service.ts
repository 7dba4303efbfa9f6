// Attendance reports: the day grid (reports.grid.ts: every counted member x every day of the period, with the day's
// status) feeds the daily list, the monthly recap, the department totals and the late arrivals. The page renders this
// JSON and the exports write the same rows, so the numbers on screen and in the files cannot differ.
import { overtimeTotals } from '../attendance/admin/attendance-overtime'
import { asc, eq, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { departments, locations, organizations } from '../../db/schema'
import { NotFoundError } from '../../errors'
import { rowsOf } from '../../db/raw'
import { auditBy, tenantTransaction, type ServiceContext } from '../../lib/service-context'
import { toLocal } from '../../../shared/attendance/rules'
import { daysInclusive, monthBounds } from '../../../shared/calendar'
import {
  GRID_CODE,
  hoursOf,
  type DailyReport,
  type DailyRow,
  type DailySummary,
  type DepartmentRecap,
  type ExportFormat,
  type LateArrival,
  type MemberRecap,
  type MonthlyReport,
  type MonthlyTable,
  type RecapFigures,
  type ReportDayStatus,
  type ReportOptions,
  type ReportOrganization,
} from '../../../shared/reports/types'
import type { DailyQuery, MonthlyQuery } from './reports.schemas'
import { dayGrid, recapSql, type Clock, type GridParams } from './reports.grid'
import { holidayCalendar } from '../holidays/holidays.service'

interface OrgRow {
  id: number
  name: string
  timezone: string
}

async function organizationOf(db: Tx, organizationId: number): Promise<OrgRow> {
  const [org] = await db.select({ id: organizations.id, name: organizations.name, timezone: organizations.timezone }).from(organizations).where(eq(organizations.id, organizationId))
  if (!org) throw new NotFoundError('Organization')
  return org
}

function clockOf(org: OrgRow, now: Date): Clock {
  const local = toLocal(now, org.timezone)
  return { today: local.date, nowMinutes: local.minutes }
}

async function optionsOf(db: Tx, organizationId: number): Promise<ReportOptions> {
  const [depts, locs] = await Promise.all([
    db.select({ id: departments.id, name: departments.name }).from(departments).where(eq(departments.organizationId, organizationId)).orderBy(asc(departments.name)),
    db.select({ id: locations.id, name: locations.name }).from(locations).where(eq(locations.organizationId, organizationId)).orderBy(asc(locations.name)),
  ])
  return { departments: depts, locations: locs }
}

function presentOrg(org: OrgRow): ReportOrganization {
  return { id: org.id, name: org.name, timezone: org.timezone }
}

interface DailySqlRow {
  member_id: number
  name: string
  member_number: string | null
  department: string | null
  day_status: ReportDayStatus
  check_in: string | null
  check_out: string | null
  late_minutes: number
  worked_minutes: number
  location_id: number | null
  location: string | null
  flags: string[] | string | null
  approval_status: 'pending' | 'approved' | null
  holiday: string | null
}

/** PGlite and postgres-js both parse text[]; a literal "{a,b}" is handled in case a driver does not. */
function flagList(value: string[] | string | null): string[] {
  if (!value) return []
  if (Array.isArray(value)) return value
  return value.replace(/^\{|\}$/g, '').split(',').filter(Boolean)
}

/** Every counted member on one day, with their status and times (the daily list). */
export async function dailyReport(db: Tx, organizationId: number, query: DailyQuery, now: Date = new Date()): Promise<DailyReport> {
  const org = await organizationOf(db, organizationId)
  const clock = clockOf(org, now)
  const date = query.date ?? clock.today
  const { days: daysOff } = await holidayCalendar(db, organizationId, date, date)
  const grid = dayGrid({ organizationId, start: date, end: date, clock, departmentId: query.department_id, q: query.q, daysOff })
  const result = await db.execute(sql`${grid}
    select x.member_id, x.name, x.member_number, x.department, x.day_status, x.holiday,
      to_char(x.check_in_time, 'HH24:MI') as check_in, to_char(x.check_out_time, 'HH24:MI') as check_out,
      x.late_minutes::int as late_minutes, x.worked_minutes::int as worked_minutes,
      x.location_id, l.name as location, x.flags, x.approval_status
    from x left join locations l on l.id = x.location_id and l.organization_id = ${organizationId}
    order by x.name, x.member_id`)
  let rows: DailyRow[] = rowsOf<DailySqlRow>(result)
    .filter((r) => !query.location_id || Number(r.location_id) === query.location_id)
    .map((r) => ({
      member_id: Number(r.member_id),
      name: r.name,
      member_number: r.member_number,
      department: r.department,
      status: r.day_status,
      check_in: r.check_in,
      check_out: r.check_out,
      late_minutes: Number(r.late_minutes),
      worked_minutes: Number(r.worked_minutes),
      hours_worked: hoursOf(Number(r.worked_minutes)),
      location: r.location,
      // "late" is the status already; the notes list the rest.
      flags: flagList(r.flags).filter((f) => f !== 'late'),
      approval_status: r.approval_status,
      holiday: r.holiday,
    }))
  const summary: DailySummary = { members: rows.length, present: 0, late: 0, sick: 0, permit: 0, leave: 0, absent: 0, not_yet: 0, holiday: 0, day_off: 0 }
  for (const r of rows) summary[r.status]++
  if (query.status) rows = rows.filter((r) => r.status === query.status)
  return {
    organization: presentOrg(org),
    date,
    today: clock.today,
    generated_at: now.toISOString(),
    filters: { department_id: query.department_id ?? null, location_id: query.location_id ?? null, q: query.q ?? null, status: query.status ?? null },
    summary,
    rows,
    options: await optionsOf(db, organizationId),
  }
}

interface RecapSqlRow {
  member_id: number
  name: string
  member_number: string | null
  department_id: number | null
  department: string | null
  working_days: number
  present: number
  late: number
  absent: number
  sick: number
  permit: number
  leave: number
  holidays: number
  late_minutes: number
  worked_minutes: number
  late_days: [string, string | null, number][] | string | null
  statuses: string | null
}

function emptyFigures(): RecapFigures {
  return { working_days: 0, present: 0, late: 0, absent: 0, excused: 0, sick: 0, permit: 0, leave: 0, holidays: 0, late_minutes: 0, worked_minutes: 0, hours_worked: 0, overtime_minutes: 0 }
}

function addFigures(into: RecapFigures, add: RecapFigures): void {
  into.working_days += add.working_days
  into.present += add.present
  into.late += add.late
  into.absent += add.absent
  into.excused += add.excused
  into.sick += add.sick
  into.permit += add.permit
  into.leave += add.leave
  into.holidays += add.holidays
  into.late_minutes += add.late_minutes
  into.worked_minutes += add.worked_minutes
  into.hours_worked = hoursOf(into.worked_minutes)
  into.overtime_minutes += add.overtime_minutes
}

/** A member's day grid: one GridCode per day of the period ('-' for a day the grid has no row for). */
function gridLetters(statuses: string | null, days: number): string {
  const letters: string[] = Array.from({ length: days }, () => '-')
  for (const item of statuses ? statuses.split(',') : []) {
    const [index, status] = item.split(':') as [string, ReportDayStatus]
    const i = Number(index)
    if (i >= 0 && i < days) letters[i] = GRID_CODE[status] ?? '-'
  }
  return letters.join('')
}

/** Every late arrival, by date and check-in time (members in name order within the same minute). */
function lateArrivals(recap: RecapSqlRow[]): LateArrival[] {
  const out: LateArrival[] = []
  for (const r of recap) {
    const days = typeof r.late_days === 'string' ? (JSON.parse(r.late_days) as [string, string | null, number][]) : (r.late_days ?? [])
    for (const [date, checkIn, minutes] of days) {
      out.push({ date, member_id: Number(r.member_id), name: r.name, member_number: r.member_number, department: r.department, check_in: checkIn ?? '', late_minutes: Number(minutes) })
    }
  }
  // Array.prototype.sort is stable: the name order of the recap survives among equal dates and times.
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.check_in < b.check_in ? -1 : a.check_in > b.check_in ? 1 : 0))
}

/**
 * The monthly recap: per member, per department and in total, plus every late arrival. One aggregate over the day
 * grid; departments and totals are sums of the member rows, so they always add up. Exported for the benchmark
 * (2,000 members x 22 working days: tools/bench/reports.ts).
 */
export async function monthlyRecap(db: Tx, organizationId: number, query: MonthlyQuery, now: Date = new Date()): Promise<MonthlyReport> {
  const org = await organizationOf(db, organizationId)
  const clock = clockOf(org, now)
  const month = query.month ?? clock.today.slice(0, 7)
  const period = monthBounds(month)
  const { days: daysOff } = await holidayCalendar(db, organizationId, period.start, period.end)
  const params: GridParams = { organizationId, ...period, clock, departmentId: query.department_id, q: query.q, daysOff }

  const recap = rowsOf<RecapSqlRow>(await db.execute(recapSql(params)))
  const days = daysInclusive(period.start, period.end)
  const overtime = await overtimeTotals(db, organizationId, period.start, period.end)

  const members: MemberRecap[] = recap.map((r) => {
    const worked = Number(r.worked_minutes)
    const [sick, permit, leave] = [Number(r.sick), Number(r.permit), Number(r.leave)]
    return {
      member_id: Number(r.member_id),
      name: r.name,
      member_number: r.member_number,
      department_id: r.department_id === null ? null : Number(r.department_id),
      department: r.department,
      working_days: Number(r.working_days),
      present: Number(r.present),
      late: Number(r.late),
      absent: Number(r.absent),
      excused: sick + permit + leave,
      sick,
      permit,
      leave,
      holidays: Number(r.holidays),
      late_minutes: Number(r.late_minutes),
      worked_minutes: worked,
      hours_worked: hoursOf(worked),
      overtime_minutes: overtime.get(Number(r.member_id)) ?? 0,
      days: gridLetters(r.statuses, days),
    }
  })

  const byDepartment = new Map<number | null, DepartmentRecap>()
  const totals = { ...emptyFigures(), members: 0 }
  for (const m of members) {
    let d = byDepartment.get(m.department_id)
    if (!d) {
      d = { department_id: m.department_id, department: m.department, members: 0, ...emptyFigures() }
      byDepartment.set(m.department_id, d)
    }
    d.members++
    addFigures(d, m)
    totals.members++
    addFigures(totals, m)
  }
  // Named departments alphabetically, members without one last.
  const departmentRows = [...byDepartment.values()].sort((a, b) => {
    if (a.department === null) return 1
    if (b.department === null) return -1
    return a.department.localeCompare(b.department) || (a.department_id ?? 0) - (b.department_id ?? 0)
  })

  return {
    organization: presentOrg(org),
    month,
    period,
    today: clock.today,
    generated_at: now.toISOString(),
    filters: { department_id: query.department_id ?? null, q: query.q ?? null },
    members,
    departments: departmentRows,
    totals,
    late_arrivals: lateArrivals(recap),
    options: await optionsOf(db, organizationId),
  }
}

/** The daily report of the context's organization. */
export function dailyReportOf(ctx: ServiceContext, query: DailyQuery): Promise<DailyReport> {
  return tenantTransaction(ctx, (tx) => dailyReport(tx, ctx.organizationId, query))
}

/** The daily report for a file; the export is audited (after the report's transaction, outside it). */
export async function exportDailyReport(ctx: ServiceContext, query: DailyQuery, format: ExportFormat): Promise<DailyReport> {
  const report = await dailyReportOf(ctx, query)
  await auditBy(ctx.deps.database.db, ctx, { action: 'report.export', entityType: 'report', entityId: 'daily', details: { report: 'daily', format, date: report.date, filters: report.filters, rows: report.rows.length } })
  return report
}

/** The monthly recap of the context's organization. */
export function monthlyRecapOf(ctx: ServiceContext, query: MonthlyQuery): Promise<MonthlyReport> {
  return tenantTransaction(ctx, (tx) => monthlyRecap(tx, ctx.organizationId, query))
}

/** The monthly recap for a file (a CSV holds one table, an .xlsx all); the export is audited like the daily one. */
export async function exportMonthlyRecap(ctx: ServiceContext, query: MonthlyQuery, format: ExportFormat, table: MonthlyTable): Promise<MonthlyReport> {
  const report = await monthlyRecapOf(ctx, query)
  await auditBy(ctx.deps.database.db, ctx, { action: 'report.export', entityType: 'report', entityId: 'monthly', details: { report: 'monthly', format, table: format === 'csv' ? table : 'all', month: report.month, filters: report.filters, rows: report.members.length } })
  return report
}
