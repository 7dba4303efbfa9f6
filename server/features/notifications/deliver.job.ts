import { and, eq, isNull } from 'drizzle-orm'
import nodemailer, { type Transporter } from 'nodemailer'
import webpush from 'web-push'
import type { AppDeps } from '../../context'
import { notifications, pushSubscriptions, users } from '../../db/schema'
import type { JobInfo } from '../../jobs/queue'
import type { SmtpConfig } from '../../notify/config'
import { DELIVER_NOTIFICATION } from './notifications.service'
import { postGuarded } from '../webhooks/webhooks.deliver'

/** How long a push service keeps a push for a phone that is off (a reminder is stale after half a day). */
const PUSH_TTL_SECONDS = 12 * 3600

const transports = new WeakMap<SmtpConfig, Transporter>()
function transportFor(smtp: SmtpConfig): Transporter {
  let t = transports.get(smtp)
  if (!t) {
    t = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: smtp.secure, auth: smtp.user ? { user: smtp.user, pass: smtp.pass } : undefined })
    transports.set(smtp, t)
  }
  return t
}

/**
 * Sends one Web Push message: web-push encrypts the payload (RFC 8291, aes128gcm) and signs the VAPID JWT (RFC 8292);
 * the request goes out through postGuarded (no private address, no redirect, our time limit). Answers the push
 * service's HTTP status (0 when none answered).
 */
async function push(deps: AppDeps, sub: { endpoint: string; p256dh: string; auth: string }, payload: string): Promise<number> {
  const vapid = deps.notify!.vapid
  const details = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, payload, {
    vapidDetails: { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
    TTL: PUSH_TTL_SECONDS,
    contentEncoding: 'aes128gcm',
  })
  // Never to a private address: the endpoint came from a browser (notifications.service.ts checks it when saved, this
  // checks the address it resolves to now).
  const outcome = await postGuarded(details.endpoint, details.body ? new Uint8Array(details.body as Buffer) : '', details.headers as Record<string, string>, 15_000)
  return outcome.statusCode ?? 0
}

/** Delivers one queued notification; idempotent (a delivered one is skipped). A push service that says the subscription is gone (404/410) loses it. */
export async function deliverNotification(deps: AppDeps, id: number, job?: JobInfo): Promise<void> {
  const { db } = deps.database
  const [n] = await db.select().from(notifications).where(and(eq(notifications.id, id), isNull(notifications.deliveredAt)))
  if (!n || !deps.notify) return
  let delivered = 0
  if (n.channel === 'push') {
    const subs = await db
      .select()
      .from(pushSubscriptions)
      .where(and(eq(pushSubscriptions.organizationId, n.organizationId), eq(pushSubscriptions.userId, n.userId)))
    const payload = JSON.stringify({ title: n.title, body: n.body, url: n.url, tag: `${n.kind}:${n.dedupeKey}` })
    let failed = 0
    for (const sub of subs) {
      const status = await push(deps, sub, payload).catch(() => 0)
      if (status >= 200 && status < 300) {
        delivered++
        await db.update(pushSubscriptions).set({ lastSuccessAt: new Date() }).where(eq(pushSubscriptions.id, sub.id))
      } else if (status === 404 || status === 410) {
        await db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, sub.id))
      } else {
        failed++
      }
    }
    // Nothing reached and some service failed for a while: retried by the queue (with backoff), until the last attempt.
    if (delivered === 0 && failed > 0 && job && job.retryCount < job.retryLimit) throw new Error(`push: ${failed} push service(s) failed`)
  } else {
    const smtp = deps.notify.smtp
    const [u] = await db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, n.userId))
    if (smtp && u?.email) {
      await transportFor(smtp).sendMail({ from: smtp.from, to: { name: u.name, address: u.email }, subject: n.title, text: n.body.includes(n.url) ? n.body : `${n.body}\n\n${n.url}` })
      delivered = 1
    }
  }
  await db.update(notifications).set({ deliveredAt: new Date(), delivered }).where(eq(notifications.id, id))
}

export async function registerNotificationDelivery(deps: AppDeps): Promise<void> {
  await deps.jobs.work<{ id: number }>(DELIVER_NOTIFICATION, (data, job) => deliverNotification(deps, data.id, job))
}
