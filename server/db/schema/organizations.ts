import { integer, jsonb, pgTable, text, time, timestamp } from 'drizzle-orm/pg-core'
import type { SettingsPatch } from '../../../shared/organization/settings'

/** Per-organization settings (jsonb): the fields, ranges and defaults are in shared/organization/settings.ts. */
export type OrganizationSettings = SettingsPatch

export const organizations = pgTable('organizations', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  timezone: text('timezone').notNull().default('Asia/Jakarta'),
  workStartTime: time('work_start_time').notNull().default('08:00'),
  workEndTime: time('work_end_time').notNull().default('16:00'),
  lateToleranceMinutes: integer('late_tolerance_minutes').notNull().default(15),
  settings: jsonb('settings').$type<OrganizationSettings>().notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
})
