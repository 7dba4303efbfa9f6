import { sql } from 'drizzle-orm'
import { check, date, index, integer, pgTable, primaryKey, text, time } from 'drizzle-orm/pg-core'
import { createdAt, id, organizationId, updatedAt } from './common'
import { organizationMembers } from './members'

/** An organization's own days off (a semester break, a foundation anniversary): one day or a range. */
export const holidays = pgTable(
  'holidays',
  {
    id: id(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    startDate: date('start_date').notNull(),
    endDate: date('end_date').notNull(),
    /** The departments the days apply to; null: the whole organization. */
    departmentIds: integer('department_ids').array(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('holidays_org_dates_idx').on(t.organizationId, t.endDate, t.startDate), check('holidays_range', sql`${t.endDate} >= ${t.startDate}`)],
)

/** National days (shared/holidays/national.ts) an organization works on: every other national day is a day off there. */
export const nationalHolidayOptOuts = pgTable(
  'national_holiday_opt_outs',
  {
    organizationId: organizationId(),
    date: date('date').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.date] })],
)

/** Named hours a member can be put on for a day (shared/attendance/shifts.ts); an end not after the start runs past midnight. */
export const shiftTypes = pgTable(
  'shift_types',
  {
    id: id(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    /** A short mark for the roster grid ("P", "M"). */
    code: text('code').notNull(),
    startTime: time('start_time').notNull(),
    endTime: time('end_time').notNull(),
    lateToleranceMinutes: integer('late_tolerance_minutes').notNull().default(15),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('shift_types_organization_idx').on(t.organizationId), check('shift_types_not_zero', sql`${t.endTime} <> ${t.startTime}`)],
)

/**
 * A member's shift on a day (the day it starts): a shift type, or a day off (null). A day without a row follows the
 * member's department's schedule.
 */
export const shiftAssignments = pgTable(
  'shift_assignments',
  {
    organizationId: organizationId(),
    organizationMemberId: integer('organization_member_id')
      .notNull()
      .references(() => organizationMembers.id, { onDelete: 'cascade' }),
    date: date('date').notNull(),
    shiftTypeId: integer('shift_type_id').references(() => shiftTypes.id, { onDelete: 'restrict' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.organizationMemberId, t.date] }), index('shift_assignments_org_date_idx').on(t.organizationId, t.date), index('shift_assignments_type_idx').on(t.shiftTypeId)],
)
