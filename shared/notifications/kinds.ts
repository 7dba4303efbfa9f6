// What Hadir tells people (issue 19, item 4): the kinds of notification, who may receive each, and the settings a
// person changes. The server and both surfaces of the PWA read this one list.
import { z } from 'zod'
import type { Permission } from '../permissions'

export const NOTIFICATION_KINDS = ['checkin_reminder', 'checkout_reminder', 'request_answered', 'review_waiting', 'daily_digest'] as const
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number]

/** How each kind reaches a person, and what their role must allow for them to receive it. */
export const KIND_RULES: Readonly<Record<NotificationKind, { channel: 'push' | 'email'; needs: Permission }>> = Object.freeze({
  checkin_reminder: { channel: 'push', needs: 'attendance:record:submit' },
  checkout_reminder: { channel: 'push', needs: 'attendance:record:submit' },
  request_answered: { channel: 'push', needs: 'attendance:record:submit' },
  review_waiting: { channel: 'push', needs: 'attendance:record:approve' },
  daily_digest: { channel: 'email', needs: 'attendance:record:approve' },
})

export const NOTIFICATION_LANGUAGES = ['id', 'en'] as const
export type NotificationLanguage = (typeof NOTIFICATION_LANGUAGES)[number]

/** The kinds a person with these permissions may receive. */
export function kindsFor(permissions: ReadonlySet<string>): NotificationKind[] {
  return NOTIFICATION_KINDS.filter((k) => permissions.has(KIND_RULES[k].needs))
}

/** Whether a kind is on: every kind is on until the person turns it off. */
export function kindEnabled(kinds: Record<string, boolean> | null | undefined, kind: NotificationKind): boolean {
  return kinds?.[kind] !== false
}

/** PUT /api/notifications/settings: the language and any kinds to turn on or off. */
export const notificationSettingsInput = z
  .object({
    language: z.enum(NOTIFICATION_LANGUAGES).optional(),
    kinds: z.partialRecord(z.enum(NOTIFICATION_KINDS), z.boolean()).optional(),
  })
  .strict()

/** A browser's PushSubscription as PushSubscription.toJSON() gives it. */
export const pushSubscriptionInput = z
  .object({
    endpoint: z.url({ protocol: /^https?$/ }).max(2000),
    keys: z.object({ p256dh: z.string().regex(/^[\w-]+=*$/).min(80).max(100), auth: z.string().regex(/^[\w-]+=*$/).min(16).max(32) }).strict(),
    expirationTime: z.number().nullable().optional(),
  })
  .strict()

export const pushUnsubscribeInput = z.object({ endpoint: z.string().min(1).max(2000) }).strict()

/** "HH:MM", the organization's local time by which members should have checked in (null: no reminder). */
export const reminderTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time such as 08:30')
  .nullable()
