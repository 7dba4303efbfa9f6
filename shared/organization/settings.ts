// An organization's attendance and face settings: the fields, their ranges and defaults, and the schema the server
// validates a change with (PATCH /api/organizations/:id/settings). The dashboard's forms use the same schema and
// defaults, so a limit is written once.
import { z } from 'zod'
import { DEFAULT_OFFLINE_WINDOW_HOURS, OFFLINE_REVIEW_POLICIES } from '../attendance/evidence'
import { DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD, FACE_MARGIN_RANGE, FACE_THRESHOLD_RANGE } from '../face/match'
import { pgDouble, pgInt } from '../validation'
import { reminderTime } from '../notifications/kinds'

/** Which members a kiosk recognises: the whole organization, or only its station's department. */
export const KIOSK_GALLERIES = ['organization', 'department'] as const
/** A capture outside every location: refused, or recorded and flagged for review. */
export const GEOFENCE_POLICIES = ['refuse', 'flag'] as const
/** A day with a check-in and no check-out: closed at the schedule's end, or left open. */
export const FORGOTTEN_CHECKOUT_RULES = ['close_at_schedule_end', 'leave_open'] as const
/** Minutes past the end of the day's hours before time worked counts as overtime (shorter stays do not count). */
export const OVERTIME_MINIMUM_RANGE = Object.freeze({ min: 0, max: 240 })
/** How long capture photos are kept (days). */
export const PHOTO_RETENTION_RANGE = Object.freeze({ min: 1, max: 3650 })
/** A capture reaching the server later than this after it was made waits for review (hours). */
export const OFFLINE_WINDOW_RANGE = Object.freeze({ min: 1, max: 24 * 31 })

/** The organization's attendance and face settings an admin may change; absent fields stay as they are. */
export const settingsPatch = z
  .object({
    face_threshold: pgDouble(FACE_THRESHOLD_RANGE.min, FACE_THRESHOLD_RANGE.max).optional(),
    face_margin: pgDouble(FACE_MARGIN_RANGE.min, FACE_MARGIN_RANGE.max).optional(),
    face_reverify_photos: z.boolean().optional(),
    kiosk_gallery: z.enum(KIOSK_GALLERIES).optional(),
    photo_retention_days: pgInt(PHOTO_RETENTION_RANGE.min, PHOTO_RETENTION_RANGE.max).optional(),
    geofence_policy: z.enum(GEOFENCE_POLICIES).optional(),
    forgotten_checkout_rule: z.enum(FORGOTTEN_CHECKOUT_RULES).optional(),
    offline_window_hours: pgInt(OFFLINE_WINDOW_RANGE.min, OFFLINE_WINDOW_RANGE.max).optional(),
    offline_review: z.enum(OFFLINE_REVIEW_POLICIES).optional(),
    /** Overtime counts in the recap only once an admin approved it (else as worked). */
    overtime_approval: z.boolean().optional(),
    overtime_minimum_minutes: pgInt(OVERTIME_MINIMUM_RANGE.min, OVERTIME_MINIMUM_RANGE.max).optional(),
    /** "HH:MM": members who have not checked in by then on a working day get a reminder (null: no reminder). */
    checkin_reminder_time: reminderTime.optional(),
  })
  .strict()

export type SettingsPatch = z.infer<typeof settingsPatch>
/** Every setting with a value (what an organization has before an admin changes anything). */
export type OrganizationSettingValues = Required<SettingsPatch>

export const DEFAULT_ORGANIZATION_SETTINGS: Readonly<OrganizationSettingValues> = Object.freeze({
  face_threshold: DEFAULT_FACE_THRESHOLD,
  face_margin: DEFAULT_FACE_MARGIN,
  face_reverify_photos: false,
  kiosk_gallery: 'organization',
  photo_retention_days: 90,
  geofence_policy: 'flag',
  forgotten_checkout_rule: 'close_at_schedule_end',
  offline_window_hours: DEFAULT_OFFLINE_WINDOW_HOURS,
  offline_review: 'phones',
  overtime_approval: false,
  overtime_minimum_minutes: 30,
  checkin_reminder_time: null,
})

/**
 * The settings of an organization's answer (`settings`, or the fields at the top level), each checked against the
 * schema; a missing or unreadable one falls back to its default.
 */
export function settingsOf(organization: unknown): OrganizationSettingValues {
  const o = (organization ?? {}) as Record<string, unknown>
  const nested = (o.settings && typeof o.settings === 'object' ? o.settings : {}) as Record<string, unknown>
  const out = { ...DEFAULT_ORGANIZATION_SETTINGS } as Record<string, unknown>
  for (const [key, field] of Object.entries(settingsPatch.shape)) {
    const parsed = field.safeParse(nested[key] ?? o[key])
    if (parsed.success && parsed.data !== undefined) out[key] = parsed.data
  }
  return out as OrganizationSettingValues
}
