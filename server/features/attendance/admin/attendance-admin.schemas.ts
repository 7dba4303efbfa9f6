import { z } from 'zod'
import { pgDate, pgInt, pgText, queryInt, rowId, rowIdParam } from '../../../../shared/validation'
import { ATTENDANCE_FLAGS } from '../../../../shared/attendance/flags'
import { ASSURANCE_LEVELS, EVIDENCE_MAX_FRAMES } from '../../../../shared/attendance/evidence'
import { APPROVAL_STATUSES, ATTENDANCE_SOURCES, ATTENDANCE_STATUSES } from '../../../db/schema'

export { ATTENDANCE_FLAGS }

/** The day's assurance level, or `none`: no capture was checked (manual and excused days, records older than the checks). */
export const LEVEL_FILTERS = [...ASSURANCE_LEVELS, 'none'] as const
export const SORTS = ['date', 'check_in', 'name'] as const
export type Sort = (typeof SORTS)[number]
export type Order = 'asc' | 'desc'

export const MAX_PAGE = 200

// What PostgreSQL stores (shared/validation.ts): ids of query and path strings, ids of JSON bodies, dates 1900..9999.
const id = rowIdParam
const isoDate = pgDate

/** "08:05" or "08:05:30" -> "08:05:00"/"08:05:30". */
export const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'Use 24-hour time, e.g. 08:00')
  .transform((v) => (v.length === 5 ? `${v}:00` : v))

export const listQuery = z
  .object({
    start_date: isoDate.optional(),
    end_date: isoDate.optional(),
    member_id: id.optional(),
    department_id: id.optional(),
    location_id: id.optional(),
    recorded_by: id.optional(),
    status: z.enum(ATTENDANCE_STATUSES).optional(),
    source: z.enum(ATTENDANCE_SOURCES).optional(),
    approval_status: z.enum(APPROVAL_STATUSES).optional(),
    level: z.enum(LEVEL_FILTERS).optional(),
    flag: z.enum(ATTENDANCE_FLAGS).optional(),
    q: pgText(100, { trim: true }).optional(),
    sort: z.enum(SORTS).default('date'),
    order: z.enum(['asc', 'desc']).optional(),
    limit: queryInt(1, MAX_PAGE).default(50),
    cursor: pgText(600).optional(),
    /** Only these records (the live page asks which of the records it was told about match its filters). */
    ids: z
      .string()
      .regex(/^\d{1,10}(,\d{1,10}){0,199}$/, 'A comma-separated list of at most 200 ids')
      .transform((s) => [...new Set(s.split(',').map(Number))])
      .pipe(z.array(rowId).max(200))
      .optional(),
  })
  .strict()
  .refine((q) => !q.start_date || !q.end_date || q.start_date <= q.end_date, { message: 'end_date is before start_date', path: ['end_date'] })

export type ListQuery = z.input<typeof listQuery>
export type ParsedListQuery = z.output<typeof listQuery>

export const recordParams = z.object({ id, recordId: id })

/** One evidence frame of one capture of the record: the capture (attendance event) and the frame's place in it. */
export const frameQuery = z
  .object({
    event: id,
    frame: z.coerce.number().int().min(0).max(EVIDENCE_MAX_FRAMES - 1),
  })
  .strict()

const reason = pgText(500, { trim: true, min: 3, minMessage: 'Give a reason (at least 3 characters)' })
const note = pgText(500, { trim: true })

export const decisionInput = z.object({ note: note.optional() }).strict()

/** An admin's decision on a day's overtime: approved (all of it, or `minutes` of it) or refused, with a note if they like. */
export const overtimeDecisionInput = z
  .object({ decision: z.enum(['approved', 'rejected']), minutes: pgInt(0, 24 * 60).optional(), note: note.optional() })
  .strict()
  .refine((v) => v.decision === 'approved' || v.minutes === undefined, { message: 'Minutes go with an approval', path: ['minutes'] })

export const overtimeQuery = z
  .object({
    month: z.string().regex(/^(20\d{2}|2100)-(0[1-9]|1[0-2])$/, 'Use a month like 2026-11'),
    department_id: queryInt(1).optional(),
    status: z.enum(['counted', 'pending', 'approved', 'rejected']).optional(),
  })
  .strict()

export const correctionInput = z
  .object({
    reason,
    check_in_time: timeOfDay.nullable().optional(),
    check_out_time: timeOfDay.nullable().optional(),
    status: z.enum(ATTENDANCE_STATUSES).optional(),
    remarks: pgText(500, { trim: true }).nullable().optional(),
    location_id: rowId.nullable().optional(),
  })
  .strict()

export const manualInput = z
  .object({
    member_id: rowId,
    attendance_date: isoDate,
    check_in_time: timeOfDay.optional(),
    check_out_time: timeOfDay.optional(),
    status: z.enum(ATTENDANCE_STATUSES).optional(),
    location_id: rowId.optional(),
    remarks: pgText(500, { trim: true }).optional(),
    reason,
  })
  .strict()

export const trendQuery = z.object({ days: queryInt(1, 90).default(30) }).strict()
