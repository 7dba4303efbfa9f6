import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allowAny } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext, tenantTransaction } from '../../lib/service-context'
import { NotFoundError } from '../../errors'
import { notificationSettingsInput, pushSubscriptionInput, pushUnsubscribeInput } from '../../../shared/notifications/kinds'
import { describeSettings, saveSettings, subscribe, unsubscribe } from './notifications.service'

// Anyone with a role in the active organization that receives something: a member (their own reminders and answers),
// a dashboard user (records waiting, the daily digest). What each receives follows their permissions (KIND_RULES).
const someone = () => allowAny('attendance:record:submit', 'attendance:record:view')

/** The signed-in person's own notification settings and this browser's push subscription (mounted at /api/notifications). */
export const notificationRoutes = new Hono<AppEnv>()
  .get('/settings', someone(), async (c) => {
    const ctx = serviceContext(c)
    return ok(c, await tenantTransaction(ctx, (tx) => describeSettings(ctx.deps, tx, ctx.organizationId, ctx.userId, ctx.permissions)))
  })
  .put('/settings', someone(), validate('json', notificationSettingsInput), async (c) => {
    const ctx = serviceContext(c)
    return ok(
      c,
      await tenantTransaction(ctx, async (tx) => {
        await saveSettings(tx, ctx.organizationId, ctx.userId, c.req.valid('json'), ctx.permissions)
        return describeSettings(ctx.deps, tx, ctx.organizationId, ctx.userId, ctx.permissions)
      }),
    )
  })
  .post('/push-subscriptions', someone(), validate('json', pushSubscriptionInput), async (c) => {
    const ctx = serviceContext(c)
    await tenantTransaction(ctx, (tx) => subscribe(tx, ctx.organizationId, ctx.userId, c.req.valid('json')))
    return ok(c, { subscribed: true }, 201)
  })
  .post('/push-subscriptions/remove', someone(), validate('json', pushUnsubscribeInput), async (c) => {
    const ctx = serviceContext(c)
    const removed = await tenantTransaction(ctx, (tx) => unsubscribe(tx, ctx.organizationId, ctx.userId, c.req.valid('json').endpoint))
    if (removed === 0) throw new NotFoundError('Push subscription')
    return ok(c, { subscribed: false })
  })
