import { and, eq, inArray, sql, type SQL } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import { z } from 'zod'
import type { Tx } from '../../../db/client'
import { attendanceRecords, departments, locations, organizationMembers, users } from '../../../db/schema'
import { ValidationError } from '../../../errors'
import { pgDate, pgText, rowId } from '../../../../shared/validation'
import type { AssuranceLevel } from '../../../../shared/attendance/evidence'
import { listQuery, type ListQuery, type Order, type ParsedListQuery, type Sort } from './attendance-admin.schemas'

/** One row of the dashboard's attendance list: the spec's fields plus what review needs. */
export interface AttendanceRow {
  id: number
  member_id: number
  member_name: string
  member_number: string | null
  department: string | null
  department_id: number | null
  attendance_date: string
  check_in_time: string | null
  check_out_time: string | null
  status: 'present' | 'late' | 'absent' | 'excused'
  /** verifying: the server is still checking a capture's images; the admin decides once it is done. */
  approval_status: 'verifying' | 'pending' | 'approved' | 'rejected'
  /** The lowest level among the day's checked captures; null: nothing was checked (manual, excused, older records). */
  assurance_level: AssuranceLevel | null
  flags: string[]
  source: 'mobile' | 'website' | 'manual'
  /** The name of who recorded it (a petugas, or the admin of a manual record); null when the member did it. */
  recorded_by: string | null
  recorded_by_id: number | null
  location: string | null
  location_id: number | null
  face_match_score: number | null
  has_photo: boolean
  remarks: string | null
  server_received_at: string
  updated_at: string
}

export interface AttendancePage {
  records: AttendanceRow[]
  /**
   * Matching records in all; counted on the first page only (null on later pages and for `ids`). Counted up to
   * listSettings.countCap: beyond it, `total` is the cap and `total_capped` is true ("10,000+"), so the first page
   * of a whole history of a million records does not wait for an exact count.
   */
  total: number | null
  total_capped: boolean
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null
}

type Row = Record<string, unknown>

/** db.execute answers an array (postgres-js) or `{ rows }` (PGlite). */
async function rowsOf<T extends Row>(db: Tx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`)
}

// ---------- cursors: opaque, tied to the sort they were made for ----------

// A cursor comes back from the client: its keys are held to what the columns store (a day of year 0 or 99:99:99 was a 500).
const dateKey = pgDate
const timeKey = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/)
const intKey = rowId
const KEY_SHAPES = {
  date: z.tuple([dateKey, intKey]),
  check_in: z.tuple([dateKey, timeKey, intKey]),
  name: z.tuple([pgText(300), intKey, dateKey, intKey]),
} as const

function encodeCursor(sort: Sort, order: Order, key: unknown[]): string {
  return Buffer.from(JSON.stringify({ s: `${sort}:${order}`, k: key })).toString('base64url')
}

function decodeCursor<S extends Sort>(sort: S, order: Order, cursor: string): z.infer<(typeof KEY_SHAPES)[S]> {
  const bad = () => new ValidationError('This page link is no longer valid. Start again from the first page.', [{ path: 'cursor', message: 'Invalid cursor' }], 'INVALID_CURSOR')
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw bad()
  }
  const body = parsed as { s?: unknown; k?: unknown }
  if (!body || body.s !== `${sort}:${order}`) throw bad()
  const key = KEY_SHAPES[sort].safeParse(body.k)
  if (!key.success) throw bad()
  return key.data as z.infer<(typeof KEY_SHAPES)[S]>
}

// ---------- filters ----------

/** Conditions on the member (search, department, one member): applied to organization_members `om` / users `u`. */
function memberConditions(organizationId: number, q: ParsedListQuery): SQL[] {
  const out: SQL[] = [sql`om.organization_id = ${organizationId}`]
  if (q.member_id) out.push(sql`om.id = ${q.member_id}`)
  if (q.department_id) out.push(sql`om.department_id = ${q.department_id}`)
  if (q.q) {
    const like = `%${escapeLike(q.q)}%`
    out.push(sql`(u.name ilike ${like} or om.member_number ilike ${like})`)
  }
  return out
}

function hasMemberFilter(q: ParsedListQuery): boolean {
  return Boolean(q.member_id || q.department_id || q.q)
}

/** Conditions on the record itself (`ar`). */
function recordConditions(organizationId: number, q: ParsedListQuery): SQL[] {
  const out: SQL[] = [sql`ar.organization_id = ${organizationId}`]
  if (q.start_date) out.push(sql`ar.attendance_date >= ${q.start_date}::date`)
  if (q.end_date) out.push(sql`ar.attendance_date <= ${q.end_date}::date`)
  if (q.location_id) out.push(sql`ar.location_id = ${q.location_id}`)
  if (q.recorded_by) out.push(sql`ar.recorded_by = ${q.recorded_by}`)
  if (q.status) out.push(sql`ar.status = ${q.status}`)
  if (q.source) out.push(sql`ar.source = ${q.source}`)
  if (q.approval_status) out.push(sql`ar.approval_status = ${q.approval_status}`)
  if (q.level) out.push(q.level === 'none' ? sql`ar.assurance_level is null` : sql`ar.assurance_level = ${q.level}`)
  if (q.flag) out.push(sql`ar.flags @> array[${q.flag}]::text[]`)
  if (q.ids) out.push(sql`ar.id in (${sql.join(q.ids.map((i) => sql`${i}`), sql`, `)})`)
  return out
}

/** Record conditions plus member conditions as a semi-join (the planner picks the member index when it pays). */
function allConditions(organizationId: number, q: ParsedListQuery): SQL {
  const where = recordConditions(organizationId, q)
  if (hasMemberFilter(q)) {
    where.push(sql`ar.organization_member_id in (select om.id from organization_members om join users u on u.id = om.user_id where ${sql.join(memberConditions(organizationId, q), sql` and `)})`)
  }
  return sql.join(where, sql` and `)
}

// ---------- the page of ids, in order ----------

interface Keyed {
  id: number
  key: unknown[]
}

const cmp = (order: Order) => (order === 'desc' ? sql.raw('<') : sql.raw('>'))
const dir = (order: Order) => sql.raw(order === 'desc' ? 'desc' : 'asc')

async function pageByDate(db: Tx, organizationId: number, q: ParsedListQuery, order: Order, limit: number): Promise<Keyed[]> {
  const where = [allConditions(organizationId, q)]
  if (q.cursor) {
    const [d, i] = decodeCursor('date', order, q.cursor)
    where.push(sql`(ar.attendance_date, ar.id) ${cmp(order)} (${d}::date, ${i})`)
  }
  const rows = await rowsOf<{ id: number; d: string }>(
    db,
    sql`select ar.id, ar.attendance_date::text as d from attendance_records ar
        where ${sql.join(where, sql` and `)}
        order by ar.attendance_date ${dir(order)}, ar.id ${dir(order)} limit ${limit}`,
  )
  return rows.map((r) => ({ id: Number(r.id), key: [r.d, Number(r.id)] }))
}

async function pageByCheckIn(db: Tx, organizationId: number, q: ParsedListQuery, order: Order, limit: number): Promise<Keyed[]> {
  // No check-in (a check-out only, an excused day) sorts last either way.
  const key = order === 'desc' ? sql`coalesce(ar.check_in_time, time '00:00:00')` : sql`coalesce(ar.check_in_time, time '24:00:00')`
  const where = [allConditions(organizationId, q)]
  if (q.cursor) {
    const [d, t, i] = decodeCursor('check_in', order, q.cursor)
    where.push(sql`(ar.attendance_date, ${key}, ar.id) ${cmp(order)} (${d}::date, ${t}::time, ${i})`)
  }
  const rows = await rowsOf<{ id: number; d: string; t: string }>(
    db,
    sql`select ar.id, ar.attendance_date::text as d, ${key}::text as t from attendance_records ar
        where ${sql.join(where, sql` and `)}
        order by ar.attendance_date ${dir(order)}, ${key} ${dir(order)}, ar.id ${dir(order)} limit ${limit}`,
  )
  return rows.map((r) => ({ id: Number(r.id), key: [r.d, r.t.slice(0, 8), Number(r.id)] }))
}

/**
 * By member name: members in name order (a small table), and for each of them their records newest first through
 * the (organization, member, date) index — so a page costs a few index probes, not a sort of every record in range.
 */
async function pageByName(db: Tx, organizationId: number, q: ParsedListQuery, order: Order, limit: number): Promise<Keyed[]> {
  const members = memberConditions(organizationId, q)
  const records = recordConditions(organizationId, q)
  if (q.cursor) {
    const [name, memberId, d, i] = decodeCursor('name', order, q.cursor)
    members.push(sql`(u.name, om.id) ${order === 'desc' ? sql.raw('<=') : sql.raw('>=')} (${name}, ${memberId})`)
    records.push(sql`(ar.organization_member_id <> ${memberId} or (ar.attendance_date, ar.id) < (${d}::date, ${i}))`)
  }
  const rows = await rowsOf<{ id: number; name: string; mid: number; d: string }>(
    db,
    sql`select r.id, m.name, m.mid, r.d from
          (select om.id as mid, u.name from organization_members om join users u on u.id = om.user_id
            where ${sql.join(members, sql` and `)} order by u.name ${dir(order)}, om.id ${dir(order)}) m
        cross join lateral
          (select ar.id, ar.attendance_date, ar.attendance_date::text as d from attendance_records ar
            where ${sql.join(records, sql` and `)} and ar.organization_member_id = m.mid
            order by ar.attendance_date desc, ar.id desc limit ${limit}) r
        order by m.name ${dir(order)}, m.mid ${dir(order)}, r.attendance_date desc, r.id desc limit ${limit}`,
  )
  return rows.map((r) => ({ id: Number(r.id), key: [r.name, Number(r.mid), r.d, Number(r.id)] }))
}

// ---------- describing records ----------

const recorderMember = alias(organizationMembers, 'recorder_member')
const recorderUser = alias(users, 'recorder_user')

/** Full rows for the given record ids of one organization, in the given order. */
export async function describeRecords(db: Tx, organizationId: number, ids: number[]): Promise<AttendanceRow[]> {
  if (ids.length === 0) return []
  const ar = attendanceRecords
  const rows = await db
    .select({
      r: ar,
      memberName: users.name,
      memberNumber: organizationMembers.memberNumber,
      departmentId: organizationMembers.departmentId,
      department: departments.name,
      location: locations.name,
      recorder: recorderUser.name,
    })
    .from(ar)
    .innerJoin(organizationMembers, eq(organizationMembers.id, ar.organizationMemberId))
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .leftJoin(departments, eq(departments.id, organizationMembers.departmentId))
    .leftJoin(locations, eq(locations.id, ar.locationId))
    .leftJoin(recorderMember, eq(recorderMember.id, ar.recordedBy))
    .leftJoin(recorderUser, eq(recorderUser.id, recorderMember.userId))
    .where(and(eq(ar.organizationId, organizationId), inArray(ar.id, ids)))
  const byId = new Map(
    rows.map(({ r, ...x }) => [
      r.id,
      {
        id: r.id,
        member_id: r.organizationMemberId,
        member_name: x.memberName,
        member_number: x.memberNumber,
        department: x.department,
        department_id: x.departmentId,
        attendance_date: r.attendanceDate,
        check_in_time: r.checkInTime,
        check_out_time: r.checkOutTime,
        status: r.status,
        approval_status: r.approvalStatus,
        assurance_level: r.assuranceLevel,
        flags: r.flags,
        source: r.source,
        recorded_by: x.recorder,
        recorded_by_id: r.recordedBy,
        location: x.location,
        location_id: r.locationId,
        face_match_score: r.faceMatchScore === null ? null : Math.round(r.faceMatchScore * 1000) / 1000,
        has_photo: r.faceImageUrl !== null,
        remarks: r.remarks,
        server_received_at: r.serverReceivedAt.toISOString(),
        updated_at: r.updatedAt.toISOString(),
      } satisfies AttendanceRow,
    ]),
  )
  return ids.flatMap((id) => byId.get(id) ?? [])
}

export const listSettings = {
  /** Count matching records up to this many; above it the list says "N+" (tests lower it). */
  countCap: 10_000,
}

/** How many records match the filters, counted up to `cap` (capped: more than `cap` match). */
export async function countAttendance(db: Tx, organizationId: number, q: ParsedListQuery, cap = listSettings.countCap): Promise<{ n: number; capped: boolean }> {
  const [row] = await rowsOf<{ n: number }>(
    db,
    sql`select count(*)::int as n from (select 1 from attendance_records ar where ${allConditions(organizationId, q)} limit ${cap + 1}) matching`,
  )
  const n = Number(row?.n ?? 0)
  return n > cap ? { n: cap, capped: true } : { n, capped: false }
}

/**
 * The dashboard's attendance list (GET /api/organizations/:id/attendance): filters, search, sort and keyset pages.
 * Exported for the benchmark; `query` takes the route's query-string shape (strings or numbers).
 */
export async function listAttendance(db: Tx, organizationId: number, query: ListQuery): Promise<AttendancePage> {
  const parsed = listQuery.safeParse(query)
  if (!parsed.success) throw new ValidationError('Some filters are invalid', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code })))
  return listParsed(db, organizationId, parsed.data)
}

/** listAttendance for a query the route has already validated. */
export async function listParsed(db: Tx, organizationId: number, q: ParsedListQuery): Promise<AttendancePage> {
  const order: Order = q.order ?? (q.sort === 'name' ? 'asc' : 'desc')
  const take = q.ids ? Math.max(q.ids.length, 1) : q.limit
  const pageOf = q.sort === 'name' ? pageByName : q.sort === 'check_in' ? pageByCheckIn : pageByDate
  // The count runs beside the page (PostgreSQL has a pool; PGlite simply queues them).
  const [keyed, total] = await Promise.all([pageOf(db, organizationId, q, order, take + 1), q.cursor || q.ids ? null : countAttendance(db, organizationId, q)])
  const more = !q.ids && keyed.length > take
  const page = keyed.slice(0, take)
  const records = await describeRecords(db, organizationId, page.map((k) => k.id))
  const last = page[page.length - 1]
  return { records, total: total?.n ?? null, total_capped: total?.capped ?? false, next_cursor: more && last ? encodeCursor(q.sort, order, last.key) : null }
}
