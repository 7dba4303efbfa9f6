import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'
import { createdAt, id, organizationId } from './common'
import { users } from './users'

/**
 * What one person receives from one organization, and in which language (issue 19, item 4). No row: every kind on,
 * Indonesian. `kinds` holds only the kinds the person turned off or on explicitly (shared/notifications/kinds.ts).
 */
export const notificationSettings = pgTable(
  'notification_settings',
  {
    organizationId: organizationId(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    language: text('language', { enum: ['id', 'en'] }).notNull().default('id'),
    kinds: jsonb('kinds').$type<Record<string, boolean>>().notNull().default({}),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.userId] })],
)

/** A browser's Web Push subscription (the PushSubscription's endpoint and keys), for one person in one organization. */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: id(),
    organizationId: organizationId(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    endpoint: text('endpoint').notNull(),
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    createdAt: createdAt(),
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('push_subscriptions_endpoint_unique').on(t.organizationId, t.userId, t.endpoint), index('push_subscriptions_user_idx').on(t.organizationId, t.userId)],
)

/**
 * The notifications outbox: one row per person, kind and occasion (`dedupe_key`: the day of a reminder, the request
 * answered), so a reminder scan that runs twice, on two instances or after a crash, inserts nothing the second time.
 * The text is written at creation in the person's language; a job delivers it (push or email) and stamps delivered_at.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: id(),
    organizationId: organizationId(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    channel: text('channel', { enum: ['push', 'email'] }).notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    /** The app page a push opens (or the link an email carries). */
    url: text('url').notNull(),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    /** Push: subscriptions reached; email: 1 when sent. */
    delivered: integer('delivered').notNull().default(0),
  },
  (t) => [uniqueIndex('notifications_once').on(t.organizationId, t.userId, t.kind, t.dedupeKey)],
)
