import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { pgArray, pgText, queryInt, rowIdParam } from '../../../shared/validation'
import { WEBHOOK_EVENTS } from '../../../shared/integrations'
import { idParam } from '../organizations/organizations.schemas'
import { peopleOnly } from '../tokens/tokens.routes'
import { createEndpoint, deleteEndpoint, listDeliveries, listEndpoints, replay, updateEndpoint, type EndpointRow } from './webhooks.service'

const events = pgArray(z.enum(WEBHOOK_EVENTS), WEBHOOK_EVENTS.length, 1)
const endpointInput = z.object({ url: pgText(2000, { trim: true, min: 1 }), description: pgText(200, { trim: true }).optional(), events })
const endpointPatch = endpointInput
  .partial()
  .extend({ enabled: z.boolean().optional() })
  .refine((v) => Object.keys(v).length > 0, { error: 'Give at least one field to change' })
const webhookParams = z.object({ id: rowIdParam, webhookId: rowIdParam })
const deliveryParams = webhookParams.extend({ deliveryId: rowIdParam })
const deliveryQuery = z.object({ limit: queryInt(1, 200).default(50) })

function presentEndpoint(e: EndpointRow) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.enabled,
    consecutive_failures: e.consecutiveFailures,
    disabled_at: e.disabledAt?.toISOString() ?? null,
    disabled_reason: e.disabledReason,
    created_at: e.createdAt.toISOString(),
  }
}

/** An organization's webhook subscriptions, their deliveries and attempts, and replays (issue 19). */
export const webhookRoutes = new Hono<AppEnv>()
  .get('/:id/webhooks', allow('settings:manage'), peopleOnly, validate('param', idParam), async (c) => {
    return ok(c, { webhooks: (await listEndpoints(serviceContext(c))).map(presentEndpoint), events: WEBHOOK_EVENTS })
  })
  .post('/:id/webhooks', allow('settings:manage'), peopleOnly, validate('param', idParam), validate('json', endpointInput), async (c) => {
    const { endpoint, secret } = await createEndpoint(serviceContext(c), c.req.valid('json'))
    return ok(c, { ...presentEndpoint(endpoint), secret }, 201)
  })
  .patch('/:id/webhooks/:webhookId', allow('settings:manage'), peopleOnly, validate('param', webhookParams), validate('json', endpointPatch), async (c) => {
    return ok(c, presentEndpoint(await updateEndpoint(serviceContext(c), c.req.valid('param').webhookId, c.req.valid('json'))))
  })
  .delete('/:id/webhooks/:webhookId', allow('settings:manage'), peopleOnly, validate('param', webhookParams), async (c) => {
    await deleteEndpoint(serviceContext(c), c.req.valid('param').webhookId)
    return ok(c, { deleted: true })
  })
  .get('/:id/webhooks/:webhookId/deliveries', allow('settings:manage'), peopleOnly, validate('param', webhookParams), validate('query', deliveryQuery), async (c) => {
    const rows = await listDeliveries(serviceContext(c), c.req.valid('param').webhookId, c.req.valid('query').limit)
    return ok(c, {
      deliveries: rows.map(({ delivery: d, attempts }) => ({
        id: d.id,
        event_id: d.eventId,
        event: d.event,
        status: d.status,
        attempts: d.attempts,
        last_status_code: d.lastStatusCode,
        created_at: d.createdAt.toISOString(),
        delivered_at: d.deliveredAt?.toISOString() ?? null,
        payload: d.payload,
        log: attempts.map((a) => ({ at: a.createdAt.toISOString(), ok: a.ok, status_code: a.statusCode, error: a.error, response_excerpt: a.responseExcerpt, duration_ms: a.durationMs, manual: a.manual })),
      })),
    })
  })
  .post('/:id/webhooks/:webhookId/deliveries/:deliveryId/replay', allow('settings:manage'), peopleOnly, validate('param', deliveryParams), async (c) => {
    const { webhookId, deliveryId } = c.req.valid('param')
    await replay(serviceContext(c), webhookId, deliveryId)
    return ok(c, { queued: true })
  })
