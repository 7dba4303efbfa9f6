// What the checks of a sync batch read from the database, once per batch and in ONE statement: the organization's
// rules, the events already received with the batch's client ids, the members named, the petugas who may be named as
// recorders, each member's latest capture, the days the batch folds into, and whether webhooks want its records. The
// statement's text does not depend on the batch (its lists travel as array parameters): it runs prepared, parsed and
// planned once per connection rather than once per batch.
import { sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import type { SyncRecord } from '../../../shared/attendance/sync'
import type { SyncContext } from './attendance.checks'
import { dayHoursFrom, toLocal, type DayHoursJson, type LocalMoment, type WorkSchedule } from '../../../shared/attendance/rules'
import type { ShiftType } from '../../../shared/attendance/shifts'
import { skewCorrection } from './attendance.checks'
import { executePrepared, intArray, rowsOf, textArray } from '../../db/raw'
import { DAY_ARRAY, DAY_ARRAY_LENGTH, dayFromArray, dayKey, uuidArray, type LockedDay } from './attendance.days'
import { rulesFrom, rulesJson, type OrganizationRules } from './attendance.schedule'
import { addDays } from '../../../shared/calendar'
import { daysOff, HolidayCalendar, type OwnHoliday } from '../../../shared/holidays/holidays'

export interface KnownEvent {
  hash: string
  recordId: number | null
}

/** A day record read before the write (no lock), with its row version: the optimistic write checks it did not move. */
export interface SeenDay {
  day: LockedDay
  xmin: string
}

export interface BatchLookups {
  /**
   * The day records of the batch's (member, local date) keys as they stood at the read, by dayKey; `dayKeys` are the
   * keys read (a key read with no day has none yet). Null when the organization's zone was not known beforehand.
   */
  days: Map<string, SeenDay> | null
  dayKeys: Set<string>
  members: Map<number, { status: string; schedule: WorkSchedule | null; departmentId: number | null }>
  /** The organization's days off around the batch's dates (a check-in on one is never late). */
  holidays: HolidayCalendar
  /** Members the tablet may name as `recorded_by`: active petugas of the organization. */
  recorders: Set<number>
  /** The latest capture time of each of the batch's members among their captures not rejected by a person. */
  lastCaptured: Map<number, Date>
  /**
   * The batch's members' roster days around its dates, by dayKey: a shift, or null for a day off (no entry: the
   * department's schedule). The day before each date is among them (a night shift's morning belongs to it).
   */
  shifts: Map<string, ShiftType | null>
  /** The organization has enabled webhook endpoints for `attendance.recorded` (the write stages their events). */
  recordedHooks: boolean
  /**
   * The captures' local moments (by corrected capture time) in `zone`, as computed to find their days: the checks
   * reuse them when the organization's zone is still that one.
   */
  zone: string | null
  locals: Map<number, LocalMoment>
}

interface Member {
  id: number
  status: string
  department_id: number | null
  work_days: number[] | null
  start_time: string | null
  end_time: string | null
  tolerance: number | null
  day_hours: DayHoursJson | null
}

/** Each organization's time zone as last read (by organization id): to know the days a batch needs before its rules are read. */
const zones = new Map<number, string>()

/** Captures whose UTC date is after 1900-01-01 and before 9999-12-31 (the span's days off are looked up around them). */
const SPAN_MIN_MS = Date.UTC(1900, 0, 2)
const SPAN_MAX_MS = Date.UTC(9999, 11, 31)

/** A json column: postgres-js parses it, PGlite may hand it over as text. */
function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T
}

function knownMap(rows: readonly { c: string; h: string; r: number | null }[]): Map<string, KnownEvent> {
  return new Map(rows.map((k) => [k.c, { hash: k.h, recordId: k.r === null ? null : Number(k.r) }]))
}

/** Events already received with these client ids (one statement). */
export async function knownEvents(db: Tx, organizationId: number, clientIds: readonly string[]): Promise<Map<string, KnownEvent>> {
  if (clientIds.length === 0) return new Map()
  const rows = rowsOf<{ c: string; h: string; r: number | null }>(
    await db.execute(sql`select e.client_id::text as c, e.payload_hash as h, e.attendance_record_id as r
      from unnest(${uuidArray(clientIds)}::uuid[]) as ids(client_id)
      cross join lateral (select * from attendance_events e where e.organization_id = ${organizationId} and e.client_id = ids.client_id limit 1) as e`),
  )
  return knownMap(rows)
}

/**
 * The events already received among `clientIds`, what the checks of `records` need, and the organization's rules:
 * one round trip.
 */
export async function loadLookups(
  ctx: Omit<SyncContext, 'rules'>,
  clientIds: readonly string[],
  records: readonly SyncRecord[],
): Promise<{ known: Map<string, KnownEvent>; look: BatchLookups | null; rules: OrganizationRules }> {
  const { db } = ctx.deps.database
  const p = ctx.principal
  const organizationId = p.organizationId
  const memberIds = [...new Set(records.map((r) => r.member_id))]
  const mayRecordOthers = p.permissions.has('attendance:record:create')
  const recorderIds = mayRecordOthers && p.deviceId ? [...new Set(records.flatMap((r) => (r.recorded_by !== undefined && r.recorded_by !== p.memberId ? [r.recorded_by] : [])))] : []
  // The days the batch will fold into, read here too when the organization's zone is known from an earlier batch: each
  // capture's local date as the checks will compute it (the same clock correction). A zone changed since then only
  // means keys that miss, and the batch is written under locks instead (attendance.sync.ts).
  const zone = zones.get(organizationId)
  const keys = new Map<string, { memberId: number; date: string }>()
  const locals = new Map<number, LocalMoment>()
  if (zone) {
    const correction = skewCorrection(ctx.skewMs)
    for (const r of records) {
      const at = new Date(new Date(r.captured_at).getTime() + correction)
      if (Number.isNaN(at.getTime())) continue
      const local = toLocal(at, zone)
      locals.set(at.getTime(), local)
      keys.set(dayKey(r.member_id, local.date), { memberId: r.member_id, date: local.date })
    }
  }

  // The days off the batch may touch: every capture's local date lies within a day of its UTC date, whatever the zone.
  // (Dates at the ends of what PostgreSQL takes, which the checks refuse anyway, have no days off and are left out.)
  let first = Infinity
  let last = -Infinity
  for (const r of records) {
    const ms = Date.parse(r.captured_at)
    if (ms >= SPAN_MIN_MS && ms < SPAN_MAX_MS) {
      if (ms < first) first = ms
      if (ms > last) last = ms
    }
  }
  const utcDate = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : '2000-01-02')
  const span = { start: addDays(utcDate(first), -1), end: addDays(utcDate(last), 1) }

  const [row] = rowsOf<{ rules: unknown; known: unknown; members: unknown; recorders: unknown; last: unknown; days: unknown; holidays: unknown; opt_outs: unknown; shifts: unknown; hooked: unknown }>(
    await executePrepared(db, sql`
      with ids as (select unnest(${uuidArray(clientIds)}::uuid[]) as client_id),
        m as (select unnest(${intArray(memberIds)}::int[]) as id),
        r as (select unnest(${intArray(recorderIds)}::int[]) as id)
      select ${rulesJson(organizationId)} as rules,
        (select coalesce(json_agg(json_build_object('c', e.client_id, 'h', e.payload_hash, 'r', e.attendance_record_id)), '[]'::json)
          -- One probe of the (organization, client id) unique index per id, whatever the planner guesses of the table
          -- (joined instead, it read every event of the organization once its estimate was off).
          from ids cross join lateral (select e.client_id, e.payload_hash, e.attendance_record_id from attendance_events e
            where e.organization_id = ${organizationId} and e.client_id = ids.client_id limit 1) e) as known,
        (select coalesce(json_agg(json_build_object('id', h.id, 'name', h.name, 'start_date', h.start_date, 'end_date', h.end_date, 'department_ids', h.department_ids)), '[]'::json)
          from holidays h where h.organization_id = ${organizationId} and h.end_date >= ${span.start}::date and h.start_date <= ${span.end}::date) as holidays,
        (select coalesce(json_agg(o.date), '[]'::json) from national_holiday_opt_outs o
          where o.organization_id = ${organizationId} and o.date between ${span.start}::date and ${span.end}::date) as opt_outs,
        (select coalesce(json_agg(json_build_object('m', s.organization_member_id, 'd', s.date, 'id', t.id, 'name', t.name, 'code', t.code,
            'start', t.start_time, 'end', t.end_time, 'tolerance', t.late_tolerance_minutes)), '[]'::json)
          from shift_assignments s left join shift_types t on t.id = s.shift_type_id and t.organization_id = ${organizationId}
          where s.organization_id = ${organizationId} and s.organization_member_id in (select id from m)
            and s.date between ${span.start}::date - 1 and ${span.end}::date) as shifts,
        (select coalesce(json_agg(json_build_object('id', om.id, 'status', om.status, 'department_id', om.department_id, 'work_days', ws.work_days, 'start_time', ws.start_time,
            'end_time', ws.end_time, 'tolerance', ws.late_tolerance_minutes, 'day_hours', ws.day_hours)), '[]'::json)
          -- One probe of the primary key per member (not a scan of the organization's members).
          from m cross join lateral (select om.id, om.status, om.department_id from organization_members om
            where om.id = m.id and om.organization_id = ${organizationId} limit 1) om
          left join departments d on d.id = om.department_id
          left join work_schedules ws on ws.id = d.work_schedule_id) as members,
        (select coalesce(json_agg(distinct om.id), '[]'::json)
          from r cross join lateral (select om.id from organization_members om
            where om.id = r.id and om.organization_id = ${organizationId} and om.status = 'active' limit 1) om
          join member_roles mr on mr.organization_member_id = om.id
          join role_permissions rp on rp.role_id = mr.role_id
          where rp.permission = 'attendance:record:create') as recorders,
        (select coalesce(json_agg(json_build_object('id', m.id, 'last', l.captured_at)), '[]'::json)
          from m cross join lateral (
            -- The member's newest capture not on a day a person rejected: walks the member's captures newest first
            -- (attendance_events_member_idx) and stops at the first that counts.
            select e.captured_at from attendance_events e left join attendance_records a on a.id = e.attendance_record_id
            where e.organization_id = ${organizationId} and e.organization_member_id = m.id
              and coalesce(a.approval_status, 'approved') <> 'rejected'
            order by e.captured_at desc limit 1) l) as last,
        (select coalesce(json_agg(json_build_array(${DAY_ARRAY}, a.xmin)), '[]'::json)
          -- One probe of the (organization, member, day) index per key (LIMIT keeps the planner from joining the keys
          -- against a scan of every record of the organization instead).
          from unnest(${intArray([...keys.values()].map((k) => k.memberId))}::int[], ${textArray([...keys.values()].map((k) => k.date))}::date[]) as k(member_id, date)
          cross join lateral (select rec.*, rec.xmin::text as xmin from attendance_records rec
            where rec.organization_id = ${organizationId} and rec.organization_member_id = k.member_id and rec.attendance_date = k.date limit 1) a) as days,
        exists (select 1 from webhook_endpoints w where w.organization_id = ${organizationId} and w.enabled and 'attendance.recorded' = any(w.events)) as hooked`),
  )
  const known = knownMap(json<{ c: string; h: string; r: number | null }[]>(row?.known ?? []))
  const rules = rulesFrom(row?.rules, organizationId)
  zones.set(organizationId, rules.timezone)
  if (records.length === 0) return { known, look: null, rules }
  let days: Map<string, SeenDay> | null = null
  if (zone) {
    days = new Map()
    for (const v of json<unknown[][]>(row?.days ?? [])) {
      const day = dayFromArray(v)
      days.set(dayKey(day.memberId, day.date), { day, xmin: String(v[DAY_ARRAY_LENGTH]) })
    }
  }

  const members = new Map<number, { status: string; schedule: WorkSchedule | null; departmentId: number | null }>()
  for (const m of json<Member[]>(row?.members ?? [])) {
    const schedule =
      m.work_days !== null && m.start_time !== null && m.end_time !== null && m.tolerance !== null
        ? { workDays: m.work_days, startTime: m.start_time, endTime: m.end_time, lateToleranceMinutes: m.tolerance, dayHours: dayHoursFrom(m.day_hours) }
        : null
    members.set(Number(m.id), { status: m.status, schedule, departmentId: m.department_id === null ? null : Number(m.department_id) })
  }
  const holidays = new HolidayCalendar(daysOff({ ...span, optedOut: json<string[]>(row?.opt_outs ?? []), own: json<OwnHoliday[]>(row?.holidays ?? []) }))
  const shifts = new Map<string, ShiftType | null>()
  for (const s of json<{ m: number; d: string; id: number | null; name: string; code: string; start: string; end: string; tolerance: number }[]>(row?.shifts ?? [])) {
    shifts.set(dayKey(Number(s.m), s.d), s.id === null ? null : { id: Number(s.id), name: s.name, code: s.code, startTime: s.start, endTime: s.end, lateToleranceMinutes: Number(s.tolerance) })
  }
  const lastCaptured = new Map<number, Date>()
  for (const l of json<{ id: number; last: string | null }[]>(row?.last ?? [])) if (l.last !== null) lastCaptured.set(Number(l.id), new Date(l.last))
  return { known, look: { members, holidays, recorders: new Set(json<number[]>(row?.recorders ?? []).map(Number)), lastCaptured, days, dayKeys: new Set(keys.keys()), shifts, recordedHooks: row?.hooked === true, zone: zone ?? null, locals }, rules }
}
