import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import { createTestApp, type TestApp } from '../../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../../tools/test-support/fixtures'
import { createMember } from '../../members/members.service'
import { asc, eq } from 'drizzle-orm'
import { attendanceRecords, departments, locations, organizationMembers, users } from '../../../db/schema'
import { photoBase64 } from '../../../../tools/test-support/faces'
import { listAttendance } from './attendance-list'
import { toLocal } from '../../../../shared/attendance/rules'

type Rec = typeof attendanceRecords.$inferInsert
interface Row {
  id: number
  member_id: number
  member_name: string
  member_number: string | null
  department_id: number | null
  attendance_date: string
  check_in_time: string | null
  status: string
  approval_status: string
  flags: string[]
  source: string
  recorded_by: string | null
  recorded_by_id: number | null
  location_id: number | null
  has_photo: boolean
}

const DATES = ['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13']
/** A capture synced through the real route is dated yesterday (Jakarta): within the offline window whatever today is. */
const YESTERDAY = toLocal(new Date(Date.now() - 86_400_000), 'Asia/Jakarta').date
const NAMES = ['Agus Salim', 'budi Hartono', 'Citra Dewi', 'Dewi Lestari', 'Eka Putra', 'Fajar Nugroho', 'Gita Sari', 'Hadi Susanto', 'Agus Salim']

describe('the dashboard attendance list', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  let deptIt: number
  let deptSales: number
  let gate: number
  const members: { id: number; name: string; number: string; dept: number | null }[] = []
  const seeded: Rec[] = []
  let syncedId: number

  const url = (org: OrgWorld, query: Record<string, string | number> = {}) =>
    `/api/organizations/${org.id}/attendance?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`
  const list = async (query: Record<string, string | number> = {}, who: OrgWorld['admin'] = a.admin) => {
    const res = await who.get(url(a, query))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body.data as { records: Row[]; total: number | null; total_capped: boolean; next_cursor: string | null }
  }
  /** Every page of a query, following next_cursor. */
  const walk = async (query: Record<string, string | number>, between?: (page: number) => Promise<void>) => {
    const out: Row[] = []
    let cursor: string | null = null
    for (let page = 0; page < 100; page++) {
      const data = await list({ ...query, ...(cursor ? { cursor } : {}) })
      out.push(...data.records)
      cursor = data.next_cursor
      if (!cursor) break
      await between?.(page)
    }
    return out
  }

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    deptIt = (await t.db.insert(departments).values({ organizationId: a.id, name: 'IT' }).returning({ id: departments.id }))[0]!.id
    deptSales = (await t.db.insert(departments).values({ organizationId: a.id, name: 'Sales' }).returning({ id: departments.id }))[0]!.id
    gate = (await t.db.insert(locations).values({ organizationId: a.id, name: 'Gerbang' }).returning({ id: locations.id }))[0]!.id
    await t.db.transaction(async (tx) => {
      for (const [i, name] of NAMES.entries()) {
        const dept = i % 3 === 0 ? deptIt : i % 3 === 1 ? deptSales : null
        const number = `N-${String(i).padStart(3, '0')}`
        const id = await createMember(tx, a.id, { name, email: null, phone: null, member_number: number, department_id: dept, role: 'member' })
        members.push({ id, name, number, dept })
      }
    })
    // Five days for every member, with every filterable property varied.
    let n = 0
    for (const date of DATES) {
      for (const [i, m] of members.entries()) {
        n++
        const late = (i + n) % 4 === 0
        seeded.push({
          organizationId: a.id,
          organizationMemberId: m.id,
          attendanceDate: date,
          checkInTime: i === 4 && date === DATES[1] ? null : `07:${String(10 + ((i * 7 + n) % 49)).padStart(2, '0')}:00`,
          status: late ? 'late' : i === 8 && date === DATES[2] ? 'excused' : 'present',
          flags: [...(late ? ['late'] : []), ...(n % 5 === 0 ? ['clock_skew'] : [])].sort(),
          approvalStatus: n % 5 === 0 ? 'pending' : n % 11 === 0 ? 'rejected' : 'approved',
          source: n % 6 === 0 ? 'manual' : 'mobile',
          recordedBy: n % 2 === 0 ? a.petugasId : null,
          locationId: n % 3 === 0 ? gate : null,
        })
      }
    }
    await t.db.insert(attendanceRecords).values(seeded)
    // One record through the real capture API, with a photo.
    const res = await a.member.post('/api/attendance/sync', {
      device_id: 'phone-a',
      sent_at: new Date().toISOString(),
      records: [{ client_id: crypto.randomUUID(), member_id: a.memberId, kind: 'check_in', captured_at: new Date(`${YESTERDAY}T07:50:00+07:00`).toISOString(), face_image: photoBase64('people/p01/p01-1.jpg'), remarks: 'Pagi' }],
    })
    expect(res.body.data.results[0].status).toBe('applied')
    syncedId = res.body.data.results[0].record_id
    // Org B has a record of its own on the same day.
    await b.member.post('/api/attendance/sync', {
      device_id: 'phone-b',
      sent_at: new Date().toISOString(),
      records: [{ client_id: crypto.randomUUID(), member_id: b.memberId, kind: 'check_in', captured_at: new Date(`${YESTERDAY}T07:40:00+07:00`).toISOString() }],
    })
  })
  afterAll(() => t.close())

  it('answers the spec\'s query and shape, with the review fields', async () => {
    const m = members[2]!
    const data = await list({ start_date: '2026-11-10', end_date: '2026-11-12', member_id: m.id, status: 'present' })
    const expected = seeded.filter((r) => r.organizationMemberId === m.id && r.attendanceDate >= '2026-11-10' && r.attendanceDate <= '2026-11-12' && r.status === 'present')
    expect(data.total).toBe(expected.length)
    expect(data.records).toHaveLength(expected.length)
    for (const r of data.records) {
      expect(r).toMatchObject({ member_name: 'Citra Dewi', member_number: m.number, status: 'present', department: null })
      expect(r.attendance_date >= '2026-11-10' && r.attendance_date <= '2026-11-12').toBe(true)
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining(['id', 'member_name', 'attendance_date', 'check_in_time', 'check_out_time', 'status', 'recorded_by', 'face_match_score', 'source', 'approval_status', 'assurance_level', 'flags', 'has_photo', 'location', 'department']),
      )
    }
    const synced = (await list({ start_date: YESTERDAY, end_date: YESTERDAY, member_id: a.memberId })).records
    expect(synced).toEqual([
      expect.objectContaining({ id: syncedId, member_name: 'Member a', check_in_time: '07:50:00', source: 'mobile', recorded_by: null, has_photo: true, remarks: 'Pagi', flags: ['no_evidence'], approval_status: 'pending', assurance_level: 'failed' }),
    ])
    // A petugas's record names the petugas.
    const byPetugas = (await list({ recorded_by: a.petugasId, limit: 1 })).records[0]!
    expect(byPetugas).toMatchObject({ recorded_by: 'Petugas a', recorded_by_id: a.petugasId })
    // Support and manager read the same list.
    expect((await list({}, a.support)).total).toBe(seeded.length + 1)
    expect((await list({}, a.manager)).total).toBe(seeded.length + 1)
  })

  it('filters by department, location, source, recorder, approval, flag and status, and counts what matches', async () => {
    const memberDept = new Map(members.map((m) => [m.id, m.dept]))
    const cases: [Record<string, string | number>, (r: Rec) => boolean][] = [
      [{ department_id: deptIt }, (r) => memberDept.get(r.organizationMemberId) === deptIt],
      [{ location_id: gate }, (r) => r.locationId === gate],
      [{ source: 'manual' }, (r) => r.source === 'manual'],
      [{ recorded_by: a.petugasId }, (r) => r.recordedBy === a.petugasId],
      [{ approval_status: 'rejected' }, (r) => r.approvalStatus === 'rejected'],
      [{ flag: 'clock_skew' }, (r) => (r.flags ?? []).includes('clock_skew')],
      [{ status: 'late', department_id: deptSales }, (r) => r.status === 'late' && memberDept.get(r.organizationMemberId) === deptSales],
      [{ status: 'excused' }, (r) => r.status === 'excused'],
      [{ start_date: '2026-11-11', end_date: '2026-11-11', approval_status: 'pending' }, (r) => r.attendanceDate === '2026-11-11' && r.approvalStatus === 'pending'],
    ]
    for (const [query, match] of cases) {
      const expected = seeded.filter(match)
      expect(expected.length, JSON.stringify(query)).toBeGreaterThan(0)
      const data = await list({ ...query, start_date: query.start_date ?? '2026-11-01', end_date: query.end_date ?? '2026-11-12', limit: 200 })
      const inRange = expected.filter((r) => r.attendanceDate >= String(query.start_date ?? '2026-11-01') && r.attendanceDate <= String(query.end_date ?? '2026-11-12'))
      expect(data.total, JSON.stringify(query)).toBe(inRange.length)
      expect(data.records.length).toBe(inRange.length)
    }
  })

  it('searches member names and numbers, case-insensitively, with LIKE characters taken literally', async () => {
    const budi = await list({ q: 'BUDI', limit: 200 })
    expect(budi.total).toBe(DATES.length)
    expect(new Set(budi.records.map((r) => r.member_name))).toEqual(new Set(['budi Hartono']))
    const byNumber = await list({ q: 'n-003', limit: 200 })
    expect(new Set(byNumber.records.map((r) => r.member_number))).toEqual(new Set(['N-003']))
    // Two people share a name: both are found.
    expect(new Set((await list({ q: 'agus', limit: 200 })).records.map((r) => r.member_id)).size).toBe(2)
    expect((await list({ q: '%' })).total).toBe(0)
    expect((await list({ q: 'nobody like this' })).records).toEqual([])
  })

  it('sorts by date, check-in time and name, both ways', async () => {
    const all = seeded.length + 1
    const byDateDesc = await walk({ limit: 200 })
    expect(byDateDesc).toHaveLength(all)
    for (let i = 1; i < byDateDesc.length; i++) {
      const [p, c] = [byDateDesc[i - 1]!, byDateDesc[i]!]
      expect(p.attendance_date > c.attendance_date || (p.attendance_date === c.attendance_date && p.id > c.id)).toBe(true)
    }
    const byDateAsc = await walk({ sort: 'date', order: 'asc', limit: 200 })
    expect(byDateAsc.map((r) => r.id)).toEqual([...byDateDesc].reverse().map((r) => r.id))

    const key = (r: Row, nulls: string) => `${r.attendance_date} ${r.check_in_time ?? nulls}`
    const checkInAsc = await walk({ sort: 'check_in', order: 'asc', limit: 200 })
    for (let i = 1; i < checkInAsc.length; i++) expect(key(checkInAsc[i - 1]!, '99') <= key(checkInAsc[i]!, '99')).toBe(true)
    const checkInDesc = await walk({ sort: 'check_in', limit: 200 })
    for (let i = 1; i < checkInDesc.length; i++) expect(key(checkInDesc[i - 1]!, '00') >= key(checkInDesc[i]!, '00')).toBe(true)
    // A day without a check-in comes last within its day, either way.
    const day = checkInAsc.filter((r) => r.attendance_date === DATES[1])
    expect(day[day.length - 1]!.check_in_time).toBeNull()
    const dayDesc = checkInDesc.filter((r) => r.attendance_date === DATES[1])
    expect(dayDesc[dayDesc.length - 1]!.check_in_time).toBeNull()

    const byName = await walk({ sort: 'name', limit: 200 })
    const names = byName.map((r) => r.member_name)
    const dedupe = (xs: string[]) => xs.filter((x, i) => i === 0 || xs[i - 1] !== x)
    // The database's own collation decides name order.
    const collated = (
      await t.db
        .selectDistinct({ n: users.name })
        .from(users)
        .innerJoin(organizationMembers, eq(organizationMembers.userId, users.id))
        .innerJoin(attendanceRecords, eq(attendanceRecords.organizationMemberId, organizationMembers.id))
        .where(eq(organizationMembers.organizationId, a.id))
        .orderBy(asc(users.name))
    ).map((r) => r.n)
    expect(dedupe(names)).toEqual(collated)
    const byNameDesc = await walk({ sort: 'name', order: 'desc', limit: 200 })
    expect(dedupe(byNameDesc.map((r) => r.member_name))).toEqual([...collated].reverse())
    expect(byNameDesc).toHaveLength(byName.length)
    // Within one member, newest day first.
    const agus = byName.filter((r) => r.member_id === members[0]!.id).map((r) => r.attendance_date)
    expect(agus).toEqual([...DATES].reverse())
  })

  it('walks every page of every sort exactly once, with a small page size', async () => {
    const queries: Record<string, string | number>[] = [{ sort: 'date' }, { sort: 'date', order: 'asc' }, { sort: 'check_in' }, { sort: 'check_in', order: 'asc' }, { sort: 'name' }, { sort: 'name', order: 'desc' }, { sort: 'name', department_id: deptIt }]
    for (const query of queries) {
      const whole = await walk({ ...query, limit: 200 })
      const paged = await walk({ ...query, limit: 4 })
      expect(paged.map((r) => r.id), JSON.stringify(query)).toEqual(whole.map((r) => r.id))
    }
    const first = await list({ limit: 4 })
    expect(first.total).toBe(seeded.length + 1)
    const second = await list({ limit: 4, cursor: first.next_cursor! })
    expect(second.total).toBeNull()
  })

  it('counts up to the cap and then says so, without changing the rows', async () => {
    const uncapped = await list({ limit: 4 })
    expect(uncapped.total_capped).toBe(false)
    const all = uncapped.total!
    expect(all).toBeGreaterThan(3)
    const { listSettings } = await import('./attendance-list')
    const before = listSettings.countCap
    try {
      listSettings.countCap = all - 1
      const capped = await list({ limit: 4 })
      expect([capped.total, capped.total_capped]).toEqual([all - 1, true])
      expect(capped.records.map((r) => r.id)).toEqual(uncapped.records.map((r) => r.id))
      listSettings.countCap = all
      expect(await list({ limit: 4 })).toMatchObject({ total: all, total_capped: false })
    } finally {
      listSettings.countCap = before
    }
  })

  it('neither skips nor repeats a row while new records arrive between pages', async () => {
    for (const sort of ['date', 'check_in', 'name'] as const) {
      const before = await walk({ sort, limit: 200 })
      const inserted: number[] = []
      const seen = await walk({ sort, limit: 5 }, async (page) => {
        // New rows on the newest day, the oldest day and in between, for new and existing members.
        const extra = await t.db.transaction(async (tx) =>
          createMember(tx, a.id, { name: `Zed ${sort} ${page}`, email: null, phone: null, member_number: `Z-${sort}-${page}`, role: 'member' }),
        )
        const rows = await t.db
          .insert(attendanceRecords)
          .values(['2026-11-14', '2026-11-08', DATES[2]!].map((d) => ({ organizationId: a.id, organizationMemberId: extra, attendanceDate: d, checkInTime: '07:30:00', status: 'present' as const, source: 'manual' as const })))
          .returning({ id: attendanceRecords.id })
        inserted.push(...rows.map((r) => r.id))
      })
      const ids = seen.map((r) => r.id)
      expect(new Set(ids).size, `${sort}: a row came twice`).toBe(ids.length)
      const missing = before.filter((r) => !ids.includes(r.id))
      expect(missing, `${sort}: rows skipped`).toEqual([])
      expect(ids.every((id) => before.some((r) => r.id === id) || inserted.includes(id))).toBe(true)
    }
  })

  it('answers which of the given records match the filters (the live page asks this)', async () => {
    const some = (await list({ limit: 6 })).records
    const ids = some.map((r) => r.id).join(',')
    const data = await list({ ids, approval_status: 'approved' })
    expect(data.records.map((r) => r.id).sort()).toEqual(some.filter((r) => r.approval_status === 'approved').map((r) => r.id).sort())
    expect(data.total).toBeNull()
    expect(data.next_cursor).toBeNull()
  })

  it('never shows another organization\'s records', async () => {
    expect((await b.admin.get(url(a))).status).toBe(404)
    expect((await a.admin.get(url(b))).status).toBe(404)
    const theirs = await b.admin.get(url(b, { ids: String(syncedId) }))
    expect(theirs.body.data.records).toEqual([])
    const own = await b.admin.get(url(b))
    expect(own.body.data.total).toBe(1)
    expect(own.body.data.records[0]).toMatchObject({ member_name: 'Member b' })
    // The exported function scopes the same way.
    const direct = await listAttendance(t.db, b.id, { member_id: a.memberId })
    expect(direct.records).toEqual([])
    expect((await listAttendance(t.db, a.id, { limit: 3, sort: 'name' })).records).toHaveLength(3)
  })

  it('refuses bad filters with a 422 naming the field', async () => {
    const bad: [Record<string, string | number>, string, string?][] = [
      [{ limit: 0 }, 'limit'],
      [{ limit: 201 }, 'limit'],
      [{ start_date: '2026-02-30' }, 'start_date'],
      [{ start_date: '2026-11-12', end_date: '2026-11-01' }, 'end_date'],
      [{ sort: 'member' }, 'sort'],
      [{ order: 'up' }, 'order'],
      [{ status: 'asleep' }, 'status'],
      [{ flag: 'drop table' }, 'flag'],
      [{ member_id: 'x' }, 'member_id'],
      [{ ids: '1,,2' }, 'ids'],
      [{ colour: 'red' }, ''],
      [{ cursor: 'not-a-cursor' }, 'cursor', 'INVALID_CURSOR'],
    ]
    for (const [query, path, code] of bad) {
      const res = await a.admin.get(url(a, query))
      expect(res.status, JSON.stringify(query)).toBe(422)
      expect(res.body.error.code).toBe(code ?? 'VALIDATION_FAILED')
      if (path) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path)
    }
    // A cursor made for one sort is refused by another.
    const first = await list({ limit: 2 })
    const other = await a.admin.get(url(a, { limit: 2, sort: 'name', cursor: first.next_cursor! }))
    expect(other.body.error.code).toBe('INVALID_CURSOR')
    const forged = Buffer.from(JSON.stringify({ s: 'date:desc', k: ['2026-11-01\'; --', 1] })).toString('base64url')
    expect((await a.admin.get(url(a, { cursor: forged }))).body.error.code).toBe('INVALID_CURSOR')
  })
})
