import { integer, jsonb, pgTable, text, time, timestamp } from 'drizzle-orm/pg-core'

/** Per-organization settings that later features read; defaults live in server/features/organizations. */
export interface OrganizationSettings {
  face_threshold?: number
  face_margin?: number
  face_reverify_photos?: boolean
  /**
   * Which members a kiosk tries to recognise (issue 14): everyone of the organization, or only the members of the
   * department its station serves (fewer faces to confuse; the others use search or QR there).
   */
  kiosk_gallery?: 'organization' | 'department'
  photo_retention_days?: number
  geofence_policy?: 'refuse' | 'flag'
  forgotten_checkout_rule?: 'close_at_schedule_end' | 'leave_open'
  /** A capture older than this (hours before it reached the server) is held for review. */
  offline_window_hours?: number
  /** Which captures made on offline evidence (the device's own challenge and clock) wait for review. */
  offline_review?: 'always' | 'phones' | 'never'
}

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
