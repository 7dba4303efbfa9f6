// Shifts: named hours (a morning, a night that ends the next morning) assigned to a member per day, by hand on a
// roster or as a repeating pattern ("2 mornings, 2 nights, 2 off"). A member's shift of a day takes the place of their
// department's schedule for that day; a day marked off is a day off. Plain TypeScript, shared by the server and the PWA.
import { z } from 'zod'
import { addDays, datesBetween, daysInclusive, isoWeekday } from '../calendar'
import { isOvernight, minutesOf, overnightBoundary, scheduleOn, type WorkSchedule } from './rules'
import { name, pgDateBetween, pgText, rowId, timeOfDay } from '../validation'
import { DEFAULT_LATE_TOLERANCE, lateTolerance } from '../organization/structure'

export interface ShiftType {
  id: number
  name: string
  /** A short mark for the roster grid ("P", "S", "M"). */
  code: string
  startTime: string
  endTime: string
  lateToleranceMinutes: number
}

/** What a member has on a day: a shift, or a day off (`shift: null`). No entry: their department's schedule. */
export interface ShiftDay {
  date: string
  shift: ShiftType | null
}

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7] as const

/** A shift as the schedule of its day (a working day whatever the weekday); a day off as a schedule with no working day. */
export function shiftSchedule(shift: ShiftType | null, fallback: WorkSchedule): WorkSchedule {
  if (!shift) return { ...fallback, workDays: [], dayHours: {} }
  return { workDays: EVERY_DAY, startTime: shift.startTime, endTime: shift.endTime, lateToleranceMinutes: shift.lateToleranceMinutes, dayHours: {} }
}

/**
 * The day a capture made at `date` `time` (the organization's wall clock) belongs to: the day before when the member
 * was on a night shift that started then and the capture falls in its morning (before the middle of the hours off,
 * or before the middle of the gap to today's own shift when that starts earlier); else its own day. A check-out at
 * 06:10 after a 22:00 shift closes that shift instead of opening a new day "without a check-in".
 */
export function shiftDayOf(date: string, time: string, previous: ShiftType | null | undefined, today: ShiftType | null | undefined): string {
  if (!previous || !isOvernight(previous)) return date
  let boundary = overnightBoundary(previous)
  if (today) {
    const start = minutesOf(today.startTime)
    const end = minutesOf(previous.endTime)
    if (start > end && start < boundary) boundary = end + Math.floor((start - end) / 2)
  }
  return minutesOf(time) < boundary ? addDays(date, -1) : date
}

/**
 * The day a capture at `date` `time` belongs to and the hours that apply on it: the member's shift of that day when
 * the roster has one (`shifts`: date -> shift, or null for a day off), else their schedule on that weekday. The server's
 * sync and the member's phone both go through here.
 */
export function captureDay(base: WorkSchedule, shifts: ReadonlyMap<string, ShiftType | null>, date: string, time: string): { date: string; schedule: WorkSchedule } {
  const day = shiftDayOf(date, time, shifts.get(addDays(date, -1)), shifts.get(date))
  return { date: day, schedule: shifts.has(day) ? shiftSchedule(shifts.get(day) ?? null, base) : scheduleOn(base, isoWeekday(day)) }
}

export const SHIFT_CODE_MAX = 3
export const PATTERN_MAX_DAYS = 28
export const ROSTER_MAX_DAYS = 62
export const ROSTER_MAX_CELLS = 5000

const shiftFields = {
  name,
  code: pgText(SHIFT_CODE_MAX, { trim: true, min: 1, minMessage: 'Required' }),
  start_time: timeOfDay,
  /** Not after the start: the shift ends the next morning. */
  end_time: timeOfDay,
  late_tolerance_minutes: lateTolerance,
}

const notZeroLength = (v: { start_time?: string; end_time?: string }) => v.start_time === undefined || v.end_time === undefined || v.start_time !== v.end_time
const ZERO_LENGTH = { message: 'The shift ends at another time than it starts', path: ['end_time'], params: { reason: 'same_start_end' } }

export const shiftTypeInput = z.object({ ...shiftFields, late_tolerance_minutes: lateTolerance.default(DEFAULT_LATE_TOLERANCE) }).strict().refine(notZeroLength, ZERO_LENGTH)

// A change carries only what it changes (no defaults: see schedulePatch).
export const shiftTypePatch = z.object(shiftFields).partial().strict().refine(notZeroLength, ZERO_LENGTH)

const rosterDate = pgDateBetween('2000-01-01', '2100-12-31')

/** Roster cells to set: a shift type id, or null for a day off; `clear` gives the day back to the department's schedule. */
export const rosterCellsInput = z.object({
  cells: z
    .array(z.object({ member_id: rowId, date: rosterDate, shift_type_id: rowId.nullable().optional(), clear: z.boolean().optional() }).strict())
    .min(1)
    .max(ROSTER_MAX_CELLS),
})

/** A repeating pattern laid over members from `start_date` to `end_date`: each member may start at their own step. */
export const rosterPatternInput = z
  .object({
    member_ids: z.array(rowId).min(1).max(500),
    start_date: rosterDate,
    end_date: rosterDate,
    /** One step per day: a shift type id, or null for a day off. */
    pattern: z.array(rowId.nullable()).min(1).max(PATTERN_MAX_DAYS),
    /** Where each member starts in the pattern, in `member_ids` order (default: all at the first step). */
    offsets: z.array(z.number().int().min(0).max(PATTERN_MAX_DAYS - 1)).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.end_date < v.start_date) ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'The last day is before the first day', params: { reason: 'end_before_start' } })
    else if (daysInclusive(v.start_date, v.end_date) > ROSTER_MAX_DAYS) ctx.addIssue({ code: 'custom', path: ['end_date'], message: `At most ${ROSTER_MAX_DAYS} days at once`, params: { reason: 'too_many_days' } })
    if (v.offsets && v.offsets.length !== v.member_ids.length) ctx.addIssue({ code: 'custom', path: ['offsets'], message: 'One offset per member', params: { reason: 'offsets_count' } })
  })

/** The cells a pattern makes: member by member, day by day, the pattern's step of that day. */
export function patternCells(input: { member_ids: readonly number[]; start_date: string; end_date: string; pattern: readonly (number | null)[]; offsets?: readonly number[] }): { member_id: number; date: string; shift_type_id: number | null }[] {
  const days = datesBetween(input.start_date, input.end_date)
  const cells: { member_id: number; date: string; shift_type_id: number | null }[] = []
  input.member_ids.forEach((memberId, m) => {
    const offset = input.offsets?.[m] ?? 0
    days.forEach((date, i) => cells.push({ member_id: memberId, date, shift_type_id: input.pattern[(i + offset) % input.pattern.length]! }))
  })
  return cells
}
