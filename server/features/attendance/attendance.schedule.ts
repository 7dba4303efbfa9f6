import { and, eq, isNotNull, sql, type SQL } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { departments, organizationMembers, workSchedules, type OrganizationSettings } from '../../db/schema'
import { dayHoursFrom, scheduleOn, type WorkSchedule } from '../../../shared/attendance/rules'
import { isoWeekday } from '../../../shared/calendar'
import { shiftSchedule } from '../../../shared/attendance/shifts'
import { memberShiftDays } from '../shifts/shifts.service'
import { DEFAULT_ORGANIZATION_SETTINGS } from '../organizations/organizations.service'

export interface OrganizationRules {
  timezone: string
  settings: Required<OrganizationSettings>
  defaultSchedule: WorkSchedule
  locations: { id: number; latitude: number | null; longitude: number | null; radiusMeters: number }[]
}

const WEEKDAYS = [1, 2, 3, 4, 5]

/**
 * The organization's rules as one json value (its locations in id order inside): a scalar subquery that the sync's
 * batch read carries along with everything else (attendance.lookups.ts), or read on its own.
 */
export function rulesJson(organizationId: number): SQL {
  return sql`(select json_build_object('timezone', o.timezone, 'settings', o.settings, 'start', o.work_start_time,
      'end', o.work_end_time, 'tolerance', o.late_tolerance_minutes,
      'locations', coalesce((select json_agg(json_build_object('id', l.id, 'latitude', l.latitude, 'longitude', l.longitude,
        'radiusMeters', l.radius_meters) order by l.id) from locations l where l.organization_id = ${organizationId}::integer), '[]'::json))
    from organizations o where o.id = ${organizationId}::integer)`
}

/** The rules from rulesJson's value (a json column: postgres-js parses it, PGlite may hand it over as text). */
export function rulesFrom(value: unknown, organizationId: number): OrganizationRules {
  if (value === null || value === undefined) throw new Error(`organization ${organizationId} vanished`)
  const org = (typeof value === 'string' ? JSON.parse(value) : value) as {
    timezone: string
    settings: OrganizationSettings | null
    start: string
    end: string
    tolerance: number
    locations: OrganizationRules['locations']
  }
  return {
    timezone: org.timezone,
    settings: { ...DEFAULT_ORGANIZATION_SETTINGS, ...org.settings },
    defaultSchedule: { workDays: WEEKDAYS, startTime: org.start, endTime: org.end, lateToleranceMinutes: org.tolerance },
    locations: org.locations,
  }
}

/** What the attendance rules need to know about an organization: one statement. */
export async function organizationRules(tx: Tx, organizationId: number): Promise<OrganizationRules> {
  const result = await tx.execute(sql`select ${rulesJson(organizationId)} as rules`)
  // postgres-js answers an array of rows, PGlite `{ rows }`.
  const [row] = (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])) as { rules: unknown }[]
  return rulesFrom(row?.rules, organizationId)
}

/**
 * The member's schedule: their department's when it has one, else the organization's; with `date` (YYYY-MM-DD), as it
 * applies that day: their shift on the roster when they have one, else the schedule on that day's weekday (its own
 * hours, a short Friday).
 */
export async function memberSchedule(tx: Tx, organizationId: number, memberId: number, fallback: WorkSchedule, date?: string): Promise<WorkSchedule> {
  const schedule = await departmentSchedule(tx, organizationId, memberId, fallback)
  if (date === undefined) return schedule
  // A shift on the roster takes the day's place (a day marked off is a day off).
  const shifts = await memberShiftDays(tx, organizationId, memberId, date, date)
  if (shifts.has(date)) return shiftSchedule(shifts.get(date) ?? null, schedule)
  return scheduleOn(schedule, isoWeekday(date))
}

async function departmentSchedule(tx: Tx, organizationId: number, memberId: number, fallback: WorkSchedule): Promise<WorkSchedule> {
  const [row] = await tx
    .select({ workDays: workSchedules.workDays, startTime: workSchedules.startTime, endTime: workSchedules.endTime, tolerance: workSchedules.lateToleranceMinutes, dayHours: workSchedules.dayHours })
    .from(organizationMembers)
    .innerJoin(departments, eq(departments.id, organizationMembers.departmentId))
    .innerJoin(workSchedules, eq(workSchedules.id, departments.workScheduleId))
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, organizationId), isNotNull(departments.workScheduleId)))
  if (!row) return fallback
  return { workDays: row.workDays, startTime: row.startTime, endTime: row.endTime, lateToleranceMinutes: row.tolerance, dayHours: dayHoursFrom(row.dayHours) }
}
