// The roll-call queue: confirmed roll-calls (src/kiosk/roll-call.ts) wait in Dexie's `rollCalls` until the server
// answered them, and are sent by the same sync loop as the outbox (page and service worker, under the same lock). The
// named faces are also the device's captures of the day (kiosk mode then knows they checked in); a face the server
// refused is taken out of them again. Nothing is dropped silently: a roll-call the server refuses as a whole waits in
// "attention" until the petugas sends it again or discards it.
import type { RollCall, RollCallResult } from '@shared/attendance/roll-call'
import { rollCallFaceClientId } from '@shared/attendance/roll-call-id'
import type { CaptureEntry, HadirDb, RollCallEntry } from './db'
import { setMeta } from './db'
import { SyncHttpError } from './sync'

export type NewRollCall = Omit<RollCallEntry, 'created_at' | 'attempts' | 'state' | 'result' | 'sent_at' | 'attention_code' | 'attention_reason'>

/** Saves a confirmed roll-call and the captures of its named faces, in one transaction. */
export async function enqueueRollCall(db: HadirDb, rollCall: NewRollCall, now = Date.now()): Promise<RollCallEntry> {
  const entry: RollCallEntry = { ...rollCall, created_at: now, attempts: 0, state: 'pending' }
  const body = rollCall.body
  const captures: CaptureEntry[] = []
  for (const [i, face] of body.faces.entries()) {
    if (face.member_id === null) continue
    captures.push({
      client_id: await rollCallFaceClientId(body.client_id, i),
      organization_id: rollCall.organization_id,
      member_id: face.member_id,
      member_name: rollCall.names[i] ?? `#${face.member_id}`,
      kind: body.kind,
      date: rollCall.date,
      time: rollCall.time,
      captured_at: body.captured_at,
      synced: 0,
    })
  }
  await db.transaction('rw', db.rollCalls, db.captures, async () => {
    await db.rollCalls.add(entry)
    await db.captures.bulkAdd(captures)
  })
  return entry
}

/** Sends one roll-call; throws SyncHttpError on a non-2xx answer, anything else on a network failure. */
export type RollCallTransport = (body: RollCall) => Promise<RollCallResult>

export function rollCallTransport(fetchImpl: typeof fetch = fetch, url = '/api/attendance/roll-call'): RollCallTransport {
  return async (body) => {
    const res = await fetchImpl(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const answer = (await res.json().catch(() => null)) as { data?: RollCallResult; error?: { code: string; message: string } } | null
    if (!res.ok || !answer?.data) throw new SyncHttpError(res.status, answer?.error?.code ?? 'HTTP_ERROR', answer?.error?.message ?? `HTTP ${res.status}`)
    return answer.data
  }
}

/**
 * Whether the server refused the roll-call itself (bad input, not allowed, the same id with another photo): sending
 * it again unchanged would be refused again. Not: signed out (401), time-outs, rate limits, server errors, the network.
 */
export function refusedForGood(error: unknown): error is SyncHttpError {
  return error instanceof SyncHttpError && error.status >= 400 && error.status < 500 && ![401, 408, 425, 429].includes(error.status)
}

/** Roll-calls answered this long ago are forgotten (their records are on the server; the screen shows today's). */
const KEEP_SENT_MS = 3 * 24 * 60 * 60_000

export interface RollCallFlushResult {
  sent: number
  attention: number
}

/**
 * Sends every pending roll-call of the organization, oldest first, one request each. An answer marks the faces'
 * captures sent (applied, duplicate) or takes them out (refused: not recorded) and keeps the results without the photo;
 * a refusal of the whole roll-call moves it to attention. A network or server failure stops the flush with the
 * roll-call still pending.
 */
export async function flushRollCalls(
  db: HadirDb,
  transport: RollCallTransport,
  opts: { organizationId?: number; now?: () => Date } = {},
): Promise<RollCallFlushResult> {
  const now = opts.now ?? (() => new Date())
  const out: RollCallFlushResult = { sent: 0, attention: 0 }
  const tried = new Set<string>()
  for (;;) {
    let pending = await db.rollCalls.where('state').equals('pending').sortBy('created_at')
    if (opts.organizationId !== undefined) pending = pending.filter((e) => e.organization_id === opts.organizationId)
    const entry = pending.find((e) => !tried.has(e.client_id))
    if (!entry) break
    tried.add(entry.client_id)
    await db.rollCalls.update(entry.client_id, { attempts: entry.attempts + 1 })
    let result: RollCallResult
    try {
      result = await transport({ ...entry.body, sent_at: now().toISOString() })
    } catch (error) {
      if (!refusedForGood(error)) throw error
      await db.rollCalls.update(entry.client_id, { state: 'attention', attention_code: error.code, attention_reason: error.message })
      out.attention++
      continue
    }
    const captureIds = await Promise.all(entry.body.faces.map((f, i) => (f.member_id === null ? null : rollCallFaceClientId(entry.client_id, i))))
    await db.transaction('rw', db.rollCalls, db.captures, async () => {
      for (const face of result.faces) {
        const id = captureIds[face.face]
        if (!id) continue
        if (face.status === 'applied' || face.status === 'duplicate') await db.captures.update(id, { synced: 1 })
        else await db.captures.delete(id)
      }
      await db.rollCalls.update(entry.client_id, { state: 'sent', result, sent_at: now().getTime(), body: { ...entry.body, photo: '' } })
    })
    out.sent++
    await setMeta(db, 'last_sync_at', now().toISOString())
  }
  const old = now().getTime() - KEEP_SENT_MS
  await db.rollCalls.where('state').equals('sent').filter((e) => (e.sent_at ?? e.created_at) < old).delete()
  return out
}

/** Records waiting in roll-calls (their named faces), and roll-calls the server refused. */
export async function rollCallCounts(db: HadirDb, organizationId?: number): Promise<{ pending: number; attention: number }> {
  const all = await db.rollCalls.where('state').anyOf('pending', 'attention').toArray()
  const mine = organizationId === undefined ? all : all.filter((e) => e.organization_id === organizationId)
  const named = (e: RollCallEntry) => e.body.faces.filter((f) => f.member_id !== null).length
  return {
    pending: mine.filter((e) => e.state === 'pending').reduce((n, e) => n + named(e), 0),
    attention: mine.filter((e) => e.state === 'attention').length,
  }
}

/** The petugas sends a refused roll-call again (after fixing what was wrong). */
export async function retryRollCall(db: HadirDb, clientId: string): Promise<void> {
  await db.rollCalls.where('client_id').equals(clientId).and((e) => e.state === 'attention').modify({ state: 'pending', attention_code: undefined, attention_reason: undefined })
}

/** The petugas discards a refused roll-call knowingly: gone, and its faces no longer count as today's captures. */
export async function discardRollCall(db: HadirDb, clientId: string): Promise<void> {
  const entry = await db.rollCalls.get(clientId)
  if (entry?.state !== 'attention') return
  const ids = await Promise.all(entry.body.faces.map((f, i) => (f.member_id === null ? null : rollCallFaceClientId(clientId, i))))
  await db.transaction('rw', db.rollCalls, db.captures, async () => {
    await db.rollCalls.delete(clientId)
    await db.captures.bulkDelete(ids.filter((id): id is string => id !== null))
  })
}

/** The organization's roll-calls on this tablet, newest first: waiting, refused, and those answered lately. */
export async function rollCallsOf(db: HadirDb, organizationId: number, limit = 20): Promise<RollCallEntry[]> {
  const all = await db.rollCalls.where('organization_id').equals(organizationId).toArray()
  return all.sort((a, b) => b.created_at - a.created_at).slice(0, limit)
}
