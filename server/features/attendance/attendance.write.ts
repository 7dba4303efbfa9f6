// Steps 2 and 3 of sync ingest: writing. The records that passed their checks are written together: first in ONE
// statement and no transaction of its own, against the days the batch's reads saw (writeOptimistic: it takes each
// member's advisory lock only if free and checks every day's row version, failing whole otherwise); then, if it failed,
// in ONE transaction with multi-row statements (advisory locks on the batch's members, a re-check of the events, the
// day records locked, captures folded into them in memory in the batch's order, then written); if that transaction
// fails for any reason, each record is written in its own transaction instead (the path single captures always take).
// All paths fold with the same function and take the same per-member advisory lock, so they interleave safely.
import { eq, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { attendanceEvents } from '../../db/schema'
import type { SyncResult } from '../../../shared/attendance/sync'
import { assuranceLevel, type Assurance } from '../../../shared/attendance/evidence'
import { BatchAbandoned, keysOf, type Prepared, type SyncContext } from './attendance.checks'
import { executePrepared, jsonRowsSelect, rowsOf } from '../../db/raw'
import { DAY_ROW_SELECT, dayUpdateRows, dayValues, dayKey, lockDays, lockDaysAndEvents, lockMembers, persistDays, type DayRow } from './attendance.days'
import { knownEvents, type KnownEvent, type SeenDay } from './attendance.lookups'
import { dayStateOf, fold, NEW_DAY, type ApprovalStatus, type AttendanceStatus, type Folded } from './attendance.fold'
import { stageEvents } from '../webhooks/webhooks.outbox'
import { deletePhotos } from '../../storage/deletes'

export type { KnownEvent }

export function knownOutcome(clientId: string, hash: string, event: KnownEvent): SyncResult {
  if (event.hash === hash) return { client_id: clientId, status: 'duplicate', record_id: event.recordId ?? undefined }
  return { client_id: clientId, status: 'conflict', code: 'CLIENT_ID_REUSED', reason: 'A different record was already received with this id' }
}

/** The capture's checklist once folded: a check-in held back as earlier than the day's gets its time caveat. */
function eventAssurance(p: Prepared, f: Pick<Folded, 'earlier'>): Assurance {
  if (!f.earlier) return p.assurance
  const a: Assurance = { ...p.assurance, time: { ...p.assurance.time, outcome: 'warn', code: 'earlier_than_day' } }
  return p.verifying ? a : { ...a, level: assuranceLevel(a) }
}

/** What the device claimed, stored as its claims (never used for a decision). */
function claimsOf(p: Prepared): Record<string, unknown> {
  const r = p.r
  return {
    location_id: r.location_id ?? null,
    latitude: r.latitude ?? null,
    longitude: r.longitude ?? null,
    accuracy: r.accuracy ?? null,
    face_match_score: r.face_match_score ?? null,
    face_encoding_sent: r.face_encoding !== undefined,
    attendance_date: r.attendance_date ?? null,
    check_in_time: r.check_in_time ?? null,
  }
}

/** `published`: the dashboards were told already (NOTIFY in the write's own transaction, delivered at its commit). */
export type Written = { applied: Applied } | { known: KnownEvent }
export interface Applied {
  recordId: number
  status: AttendanceStatus
  flags: string[]
  approval: ApprovalStatus
  verifying: boolean
  published?: boolean
}

/**
 * The webhooks' outbox of a write, when the organization has endpoints for `attendance.recorded`: each applied
 * capture's event is staged in the write's own transaction (the event exists exactly when the record does), and the
 * staged deliveries' ids are collected here, once that transaction committed, to queue.
 */
export interface RecordedOutbox {
  event: (p: Prepared, applied: Applied) => Record<string, unknown>
  staged: number[]
}

function eventValues(ctx: SyncContext, p: Prepared, kind: 'check_in' | 'check_out', recordId: number | null, assurance: Assurance): typeof attendanceEvents.$inferInsert {
  return {
    organizationId: ctx.principal.organizationId,
    clientId: p.r.client_id,
    attendanceRecordId: recordId,
    organizationMemberId: p.r.member_id,
    kind,
    payloadHash: p.hash,
    recordedBy: p.recordedBy,
    deviceId: ctx.principal.deviceId,
    mobileDeviceId: ctx.mobileDeviceId,
    deviceCapturedAt: p.deviceCapturedAt,
    capturedAt: p.capturedAt,
    clockSkewMs: Math.max(-2_000_000_000, Math.min(2_000_000_000, ctx.skewMs)),
    faceDistance: p.distance,
    origin: p.origin,
    evidence: p.evidence,
    verification: p.verifying ? 'verifying' : 'done',
    assurance,
    claims: claimsOf(p),
  }
}

/** A capture's event as the batch's write sends it (jsonRowsSelect). */
const EVENT_SELECT = jsonRowsSelect([
  ['client_id', 'uuid'], ['record_id', 'integer'], ['member_id', 'integer'], ['date', 'date'], ['kind', 'text'], ['hash', 'text'],
  ['recorded_by', 'integer'], ['device_captured_at', 'timestamptz'], ['captured_at', 'timestamptz'], ['face_distance', 'real'],
  ['origin', 'text'], ['evidence', 'jsonb'], ['verification', 'text'], ['assurance', 'jsonb'], ['claims', 'jsonb'],
])

/**
 * The batch's whole write in ONE statement: the new days inserted, the changed days updated, and every capture's event
 * inserted pointing at its day (a new day's id comes from the insert in the same statement). Answers the new days' ids
 * and (not optimistic: there the guard counted them) the client ids whose events were new.
 */
async function writeFolded(
  tx: Tx,
  ctx: SyncContext,
  days: DayRow[],
  events: { p: Prepared; kind: 'check_in' | 'check_out'; day: DayRow; assurance: Assurance }[],
  optimistic?: Optimistic,
): Promise<{ created: Map<string, number>; inserted: Set<string> }> {
  const organizationId = ctx.principal.organizationId
  const { ATTENDANCE_CHANNEL: channel } = await import('./admin/attendance-live')
  const inserts = days.filter((d) => d.id === null).map((d) => dayValues(d))
  const updates = days.filter((d) => d.id !== null && d.original !== null).map((d) => dayValues(d, optimistic?.xmin.get(d) ?? null))
  // Optimistic (no transaction of its own, no waiting): each member's lock only if free, a day updated only if its row
  // did not move since it was read; anything else and the guard fails the statement, which then wrote nothing. A day
  // or an event that another write stored since the read (its member's lock free again) fails it too, as a unique
  // violation: no ON CONFLICT there, whose speculative insertion cost a fifth more per row for what the fallback
  // handles anyway.
  const free = optimistic ? sql`where pg_try_advisory_xact_lock(${organizationId}::integer, v.member_id)` : sql``
  const guard = optimistic
    ? sql`select 'guard' as t, (select 1 / (case when (select count(*) from ins) = ${inserts.length}::integer and (select count(*) from upd) = ${updates.length}::integer
          and (select count(*) from ev) = ${events.length}::integer then 1 else 0 end))::integer as id, null::integer as member_id, null::text as date, null::text as client_id
        union all `
    : sql``
  const log = optimistic?.log
  const logged = log
    ? sql`, log as (
        insert into attendance_sync_logs (organization_id, mobile_device_id, device_id, sync_status, records_synced)
        values (${organizationId}::integer, ${ctx.mobileDeviceId}::text, ${ctx.principal.deviceId}::integer, ${log.synced === log.total ? 'completed' : 'failed'}::text, ${log.synced}::integer)
      ), dev as (
        update devices set last_sync_at = now(), updated_at = now() where id = ${ctx.principal.deviceId}::integer and organization_id = ${organizationId}::integer
      )`
    : sql``
  // In EVENT_SELECT's order.
  const eventRows = events.map(({ p, kind, day, assurance }) => [
    p.r.client_id, day.id, p.r.member_id, p.date, kind, p.hash, p.recordedBy, p.deviceCapturedAt, p.capturedAt, p.distance,
    p.origin, p.evidence, p.verifying ? 'verifying' : 'done', assurance, claimsOf(p),
  ])
  const rows = rowsOf<{ t: string; id: number | null; member_id: number | null; date: string | null; client_id: string | null }>(
    // Prepared: the statement's text depends only on the path (optimistic, logged), never on the batch.
    await executePrepared(tx, sql`
      with ins as (
        insert into attendance_records (organization_id, organization_member_id, attendance_date, check_in_time, check_out_time,
          status, source, client_id, face_image_url, face_match_score, device_match_score, device_captured_at, recorded_by,
          device_id, location_id, latitude, longitude, accuracy_meters, remarks, flags, approval_status, assurance_level, server_received_at)
        select ${organizationId}::integer, v.member_id, v.date, v.check_in_time, v.check_out_time, v.status, v.source, v.client_id,
          v.face_image_url, v.face_match_score, v.device_match_score, v.device_captured_at, v.recorded_by, v.device_id,
          v.location_id, v.latitude, v.longitude, v.accuracy_meters, v.remarks, v.flags, v.approval_status, v.assurance_level, now()
        from (select ${sql.raw(DAY_ROW_SELECT)} from jsonb_array_elements(${JSON.stringify(inserts)}::jsonb) as e(v)) as v
        ${free}
        returning id, organization_member_id, attendance_date
      ), upd as (
        update attendance_records as a set
          check_in_time = v.check_in_time, check_out_time = v.check_out_time, status = v.status, source = v.source,
          client_id = v.client_id, face_image_url = v.face_image_url, face_match_score = v.face_match_score,
          device_match_score = v.device_match_score, device_captured_at = v.device_captured_at, recorded_by = v.recorded_by,
          device_id = v.device_id, location_id = v.location_id, latitude = v.latitude, longitude = v.longitude,
          accuracy_meters = v.accuracy_meters, remarks = v.remarks, flags = v.flags, approval_status = v.approval_status,
          assurance_level = v.assurance_level, updated_at = now()
        from ${dayUpdateRows(JSON.stringify(updates), organizationId)} as v
        where a.ctid = v.target
          ${optimistic ? sql`and a.xmin::text = v.xmin and pg_try_advisory_xact_lock(${organizationId}::integer, v.member_id)` : sql``}
        returning a.id
      ), ev as (
        insert into attendance_events (organization_id, client_id, attendance_record_id, organization_member_id, kind, payload_hash,
          recorded_by, device_id, mobile_device_id, device_captured_at, captured_at, clock_skew_ms, face_distance, origin, evidence,
          verification, assurance, claims)
        select ${organizationId}::integer, v.client_id, coalesce(v.record_id, ins.id), v.member_id, v.kind, v.hash, v.recorded_by,
          ${ctx.principal.deviceId}::integer, ${ctx.mobileDeviceId}::text, v.device_captured_at, v.captured_at,
          ${Math.max(-2_000_000_000, Math.min(2_000_000_000, ctx.skewMs))}::integer, v.face_distance, v.origin, v.evidence,
          v.verification, v.assurance, v.claims
        from (select ${sql.raw(EVENT_SELECT)} from jsonb_array_elements(${JSON.stringify(eventRows)}::jsonb) as e(v)) as v
        left join ins on v.record_id is null and ins.organization_member_id = v.member_id and ins.attendance_date = v.date
        ${free}
        ${optimistic ? sql`` : sql`on conflict do nothing`}
        returning client_id
      )${logged}, note as (
        -- The dashboards hear of the batch's days (admin/attendance-live.ts): NOTIFY is delivered when this transaction
        -- commits, and never if it rolls back (the records are then written one by one, and published after).
        select pg_notify(${channel}::text, json_build_object('o', ${organizationId}::integer, 'ids', json_agg(x.id), 'c', 'changed')::text)
        from (select id from ins union all select id from upd) as x
        having count(*) > 0
      )
      ${guard}select 'day' as t, id, organization_member_id as member_id, attendance_date::text as date, null::text as client_id from ins
      ${optimistic ? sql`` : sql`union all select 'event', null, null, null, client_id::text from ev`}
      union all
      select 'note', null, null, null, null from note`),
  )
  const created = new Map<string, number>()
  const inserted = new Set<string>()
  for (const r of rows) {
    if (r.t === 'day') created.set(dayKey(Number(r.member_id), r.date!), Number(r.id))
    else if (r.t === 'event') inserted.add(r.client_id!)
  }
  return { created, inserted }
}

/** Photos that no day record points to any more: a capture's photo that lost to an earlier check-in, or a replaced one. */
function unusedPhotos(days: Iterable<DayRow>, prepared: readonly Prepared[], applied: (p: Prepared) => boolean): string[] {
  const finalPhotos = new Set<string>()
  const out: string[] = []
  for (const d of days) {
    if (d.state.faceImageUrl) finalPhotos.add(d.state.faceImageUrl)
    if (d.original?.faceImageUrl && d.original.faceImageUrl !== d.state.faceImageUrl) out.push(d.original.faceImageUrl)
  }
  for (const p of prepared) {
    if (!applied(p)) out.push(...keysOf(p)) // not written (a concurrent copy got there first): nothing points at them
    else if (p.photoKey && !finalPhotos.has(p.photoKey) && !(p.evidence?.frames.some((f) => f.key === p.photoKey) ?? false)) out.push(p.photoKey)
  }
  return out
}

/** What the optimistic write checks and carries (see writeOptimistic). */
interface Optimistic {
  /** The row version each day to update was read at. */
  xmin: Map<DayRow, string>
  /** The exchange's sync log, written in the same statement (the batch's answers are known before it runs). */
  log: { synced: number; total: number } | null
}

interface FoldedCapture {
  p: Prepared
  kind: 'check_in' | 'check_out'
  day: DayRow
  status: AttendanceStatus
  flags: string[]
  approval: ApprovalStatus
  assurance: Assurance
}

/** The captures folded into their days in the batch's order, as if each record had been sent alone. */
function foldAll(fresh: readonly Prepared[], days: Map<string, DayRow>, deviceId: number | null): { folded: FoldedCapture[]; touched: Set<DayRow> } {
  const folded: FoldedCapture[] = []
  const touched = new Set<DayRow>()
  for (const p of fresh) {
    const day = days.get(dayKey(p.r.member_id, p.date))!
    const f = fold(day.original === null && !touched.has(day) ? null : day.state, p, deviceId)
    day.state = f.next
    touched.add(day)
    folded.push({ p, kind: f.kind, day, status: f.next.status, flags: f.next.flags, approval: f.next.approvalStatus, assurance: eventAssurance(p, f) })
  }
  return { folded, touched }
}

function applied(f: FoldedCapture): { applied: Applied } {
  return { applied: { recordId: f.day.id!, status: f.status, flags: f.flags, approval: f.approval, verifying: f.p.verifying, published: true } }
}

/**
 * Step 2, first try: the whole batch in ONE statement and no transaction of its own, against the days as the batch's
 * reads saw them (attendance.lookups.ts). It never waits for another capture's write: a member such a write holds (its
 * advisory lock taken), a day created or changed since the read (its row version moved), or an event received since
 * fails the statement whole (the guard, or a unique violation), and null is answered: the batch is then written under
 * locks (writeBatch).
 * The dashboards' notice and, when `log` is given, the exchange's sync log ride in the same statement.
 */
export async function writeOptimistic(ctx: SyncContext, prepared: readonly Prepared[], seen: ReadonlyMap<string, SeenDay>, log: Optimistic['log']): Promise<Map<Prepared, Written> | null> {
  const days = new Map<string, DayRow>()
  const xmin = new Map<DayRow, string>()
  for (const p of prepared) {
    const key = dayKey(p.r.member_id, p.date)
    if (days.has(key)) continue
    const row = seen.get(key)
    const original = row ? dayStateOf(row.day) : null
    const day: DayRow = { id: row?.day.id ?? null, memberId: p.r.member_id, date: p.date, original, state: original ?? NEW_DAY }
    days.set(key, day)
    if (row) xmin.set(day, row.xmin)
  }
  const { folded, touched } = foldAll(prepared, days, ctx.principal.deviceId)
  let result: Awaited<ReturnType<typeof writeFolded>>
  try {
    result = await writeFolded(ctx.deps.database.db, ctx, [...touched], folded, { xmin, log })
  } catch {
    return null // a concurrent change (the guard), or anything else: the locked write finds out which
  }
  for (const day of touched) if (day.id === null) day.id = result.created.get(dayKey(day.memberId, day.date)) ?? null
  const outcome = new Map<Prepared, Written>(folded.map((f) => [f.p, applied(f)]))
  const unused = unusedPhotos(days.values(), prepared, () => true)
  await deletePhotos(ctx.deps, unused)
  return outcome
}

/** Step 2: the whole batch in one transaction. Throws BatchAbandoned (or a database error) to fall back to step 3. */
export async function writeBatch(ctx: SyncContext, prepared: readonly Prepared[], outbox?: RecordedOutbox): Promise<Map<Prepared, Written>> {
  const organizationId = ctx.principal.organizationId
  const deviceId = ctx.principal.deviceId
  const outcome = new Map<Prepared, Written>()
  const days = new Map<string, DayRow>()
  let staged: number[] = []
  await ctx.deps.database.db.transaction(async (tx) => {
    // Sent together (one round trip), run in order: the locks, then (a statement of its own, so that it sees what
    // committed while it waited for them: a concurrent copy of this batch) the days to fold into, locked, and the
    // events already received.
    const keys = [...new Map(prepared.map((p) => [dayKey(p.r.member_id, p.date), { memberId: p.r.member_id, date: p.date }])).values()]
    const [, { days: existing, known }] = await Promise.all([
      lockMembers(tx, organizationId, prepared.map((p) => p.r.member_id)),
      lockDaysAndEvents(
        tx,
        organizationId,
        keys,
        prepared.map((p) => p.r.client_id),
      ),
    ])
    const fresh = prepared.filter((p) => !known.has(p.r.client_id))
    for (const p of prepared) {
      const event = known.get(p.r.client_id)
      if (event) outcome.set(p, { known: event })
    }
    if (fresh.length === 0) return

    for (const k of keys) {
      const row = existing.get(dayKey(k.memberId, k.date))
      const original = row ? dayStateOf(row) : null
      days.set(dayKey(k.memberId, k.date), { id: row?.id ?? null, memberId: k.memberId, date: k.date, original, state: original ?? NEW_DAY })
    }
    const { folded, touched } = foldAll(fresh, days, deviceId)
    const { created, inserted } = await writeFolded(tx, ctx, [...touched], folded)
    for (const day of touched) if (day.id === null) day.id = created.get(dayKey(day.memberId, day.date)) ?? null
    if ([...touched].some((d) => d.id === null)) throw new BatchAbandoned('a new day record was not created')
    // An id taken by another member's capture in a concurrent batch (the locks did not cover it): start over, one by one.
    if (inserted.size !== folded.length) throw new BatchAbandoned('a client id was taken concurrently')
    for (const f of folded) outcome.set(f.p, applied(f))
    if (outbox) staged = await stageEvents(tx, organizationId, 'attendance.recorded', folded.map((f) => outbox.event(f.p, applied(f).applied)))
  })
  outbox?.staged.push(...staged)
  const unused = unusedPhotos(days.values(), prepared, (p) => 'applied' in (outcome.get(p) ?? {}))
  await deletePhotos(ctx.deps, unused)
  return outcome
}

/** Step 3 (and a single capture): one record, one transaction. */
export async function writeOne(ctx: SyncContext, p: Prepared, outbox?: RecordedOutbox): Promise<Written> {
  const organizationId = ctx.principal.organizationId
  const deviceId = ctx.principal.deviceId
  let done: { day: DayRow; written: Written; staged: number[] } | null
  try {
    done = await ctx.deps.database.db.transaction(async (tx) => {
      await lockMembers(tx, organizationId, [p.r.member_id])
      const [event] = await tx.insert(attendanceEvents).values(eventValues(ctx, p, p.r.kind, null, p.assurance)).onConflictDoNothing().returning({ id: attendanceEvents.id })
      if (!event) return null // a concurrent copy of this batch got there first

      const row = (await lockDays(tx, organizationId, [{ memberId: p.r.member_id, date: p.date }])).get(dayKey(p.r.member_id, p.date))
      const original = row ? dayStateOf(row) : null
      const f = fold(original, p, deviceId)
      const day: DayRow = { id: row?.id ?? null, memberId: p.r.member_id, date: p.date, original, state: f.next }
      await persistDays(tx, organizationId, [day])
      await tx.update(attendanceEvents).set({ kind: f.kind, attendanceRecordId: day.id, assurance: eventAssurance(p, f) }).where(eq(attendanceEvents.id, event.id))
      const applied: Applied = { recordId: day.id!, status: f.next.status, flags: f.next.flags, approval: f.next.approvalStatus, verifying: p.verifying }
      const staged = outbox ? await stageEvents(tx, organizationId, 'attendance.recorded', [outbox.event(p, applied)]) : []
      return { day, written: { applied }, staged }
    })
    if (done) outbox?.staged.push(...done.staged)
  } catch (err) {
    await deletePhotos(ctx.deps, keysOf(p))
    throw err
  }
  const unused = unusedPhotos(done ? [done.day] : [], [p], () => done !== null)
  await deletePhotos(ctx.deps, unused)
  if (done) return done.written
  const known = (await knownEvents(ctx.deps.database.db, organizationId, [p.r.client_id])).get(p.r.client_id)
  if (!known) throw new Error(`attendance event ${p.r.client_id} vanished`)
  return { known }
}
