// Attendance reports: one SQL "day grid" (every counted member x every day of the period, with the day's status)
// feeds the daily list, the monthly recap, the department totals and the late arrivals. The page renders this JSON
// and the exports write the same rows, so the numbers on screen and in the files cannot differ.
import { asc, eq, sql, type SQL } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { departments, locations, organizations } from '../../db/schema'
import { NotFoundError } from '../../errors'
import { toLocal } from '../../../shared/attendance/rules'
import {
  hoursOf,
  type DailyReport,
  type DailyRow,
  type DailySummary,
  type DepartmentRecap,
  type LateArrival,
  type MemberRecap,
  type MonthlyReport,
  type RecapFigures,
  type ReportDayStatus,
  type ReportOptions,
  type ReportOrganization,
} from '../../../shared/reports/types'
import type { DailyQuery, MonthlyQuery } from './reports.schemas'

/** drizzle's execute() answers an array on postgres-js and `{ rows }` on PGlite. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[]
  return ((result as { rows?: T[] }).rows ?? []) as T[]
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => '\\' + m)
}

interface Clock {
  today: string
  nowMinutes: number
}

export interface GridParams {
  organizationId: number
  start: string
  end: string
  clock: Clock
  departmentId?: number
  q?: string
}

/** Minutes since midnight of a time column, seconds dropped (as `minutesOf` in the rules). date_part is a double. */
const minutesOfTime = (column: SQL) => sql`(date_part('hour', ${column}) * 60 + date_part('minute', ${column}))::int`

function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000) + 1
}

/**
 * The day grid as a SQL `with` clause ending in `x`: one row per counted member and day of [start, end] with
 * `day_status` and the day's figures. The rules are those of shared/attendance/rules.ts (`dayStatus`,
 * `checkInStatus`, `minutesWorked`), applied set-wise so 2,000 members x 31 days stay one query:
 *
 * - members: active people expected to attend, i.e. with a role that submits its own attendance
 *   (`attendance:record:submit`: members, not petugas-only accounts nor dashboard staff), as "today at a glance" counts
 *   them (server/features/dashboard/attendance-today.ts);
 * - schedule: the member's department's work schedule, else the organization's hours on Monday to Friday;
 * - a day with a record takes the record's status (records an admin rejected do not count);
 *   without one: a day off when it is not a working day, "not yet" when it is in the future (or today before the end
 *   of work), else absent;
 * - a member is counted from their join date (the day they were added, in the organization's zone); a record before
 *   it still counts;
 * - late minutes = check-in - start of work (late records only); worked minutes = check-out - check-in when both exist.
 */
export function dayGrid(p: GridParams): SQL {
  const filters: SQL[] = []
  if (p.departmentId) filters.push(sql`and om.department_id = ${p.departmentId}`)
  if (p.q) {
    const like = `%${escapeLike(p.q)}%`
    filters.push(sql`and (u.name ilike ${like} or om.member_number ilike ${like})`)
  }
  const checkIn = sql.raw('r.check_in_time')
  const checkOut = sql.raw('r.check_out_time')
  // The member list and the calendar are small and materialized: the planner then knows their sizes (2,000 x 31,
  // not a guess of 1,000 days), the zone conversion runs once per member, and no JIT is started for a 60k-row join.
  const days = daysBetween(p.start, p.end)
  return sql`
    with m as materialized (
      select om.id as member_id, u.name, om.member_number, om.department_id, d.name as department,
        coalesce(ws.work_days, '{1,2,3,4,5}'::smallint[]) as work_days,
        ${minutesOfTime(sql`coalesce(ws.start_time, o.work_start_time)`)} as start_minutes,
        ${minutesOfTime(sql`coalesce(ws.end_time, o.work_end_time)`)} as end_minutes,
        (om.created_at at time zone o.timezone)::date as join_date
      from organization_members om
      join organizations o on o.id = om.organization_id
      join users u on u.id = om.user_id
      left join departments d on d.id = om.department_id and d.organization_id = om.organization_id
      left join work_schedules ws on ws.id = d.work_schedule_id and ws.organization_id = om.organization_id
      where om.organization_id = ${p.organizationId}
        and om.status = 'active'
        and exists (select 1 from member_roles mr join role_permissions rp on rp.role_id = mr.role_id
                    where mr.organization_member_id = om.id and rp.permission = 'attendance:record:submit')
        ${sql.join(filters, sql` `)}
    ),
    days as materialized (
      select ${p.start}::date + i as day, extract(isodow from ${p.start}::date + i)::int as weekday
      from generate_series(0, ${sql.raw(String(days - 1))}) as i
    ),
    g as (
      select m.*, days.day, days.weekday = any(m.work_days) as working
      from m cross join days
    ),
    x as (
      select g.*, r.id as record_id, r.check_in_time, r.check_out_time, r.flags, r.location_id, r.approval_status,
        case
          when r.id is not null then r.status
          when not g.working then 'day_off'
          when g.day > ${p.clock.today}::date then 'not_yet'
          when g.day = ${p.clock.today}::date and ${p.clock.nowMinutes}::int < g.end_minutes then 'not_yet'
          else 'absent'
        end as day_status,
        case when r.status = 'late' and ${checkIn} is not null
          then greatest(0, ${minutesOfTime(checkIn)} - g.start_minutes) else 0 end as late_minutes,
        case when ${checkIn} is not null and ${checkOut} is not null
          then greatest(0, ${minutesOfTime(checkOut)} - ${minutesOfTime(checkIn)}) else 0 end as worked_minutes
      from g
      left join attendance_records r
        on r.organization_id = ${p.organizationId} and r.organization_member_id = g.member_id and r.attendance_date = g.day
        and r.attendance_date between ${p.start}::date and ${p.end}::date and r.approval_status <> 'rejected'
      where g.day >= g.join_date or r.id is not null
    )`
}

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

/** The last day of a YYYY-MM month. */
export function monthBounds(month: string): { start: string; end: string } {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return { start: `${month}-01`, end: `${month}-${String(last).padStart(2, '0')}` }
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
  const grid = dayGrid({ organizationId, start: date, end: date, clock, departmentId: query.department_id, q: query.q })
  const result = await db.execute(sql`${grid}
    select x.member_id, x.name, x.member_number, x.department, x.day_status,
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
    }))
  const summary: DailySummary = { members: rows.length, present: 0, late: 0, absent: 0, excused: 0, not_yet: 0, day_off: 0 }
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
  excused: number
  late_minutes: number
  worked_minutes: number
  late_days: [string, string | null, number][] | string | null
}

function emptyFigures(): RecapFigures {
  return { working_days: 0, present: 0, late: 0, absent: 0, excused: 0, late_minutes: 0, worked_minutes: 0, hours_worked: 0 }
}

function addFigures(into: RecapFigures, add: RecapFigures): void {
  into.working_days += add.working_days
  into.present += add.present
  into.late += add.late
  into.absent += add.absent
  into.excused += add.excused
  into.late_minutes += add.late_minutes
  into.worked_minutes += add.worked_minutes
  into.hours_worked = hoursOf(into.worked_minutes)
}

/**
 * Per member figures over the grid (one row per member), with the member's late days as a JSON array
 * `[[date, "HH:MM", minutes], ...]`: one pass over the grid gives the recap and the late arrivals.
 */
export function recapSql(params: GridParams): SQL {
  return sql`${dayGrid(params)},
    a as (
      select x.member_id,
        (count(*) filter (where x.working and x.day <= ${params.clock.today}::date))::int as working_days,
        (count(*) filter (where x.day_status = 'present'))::int as present,
        (count(*) filter (where x.day_status = 'late'))::int as late,
        (count(*) filter (where x.day_status = 'absent'))::int as absent,
        (count(*) filter (where x.day_status = 'excused'))::int as excused,
        coalesce(sum(x.late_minutes), 0)::int as late_minutes,
        coalesce(sum(x.worked_minutes), 0)::int as worked_minutes,
        json_agg(json_build_array(x.day::text, to_char(x.check_in_time, 'HH24:MI'), x.late_minutes) order by x.day)
          filter (where x.day_status = 'late') as late_days
      from x
      group by x.member_id
    )
    select m.member_id, m.name, m.member_number, m.department_id, m.department, a.working_days, a.present, a.late,
      a.absent, a.excused, a.late_minutes, a.worked_minutes, a.late_days
    from a join m on m.member_id = a.member_id
    order by m.name, m.member_id`
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
  const params: GridParams = { organizationId, ...period, clock, departmentId: query.department_id, q: query.q }

  const recap = rowsOf<RecapSqlRow>(await db.execute(recapSql(params)))

  const members: MemberRecap[] = recap.map((r) => {
    const worked = Number(r.worked_minutes)
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
      excused: Number(r.excused),
      late_minutes: Number(r.late_minutes),
      worked_minutes: worked,
      hours_worked: hoursOf(worked),
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
