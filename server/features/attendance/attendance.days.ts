// The day records of a sync batch: locking the batch's members and days, and writing the folded days back (new days
// inserted, changed ones updated) in two statements whatever their number.
import { sql, type SQL } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { BatchAbandoned } from './attendance.checks'
import type { DayState } from './attendance.fold'
import { intArray, jsonRowsSelect, rowsOf, textArray } from '../../db/raw'

export interface DayRow {
  /** null until inserted. */
  id: number | null
  memberId: number
  date: string
  original: DayState | null
  state: DayState
}

export const dayKey = (memberId: number, date: string) => `${memberId}|${date}`
/** Array parameters as PostgreSQL array literals (cast in the statement): one statement text whatever the length. */
export const uuidArray = textArray

export async function lockMembers(tx: Tx, organizationId: number, memberIds: readonly number[]): Promise<void> {
  // One capture at a time per member (any path, any instance), taken in id order so batches never deadlock.
  const ids = [...new Set(memberIds)].sort((a, b) => a - b)
  if (ids.length === 1) await tx.execute(sql`select pg_advisory_xact_lock(${organizationId}, ${ids[0]})`)
  else await tx.execute(sql`select pg_advisory_xact_lock(${organizationId}, m) from (select m from unnest(${intArray(ids)}::int[]) as m order by m) as s`)
}

/** A day record as the folding needs it. */
export interface LockedDay extends DayState {
  id: number
  memberId: number
  date: string
}

/** A day record's columns as the folding reads them: [key, SQL expression over the record `a`]. */
const DAY_FIELDS = [
  ['id', 'a.id'], ['memberId', 'a.organization_member_id'], ['date', 'a.attendance_date::text'],
  ['checkInTime', 'a.check_in_time::text'], ['checkOutTime', 'a.check_out_time::text'], ['status', 'a.status'], ['source', 'a.source'],
  ['clientId', 'a.client_id::text'], ['faceImageUrl', 'a.face_image_url'], ['faceMatchScore', 'a.face_match_score'],
  ['deviceMatchScore', 'a.device_match_score'], ['deviceCapturedAt', 'a.device_captured_at'], ['recordedBy', 'a.recorded_by'],
  ['deviceId', 'a.device_id'], ['locationId', 'a.location_id'], ['latitude', 'a.latitude'], ['longitude', 'a.longitude'],
  ['accuracyMeters', 'a.accuracy_meters'], ['remarks', 'a.remarks'], ['flags', 'a.flags'], ['approvalStatus', 'a.approval_status'],
  ['assuranceLevel', 'a.assurance_level'],
] as const
export const DAY_SELECT = sql.raw(DAY_FIELDS.map(([key, expr]) => `${expr} as "${key}"`).join(', '))
/**
 * The same columns as the arguments of ONE json_build_array per day, read back with dayFromArray: no keys, and no
 * sorting of them (to_jsonb of a row took 0.8 ms for 100 days, json_build_array 0.3).
 */
export const DAY_ARRAY = sql.raw(DAY_FIELDS.map(([, expr]) => expr).join(', '))
/** The number of values DAY_ARRAY makes (what a statement appends after them comes at this index). */
export const DAY_ARRAY_LENGTH = DAY_FIELDS.length

/** A raw day row as the drivers answer it, typed as drizzle would map it. */
export function lockedDay(row: Record<string, unknown>): LockedDay {
  const at = row.deviceCapturedAt
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
  return {
    ...(row as unknown as LockedDay),
    id: Number(row.id),
    memberId: Number(row.memberId),
    faceMatchScore: num(row.faceMatchScore),
    deviceMatchScore: num(row.deviceMatchScore),
    latitude: num(row.latitude),
    longitude: num(row.longitude),
    accuracyMeters: num(row.accuracyMeters),
    recordedBy: num(row.recordedBy),
    deviceId: num(row.deviceId),
    locationId: num(row.locationId),
    // Both drivers answer timestamptz as text to drizzle (which maps it so): the same here.
    deviceCapturedAt: at === null || at === undefined ? null : at instanceof Date ? at : new Date(String(at)),
    flags: Array.isArray(row.flags) ? (row.flags as string[]) : parseTextArray(row.flags),
  }
}

/** A day from the values of DAY_ARRAY (json_build_array). */
export function dayFromArray(values: readonly unknown[]): LockedDay {
  const row: Record<string, unknown> = {}
  DAY_FIELDS.forEach(([key], i) => (row[key] = values[i]))
  return lockedDay(row)
}

/** `{a,b}` (a text[] answered as text): the flags are plain words. */
function parseTextArray(v: unknown): string[] {
  if (typeof v !== 'string' || v.length <= 2) return []
  return v.slice(1, -1).split(',').map((x) => x.replace(/^"(.*)"$/, '$1'))
}

/**
 * The batch's days, locked (FOR UPDATE), and the events already received among `clientIds` (a concurrent copy of the
 * batch that committed while this one waited for the member locks): one statement.
 */
export async function lockDaysAndEvents(
  tx: Tx,
  organizationId: number,
  keys: readonly { memberId: number; date: string }[],
  clientIds: readonly string[],
): Promise<{ days: Map<string, LockedDay>; known: Map<string, { hash: string; recordId: number | null }> }> {
  const rows = rowsOf<Record<string, unknown> & { t: string }>(
    await tx.execute(sql`
      with d as (
        -- One probe of the (organization, member, day) index per key, locking what it finds (as an IN list the planner
        -- hashed every record of the organization when it guessed the organization small).
        select ${DAY_SELECT} from unnest(${intArray(keys.map((k) => k.memberId))}::int[], ${textArray(keys.map((k) => k.date))}::date[]) as k(member_id, date)
        cross join lateral (select * from attendance_records r
          where r.organization_id = ${organizationId} and r.organization_member_id = k.member_id and r.attendance_date = k.date
          limit 1 for update) as a
      )
      select 'd' as t, to_jsonb(d) as v from d
      union all
      select 'k', jsonb_build_object('c', e.client_id, 'h', e.payload_hash, 'r', e.attendance_record_id)
      from unnest(${uuidArray(clientIds)}::uuid[]) as ids(client_id)
      cross join lateral (select e.client_id, e.payload_hash, e.attendance_record_id from attendance_events e
        where e.organization_id = ${organizationId} and e.client_id = ids.client_id limit 1) as e`),
  )
  const days = new Map<string, LockedDay>()
  const known = new Map<string, { hash: string; recordId: number | null }>()
  for (const row of rowsOf<{ t: string; v: unknown }>(rows)) {
    const v = (typeof row.v === 'string' ? JSON.parse(row.v) : row.v) as Record<string, unknown>
    if (row.t === 'd') {
      const day = lockedDay(v)
      days.set(dayKey(day.memberId, day.date), day)
    } else known.set(String(v.c), { hash: String(v.h), recordId: v.r === null || v.r === undefined ? null : Number(v.r) })
  }
  return { days, known }
}

export async function lockDays(tx: Tx, organizationId: number, keys: readonly { memberId: number; date: string }[]): Promise<Map<string, LockedDay>> {
  return (await lockDaysAndEvents(tx, organizationId, keys, [])).days
}

/**
 * A day record's columns as the writes send them (jsonRowsSelect): the row's id (null for a new day), member and date,
 * the row version an optimistic write read it at (null otherwise), then its state.
 */
export const DAY_ROW_COLUMNS = [
  ['id', 'integer'], ['member_id', 'integer'], ['date', 'date'], ['xmin', 'text'],
  ['check_in_time', 'time'], ['check_out_time', 'time'], ['status', 'text'], ['source', 'text'], ['client_id', 'uuid'],
  ['face_image_url', 'text'], ['face_match_score', 'real'], ['device_match_score', 'real'], ['device_captured_at', 'timestamptz'],
  ['recorded_by', 'integer'], ['device_id', 'integer'], ['location_id', 'integer'], ['latitude', 'double precision'],
  ['longitude', 'double precision'], ['accuracy_meters', 'real'], ['remarks', 'text'], ['flags', 'text[]'],
  ['approval_status', 'text'], ['assurance_level', 'text'],
] as const
export const DAY_ROW_SELECT = jsonRowsSelect(DAY_ROW_COLUMNS)

/**
 * Days to update, sent as rows of DAY_ROW_COLUMNS (one jsonb array), each with `target`: where the organization's
 * record it updates lies (its ctid), found by ONE probe of the primary key per row; the update then reaches each record
 * by that address (`update attendance_records a ... from ${dayUpdateRows(...)} as v where a.ctid = v.target`), one
 * TID lookup each. Joined on its id instead, the update's own scan was left to the planner, which hashed every record
 * of the organization, or of the table, whenever it guessed them few (3,600 rows read for a 100-day batch in the
 * bench, growing with the table). A record another write changed since the probe has moved: its new version is not
 * at that address, so it is not updated (the optimistic write's guard counts it; the locked paths hold the rows).
 */
export function dayUpdateRows(rows: string, organizationId: number): SQL {
  return sql`(select v.*, t.ctid as target from (select ${sql.raw(DAY_ROW_SELECT)} from jsonb_array_elements(${rows}::jsonb) as e(v)) as v
    cross join lateral (select r.ctid from attendance_records r where r.id = v.id and r.organization_id = ${organizationId} limit 1) as t)`
}

/** A day as a row of DAY_ROW_COLUMNS. */
export function dayValues(d: DayRow, xmin: string | null = null): unknown[] {
  const s = d.state
  return [
    d.id, d.memberId, d.date, xmin,
    s.checkInTime, s.checkOutTime, s.status, s.source, s.clientId,
    s.faceImageUrl, s.faceMatchScore, s.deviceMatchScore, s.deviceCapturedAt,
    s.recordedBy, s.deviceId, s.locationId, s.latitude,
    s.longitude, s.accuracyMeters, s.remarks, textArray(s.flags),
    s.approvalStatus, s.assuranceLevel,
  ]
}

/**
 * Inserts the new days and updates the changed ones: two statements whatever the number of days, each carrying its
 * rows as one JSON parameter, sent together.
 */
export async function persistDays(tx: Tx, organizationId: number, days: DayRow[]): Promise<void> {
  const inserts = days.filter((d) => d.id === null)
  const updates = days.filter((d) => d.id !== null && d.original !== null)
  const insert = async () => {
    if (inserts.length === 0) return
    const created = rowsOf<{ id: number; member_id: number; date: string }>(
      await tx.execute(sql`
        insert into attendance_records (organization_id, organization_member_id, attendance_date, check_in_time, check_out_time,
          status, source, client_id, face_image_url, face_match_score, device_match_score, device_captured_at, recorded_by,
          device_id, location_id, latitude, longitude, accuracy_meters, remarks, flags, approval_status, assurance_level, server_received_at)
        select ${organizationId}::integer, v.member_id, v.date, v.check_in_time, v.check_out_time, v.status, v.source, v.client_id,
          v.face_image_url, v.face_match_score, v.device_match_score, v.device_captured_at, v.recorded_by, v.device_id,
          v.location_id, v.latitude, v.longitude, v.accuracy_meters, v.remarks, v.flags, v.approval_status, v.assurance_level, now()
        from (select ${sql.raw(DAY_ROW_SELECT)} from jsonb_array_elements(${JSON.stringify(inserts.map((d) => dayValues(d)))}::jsonb) as e(v)) as v
        returning id, organization_member_id as member_id, attendance_date::text as date`),
    )
    const ids = new Map(created.map((c) => [dayKey(Number(c.member_id), c.date), Number(c.id)]))
    for (const d of inserts) d.id = ids.get(dayKey(d.memberId, d.date)) ?? null
    if (inserts.some((d) => d.id === null)) throw new BatchAbandoned('a new day record was not created')
  }
  const update = async () => {
    if (updates.length === 0) return
    await tx.execute(sql`
      update attendance_records as a set
        check_in_time = v.check_in_time, check_out_time = v.check_out_time, status = v.status, source = v.source,
        client_id = v.client_id, face_image_url = v.face_image_url, face_match_score = v.face_match_score,
        device_match_score = v.device_match_score, device_captured_at = v.device_captured_at, recorded_by = v.recorded_by,
        device_id = v.device_id, location_id = v.location_id, latitude = v.latitude, longitude = v.longitude,
        accuracy_meters = v.accuracy_meters, remarks = v.remarks, flags = v.flags, approval_status = v.approval_status,
        assurance_level = v.assurance_level, updated_at = now()
      from ${dayUpdateRows(JSON.stringify(updates.map((d) => dayValues(d))), organizationId)} as v
      where a.ctid = v.target`)
  }
  await Promise.all([insert(), update()])
}
