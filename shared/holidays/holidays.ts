// An organization's days off (issue 17): the national days it keeps and its own days (a semester break, a foundation
// anniversary), for the whole organization or some departments. One set of rules for the server (reports, today at a
// glance, leave, check-in) and the dashboard. Plain TypeScript: no DOM, no Node.
import { z } from 'zod'
import { addDays, daysInclusive } from '../calendar'
import { name, pgArray, pgDateBetween, rowId } from '../validation'
import { nationalHolidaysBetween, type NationalHolidayKind } from './national'

/** An organization's own days off span at most this many days (a school year's longest break fits). */
export const OWN_HOLIDAY_MAX_DAYS = 92
/** Dates an organization may enter days off for. */
export const HOLIDAY_DATE_MIN = '2000-01-01'
export const HOLIDAY_DATE_MAX = '2099-12-31'
/** At most this many departments named on one entry (more: it is the whole organization). */
export const HOLIDAY_DEPARTMENTS_MAX = 200

const holidayDate = pgDateBetween(HOLIDAY_DATE_MIN, HOLIDAY_DATE_MAX)

/** An organization's own days off as an admin enters them (POST/PATCH .../holidays, a row of the .xlsx import). */
export const holidayInput = z
  .object({
    name,
    start_date: holidayDate,
    end_date: holidayDate,
    /** The departments the days apply to; null or absent: the whole organization. */
    department_ids: pgArray(rowId, HOLIDAY_DEPARTMENTS_MAX, 1).nullish(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.end_date < v.start_date) ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'The last day is before the first', params: { reason: 'end_before_start' } })
    else if (daysInclusive(v.start_date, v.end_date) > OWN_HOLIDAY_MAX_DAYS) ctx.addIssue({ code: 'custom', path: ['end_date'], message: `At most ${OWN_HOLIDAY_MAX_DAYS} days at once`, params: { reason: 'too_many_days' } })
  })
export type HolidayInput = z.infer<typeof holidayInput>

/** An organization's own entry as stored. */
export interface OwnHoliday {
  id: number
  name: string
  start_date: string
  end_date: string
  department_ids: number[] | null
}

export type DayOffKind = NationalHolidayKind | 'organization'

/** One day off, as the rules apply it. */
export interface DayOff {
  date: string
  name: string
  kind: DayOffKind
  /** null: every member; else only members of these departments. */
  department_ids: number[] | null
}

/**
 * The days off from `start` to `end` (both included): the national days the organization keeps (those it opted out of
 * are working days there) and every day of its own entries, in date order.
 */
export function daysOff(input: { start: string; end: string; optedOut: Iterable<string>; own: readonly OwnHoliday[] }): DayOff[] {
  const optedOut = new Set(input.optedOut)
  const out: DayOff[] = nationalHolidaysBetween(input.start, input.end)
    .filter((h) => !optedOut.has(h.date))
    .map((h) => ({ date: h.date, name: h.name, kind: h.kind, department_ids: null }))
  for (const h of input.own) {
    const first = h.start_date > input.start ? h.start_date : input.start
    const last = h.end_date < input.end ? h.end_date : input.end
    for (let d = first; d <= last; d = addDays(d, 1)) out.push({ date: d, name: h.name, kind: 'organization', department_ids: h.department_ids })
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
}

/** Whether a day off applies to a member of `departmentId` (null: a member without a department). */
export function appliesTo(day: DayOff, departmentId: number | null): boolean {
  return day.department_ids === null || (departmentId !== null && day.department_ids.includes(departmentId))
}

/** Answers "is this a day off for this member" over a list of days off. */
export class HolidayCalendar {
  private readonly byDate = new Map<string, DayOff[]>()

  constructor(readonly days: readonly DayOff[]) {
    for (const day of days) {
      const list = this.byDate.get(day.date)
      if (list) list.push(day)
      else this.byDate.set(day.date, [day])
    }
  }

  /** The day off a member of `departmentId` has on `date` (the organization-wide one first), or null. */
  on(date: string, departmentId: number | null): DayOff | null {
    const list = this.byDate.get(date)
    if (!list) return null
    return list.find((d) => d.department_ids === null) ?? list.find((d) => appliesTo(d, departmentId)) ?? null
  }
}
