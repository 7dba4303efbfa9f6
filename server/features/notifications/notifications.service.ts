import { and, eq, isNull } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import type { Tx } from '../../db/client'
import { notifications, notificationSettings, pushSubscriptions, users } from '../../db/schema'
import { KIND_RULES, kindEnabled, kindsFor, type NotificationKind, type NotificationLanguage, type notificationSettingsInput, type pushSubscriptionInput } from '../../../shared/notifications/kinds'
import { message, type MessageKind, type MessageParams } from './messages'
import { ValidationError } from '../../errors'
import { checkPushEndpoint } from '../webhooks/webhooks.target'
import type { z } from 'zod'

export const DELIVER_NOTIFICATION = 'deliver-notification'

export interface PersonSettings {
  language: NotificationLanguage
  kinds: Record<string, boolean>
}

/** A person's settings in an organization (every kind on, Indonesian, until they change them). */
export async function personSettings(tx: Tx, organizationId: number, userId: number): Promise<PersonSettings> {
  const [row] = await tx
    .select({ language: notificationSettings.language, kinds: notificationSettings.kinds })
    .from(notificationSettings)
    .where(and(eq(notificationSettings.organizationId, organizationId), eq(notificationSettings.userId, userId)))
  return row ?? { language: 'id', kinds: {} }
}

/** What GET /api/notifications/settings answers: the person's kinds (only those their role receives) and the channels. */
export async function describeSettings(deps: AppDeps, tx: Tx, organizationId: number, userId: number, permissions: ReadonlySet<string>) {
  const s = await personSettings(tx, organizationId, userId)
  const subs = await tx
    .select({ endpoint: pushSubscriptions.endpoint })
    .from(pushSubscriptions)
    .where(and(eq(pushSubscriptions.organizationId, organizationId), eq(pushSubscriptions.userId, userId)))
  const [u] = await tx.select({ email: users.email }).from(users).where(eq(users.id, userId))
  return {
    language: s.language,
    kinds: kindsFor(permissions).map((kind) => ({ kind, channel: KIND_RULES[kind].channel, enabled: kindEnabled(s.kinds, kind) })),
    push: { available: !!deps.notify, public_key: deps.notify?.vapid.publicKey ?? null, endpoints: subs.map((x) => x.endpoint) },
    email: { available: !!deps.notify?.smtp, address: u?.email ?? null },
  }
}

export async function saveSettings(tx: Tx, organizationId: number, userId: number, input: z.infer<typeof notificationSettingsInput>, permissions: ReadonlySet<string>) {
  const allowed = new Set(kindsFor(permissions))
  const refused = Object.keys(input.kinds ?? {}).filter((k) => !allowed.has(k as NotificationKind))
  if (refused.length > 0) throw new ValidationError('Your role does not receive these notifications', refused.map((k) => ({ path: `kinds.${k}`, message: 'Not for your role' })))
  const current = await personSettings(tx, organizationId, userId)
  const next = { language: input.language ?? current.language, kinds: { ...current.kinds, ...input.kinds } }
  await tx
    .insert(notificationSettings)
    .values({ organizationId, userId, ...next })
    .onConflictDoUpdate({ target: [notificationSettings.organizationId, notificationSettings.userId], set: { ...next, updatedAt: new Date() } })
  return next
}

/** Keeps a browser's subscription (the same endpoint again replaces its keys). */
export async function subscribe(tx: Tx, organizationId: number, userId: number, input: z.infer<typeof pushSubscriptionInput>) {
  checkPushEndpoint(input.endpoint)
  await tx
    .insert(pushSubscriptions)
    .values({ organizationId, userId, endpoint: input.endpoint, p256dh: input.keys.p256dh, auth: input.keys.auth })
    .onConflictDoUpdate({ target: [pushSubscriptions.organizationId, pushSubscriptions.userId, pushSubscriptions.endpoint], set: { p256dh: input.keys.p256dh, auth: input.keys.auth } })
}

export async function unsubscribe(tx: Tx, organizationId: number, userId: number, endpoint: string): Promise<number> {
  const gone = await tx
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.organizationId, organizationId), eq(pushSubscriptions.userId, userId), eq(pushSubscriptions.endpoint, endpoint)))
    .returning({ id: pushSubscriptions.id })
  return gone.length
}

export interface Notice<K extends MessageKind> {
  organizationId: number
  userId: number
  kind: K
  /** The occasion: a reminder's day, the request answered... The same person, kind and key is notified once. */
  dedupeKey: string
  /** The app page it opens (push) or the link (email). */
  url: string
  params: MessageParams<K>
}

/**
 * Queues one notification, once per person, kind and occasion, in the person's language, if they receive it: the
 * kind is on (an invitation always is), the channel works (a push subscription; SMTP configured and an address).
 * Returns the notification's id, or null when nothing was queued. Call it after the transaction that caused it.
 */
export async function queueNotification<K extends MessageKind>(deps: AppDeps, notice: Notice<K>): Promise<number | null> {
  if (!deps.notify) return null
  const { db } = deps.database
  const channel = notice.kind === 'invitation' ? 'email' : KIND_RULES[notice.kind as NotificationKind].channel
  const settings = await personSettings(db, notice.organizationId, notice.userId)
  if (notice.kind !== 'invitation' && !kindEnabled(settings.kinds, notice.kind as NotificationKind)) return null
  if (channel === 'email') {
    if (!deps.notify.smtp) return null
    const [u] = await db.select({ email: users.email }).from(users).where(eq(users.id, notice.userId))
    if (!u?.email) return null
  } else {
    const [sub] = await db
      .select({ id: pushSubscriptions.id })
      .from(pushSubscriptions)
      .where(and(eq(pushSubscriptions.organizationId, notice.organizationId), eq(pushSubscriptions.userId, notice.userId)))
      .limit(1)
    if (!sub) return null
  }
  const text = message(settings.language, notice.kind, notice.params)
  const [row] = await db
    .insert(notifications)
    .values({ organizationId: notice.organizationId, userId: notice.userId, kind: notice.kind, channel, dedupeKey: notice.dedupeKey, title: text.title, body: text.body, url: notice.url })
    .onConflictDoNothing()
    .returning({ id: notifications.id })
  if (!row) return null
  await deps.jobs.send(DELIVER_NOTIFICATION, { id: row.id }, { singletonKey: String(row.id) })
  return row.id
}

/** Notifications queued but not delivered (tests wait on it; the maintenance could requeue them). */
export async function undelivered(tx: Tx, organizationId: number) {
  return tx
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.organizationId, organizationId), isNull(notifications.deliveredAt)))
}

/** Best effort: a notification never fails the request that caused it (awaited, so it is queued before the answer). */
export async function bestEffort(run: () => Promise<unknown>): Promise<void> {
  await run().catch((err) => console.error('[hadir] notification not queued:', err instanceof Error ? err.message : err))
}
