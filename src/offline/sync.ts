// One sync module, used by the page (sync loop) and by the service worker (Background Sync): flushes the outbox in
// batches and deletes only what the server acknowledged.
import { isAcknowledged, MAX_SYNC_BATCH } from '@shared/attendance/outbox-rules'
import type { SyncResult } from '@shared/attendance/sync'
import { bytesToBase64 } from '@shared/face/descriptor'
import { evidenceToWire, evidenceWireBytes } from '~/face/evidence-store'
import type { HadirDb, OutboxEntry } from './db'
import { getMeta, setMeta } from './db'

export interface SyncBatchRequest {
  device_id: string
  sent_at: string
  records: unknown[]
}

/** Sends one batch; throws on a network failure or a non-2xx answer (the loop backs off and tries again). */
export type SyncTransport = (batch: SyncBatchRequest) => Promise<{ results: SyncResult[] }>

export class SyncHttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

export function fetchTransport(fetchImpl: typeof fetch = fetch, url = '/api/attendance/sync'): SyncTransport {
  return async (batch) => {
    const res = await fetchImpl(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) })
    const body = (await res.json().catch(() => null)) as { data?: { results: SyncResult[] }; error?: { code: string; message: string } } | null
    if (!res.ok || !body?.data) throw new SyncHttpError(res.status, body?.error?.code ?? 'HTTP_ERROR', body?.error?.message ?? `HTTP ${res.status}`)
    return body.data
  }
}

/** Keep a request well under the server's 16 MB limit. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024

/** One outbox entry as the server receives it: the evidence's crops (and an older record's photo) as base64. */
export function toWire(entry: OutboxEntry): { record: unknown; bytes: number } {
  const photo = entry.photo ? bytesToBase64(new Uint8Array(entry.photo)) : undefined
  const record: Record<string, unknown> = { ...entry.record }
  if (photo) record.face_image = photo
  if (entry.evidence) record.evidence = evidenceToWire(entry.evidence)
  return { record, bytes: (photo?.length ?? 0) + evidenceWireBytes(entry.evidence) + 1024 }
}

export interface FlushResult {
  sent: number
  acknowledged: number
  attention: number
  remaining: number
}

/**
 * Sends every pending entry of the organization, oldest first, in batches of at most 100 records (and ~8 MB).
 * Acknowledged entries are deleted (their captures marked synced); refused ones move to "attention" with the reason.
 * A transport failure stops the flush with the entries still pending — nothing is lost.
 */
export async function flushOutbox(
  db: HadirDb,
  transport: SyncTransport,
  opts: { deviceId: string; organizationId?: number; now?: () => Date; maxBatchBytes?: number } = { deviceId: 'device' },
): Promise<FlushResult> {
  const now = opts.now ?? (() => new Date())
  const maxBytes = opts.maxBatchBytes ?? MAX_BATCH_BYTES
  const out: FlushResult = { sent: 0, acknowledged: 0, attention: 0, remaining: 0 }
  for (;;) {
    let pending = await db.outbox.where('state').equals('pending').sortBy('created_at')
    if (opts.organizationId !== undefined) pending = pending.filter((e) => e.organization_id === opts.organizationId)
    if (pending.length === 0) break
    const batch: OutboxEntry[] = []
    const wire: unknown[] = []
    let bytes = 0
    for (const entry of pending) {
      const w = toWire(entry)
      if (batch.length >= MAX_SYNC_BATCH || (batch.length > 0 && bytes + w.bytes > maxBytes)) break
      batch.push(entry)
      wire.push(w.record)
      bytes += w.bytes
    }
    await db.outbox.bulkUpdate(batch.map((e) => ({ key: e.client_id, changes: { attempts: e.attempts + 1 } })))
    const { results } = await transport({ device_id: opts.deviceId, sent_at: now().toISOString(), records: wire })
    out.sent += batch.length
    const byId = new Map(results.map((r) => [r.client_id, r]))
    await db.transaction('rw', db.outbox, db.captures, async () => {
      for (const entry of batch) {
        const r = byId.get(entry.client_id)
        if (!r) continue // no answer for it: stays pending, sent again next time
        if (isAcknowledged(r)) {
          await db.outbox.delete(entry.client_id)
          await db.captures.update(entry.client_id, { synced: 1 })
          out.acknowledged++
        } else {
          await db.outbox.update(entry.client_id, { state: 'attention', attention_code: r.code ?? r.status, attention_reason: r.reason ?? r.status })
          out.attention++
        }
      }
    })
    await setMeta(db, 'last_sync_at', now().toISOString())
    // Entries the server did not answer for would loop forever within one flush: stop and let the next flush retry.
    if (results.length < batch.length) break
  }
  out.remaining = (await db.outbox.where('state').equals('pending').count())
  return out
}

export async function lastSyncAt(db: HadirDb): Promise<string | null> {
  return (await getMeta<string>(db, 'last_sync_at')) ?? null
}

/** Runs `fn` as the only flush on this origin (Web Locks across tabs and the service worker; a flag otherwise). */
let localBusy = false
export async function exclusively<T>(fn: () => Promise<T>): Promise<T | null> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  if (locks?.request) {
    return locks.request('hadir-sync', { ifAvailable: true }, async (lock) => (lock ? fn() : null))
  }
  if (localBusy) return null
  localBusy = true
  try {
    return await fn()
  } finally {
    localBusy = false
  }
}

/** Exponential backoff with full jitter, capped at 5 minutes. */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const cap = 5 * 60_000
  const base = Math.min(cap, 2_000 * 2 ** Math.max(0, failures - 1))
  return Math.round(base / 2 + random() * (base / 2))
}
