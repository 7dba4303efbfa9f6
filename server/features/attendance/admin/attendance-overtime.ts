// Overtime (issue 17 item 6): minutes worked past the end of the day's hours (the member's shift, else their schedule on
// that weekday), or every minute worked on a day off; per day and per member over a month. Where the organization wants
// it (settings.overtime_approval) an admin approves or refuses each day's overtime, and only approved minutes count.
import { and, eq, gte, inArray, isNotNull, lte, ne } from 'drizzle-orm'
import type { z } from 'zod'
import type { AppDeps } from '../../../context'
import type { Tx } from '../../../db/client'
import { attendanceRecords, organizationMembers, users } from '../../../db/schema'
import { ConflictError, ValidationError } from '../../../errors'
import { overtimeMinutes, scheduleOn, type WorkSchedule } from '../../../../shared/attendance/rules'
import { shiftSchedule, type ShiftType } from '../../../../shared/attendance/shifts'
import { daysInclusive, isoWeekday, monthBounds } from '../../../../shared/calendar'
import type { HolidayCalendar } from '../../../../shared/holidays/holidays'
import { holidayCalendar } from '../../holidays/holidays.service'
import { rosterBetween } from '../../shifts/shifts.service'
import { organizationRules } from '../attendance.schedule'
import { type Actor, lockedRecord, writeHistory } from './attendance-manage'
import { people, type Person } from './attendance-today'
import type { overtimeDecisionInput } from './attendance-admin.schemas'

export type OvertimeStatus = 'counted' | 'pending' | 'approved' | 'rejected'

export interface OvertimeDay {
  record_id: number
  member_id: number
  date: string
  check_in: string
  check_out: string
  /** The end of the day's hours ("HH:MM"), or null on a day off (every minute worked is overtime then). */
  end_time: string | null
  /** Minutes past the end (or worked on a day off), at least the organization's minimum. */
  overtime_minutes: number
  /** counted: no approval needed; pending / approved / rejected: the admin's decision where one is needed. */
  status: OvertimeStatus
  /** What the recap counts: approved minutes (an admin may approve fewer), or all of them when no approval is needed. */
  counted_minutes: number
}

/** The day's hours of a person: their shift on the roster, else their schedule on that weekday; and whether they work. */
function dayOf(person: Pick<Person, 'id' | 'departmentId' | 'schedule'>, date: string, roster: ReadonlyMap<string, ShiftType | null>, calendar: HolidayCalendar): { schedule: WorkSchedule; working: boolean } {
  const key = `${person.id}|${date}`
  const weekday = isoWeekday(date)
  const schedule = roster.has(key) ? shiftSchedule(roster.get(key) ?? null, person.schedule) : scheduleOn(person.schedule, weekday)
  return { schedule, working: schedule.workDays.includes(weekday) && calendar.on(date, person.departmentId) === null }
}

/**
 * Every day with overtime in [start, end] (records with both times, not rejected), with its decision: what the monthly
 * recap and the overtime page read.
 */
export async function overtimeDays(db: Tx, organizationId: number, start: string, end: string, memberIds?: readonly number[]): Promise<{ approval: boolean; minimum: number; days: OvertimeDay[] }> {
  const rules = await organizationRules(db, organizationId)
  const { overtime_approval: approval, overtime_minimum_minutes: minimum } = rules.settings
  const everyone = new Map((await people(db, organizationId, rules.timezone, rules.defaultSchedule)).map((p) => [p.id, p]))
  const records = await db
    .select({ id: attendanceRecords.id, memberId: attendanceRecords.organizationMemberId, date: attendanceRecords.attendanceDate, checkIn: attendanceRecords.checkInTime, checkOut: attendanceRecords.checkOutTime, decision: attendanceRecords.overtimeDecision, minutes: attendanceRecords.overtimeMinutes })
    .from(attendanceRecords)
    .where(
      and(
        eq(attendanceRecords.organizationId, organizationId),
        gte(attendanceRecords.attendanceDate, start),
        lte(attendanceRecords.attendanceDate, end),
        isNotNull(attendanceRecords.checkInTime),
        isNotNull(attendanceRecords.checkOutTime),
        ne(attendanceRecords.approvalStatus, 'rejected'),
        memberIds ? inArray(attendanceRecords.organizationMemberId, [...memberIds]) : undefined,
      ),
    )
  const roster = await rosterBetween(db, organizationId, start, end)
  const calendar = await holidayCalendar(db, organizationId, start, end)
  const days: OvertimeDay[] = []
  for (const r of records) {
    const person = everyone.get(r.memberId) ?? { id: r.memberId, departmentId: null, schedule: rules.defaultSchedule }
    const { schedule, working } = dayOf(person, r.date, roster, calendar)
    const minutes = overtimeMinutes({ schedule, working, checkIn: r.checkIn, checkOut: r.checkOut, minimum })
    if (minutes === 0) continue
    const status: OvertimeStatus = r.decision ?? (approval ? 'pending' : 'counted')
    const counted = status === 'rejected' || status === 'pending' ? 0 : Math.min(minutes, r.minutes ?? minutes)
    days.push({ record_id: r.id, member_id: r.memberId, date: r.date, check_in: r.checkIn!.slice(0, 5), check_out: r.checkOut!.slice(0, 5), end_time: working ? schedule.endTime.slice(0, 5) : null, overtime_minutes: minutes, status, counted_minutes: counted })
  }
  days.sort((a, b) => a.date.localeCompare(b.date) || a.member_id - b.member_id)
  return { approval, minimum, days }
}

export interface OvertimeQuery {
  month: string
  department_id?: number
  status?: OvertimeStatus
}

/** A month's overtime for the overtime page: the days (with names) and each member's totals. */
export async function overtimeMonth(db: Tx, organizationId: number, q: OvertimeQuery) {
  const { start, end } = monthBounds(q.month)
  const members = await db
    .select({ id: organizationMembers.id, name: users.name, member_number: organizationMembers.memberNumber, department_id: organizationMembers.departmentId })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(and(eq(organizationMembers.organizationId, organizationId), q.department_id ? eq(organizationMembers.departmentId, q.department_id) : undefined))
  const byId = new Map(members.map((m) => [m.id, m]))
  const all = await overtimeDays(db, organizationId, start, end, q.department_id ? members.map((m) => m.id) : undefined)
  const days = all.days.filter((d) => byId.has(d.member_id) && (!q.status || d.status === q.status))
  const totals = new Map<number, { member_id: number; name: string; member_number: string | null; days: number; overtime_minutes: number; counted_minutes: number; pending: number }>()
  for (const d of all.days) {
    const m = byId.get(d.member_id)
    if (!m) continue
    const t = totals.get(d.member_id) ?? { member_id: d.member_id, name: m.name, member_number: m.member_number, days: 0, overtime_minutes: 0, counted_minutes: 0, pending: 0 }
    t.days++
    t.overtime_minutes += d.overtime_minutes
    t.counted_minutes += d.counted_minutes
    if (d.status === 'pending') t.pending++
    totals.set(d.member_id, t)
  }
  return {
    month: q.month,
    days_in_month: daysInclusive(start, end),
    approval: all.approval,
    minimum: all.minimum,
    days: days.map((d) => ({ ...d, name: byId.get(d.member_id)!.name, member_number: byId.get(d.member_id)!.member_number })),
    members: [...totals.values()].sort((a, b) => a.name.localeCompare(b.name)),
  }
}

/** Each member's counted overtime minutes over [start, end] (the monthly recap's column). */
export async function overtimeTotals(db: Tx, organizationId: number, start: string, end: string): Promise<Map<number, number>> {
  const totals = new Map<number, number>()
  for (const d of (await overtimeDays(db, organizationId, start, end)).days) totals.set(d.member_id, (totals.get(d.member_id) ?? 0) + d.counted_minutes)
  return totals
}

/**
 * An admin approves a day's overtime (all of it, or fewer minutes) or refuses it, with a note; the record's history
 * keeps the decision. A day without overtime is refused (409 NO_OVERTIME).
 */
export async function decideOvertime(deps: AppDeps, actor: Actor, recordId: number, input: z.output<typeof overtimeDecisionInput>) {
  return deps.database.db.transaction(async (tx) => {
    const row = await lockedRecord(tx, actor.organizationId, recordId)
    const { days } = await overtimeDays(tx, actor.organizationId, row.attendanceDate, row.attendanceDate, [row.organizationMemberId])
    const day = days.find((d) => d.record_id === recordId)
    if (!day) throw new ConflictError('This day has no overtime to decide on', 'NO_OVERTIME')
    if (input.minutes !== undefined && input.minutes > day.overtime_minutes) {
      throw new ValidationError(`At most the ${day.overtime_minutes} minutes worked`, [{ path: 'minutes', message: `At most ${day.overtime_minutes}`, code: 'too_big', maximum: day.overtime_minutes }])
    }
    const minutes = input.decision === 'approved' ? (input.minutes ?? null) : null
    await tx.update(attendanceRecords).set({ overtimeDecision: input.decision, overtimeMinutes: minutes, updatedAt: new Date() }).where(eq(attendanceRecords.id, recordId))
    await writeHistory(tx, actor, recordId, 'overtime', input.note ?? null, {
      before: { overtime_decision: row.overtimeDecision, overtime_minutes: row.overtimeMinutes },
      after: { overtime_decision: input.decision, overtime_minutes: minutes, overtime_worked: day.overtime_minutes },
    })
    return { record_id: recordId, status: input.decision, overtime_minutes: day.overtime_minutes, counted_minutes: input.decision === 'approved' ? (minutes ?? day.overtime_minutes) : 0 }
  })
}
