import { sql } from 'drizzle-orm'
import { check, date, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { createdAt, id, organizationId, updatedAt } from './common'

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
