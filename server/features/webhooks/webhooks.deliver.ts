// One attempt of a webhook delivery, run by the job queue: a signed POST with a time limit, its answer logged
// (webhook_attempts), the delivery and the endpoint's run of failures updated. A failed attempt throws so that the
// queue retries it with backoff, until the last; an endpoint that failed `disableAfter` times in a row is disabled,
// with an audit entry the admin sees (and the state on the Integrations page).
import http from 'node:http'
import https from 'node:https'
import { eq, sql } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import type { JobInfo } from '../../jobs/queue'
import { webhookAttempts, webhookDeliveries, webhookEndpoints } from '../../db/schema'
import { audit } from '../../audit'
import { DELIVER_JOB, webhookSettings, type DeliverJob } from './webhooks.outbox'
import { openSecret, signatureHeader } from './webhooks.sign'
import { guardedLookup, isPrivateAddress, targetSettings } from './webhooks.target'
import net from 'node:net'

const EXCERPT_CHARS = 500
const READ_BYTES = 4096

export async function registerWebhookDelivery(deps: AppDeps): Promise<void> {
  await deps.jobs.work<DeliverJob>(DELIVER_JOB, (data, job) => deliver(deps, data, job), { concurrency: 4 })
}

export interface AttemptOutcome {
  ok: boolean
  statusCode: number | null
  error: string | null
  excerpt: string | null
  durationMs: number
}

/** POSTs `body` to `url`, signed; never follows a redirect; gives up after the timeout. Never throws. */
export function postSigned(url: string, body: string, secret: string, headers: Record<string, string>, timeoutMs: number): Promise<AttemptOutcome> {
  return postGuarded(url, body, { 'content-type': 'application/json', 'user-agent': 'Hadir-Webhooks/1', 'hadir-signature': signatureHeader(secret, body), ...headers }, timeoutMs)
}

/**
 * POSTs `body` to an address someone typed or a browser gave (a webhook, a push service): never to a private or
 * loopback address (checked on the literal and on every DNS answer, webhooks.target.ts) unless allowed, never
 * following a redirect, within `timeoutMs` for the whole attempt. Never throws.
 */
export function postGuarded(url: string, body: string | Uint8Array, headers: Record<string, string>, timeoutMs: number): Promise<AttemptOutcome> {
  const started = performance.now()
  const done = (o: Omit<AttemptOutcome, 'durationMs'>): AttemptOutcome => ({ ...o, durationMs: Math.round(performance.now() - started) })
  return new Promise((resolve) => {
    let target: URL
    try {
      target = new URL(url)
    } catch {
      resolve(done({ ok: false, statusCode: null, error: 'invalid URL', excerpt: null }))
      return
    }
    const host = target.hostname.replace(/^\[|\]$/g, '')
    if (!targetSettings.allowPrivate && net.isIP(host) && isPrivateAddress(host)) {
      resolve(done({ ok: false, statusCode: null, error: 'refused: private address', excerpt: null }))
      return
    }
    const client = target.protocol === 'https:' ? https : http
    const req = client.request(
      target,
      {
        method: 'POST',
        lookup: guardedLookup,
        // A connection of its own for each attempt (`Connection: close`), never one kept alive from an earlier attempt:
        // a receiver that closes an idle connection just as it is reused cuts the attempt short (ECONNRESET; seen on a
        // loaded CI), and each attempt's address is checked afresh (guardedLookup).
        agent: false,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          if (size < READ_BYTES) chunks.push(chunk)
          size += chunk.length
          if (size >= READ_BYTES) res.destroy() // the excerpt is all we keep
        })
        const finish = () => {
          clearTimeout(timer)
          const status = res.statusCode ?? 0
          const excerpt = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS)
          resolve(done({ ok: status >= 200 && status < 300, statusCode: status, error: status >= 200 && status < 300 ? null : `HTTP ${status}`, excerpt }))
        }
        res.on('end', finish)
        res.on('close', finish)
        res.on('error', finish)
      },
    )
    // The whole attempt (connect, headers and body) has timeoutMs, not just each idle gap.
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'TIMEOUT' })), timeoutMs)
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'TIMEOUT' })))
    req.on('error', (err: Error & { code?: string }) => {
      clearTimeout(timer)
      resolve(done({ ok: false, statusCode: null, error: err.code === 'TIMEOUT' ? 'timeout' : `${err.code ?? 'error'}: ${err.message}`.slice(0, 300), excerpt: null }))
    })
    req.end(body)
  })
}

/** The job: one attempt of one delivery (idempotent: a delivery already succeeded is not sent again, unless replayed). */
export async function deliver(deps: AppDeps, job: DeliverJob, info: JobInfo): Promise<void> {
  const { db } = deps.database
  const [row] = await db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookDeliveries.id, job.delivery_id))
  if (!row) return
  const { delivery, endpoint } = row
  if (!job.manual && (delivery.status !== 'pending' || !endpoint.enabled)) return

  const body = JSON.stringify(delivery.payload)
  const outcome = await postSigned(endpoint.url, body, openSecret(deps.secret, endpoint.secret), { 'hadir-event': delivery.event, 'hadir-delivery': delivery.eventId }, webhookSettings.timeoutMs)
  const lastAutomatic = !job.manual && info.retryCount >= info.retryLimit

  const disabled = await db.transaction(async (tx) => {
    // The endpoint first, as deleting it does (its row, then its deliveries and their attempts by cascade): taking the
    // delivery's row first (the attempt's foreign key, its update) deadlocked with a delete of the endpoint, and the
    // admin's DELETE could fail with a 500. Deleted meanwhile: the attempt went to nobody's endpoint, nothing to log.
    const [held] = await tx.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id)).for('no key update')
    if (!held) return 'gone' as const
    await tx.insert(webhookAttempts).values({
      organizationId: delivery.organizationId,
      deliveryId: delivery.id,
      statusCode: outcome.statusCode,
      ok: outcome.ok,
      error: outcome.error,
      responseExcerpt: outcome.excerpt,
      durationMs: outcome.durationMs,
      manual: job.manual === true,
    })
    const status = outcome.ok ? 'succeeded' : job.manual || lastAutomatic ? 'failed' : 'pending'
    await tx
      .update(webhookDeliveries)
      .set({ status, attempts: sql`${webhookDeliveries.attempts} + 1`, lastStatusCode: outcome.statusCode, deliveredAt: outcome.ok ? new Date() : delivery.deliveredAt })
      .where(eq(webhookDeliveries.id, delivery.id))
    if (outcome.ok) {
      await tx.update(webhookEndpoints).set({ consecutiveFailures: 0 }).where(eq(webhookEndpoints.id, endpoint.id))
      return false
    }
    const [e] = await tx
      .update(webhookEndpoints)
      .set({ consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1` })
      .where(eq(webhookEndpoints.id, endpoint.id))
      .returning({ failures: webhookEndpoints.consecutiveFailures, enabled: webhookEndpoints.enabled })
    if (!e || !e.enabled || e.failures < webhookSettings.disableAfter) return false
    const reason = `${e.failures} failed attempts in a row (last: ${outcome.error ?? 'no answer'})`
    await tx.update(webhookEndpoints).set({ enabled: false, disabledAt: new Date(), disabledReason: reason }).where(eq(webhookEndpoints.id, endpoint.id))
    // Pending deliveries of a disabled endpoint are not attempted again (the log keeps them; a replay sends one).
    await tx.update(webhookDeliveries).set({ status: 'failed' }).where(sql`${webhookDeliveries.endpointId} = ${endpoint.id} and ${webhookDeliveries.status} = 'pending'`)
    await audit(tx, { organizationId: endpoint.organizationId, action: 'webhook.disabled', entityType: 'webhook', entityId: endpoint.id, details: { url: endpoint.url, reason } })
    return true
  })
  // A failure the queue retries with backoff; the last (or a replay, or one that disabled the endpoint) is final.
  if (disabled === 'gone') return
  if (!outcome.ok && !disabled && !job.manual && !lastAutomatic) throw new Error(`webhook delivery ${delivery.id}: ${outcome.error}`)
}
