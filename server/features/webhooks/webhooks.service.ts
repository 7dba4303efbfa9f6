import { and, desc, eq, inArray } from 'drizzle-orm'
import { webhookAttempts, webhookDeliveries, webhookEndpoints } from '../../db/schema'
import { NotFoundError } from '../../errors'
import { auditBy, tenantTransaction, type ServiceContext } from '../../lib/service-context'
import type { WebhookEvent } from '../../../shared/integrations'
import { checkTargetUrl } from './webhooks.target'
import { newWebhookSecret, sealSecret } from './webhooks.sign'
import { replayDelivery } from './webhooks.outbox'

export type EndpointRow = typeof webhookEndpoints.$inferSelect

export interface EndpointInput {
  url: string
  description?: string
  events: WebhookEvent[]
}

export function listEndpoints(ctx: ServiceContext): Promise<EndpointRow[]> {
  return tenantTransaction(ctx, (tx) => tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.organizationId, ctx.organizationId)).orderBy(desc(webhookEndpoints.createdAt)))
}

/** A subscription and its signing secret, answered once (receivers keep it; the database only has it sealed). */
export async function createEndpoint(ctx: ServiceContext, input: EndpointInput): Promise<{ endpoint: EndpointRow; secret: string }> {
  const url = checkTargetUrl(input.url)
  const secret = newWebhookSecret()
  const endpoint = await tenantTransaction(ctx, async (tx) => {
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({ organizationId: ctx.organizationId, url, description: input.description ?? '', events: [...new Set(input.events)], secret: sealSecret(ctx.deps.secret, secret), createdBy: ctx.userId })
      .returning()
    await auditBy(tx, ctx, { action: 'webhook.create', entityType: 'webhook', entityId: row!.id, details: { url, events: row!.events } })
    return row!
  })
  return { endpoint, secret }
}

/** Changes a subscription; enabling it again starts its run of failures afresh. */
export function updateEndpoint(ctx: ServiceContext, endpointId: number, input: Partial<EndpointInput> & { enabled?: boolean }): Promise<EndpointRow> {
  const url = input.url === undefined ? undefined : checkTargetUrl(input.url)
  return tenantTransaction(ctx, async (tx) => {
    const set: Partial<typeof webhookEndpoints.$inferInsert> = {}
    if (url !== undefined) set.url = url
    if (input.description !== undefined) set.description = input.description
    if (input.events !== undefined) set.events = [...new Set(input.events)]
    if (input.enabled === true) Object.assign(set, { enabled: true, consecutiveFailures: 0, disabledAt: null, disabledReason: null })
    if (input.enabled === false) Object.assign(set, { enabled: false, disabledAt: new Date(), disabledReason: 'disabled by an admin' })
    const [row] = await tx.update(webhookEndpoints).set(set).where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.organizationId, ctx.organizationId))).returning()
    if (!row) throw new NotFoundError('Webhook')
    await auditBy(tx, ctx, { action: 'webhook.update', entityType: 'webhook', entityId: endpointId, details: { fields: Object.keys(input) } })
    return row
  })
}

export function deleteEndpoint(ctx: ServiceContext, endpointId: number): Promise<void> {
  return tenantTransaction(ctx, async (tx) => {
    const [row] = await tx.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.organizationId, ctx.organizationId))).returning()
    if (!row) throw new NotFoundError('Webhook')
    await auditBy(tx, ctx, { action: 'webhook.delete', entityType: 'webhook', entityId: endpointId, details: { url: row.url } })
  })
}

/** The endpoint's latest deliveries with their attempts, newest first. */
export function listDeliveries(ctx: ServiceContext, endpointId: number, limit: number) {
  return tenantTransaction(ctx, async (tx) => {
    const [endpoint] = await tx.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.organizationId, ctx.organizationId)))
    if (!endpoint) throw new NotFoundError('Webhook')
    const deliveries = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId)).orderBy(desc(webhookDeliveries.id)).limit(limit)
    const attempts = deliveries.length
      ? await tx.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, deliveries.map((d) => d.id))).orderBy(webhookAttempts.id)
      : []
    return deliveries.map((d) => ({ delivery: d, attempts: attempts.filter((a) => a.deliveryId === d.id) }))
  })
}

/** Queues one more attempt of a delivery, now (an admin's replay). */
export async function replay(ctx: ServiceContext, endpointId: number, deliveryId: number): Promise<void> {
  await tenantTransaction(ctx, async (tx) => {
    const [d] = await tx
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.organizationId, ctx.organizationId)))
    if (!d) throw new NotFoundError('Delivery')
    await auditBy(tx, ctx, { action: 'webhook.replay', entityType: 'webhook_delivery', entityId: deliveryId, details: { webhook_id: endpointId } })
  })
  await replayDelivery(ctx.deps, deliveryId)
}
