// The SQL of the attendance reports: the day grid (one row per counted member and day) and the per-member recap over it.
import { sql, type SQL } from 'drizzle-orm'
import { daysInclusive } from '../../../shared/calendar'
import type { DayOff } from '../../../shared/holidays/holidays'
import { intArray, textArray } from '../../db/raw'

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`)
}

export interface Clock {
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
  /** The organization's days off in [start, end] (server/features/holidays: holidayCalendar(...).days). */
  daysOff: readonly DayOff[]
}

/** The days off as rows (day, department_id or null for everyone, name): one row per department named. */
function daysOffRows(daysOff: readonly DayOff[]): { days: string; departments: string; names: string } {
  const days: string[] = []
  const departments: (number | null)[] = []
  const names: string[] = []
  for (const d of daysOff) {
    for (const dep of d.department_ids ?? [null]) {
      days.push(d.date)
      departments.push(dep)
      names.push(d.name)
    }
  }
  return { days: textArray(days), departments: intArray(departments), names: textArray(names) }
}

/** Minutes since midnight of a time column, seconds dropped (as `minutesOf` in the rules). date_part is a double. */
const minutesOfTime = (column: SQL) => sql`(date_part('hour', ${column}) * 60 + date_part('minute', ${column}))::int`

/** A time of the grid row `g`'s day as `shiftMinute` counts it: a night's morning after from 1440. */
const shiftMinute = (column: SQL) => sql`(${minutesOfTime(column)} + case when g.overnight and ${minutesOfTime(column)} < g.boundary then 1440 else 0 end)`

/**
 * The kind of an excused record (sick, permit or leave: `ExcuseKind`), as two small `with` tables the grid joins:
 *
 * 1. `lh`: the leave request that wrote each excused record of the period: approving a request writes its excused days
 *    with an `excuse` history row whose `after` names the request (server/features/leave approveLeave) — exact even when
 *    two approved requests overlap;
 * 2. `ld`: else an approved request of the member that covers the day (a record written by hand for a day of approved
 *    leave; the request decided last when several do);
 * 3. else Izin (permit): an excused day an admin wrote without a request is a permission to be away.
 *
 * A request of kind `other` (lainnya) is reported as Izin (`excuseStatus`). Set-wise (hash joins), not a lookup per row.
 */
function excuseKinds(p: GridParams): SQL {
  const org = p.organizationId
  return sql`
    lh as materialized (
      select distinct on (r.id) r.id as record_id, lr.kind
      from attendance_records r
      join attendance_record_history h on h.attendance_record_id = r.id and h.organization_id = ${org} and h.action = 'excuse'
      join leave_requests lr on lr.organization_id = ${org} and lr.id = (h.after ->> 'leave_request_id')::int
      where r.organization_id = ${org} and r.attendance_date between ${p.start}::date and ${p.end}::date and r.status = 'excused'
      order by r.id, h.id desc
    ),
    ld as materialized (
      select distinct on (lr.organization_member_id, d.day) lr.organization_member_id as member_id, d.day::date as day, lr.kind
      from leave_requests lr
      cross join lateral generate_series(greatest(lr.start_date, ${p.start}::date), least(lr.end_date, ${p.end}::date), interval '1 day') as d(day)
      where lr.organization_id = ${org} and lr.status = 'approved' and lr.start_date <= ${p.end}::date and lr.end_date >= ${p.start}::date
      order by lr.organization_member_id, d.day, lr.decided_at desc nulls last, lr.id desc
    ),`
}

/** The report status of an excused record from the kinds of `excuseKinds` (joined as `lh` and `ld`). */
const excuseStatus = sql.raw(`case coalesce(lh.kind, ld.kind) when 'sick' then 'sick' when 'leave' then 'leave' else 'permit' end`)

/**
 * The day grid as a SQL `with` clause ending in `x`: one row per counted member and day of [start, end] with
 * `day_status` and the day's figures. The rules are those of shared/attendance/rules.ts (`dayStatus`,
 * `checkInStatus`, `minutesWorked`), applied set-wise so 2,000 members x 31 days stay one query:
 *
 * - members: active people expected to attend, i.e. with a role that submits its own attendance
 *   (`attendance:record:submit`: members, not petugas-only accounts nor dashboard staff), as "today at a glance" counts
 *   them (server/features/attendance/admin/attendance-today.ts);
 * - schedule: the member's shift of the day on the roster (a shift: a working day with its hours, a night's end the next
 *   morning; a day marked off: a day off), else the department's work schedule (a weekday's own hours where it has
 *   them: `scheduleOn`), else the organization's hours on Monday to Friday;
 * - days off (holidays: the national days the organization keeps and its own, for everyone or the member's department)
 *   are not working days: a day without a record is `holiday` (never absent), a record on one still counts;
 * - a day with a record takes the record's status (records an admin rejected do not count), an excused one told apart by
 *   its kind (`excuseKinds`: sick, permit, leave);
 *   without one: a day off when it is not a working day, "not yet" when it is in the future (or today before the end
 *   of work), else absent;
 * - a member is counted from their first day to their last (`memberFirstDay`: the start date an admin set, else the
 *   day they were added, or the next day when added after that day's work started; the end date, else open); a
 *   member who left (inactive with an end date) still counts up to it; a record outside the days still counts;
 * - late minutes = check-in - start of work (late records only); worked minutes = check-out - check-in when both exist;
 *   both counted as `shiftMinute` does (a night's morning after is the next day's minutes).
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
  const days = daysInclusive(p.start, p.end)
  const off = daysOffRows(p.daysOff)
  return sql`
    with m as materialized (
      select om.id as member_id, u.name, om.member_number, om.department_id, d.name as department,
        coalesce(ws.work_days, '{1,2,3,4,5}'::smallint[]) as work_days,
        ${minutesOfTime(sql`coalesce(ws.start_time, o.work_start_time)`)} as base_start_minutes,
        ${minutesOfTime(sql`coalesce(ws.end_time, o.work_end_time)`)} as base_end_minutes,
        coalesce(ws.day_hours, '{}'::jsonb) as day_hours,
        coalesce(om.start_date, case
          when ${minutesOfTime(sql`(om.created_at at time zone o.timezone)::time`)} < ${minutesOfTime(sql`coalesce((ws.day_hours -> extract(isodow from om.created_at at time zone o.timezone)::int::text ->> 'start_time')::time, ws.start_time, o.work_start_time)`)}
          then (om.created_at at time zone o.timezone)::date
          else (om.created_at at time zone o.timezone)::date + 1 end) as join_date,
        om.end_date as leave_date
      from organization_members om
      join organizations o on o.id = om.organization_id
      join users u on u.id = om.user_id
      left join departments d on d.id = om.department_id and d.organization_id = om.organization_id
      left join work_schedules ws on ws.id = d.work_schedule_id and ws.organization_id = om.organization_id
      where om.organization_id = ${p.organizationId}
        and (om.status = 'active' or om.end_date is not null)
        and exists (select 1 from member_roles mr join role_permissions rp on rp.role_id = mr.role_id
                    where mr.organization_member_id = om.id and rp.permission = 'attendance:record:submit')
        ${sql.join(filters, sql` `)}
    ),
    days as materialized (
      select ${p.start}::date + i as day, extract(isodow from ${p.start}::date + i)::int as weekday
      from generate_series(0, ${sql.raw(String(days - 1))}) as i
    ),
    hol as materialized (
      select h.day::date as day, h.department_id, h.name
      from unnest(${off.days}::text[], ${off.departments}::int[], ${off.names}::text[]) as h(day, department_id, name)
    ),
    ${excuseKinds(p)}
    sa as materialized (
      select s.organization_member_id as member_id, s.date as day, s.shift_type_id,
        ${minutesOfTime(sql.raw('t.start_time'))} as start_minutes, ${minutesOfTime(sql.raw('t.end_time'))} as end_minutes
      from shift_assignments s left join shift_types t on t.id = s.shift_type_id and t.organization_id = ${p.organizationId}
      where s.organization_id = ${p.organizationId} and s.date between ${p.start}::date - 1 and ${p.end}::date
        and s.organization_member_id in (select member_id from m)
    ),
    gh as (
      select m.*, days.day, days.weekday,
        (select hol.name from hol where hol.day = days.day and (hol.department_id is null or hol.department_id = m.department_id)
         order by hol.department_id nulls first limit 1) as holiday
      from m cross join days
    ),
    gs as (
      select gh.*,
        case when sa.member_id is not null then sa.shift_type_id is not null else gh.weekday = any(gh.work_days) end and gh.holiday is null as working,
        case when sa.shift_type_id is not null then sa.start_minutes
          else coalesce(${minutesOfTime(sql`(gh.day_hours -> gh.weekday::text ->> 'start_time')::time`)}, gh.base_start_minutes) end as start_minutes,
        case when sa.shift_type_id is not null then sa.end_minutes
          else coalesce(${minutesOfTime(sql`(gh.day_hours -> gh.weekday::text ->> 'end_time')::time`)}, gh.base_end_minutes) end as clock_end_minutes,
        -- A night shift (the end not after the start; work schedules always end after they start): its morning after
        -- counts from 1440, told from its evening at the middle of the hours off.
        coalesce(sa.shift_type_id is not null and sa.end_minutes <= sa.start_minutes, false) as overnight
      from gh
      left join sa on sa.member_id = gh.member_id and sa.day = gh.day
    ),
    g as (
      select gs.*, gs.clock_end_minutes + case when gs.overnight then 1440 else 0 end as end_minutes,
        gs.clock_end_minutes + (gs.start_minutes - gs.clock_end_minutes) / 2 as boundary
      from gs
    ),
    x as (
      select g.*, r.id as record_id, r.check_in_time, r.check_out_time, r.flags, r.location_id, r.approval_status,
        case
          when r.status = 'excused' then ${excuseStatus}
          when r.id is not null then r.status
          when g.holiday is not null then 'holiday'
          when not g.working then 'day_off'
          when g.day > ${p.clock.today}::date then 'not_yet'
          when g.day = ${p.clock.today}::date and ${p.clock.nowMinutes}::int < g.end_minutes then 'not_yet'
          when g.overnight and g.day = ${p.clock.today}::date - 1 and ${p.clock.nowMinutes}::int < g.clock_end_minutes then 'not_yet'
          else 'absent'
        end as day_status,
        case when r.status = 'late' and ${checkIn} is not null
          then greatest(0, ${shiftMinute(checkIn)} - g.start_minutes) else 0 end as late_minutes,
        case when ${checkIn} is not null and ${checkOut} is not null
          then greatest(0, ${shiftMinute(checkOut)} - ${shiftMinute(checkIn)}) else 0 end as worked_minutes
      from g
      left join attendance_records r
        on r.organization_id = ${p.organizationId} and r.organization_member_id = g.member_id and r.attendance_date = g.day
        and r.attendance_date between ${p.start}::date and ${p.end}::date and r.approval_status <> 'rejected'
      left join lh on lh.record_id = r.id
      left join ld on ld.member_id = g.member_id and ld.day = g.day
      where (g.day >= g.join_date and (g.leave_date is null or g.day <= g.leave_date)) or r.id is not null
    )`
}

/**
 * Per member figures over the grid (one row per member), with the member's late days as a JSON array
 * `[[date, "HH:MM", minutes], ...]` and every counted day's status as text `"<day index>:<status>,..."` (the day grid, in
 * no particular order; text is cheaper to aggregate than JSON): one pass
 * over the grid gives the recap, the late arrivals and the grid.
 */
export function recapSql(params: GridParams): SQL {
  return sql`${dayGrid(params)},
    a as (
      select x.member_id,
        (count(*) filter (where x.working and x.day <= ${params.clock.today}::date))::int as working_days,
        (count(*) filter (where x.day_status = 'present'))::int as present,
        (count(*) filter (where x.day_status = 'late'))::int as late,
        (count(*) filter (where x.day_status = 'absent'))::int as absent,
        (count(*) filter (where x.day_status = 'sick'))::int as sick,
        (count(*) filter (where x.day_status = 'permit'))::int as permit,
        (count(*) filter (where x.day_status = 'leave'))::int as leave,
        (count(*) filter (where x.holiday is not null and x.day <= ${params.clock.today}::date))::int as holidays,
        coalesce(sum(x.late_minutes), 0)::int as late_minutes,
        coalesce(sum(x.worked_minutes), 0)::int as worked_minutes,
        json_agg(json_build_array(x.day::text, to_char(x.check_in_time, 'HH24:MI'), x.late_minutes) order by x.day)
          filter (where x.day_status = 'late') as late_days,
        string_agg((x.day - ${params.start}::date) || ':' || x.day_status, ',') as statuses
      from x
      group by x.member_id
    )
    select m.member_id, m.name, m.member_number, m.department_id, m.department, a.working_days, a.present, a.late,
      a.absent, a.sick, a.permit, a.leave, a.holidays, a.late_minutes, a.worked_minutes, a.late_days, a.statuses
    from a join m on m.member_id = a.member_id
    order by m.name, m.member_id`
}
