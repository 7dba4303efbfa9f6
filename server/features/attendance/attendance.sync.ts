// Sync ingest: the entry points. A batch is applied in three steps:
//   1. per record, without writing (attendance.checks.ts): validation, idempotency (events already received), member
//      and recorder checks, time and place rules, the evidence images put in storage. What they need of the database
//      (the organization's rules too, and the days the batch will fold into) is read in ONE statement for the whole
//      batch (attendance.lookups.ts).
//   2. the records that passed are written together (attendance.write.ts), folded into their days
//      (attendance.fold.ts); a capture with evidence leaves its day `verifying`. First in ONE statement against the
//      days as read, which fails whole when another write got there in between (writeOptimistic); then, if it did, in
//      one transaction under the members' locks (writeBatch).
//   3. if that transaction fails for any reason, each record is written in its own transaction instead, so one bad
//      record never holds back the others: a record the database cannot store is rejected on its own (UNSTORABLE).
// Then the captures with evidence are queued for the server's image checks (attendance.verify.ts), which decide
// identity and liveness and approve the day or hold it for review. The sync itself never waits for image analysis
// (sync.deferred-checks.api.test.ts holds the queue's worker to show it).
import type { SyncRecord, SyncResult } from '../../../shared/attendance/sync'
import { syncRecordSchema } from '../../../shared/attendance/sync'
import { keysOf, markOutOfOrder, originOf, payloadHash, prepare, Rejection, type Prepared, type SyncContext } from './attendance.checks'
import { loadLookups } from './attendance.lookups'
import { BatchAbandoned } from './attendance.checks'
import { knownOutcome, writeBatch, writeOne, writeOptimistic, type RecordedOutbox, type Written } from './attendance.write'
import { dayKey } from './attendance.days'
import { queueVerification } from './attendance.verify'
import { queueDeliveries } from '../webhooks/webhooks.outbox'
import { deletePhotos } from '../../storage/deletes'

export type { SyncContext } from './attendance.checks'

/** A sync context whose organization rules are read with the batch's own lookups (one round trip fewer). */
export type SyncRequest = Omit<SyncContext, 'rules'>
export { payloadHash } from './attendance.checks'

/** How many records of a batch prepare their images at once. */
const PHOTO_CONCURRENCY = 4

/**
 * Test switches: `batchWrites: false` writes every record in its own transaction (the fallback path), to compare the
 * two; `beforeOptimisticWrite` runs between a batch's reads and its optimistic write (another write can land there).
 */
export const syncSettings: { batchWrites: boolean; beforeOptimisticWrite?: () => Promise<void> } = { batchWrites: true }

/**
 * A database error that belongs to one record's data (SQLSTATE class 22: a value out of range, an impossible date;
 * class 23 but unique violations, which the writes absorb): that record is refused on its own, never a 5xx that the
 * device would retry forever. Anything else (a lost connection) fails the request, so the device retries.
 */
function dataError(err: unknown): string | null {
  const code = (err as { cause?: { code?: unknown } })?.cause?.code ?? (err as { code?: unknown })?.code
  if (typeof code !== 'string') return null
  if (code.startsWith('22') || (code.startsWith('23') && code !== '23505')) return code
  return null
}

// ---------------------------------------------------------------- the entry points

function parse(raw: unknown): { r: SyncRecord; hash: string } | SyncResult {
  const parsed = syncRecordSchema.safeParse(raw)
  if (!parsed.success) {
    const clientId = typeof (raw as { client_id?: unknown })?.client_id === 'string' ? (raw as { client_id: string }).client_id : null
    const first = parsed.error.issues[0]
    return { client_id: clientId, status: 'rejected', code: 'VALIDATION_FAILED', reason: `${first?.path.join('.') || 'record'}: ${first?.message ?? 'invalid'}` }
  }
  return { r: parsed.data, hash: payloadHash(parsed.data) }
}

async function mapLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/**
 * Applies a batch of captures (at most MAX_SYNC_BATCH) and answers per record, in order. Safe to repeat: what was
 * received before answers "duplicate" (or "conflict" when the same id comes with another payload). The device's
 * outcome is the same as if each record had been sent alone, one after another.
 */
export async function applyBatch(request: SyncContext | SyncRequest, raws: readonly unknown[]): Promise<SyncResult[]> {
  return (await applyBatchLogged(request, raws, false)).results
}

/**
 * applyBatch, and the exchange's sync log when `log` and the batch's write could carry it (`logged`: written in the
 * same statement; otherwise the caller writes it, logSync).
 */
export async function applyBatchLogged(request: SyncContext | SyncRequest, raws: readonly unknown[], log: boolean): Promise<{ results: SyncResult[]; logged: boolean }> {
  let logged = false
  const results: (SyncResult | undefined)[] = Array.from({ length: raws.length })
  const organizationId = request.principal.organizationId
  const candidates: { index: number; r: SyncRecord; hash: string }[] = []
  const repeats: number[] = []
  /** Positions whose record the write's own transaction published to the dashboards. */
  const published = new Set<number>()
  const ids = new Set<string>()
  raws.forEach((raw, index) => {
    const parsed = parse(raw)
    if ('status' in parsed) results[index] = parsed
    else if (ids.has(parsed.r.client_id)) repeats.push(index) // answered after the first copy is written
    else {
      ids.add(parsed.r.client_id)
      candidates.push({ index, ...parsed })
    }
  })

  // What was received before, and what the checks need to know, read together.
  if (candidates.length === 0) {
    // Nothing to look up or write (every record invalid): the answers are made.
    return { results: results as SyncResult[], logged }
  }
  const { known, look, rules } = await loadLookups(
    request,
    candidates.map((c) => c.r.client_id),
    candidates.map((c) => c.r),
  )
  const ctx: SyncContext = 'rules' in request ? request : { ...request, rules }
  const fresh = candidates.filter((c) => {
    const event = known.get(c.r.client_id)
    if (event) results[c.index] = knownOutcome(c.r.client_id, c.hash, event)
    return !event
  })

  if (fresh.length > 0 && look) {
    const prepared: Prepared[] = []
    let failure: unknown = null
    await mapLimited(fresh, PHOTO_CONCURRENCY, async (c) => {
      if (failure) return
      try {
        prepared.push(await prepare(ctx, look, c.index, c.r, c.hash))
      } catch (err) {
        if (err instanceof Rejection) results[c.index] = { client_id: c.r.client_id, status: 'rejected', code: err.code, reason: err.message }
        else failure ??= err
      }
    })
    prepared.sort((a, b) => a.index - b.index)
    if (failure) {
      await deletePhotos(ctx.deps, prepared.flatMap((p) => keysOf(p)))
      throw failure
    }
    markOutOfOrder(look, prepared)

    let written: Map<Prepared, Written> | null = null
    // Webhooks for attendance.recorded (whether the organization has any was read with the lookups): each record's
    // event is staged in its write's transaction (the locked writes below; the one-statement write has none, so it is
    // not used then).
    const outbox: RecordedOutbox | undefined = look.recordedHooks
      ? {
          staged: [],
          event: (p, a) => ({ record_id: a.recordId, client_id: p.r.client_id, member_id: p.r.member_id, kind: p.r.kind, captured_at: p.r.captured_at, origin: originOf(ctx), attendance_status: a.status, approval_status: a.approval, flags: a.flags }),
        }
      : undefined
    // First in one statement against the days as read (when every day the checks dated was read), else under locks.
    const seen = look.days
    if (!outbox && syncSettings.batchWrites && prepared.length > 1 && seen && prepared.every((p) => look.dayKeys.has(dayKey(p.r.member_id, p.date)))) {
      // The answers are known before the write when no record repeats another: the sync log can go with it.
      const synced = results.filter((r) => r?.status === 'applied' || r?.status === 'duplicate').length + prepared.length
      const exchange = log && repeats.length === 0 ? { synced, total: raws.length } : null
      if (syncSettings.beforeOptimisticWrite) await syncSettings.beforeOptimisticWrite()
      written = await writeOptimistic(ctx, prepared, seen, exchange)
      if (written && exchange) logged = true
    }
    if (!written && syncSettings.batchWrites && prepared.length > 1) {
      try {
        written = await writeBatch(ctx, prepared, outbox)
      } catch (err) {
        if (!(err instanceof BatchAbandoned)) console.warn('[hadir] sync batch written record by record:', err instanceof Error ? err.message : err)
        written = null
      }
    }
    if (!written) {
      written = new Map()
      for (const [i, p] of prepared.entries()) {
        try {
          written.set(p, await writeOne(ctx, p, outbox))
        } catch (err) {
          const code = dataError(err)
          if (code) {
            // writeOne already removed this record's images.
            results[p.index] = { client_id: p.r.client_id, status: 'rejected', code: 'UNSTORABLE', reason: `A value of this record cannot be stored (${code})` }
            continue
          }
          await deletePhotos(ctx.deps, prepared.slice(i + 1).flatMap((q) => keysOf(q)))
          throw err
        }
      }
    }
    const toVerify: string[] = []
    for (const p of prepared) {
      const w = written.get(p)
      if (!w) continue
      if ('applied' in w) {
        results[p.index] = { client_id: p.r.client_id, status: 'applied', record_id: w.applied.recordId, attendance_status: w.applied.status, approval_status: w.applied.approval, flags: w.applied.flags }
        if (w.applied.published) published.add(p.index)
        if (w.applied.verifying) toVerify.push(p.r.client_id)
      } else results[p.index] = knownOutcome(p.r.client_id, p.hash, w.known)
    }
    await queueVerification(ctx.deps, organizationId, toVerify)
    if (outbox) await queueDeliveries(ctx.deps, outbox.staged)
  }

  // A client id repeated within the batch: the first copy has been written (or refused); this one is answered as if
  // sent again afterwards.
  for (const index of repeats) results[index] = (await applyBatch(ctx, [raws[index]]))[0]
  // The dashboards hear of the applied records (those the batch's transaction published already excepted).
  const unpublished = results.flatMap((r, i) => (r?.status === 'applied' && r.record_id && !published.has(i) ? [r.record_id] : []))
  if (unpublished.length > 0) await (await import('./admin/attendance-live')).publishAttendanceChanges(ctx.deps, organizationId, unpublished)
  return { results: results as SyncResult[], logged }
}

/** Applies one capture (the single-record routes): the same as a batch of one. */
export async function applyRecord(ctx: SyncContext, raw: unknown): Promise<SyncResult> {
  return (await applyBatch(ctx, [raw]))[0]!
}
