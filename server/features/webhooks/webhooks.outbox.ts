// The webhook outbox: an event becomes one row per subscribed endpoint (webhook_deliveries), written in the transaction
// of the change it tells of (stageEvents: the event exists exactly when the change does), and each row, once that
// transaction committed, a job of the queue (server/jobs), which attempts it, retries it with exponential backoff, and
// logs every attempt. A row whose job was never queued or was lost (the process died after the commit) is still
// `pending`, and the hourly sweep queues it again.
import { and, eq, lt, sql } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import type { Tx } from '../../db/client'
import { webhookDeliveries, webhookEndpoints } from '../../db/schema'
import type { WebhookEvent } from '../../../shared/integrations'
import { uuidv7 } from '../../../shared/attendance/uuidv7'

export const DELIVER_JOB = 'webhook-deliver'

export interface DeliverJob {
  delivery_id: number
  /** A replay asked for by an admin: one attempt, no retries. */
  manual?: boolean
}

/** Settings a test may change: attempts, backoff, the receiver's time to answer, and when an endpoint is disabled. */
export const webhookSettings = {
  /** Retries after the first attempt of a delivery. */
  retries: envInt('HADIR_WEBHOOK_RETRIES', 6),
  /** Delay before the first retry; doubles at each further one (pg-boss's backoff, with jitter). 0: retry at once. */
  retryDelaySeconds: envInt('HADIR_WEBHOOK_RETRY_DELAY_SECONDS', 10),
  /** How long a receiver has to answer an attempt. */
  timeoutMs: envInt('HADIR_WEBHOOK_TIMEOUT_MS', 10_000),
  /** Failed attempts in a row (any delivery) after which the endpoint is disabled. */
  disableAfter: envInt('HADIR_WEBHOOK_DISABLE_AFTER', 20),
}

function envInt(name: string, fallback: number): number {
  const n = Number(process.env[name])
  return process.env[name] !== undefined && Number.isInteger(n) && n >= 0 ? n : fallback
}

function queueDelivery(deps: AppDeps, job: DeliverJob) {
  const key = job.manual ? `replay:${job.delivery_id}` : String(job.delivery_id)
  return deps.jobs.send(DELIVER_JOB, job, {
    singletonKey: key,
    retryLimit: job.manual ? 0 : webhookSettings.retries,
    retryDelaySeconds: webhookSettings.retryDelaySeconds,
    expireInSeconds: Math.ceil(webhookSettings.timeoutMs / 1000) + 60,
  })
}

/**
 * Stages an event of an organization for its enabled endpoints subscribed to it, in the caller's transaction: the
 * deliveries are written with the change or not at all. Answers their ids, for queueDeliveries after the commit.
 */
export function stageEvent(tx: Tx, organizationId: number, event: WebhookEvent, data: Record<string, unknown>): Promise<number[]> {
  return stageEvents(tx, organizationId, event, [data])
}

/** Several events of one type at once (a sync batch's records): one look-up of the endpoints, one insert. */
export async function stageEvents(tx: Tx, organizationId: number, event: WebhookEvent, list: readonly Record<string, unknown>[]): Promise<number[]> {
  if (list.length === 0) return []
  const endpoints = await subscribedEndpoints(tx, organizationId, event)
  if (endpoints.length === 0) return []
  const createdAt = new Date().toISOString()
  const values = list.flatMap((data) => {
    const eventId = uuidv7()
    const payload = { id: eventId, type: event, created_at: createdAt, organization_id: organizationId, data }
    return endpoints.map((e) => ({ organizationId, endpointId: e.id, eventId, event, payload }))
  })
  const rows = await tx.insert(webhookDeliveries).values(values).returning({ id: webhookDeliveries.id })
  return rows.map((r) => r.id)
}

/** The enabled endpoints of an organization subscribed to an event. */
export function subscribedEndpoints(tx: Tx, organizationId: number, event: WebhookEvent) {
  return tx
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.organizationId, organizationId), eq(webhookEndpoints.enabled, true), sql`${event} = any(${webhookEndpoints.events})`))
}

/**
 * Queues staged deliveries once their transaction committed. Never throws (a webhook never fails the request that
 * caused it): a delivery not queued stays `pending`, and the sweep (requeuePendingDeliveries) queues it.
 */
export async function queueDeliveries(deps: AppDeps, ids: readonly number[]): Promise<void> {
  for (const id of ids) {
    try {
      await queueDelivery(deps, { delivery_id: id })
    } catch (err) {
      console.error(`[hadir] webhook delivery ${id} not queued now (the sweep will):`, err instanceof Error ? err.message : err)
    }
  }
}

/** An admin's replay: the delivery is attempted once more, now (whatever its state). */
export async function replayDelivery(deps: AppDeps, deliveryId: number): Promise<void> {
  await queueDelivery(deps, { delivery_id: deliveryId, manual: true })
}

/** Pending deliveries of enabled endpoints older than `olderThanMs`: queued again (a job still queued is not doubled). */
export async function requeuePendingDeliveries(deps: AppDeps, olderThanMs = 15 * 60_000): Promise<number> {
  const { db } = deps.database
  const rows = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(and(eq(webhookDeliveries.status, 'pending'), eq(webhookEndpoints.enabled, true), lt(webhookDeliveries.createdAt, new Date(Date.now() - olderThanMs))))
    .limit(1000)
  for (const r of rows) await queueDelivery(deps, { delivery_id: r.id })
  return rows.length
}
