import { holidayCalendar } from '../../holidays/holidays.service'
import type { HolidayCalendar } from '../../../../shared/holidays/holidays'
import { and, eq, gte, inArray, isNotNull, lte, ne, or, sql } from 'drizzle-orm'
import { excuseKindOf, recordExcuseKind, type ExcuseKind } from '../excuse-kind'
import type { Tx } from '../../../db/client'
import { attendanceRecords, departments, leaveRequests, organizationMembers, workSchedules } from '../../../db/schema'
import { dayHoursFrom, dayStatus, expectedOn, memberFirstDay, toLocal, type DayStatus, type WorkSchedule } from '../../../../shared/attendance/rules'
import { addDays, isoWeekday } from '../../../../shared/calendar'
import { organizationRules } from '../attendance.schedule'
import { shiftSchedule, type ShiftType } from '../../../../shared/attendance/shifts'
import { rosterBetween } from '../../shifts/shifts.service'

/**
 * "Today at a glance" and the attendance trend. Who is expected: active members whose role lets them submit their
 * own attendance (members: not dashboard staff, not petugas-only accounts). Each one's day is decided by
 * the rules module (`dayStatus`) with their shift of the day on the roster, else their department's schedule, else the
 * organization's, in the organization's zone.
 * Only an approved record counts as attendance: one waiting for review (pending) or still being checked by the server
 * (verifying) is counted apart, and a rejected one does not count.
 */

export interface Person {
  id: number
  departmentId: number | null
  /** Their last expected day, or null. */
  until: string | null
  department: string | null
  /** The member's first day (local date of joining): earlier days never count as absent. */
  since: string
  schedule: WorkSchedule
}

/** A person's day as today's numbers count it: their day status, or their record still waiting on a decision. */
type Bucket = DayStatus | 'pending' | 'verifying'

export type Counts = Record<Bucket, number> & {
  /** The excused by kind (as the reports tell them: the leave request behind the day, else Izin). */
  sick: number
  permit: number
  leave: number
  members: number
  /** present + late, approved records only. */
  attended: number
  /** attended / (members - day_off - holiday - excused); null when nobody was due. */
  rate: number | null
}

function emptyCounts(): Counts {
  return { members: 0, present: 0, late: 0, absent: 0, excused: 0, sick: 0, permit: 0, leave: 0, not_yet: 0, day_off: 0, holiday: 0, pending: 0, verifying: 0, attended: 0, rate: null }
}

function finish<C extends Counts>(c: C): C {
  c.attended = c.present + c.late
  const due = c.members - c.day_off - c.holiday - c.excused
  c.rate = due > 0 ? Math.round((c.attended / due) * 1000) / 1000 : null
  return c
}

const submitsOwn = sql`exists (select 1 from member_roles mr join role_permissions rp on rp.role_id = mr.role_id
  where mr.organization_member_id = ${organizationMembers.id} and rp.permission = 'attendance:record:submit')`

/** The members expected to attend, each with their schedule. */
export async function people(db: Tx, organizationId: number, timezone: string, fallback: WorkSchedule): Promise<Person[]> {
  const rows = await db
    .select({
      id: organizationMembers.id,
      departmentId: organizationMembers.departmentId,
      department: departments.name,
      startDate: organizationMembers.startDate,
      endDate: organizationMembers.endDate,
      createdAt: organizationMembers.createdAt,
      workDays: workSchedules.workDays,
      startTime: workSchedules.startTime,
      endTime: workSchedules.endTime,
      tolerance: workSchedules.lateToleranceMinutes,
      dayHours: workSchedules.dayHours,
    })
    .from(organizationMembers)
    .leftJoin(departments, eq(departments.id, organizationMembers.departmentId))
    .leftJoin(workSchedules, eq(workSchedules.id, departments.workScheduleId))
    .where(and(eq(organizationMembers.organizationId, organizationId), or(eq(organizationMembers.status, 'active'), isNotNull(organizationMembers.endDate)), submitsOwn))
  return rows.map((r) => {
    const schedule = r.workDays && r.startTime && r.endTime ? { workDays: r.workDays, startTime: r.startTime, endTime: r.endTime, lateToleranceMinutes: r.tolerance ?? 0, dayHours: dayHoursFrom(r.dayHours) } : fallback
    return {
      id: r.id,
      departmentId: r.departmentId,
      department: r.department,
      since: memberFirstDay({ startDate: r.startDate, added: toLocal(r.createdAt, timezone), schedule }),
      until: r.endDate,
      schedule,
    }
  })
}

/**
 * The kind of each member's excused day (Sakit, Izin, Cuti): their record's (recordExcuseKind), else the approved
 * request covering the day that was decided last, as the reports tell them.
 */
function excuseKinds(records: readonly { memberId: number; excuse: ExcuseKind | null }[], leave: readonly { id: number; memberId: number; kind: string; decidedAt: Date | null }[]): Map<number, ExcuseKind> {
  const kinds = new Map<number, ExcuseKind>()
  const lastDecided = [...leave].sort((a, b) => (b.decidedAt?.getTime() ?? -Infinity) - (a.decidedAt?.getTime() ?? -Infinity) || b.id - a.id)
  for (const l of lastDecided) if (!kinds.has(l.memberId)) kinds.set(l.memberId, excuseKindOf(l.kind))
  for (const r of records) if (r.excuse) kinds.set(r.memberId, r.excuse)
  return kinds
}

/** Approved leave covering [from, to], per member. */
async function approvedLeave(db: Tx, organizationId: number, from: string, to: string) {
  return db
    .select({ id: leaveRequests.id, memberId: leaveRequests.organizationMemberId, start: leaveRequests.startDate, end: leaveRequests.endDate, kind: leaveRequests.kind, decidedAt: leaveRequests.decidedAt })
    .from(leaveRequests)
    .where(and(eq(leaveRequests.organizationId, organizationId), eq(leaveRequests.status, 'approved'), lte(leaveRequests.startDate, to), gte(leaveRequests.endDate, from)))
}

export interface TodayView {
  date: string
  /** HH:MM now, in the organization's zone. */
  time: string
  timezone: string
  totals: Counts
  departments: (Counts & { id: number | null; name: string | null })[]
  /** Today's records waiting for review (everyone's, not only the members expected). */
  pending_review: number
  /** Today's records whose captures the server is still checking. */
  verifying: number
  /** The organization-wide day off today (a national holiday it keeps, or its own), or null. */
  holiday: { name: string; kind: string } | null
}

/** One expected member's day today: their record (if any), their hours and the day's status by the rules module. */
export interface PersonDay {
  person: Person
  record: { memberId: number; status: string | null; approval: string; excuse: ExcuseKind | null; checkIn: string | null; checkOut: string | null } | null
  schedule: WorkSchedule
  day: DayStatus
}

/**
 * Every expected member's day today, as today's numbers and the reminders (server/features/notifications) read it.
 * `records` are all of today's, rejected ones included.
 */
export async function everyonesDay(db: Tx, organizationId: number, now = new Date()) {
  const rules = await organizationRules(db, organizationId)
  const local = toLocal(now, rules.timezone)
  const records = await db
    .select({ memberId: attendanceRecords.organizationMemberId, status: attendanceRecords.status, approval: attendanceRecords.approvalStatus, excuse: recordExcuseKind, checkIn: attendanceRecords.checkInTime, checkOut: attendanceRecords.checkOutTime })
    .from(attendanceRecords)
    .where(and(eq(attendanceRecords.organizationId, organizationId), eq(attendanceRecords.attendanceDate, local.date)))
  const counted = records.filter((r) => r.approval !== 'rejected')
  const byMember = new Map(counted.map((r) => [r.memberId, r]))
  const everyone = await people(db, organizationId, rules.timezone, rules.defaultSchedule)
  const leaveToday = await approvedLeave(db, organizationId, local.date, local.date)
  const excused = new Set(leaveToday.map((l) => l.memberId))
  const calendar = await holidayCalendar(db, organizationId, local.date, local.date)
  const roster = await rosterBetween(db, organizationId, local.date, local.date)
  const days: PersonDay[] = []
  for (const person of everyone) {
    const record = byMember.get(person.id) ?? null
    if (!record && !expectedOn(local.date, person.since, person.until)) continue
    const holiday = calendar.on(local.date, person.departmentId) !== null
    const schedule = dayScheduleOf(person, local.date, roster)
    const day: DayStatus = dayStatus({ schedule, date: local.date, weekday: local.weekday, record, excused: excused.has(person.id), holiday, today: local.date, nowMinutes: local.minutes })
    days.push({ person, record, schedule, day })
  }
  return { rules, local, records, days, calendar, kinds: excuseKinds(counted, leaveToday) }
}

export async function attendanceToday(db: Tx, organizationId: number, now = new Date()): Promise<TodayView> {
  const { rules, local, records, days, calendar, kinds } = await everyonesDay(db, organizationId, now)
  const totals = emptyCounts()
  const perDepartment = new Map<number | null, Counts & { id: number | null; name: string | null }>()
  for (const { person, record, day } of days) {
    // A check-in not approved yet is neither attendance nor an absence: it waits for the server's check or a person.
    const approval = record?.approval
    const status: Bucket = (day === 'present' || day === 'late') && (approval === 'pending' || approval === 'verifying') ? approval : day
    const dept = perDepartment.get(person.departmentId) ?? { ...emptyCounts(), id: person.departmentId, name: person.department }
    perDepartment.set(person.departmentId, dept)
    for (const c of [totals, dept]) {
      c.members++
      c[status]++
      if (status === 'excused') c[kinds.get(person.id) ?? 'permit']++
    }
  }
  const departmentsOut = [...perDepartment.values()].map((d) => finish(d))
  departmentsOut.sort((a, b) => (a.name === null ? 1 : b.name === null ? -1 : a.name.localeCompare(b.name)))
  return {
    date: local.date,
    time: local.time.slice(0, 5),
    timezone: rules.timezone,
    totals: finish(totals),
    departments: departmentsOut,
    pending_review: records.filter((r) => r.approval === 'pending').length,
    verifying: records.filter((r) => r.approval === 'verifying').length,
    holiday: wholeOrganization(calendar, local.date),
  }
}

/** A person's hours on `date`: their shift (or day off) on the roster, else their schedule. */
function dayScheduleOf(person: Person, date: string, roster: ReadonlyMap<string, ShiftType | null>): WorkSchedule {
  const key = `${person.id}|${date}`
  return roster.has(key) ? shiftSchedule(roster.get(key) ?? null, person.schedule) : person.schedule
}

/** The day off everyone has on `date`, or null. */
function wholeOrganization(calendar: HolidayCalendar, date: string): { name: string; kind: string } | null {
  const day = calendar.on(date, null)
  return day && day.department_ids === null ? { name: day.name, kind: day.kind } : null
}

export interface TrendDay {
  date: string
  /** Members due that day (working day, already joined), excused ones included. */
  scheduled: number
  present: number
  late: number
  excused: number
  absent: number
  not_yet: number
  /** Check-ins not approved yet (waiting for review, or still being checked): neither attendance nor absence. */
  waiting: number
  /** (present + late, approved) / (scheduled - excused); null when nobody was due. */
  rate: number | null
  /** The organization-wide day off on that date, or null (members with a day off are not due). */
  holiday: string | null
}

/**
 * The attendance rate per day over the last `days` days (today included, so far). Records are counted in SQL per day,
 * department and status; who was due comes from each department's schedule.
 */
export async function attendanceTrend(db: Tx, organizationId: number, days: number, now = new Date()): Promise<{ timezone: string; today: string; days: TrendDay[] }> {
  const rules = await organizationRules(db, organizationId)
  const local = toLocal(now, rules.timezone)
  const from = addDays(local.date, -(days - 1))
  const everyone = await people(db, organizationId, rules.timezone, rules.defaultSchedule)
  const calendar = await holidayCalendar(db, organizationId, from, local.date)
  const roster = await rosterBetween(db, organizationId, from, local.date)
  const ids = new Set(everyone.map((p) => p.id))
  const departmentOf = new Map<number, number | null>()
  for (const p of everyone) {
    departmentOf.set(p.id, p.departmentId)
  }

  // Records of expected members, counted per day, department, status and whether a decision is still to come.
  const undecided = sql<boolean>`${attendanceRecords.approvalStatus} in ('pending', 'verifying')`
  const counts = await db
    .select({ date: attendanceRecords.attendanceDate, departmentId: organizationMembers.departmentId, status: attendanceRecords.status, undecided, n: sql<number>`count(*)::int` })
    .from(attendanceRecords)
    .innerJoin(organizationMembers, eq(organizationMembers.id, attendanceRecords.organizationMemberId))
    .where(
      and(
        eq(attendanceRecords.organizationId, organizationId),
        gte(attendanceRecords.attendanceDate, from),
        lte(attendanceRecords.attendanceDate, local.date),
        ne(attendanceRecords.approvalStatus, 'rejected'),
        or(eq(organizationMembers.status, 'active'), isNotNull(organizationMembers.endDate)),
        submitsOwn,
      ),
    )
    .groupBy(attendanceRecords.attendanceDate, organizationMembers.departmentId, attendanceRecords.status, undecided)

  // Approved leave on days that have no record (normally the leave's approval wrote an excused record already).
  const leave = (await approvedLeave(db, organizationId, from, local.date)).filter((l) => ids.has(l.memberId))
  const leaveDays = new Map<string, Set<number>>()
  if (leave.length > 0) {
    const withRecord = await db
      .select({ memberId: attendanceRecords.organizationMemberId, date: attendanceRecords.attendanceDate })
      .from(attendanceRecords)
      .where(and(eq(attendanceRecords.organizationId, organizationId), inArray(attendanceRecords.organizationMemberId, [...new Set(leave.map((l) => l.memberId))]), gte(attendanceRecords.attendanceDate, from), lte(attendanceRecords.attendanceDate, local.date)))
    const has = new Set(withRecord.map((r) => `${r.memberId}/${r.date}`))
    for (const l of leave) {
      for (let d = l.start < from ? from : l.start; d <= l.end && d <= local.date; d = addDays(d, 1)) {
        if (!has.has(`${l.memberId}/${d}`)) leaveDays.set(d, (leaveDays.get(d) ?? new Set()).add(l.memberId))
      }
    }
  }

  // Today, each member's own day decides whether their missing record is still to come: whoever has a record today is
  // not missing, whoever is missing is "not yet" until the end of their own day (a shift on the roster, else their
  // schedule), not until a colleague's night shift ends.
  const recordedToday = new Set(
    (
      await db
        .select({ memberId: attendanceRecords.organizationMemberId })
        .from(attendanceRecords)
        .where(and(eq(attendanceRecords.organizationId, organizationId), eq(attendanceRecords.attendanceDate, local.date), ne(attendanceRecords.approvalStatus, 'rejected')))
    ).map((r) => r.memberId),
  )

  const out: TrendDay[] = []
  for (let date = from; date <= local.date; date = addDays(date, 1)) {
    const weekday = isoWeekday(date)
    const day: TrendDay = { date, scheduled: 0, present: 0, late: 0, excused: 0, absent: 0, not_yet: 0, waiting: 0, rate: null, holiday: wholeOrganization(calendar, date)?.name ?? null }
    // Per department: who was due (a working day of their schedule, not a day off for them), and what records say.
    const isDue = (p: Person) => expectedOn(date, p.since, p.until) && dayScheduleOf(p, date, roster).workDays.includes(weekday) && calendar.on(date, p.departmentId) === null
    const due = new Map<number | null, number>()
    for (const p of everyone) {
      if (isDue(p)) due.set(p.departmentId, (due.get(p.departmentId) ?? 0) + 1)
    }
    const onLeave = leaveDays.get(date) ?? new Set<number>()
    for (const p of everyone) if (onLeave.has(p.id) && isDue(p)) day.excused++
    for (const [departmentId, n] of due) {
      day.scheduled += n
      let seen = 0
      for (const c of counts) {
        if (c.date !== date || c.departmentId !== departmentId) continue
        seen += Number(c.n)
        day[c.undecided && (c.status === 'present' || c.status === 'late') ? 'waiting' : c.status] += Number(c.n)
      }
      const leaveHere = [...onLeave].filter((id) => departmentOf.get(id) === departmentId).length
      const missing = Math.max(0, n - seen - leaveHere)
      // Today, a missing member's day is "not yet" as the rules module decides it for them (until their own day's end; a
      // night shift's end is tomorrow's), as today-at-a-glance counts it.
      let notYet = 0
      if (date === local.date) {
        for (const p of everyone) {
          if (p.departmentId !== departmentId || !isDue(p) || onLeave.has(p.id) || recordedToday.has(p.id)) continue
          if (dayStatus({ schedule: dayScheduleOf(p, date, roster), date, weekday, record: null, excused: false, today: local.date, nowMinutes: local.minutes }) === 'not_yet') notYet++
        }
      }
      notYet = Math.min(notYet, missing)
      day.not_yet += notYet
      day.absent += missing - notYet
    }
    const dueNow = day.scheduled - day.excused
    day.rate = dueNow > 0 ? Math.round(((day.present + day.late) / dueNow) * 1000) / 1000 : null
    out.push(day)
  }
  return { timezone: rules.timezone, today: local.date, days: out }
}
