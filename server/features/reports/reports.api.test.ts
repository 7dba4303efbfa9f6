import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import * as XLSX from 'xlsx'
import { createTestApp, type Agent, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { attendanceRecords, auditLog, organizationMembers } from '../../db/schema'
import { neutraliseCell } from '../../lib/spreadsheet'
import type { DailyReport, MonthlyReport } from '../../../shared/reports/types'
import { dailyReport, monthlyRecap } from './reports.service'

/**
 * A hand-computed month: October 2026 (1 October is a Thursday; 22 weekdays, 5 Saturdays). Organization hours
 * 08:00-16:00 Monday to Friday, 15 minutes tolerance; "Kelas Pagi" works Monday to Saturday 07:00-13:00, 5 minutes.
 *
 * Ani (Tata Usaha, organization hours, joined in September)
 *   1 Oct present 07:50-16:10 (500 min) · 2 Oct late 08:30-16:00 (30 late, 450 min) · 3 Oct (Saturday) present
 *   09:00-12:00 (180 min) · 5 Oct late 08:16, no check-out (16 late) · 6 Oct excused · 7 Oct a recorded absence ·
 *   8 Oct a record an admin rejected (does not count) · every other weekday nothing.
 *   => working days 22, on time 2, late 2, excused 1, absent 22 - 5 + 1 = 18, late minutes 46, worked 1130 min,
 *   overtime 180 (the Saturday, a day off: every minute; 10 minutes past 16:00 on 1 Oct is under the 30-minute minimum).
 * Budi (Kelas Pagi, joined in September)
 *   3 Oct (Saturday) 07:04-13:00 on time (356 min) · 5 Oct 07:20-13:05 late 20 (345 min) · 10 Oct (Saturday) 07:06
 *   late 6, no check-out. => working days 27, on time 1, late 2, absent 24, late minutes 26, worked 701 min.
 * Citra (no department) joined on 19 Oct in Jakarta (18 Oct 20:00 UTC); member number "=1+2" (a formula if not
 *   neutralised). 14 Oct present 08:00-12:00 (before joining: the record still counts, 240 min) · 20 Oct present
 *   07:59-16:00 (481 min). => working days 10 since joining + 14 Oct = 11, on time 2, absent 9, worked 721 min.
 * Not in the report: Dodi (inactive, has records), the fixture's own member and petugas (joined in November, no
 * October records), staff (no mobile role), and organization B's member (has October records). A petugas is never in
 * it: they record others' attendance and are not expected to attend (as on "today at a glance").
 */
describe('reports', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  const ids: Record<'ani' | 'budi' | 'citra' | 'dodi', number> = { ani: 0, budi: 0, citra: 0, dodi: 0 }
  let kelasPagi = 0
  let tataUsaha = 0
  let gate = 0
  // The day grids of October, by hand (1 October is a Thursday): see the month above.
  const ANI = 'HTH-TIAAA--AAAAA--AAAAA--AAAAA-'
  const BUDI = 'AAH-TAAAAT-AAAAAA-AAAAAA-AAAAAA'
  const CITRA = '-------------H----AHAAA--AAAAA-'

  async function member(agent: Agent, orgId: number, body: Record<string, unknown>): Promise<number> {
    const res = await agent.post(`/api/organizations/${orgId}/members`, { role: 'member', ...body })
    expect(res.status).toBe(201)
    return res.body.data.id
  }

  async function record(organizationId: number, memberId: number, date: string, status: 'present' | 'late' | 'absent' | 'excused', checkIn: string | null, checkOut: string | null, extra: Partial<typeof attendanceRecords.$inferInsert> = {}) {
    await t.db.insert(attendanceRecords).values({
      organizationId,
      organizationMemberId: memberId,
      attendanceDate: date,
      status,
      checkInTime: checkIn,
      checkOutTime: checkOut,
      source: 'manual',
      ...extra,
    })
  }

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    const schedule = await a.admin.post(`/api/organizations/${a.id}/schedules`, { name: 'Pagi', work_days: [1, 2, 3, 4, 5, 6], start_time: '07:00', end_time: '13:00', late_tolerance_minutes: 5 })
    kelasPagi = (await a.admin.post(`/api/organizations/${a.id}/departments`, { name: 'Kelas Pagi' })).body.data.id
    await a.admin.patch(`/api/organizations/${a.id}/departments/${kelasPagi}`, { work_schedule_id: schedule.body.data.id })
    tataUsaha = (await a.admin.post(`/api/organizations/${a.id}/departments`, { name: 'Tata Usaha' })).body.data.id
    gate = (await a.admin.post(`/api/organizations/${a.id}/locations`, { name: 'Gerbang Utama' })).body.data.id

    ids.ani = await member(a.admin, a.id, { name: 'Ani Lestari', member_number: 'A-01', department_id: tataUsaha })
    ids.budi = await member(a.admin, a.id, { name: 'Budi Santoso', member_number: 'B-02', department_id: kelasPagi })
    ids.citra = await member(a.admin, a.id, { name: 'Citra Dewi', member_number: '=1+2' })
    ids.dodi = await member(a.admin, a.id, { name: 'Dodi Pratama', member_number: 'D-04', department_id: tataUsaha })
    expect((await a.admin.patch(`/api/organizations/${a.id}/members/${ids.dodi}`, { status: 'inactive' })).status).toBe(200)
    const september = new Date('2026-09-01T01:00:00Z')
    for (const id of [ids.ani, ids.budi, ids.dodi]) await t.db.update(organizationMembers).set({ createdAt: september }).where(eq(organizationMembers.id, id))
    await t.db.update(organizationMembers).set({ createdAt: new Date('2026-10-18T20:00:00Z') }).where(eq(organizationMembers.id, ids.citra))
    // The fixture's member joins after October (not in its recap) and before December, whatever day the test runs.
    await t.db.update(organizationMembers).set({ createdAt: new Date('2026-11-16T01:00:00Z') }).where(eq(organizationMembers.id, a.memberId))

    await record(a.id, ids.ani, '2026-10-01', 'present', '07:50:00', '16:10:00', { locationId: gate })
    await record(a.id, ids.ani, '2026-10-02', 'late', '08:30:00', '16:00:00', { flags: ['late'] })
    await record(a.id, ids.ani, '2026-10-03', 'present', '09:00:00', '12:00:00')
    await record(a.id, ids.ani, '2026-10-05', 'late', '08:16:45', null, { flags: ['late', 'no_face'], approvalStatus: 'pending' })
    await record(a.id, ids.ani, '2026-10-06', 'excused', null, null)
    await record(a.id, ids.ani, '2026-10-07', 'absent', null, null)
    await record(a.id, ids.ani, '2026-10-08', 'present', '07:55:00', '16:00:00', { approvalStatus: 'rejected' })
    await record(a.id, ids.budi, '2026-10-03', 'present', '07:04:00', '13:00:00')
    await record(a.id, ids.budi, '2026-10-05', 'late', '07:20:00', '13:05:00', { flags: ['late'], locationId: gate })
    await record(a.id, ids.budi, '2026-10-10', 'late', '07:06:00', null)
    await record(a.id, ids.citra, '2026-10-14', 'present', '08:00:00', '12:00:00')
    await record(a.id, ids.citra, '2026-10-20', 'present', '07:59:00', '16:00:00', { flags: ['left_early'] })
    await record(a.id, ids.dodi, '2026-10-01', 'present', '07:30:00', '16:00:00')
    // Organization B's member, with October records and an old join date.
    const bm = await member(b.admin, b.id, { name: 'Bambang', member_number: 'X-1' })
    await t.db.update(organizationMembers).set({ createdAt: september }).where(eq(organizationMembers.id, bm))
    await record(b.id, bm, '2026-10-01', 'late', '09:00:00', '17:00:00')
  })
  afterAll(() => t.close())

  const monthly = async (query = 'month=2026-10', agent?: Agent) => {
    const res = await (agent ?? a.admin).get(`/api/organizations/${a.id}/reports/monthly?${query}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body.data as MonthlyReport
  }
  const daily = async (query: string) => {
    const res = await a.admin.get(`/api/organizations/${a.id}/reports/daily?${query}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body.data as DailyReport
  }

  it('computes every monthly total by member, by department and in all, from the join date and each schedule', async () => {
    const r = await monthly()
    expect(r.period).toEqual({ start: '2026-10-01', end: '2026-10-31' })
    expect(r.organization).toMatchObject({ id: a.id, name: 'Org a', timezone: 'Asia/Jakarta' })
    expect(r.members.map((m) => m.name)).toEqual(['Ani Lestari', 'Budi Santoso', 'Citra Dewi'])
    const [ani, budi, citra] = r.members
    expect(ani).toEqual({ member_id: ids.ani, name: 'Ani Lestari', member_number: 'A-01', department_id: tataUsaha, department: 'Tata Usaha', working_days: 22, present: 2, late: 2, absent: 18, excused: 1, sick: 0, permit: 1, leave: 0, holidays: 0, late_minutes: 46, worked_minutes: 1130, hours_worked: 18.83, overtime_minutes: 180, days: ANI })
    expect(budi).toEqual({ member_id: ids.budi, name: 'Budi Santoso', member_number: 'B-02', department_id: kelasPagi, department: 'Kelas Pagi', working_days: 27, present: 1, late: 2, absent: 24, excused: 0, sick: 0, permit: 0, leave: 0, holidays: 0, late_minutes: 26, worked_minutes: 701, hours_worked: 11.68, overtime_minutes: 0, days: BUDI })
    expect(citra).toEqual({ member_id: ids.citra, name: 'Citra Dewi', member_number: '=1+2', department_id: null, department: null, working_days: 11, present: 2, late: 0, absent: 9, excused: 0, sick: 0, permit: 0, leave: 0, holidays: 0, late_minutes: 0, worked_minutes: 721, hours_worked: 12.02, overtime_minutes: 0, days: CITRA })

    expect(r.departments).toEqual([
      { department_id: kelasPagi, department: 'Kelas Pagi', members: 1, working_days: 27, present: 1, late: 2, absent: 24, excused: 0, sick: 0, permit: 0, leave: 0, holidays: 0, late_minutes: 26, worked_minutes: 701, hours_worked: 11.68, overtime_minutes: 0 },
      { department_id: tataUsaha, department: 'Tata Usaha', members: 1, working_days: 22, present: 2, late: 2, absent: 18, excused: 1, sick: 0, permit: 1, leave: 0, holidays: 0, late_minutes: 46, worked_minutes: 1130, hours_worked: 18.83, overtime_minutes: 180 },
      { department_id: null, department: null, members: 1, working_days: 11, present: 2, late: 0, absent: 9, excused: 0, sick: 0, permit: 0, leave: 0, holidays: 0, late_minutes: 0, worked_minutes: 721, hours_worked: 12.02, overtime_minutes: 0 },
    ])
    expect(r.totals).toEqual({ members: 3, working_days: 60, present: 5, late: 4, absent: 51, excused: 1, sick: 0, permit: 1, leave: 0, holidays: 0, late_minutes: 72, worked_minutes: 2552, hours_worked: 42.53, overtime_minutes: 180 })

    expect(r.late_arrivals).toEqual([
      { date: '2026-10-02', member_id: ids.ani, name: 'Ani Lestari', member_number: 'A-01', department: 'Tata Usaha', check_in: '08:30', late_minutes: 30 },
      { date: '2026-10-05', member_id: ids.budi, name: 'Budi Santoso', member_number: 'B-02', department: 'Kelas Pagi', check_in: '07:20', late_minutes: 20 },
      { date: '2026-10-05', member_id: ids.ani, name: 'Ani Lestari', member_number: 'A-01', department: 'Tata Usaha', check_in: '08:16', late_minutes: 16 },
      { date: '2026-10-10', member_id: ids.budi, name: 'Budi Santoso', member_number: 'B-02', department: 'Kelas Pagi', check_in: '07:06', late_minutes: 6 },
    ])
    expect(r.options.departments.map((d) => d.name)).toEqual(['Kelas Pagi', 'Tata Usaha'])
    expect(r.options.locations).toEqual([{ id: gate, name: 'Gerbang Utama' }])
    // Support and manager read the same report.
    expect((await monthly('month=2026-10', a.support)).totals).toEqual(r.totals)
    expect((await monthly('month=2026-10', a.manager)).totals).toEqual(r.totals)
  })

  it('filters the recap by department and by name or number (a % is a character, not a wildcard)', async () => {
    const dept = await monthly(`month=2026-10&department_id=${kelasPagi}`)
    expect(dept.members.map((m) => m.name)).toEqual(['Budi Santoso'])
    expect(dept.late_arrivals.map((l) => l.name)).toEqual(['Budi Santoso', 'Budi Santoso'])
    expect(dept.totals).toMatchObject({ members: 1, late: 2, late_minutes: 26 })
    expect((await monthly('month=2026-10&q=citra')).members.map((m) => m.member_id)).toEqual([ids.citra])
    expect((await monthly('month=2026-10&q=b-02')).members.map((m) => m.member_id)).toEqual([ids.budi])
    expect((await monthly('month=2026-10&q=%25')).members).toEqual([])
    // Another organization's department filters to nothing, never to its data.
    const foreign = (await b.admin.post(`/api/organizations/${b.id}/departments`, { name: 'B dept' })).body.data.id
    expect((await monthly(`month=2026-10&department_id=${foreign}`)).members).toEqual([])
  })

  it('counts today as absent only after the end of work, and future days not at all', async () => {
    // 20 October 10:00 in Jakarta: the day is under way for everyone.
    const morning = await monthlyRecap(t.db, a.id, { month: '2026-10' }, new Date('2026-10-20T10:00:00+07:00'))
    const byName = (r: MonthlyReport, name: string) => r.members.find((m) => m.name === name)!
    // Budi works Monday to Saturday: 1-20 October has 17 such days; records on 3, 5 and 10 October.
    expect(byName(morning, 'Budi Santoso')).toMatchObject({ working_days: 17, present: 1, late: 2, absent: 13 })
    // Citra: 19 and 20 October since joining, plus 14 October with a record; today she is in.
    expect(byName(morning, 'Citra Dewi')).toMatchObject({ working_days: 3, present: 2, absent: 1 })
    // 14:00: Budi's day (07:00-13:00) is over, Ani's (08:00-16:00) is not.
    const afternoon = await monthlyRecap(t.db, a.id, { month: '2026-10' }, new Date('2026-10-20T14:00:00+07:00'))
    expect(byName(afternoon, 'Budi Santoso').absent).toBe(14)
    expect(byName(afternoon, 'Ani Lestari').absent).toBe(byName(morning, 'Ani Lestari').absent)

    const day = await dailyReport(t.db, a.id, { date: '2026-10-20' }, new Date('2026-10-20T14:00:00+07:00'))
    expect(day.rows.map((r) => [r.name, r.status])).toEqual([
      ['Ani Lestari', 'not_yet'],
      ['Budi Santoso', 'absent'],
      ['Citra Dewi', 'present'],
    ])
    expect(day.summary).toEqual({ members: 3, present: 1, late: 0, sick: 0, permit: 0, leave: 0, absent: 1, not_yet: 1, holiday: 0, day_off: 0 })

    // A month that has not begun: members are listed, nothing is counted yet. The petugas is not a member who attends.
    const future = await monthlyRecap(t.db, a.id, { month: '2026-12' }, new Date('2026-10-20T14:00:00+07:00'))
    expect(future.totals).toMatchObject({ working_days: 0, present: 0, late: 0, absent: 0, excused: 0 })
    expect(future.members.map((m) => m.name)).toEqual(['Ani Lestari', 'Budi Santoso', 'Citra Dewi', 'Member a'])
  })

  it('adds up: the monthly recap equals the 31 daily lists of the month, member by member', async () => {
    for (const now of [new Date('2026-10-20T10:00:00+07:00'), new Date('2026-10-20T14:00:00+07:00'), new Date('2026-11-24T09:00:00+07:00')]) {
      const recap = await monthlyRecap(t.db, a.id, { month: '2026-10' }, now)
      // working_days is not a day status: it is checked by hand in the other tests.
      const sums = new Map<number, { present: number; late: number; absent: number; excused: number; late_minutes: number; worked_minutes: number }>()
      for (let d = 1; d <= 31; d++) {
        const date = `2026-10-${String(d).padStart(2, '0')}`
        const day = await dailyReport(t.db, a.id, { date }, now)
        for (const row of day.rows) {
          const s = sums.get(row.member_id) ?? { present: 0, late: 0, absent: 0, excused: 0, late_minutes: 0, worked_minutes: 0 }
          if (row.status === 'present' || row.status === 'late' || row.status === 'absent') s[row.status]++
          if (row.status === 'sick' || row.status === 'permit' || row.status === 'leave') s.excused++
          s.late_minutes += row.late_minutes
          s.worked_minutes += row.worked_minutes
          sums.set(row.member_id, s)
        }
      }
      for (const m of recap.members) {
        expect(sums.get(m.member_id), `${m.name} at ${now.toISOString()}`).toEqual({
          present: m.present,
          late: m.late,
          absent: m.absent,
          excused: m.excused,
          late_minutes: m.late_minutes,
          worked_minutes: m.worked_minutes,
        })
      }
      expect([...sums.keys()].sort()).toEqual(recap.members.map((m) => m.member_id).sort())
    }
  })

  it('lists every counted member for a day with times, minutes, location and notes; filters by status, location and department', async () => {
    const monday = await daily('date=2026-10-05')
    expect(monday.rows).toEqual([
      { member_id: ids.ani, name: 'Ani Lestari', member_number: 'A-01', department: 'Tata Usaha', status: 'late', check_in: '08:16', check_out: null, late_minutes: 16, worked_minutes: 0, hours_worked: 0, location: null, flags: ['no_face'], approval_status: 'pending', holiday: null },
      { member_id: ids.budi, name: 'Budi Santoso', member_number: 'B-02', department: 'Kelas Pagi', status: 'late', check_in: '07:20', check_out: '13:05', late_minutes: 20, worked_minutes: 345, hours_worked: 5.75, location: 'Gerbang Utama', flags: [], approval_status: 'approved', holiday: null },
    ])
    expect(monday.summary).toEqual({ members: 2, present: 0, late: 2, sick: 0, permit: 0, leave: 0, absent: 0, not_yet: 0, holiday: 0, day_off: 0 })

    const sunday = await daily('date=2026-10-04')
    expect(sunday.rows.map((r) => [r.name, r.status])).toEqual([
      ['Ani Lestari', 'day_off'],
      ['Budi Santoso', 'day_off'],
    ])
    const saturday = await daily('date=2026-10-03')
    expect(saturday.rows.map((r) => [r.name, r.status, r.hours_worked])).toEqual([
      ['Ani Lestari', 'present', 3],
      ['Budi Santoso', 'present', 5.93],
    ])
    // The rejected record of 8 October does not count: Ani was absent.
    expect((await daily('date=2026-10-08')).rows.map((r) => [r.name, r.status, r.check_in])).toEqual([
      ['Ani Lestari', 'absent', null],
      ['Budi Santoso', 'absent', null],
    ])
    const oct20 = await daily('date=2026-10-20&status=absent')
    expect(oct20.rows.map((r) => r.name)).toEqual(['Ani Lestari', 'Budi Santoso'])
    expect(oct20.summary).toMatchObject({ members: 3, absent: 2, present: 1 })
    expect((await daily('date=2026-10-20&status=present')).rows.map((r) => [r.name, r.flags])).toEqual([['Citra Dewi', ['left_early']]])
    expect((await daily(`date=2026-10-05&location_id=${gate}`)).rows.map((r) => r.name)).toEqual(['Budi Santoso'])
    expect((await daily(`date=2026-10-01&department_id=${tataUsaha}`)).rows.map((r) => [r.name, r.location])).toEqual([['Ani Lestari', 'Gerbang Utama']])
    // Before Citra joined (and without a record) she is not listed; the others joined in November are not either.
    expect((await daily('date=2026-10-16')).rows.map((r) => r.name)).toEqual(['Ani Lestari', 'Budi Santoso'])
  })

  async function download(agent: Agent, path: string): Promise<{ status: number; type: string | null; disposition: string | null; bytes: Buffer }> {
    const res = await t.app.request(path, { headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
    return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), bytes: Buffer.from(await res.arrayBuffer()) }
  }

  function sheetRows(book: XLSX.WorkBook, index: number): unknown[][] {
    return XLSX.utils.sheet_to_json(book.Sheets[book.SheetNames[index]!]!, { header: 1, raw: true, defval: null, blankrows: false })
  }

  const cell = (v: string | number | null) => neutraliseCell(v)
  const day = (date: string) => new Date(`${date}T00:00:00Z`)
  /** A time cell as SheetJS reads it back: that time on Excel's day 0 (1899-12-30), to the second (SheetJS rounds so). */
  const clock = (time: string) => new Date(`1899-12-30T${time}:00Z`)

  it('exports the monthly recap to .xlsx with exactly the numbers of the JSON', async () => {
    const r = await monthly()
    const file = await download(a.manager, `/api/organizations/${a.id}/reports/monthly/export?month=2026-10&format=xlsx&lang=en`)
    expect(file.status).toBe(200)
    expect(file.type).toContain('spreadsheetml')
    expect(file.disposition).toContain('attendance-monthly-2026-10.xlsx')
    const book = XLSX.read(file.bytes, { type: 'buffer', cellDates: true })
    expect(book.SheetNames).toEqual(['Day grid', 'Per member', 'Per department', 'Late arrivals', 'About'])

    const members = sheetRows(book, 1)
    expect(members[0]).toEqual(['Name', 'Member no.', 'Department', 'Working days', 'On time', 'Late', 'Sick', 'Permission', 'Leave', 'Absent', 'Holidays', 'Late minutes', 'Hours worked', 'Overtime (minutes)'])
    expect(members.slice(1)).toEqual(r.members.map((m) => [m.name, cell(m.member_number), m.department, m.working_days, m.present, m.late, m.sick, m.permit, m.leave, m.absent, m.holidays, m.late_minutes, m.hours_worked, m.overtime_minutes]))
    expect(members[3]![1]).toBe('\'=1+2')

    const depts = sheetRows(book, 2)
    expect(depts.slice(1)).toEqual([
      ...r.departments.map((d) => [d.department ?? 'No department', d.members, d.working_days, d.present, d.late, d.sick, d.permit, d.leave, d.absent, d.holidays, d.late_minutes, d.hours_worked, d.overtime_minutes]),
      ['Total', 3, 60, 5, 4, 0, 1, 0, 51, 0, 72, 42.53, 180],
    ])
    // Dates and times are date and time cells (read back as a Date: the day at 00:00 UTC, the time on 1899-12-30).
    const late = sheetRows(book, 3)
    expect(late.slice(1)).toEqual(r.late_arrivals.map((l) => [day(l.date), l.name, l.member_number, l.department, clock(l.check_in), l.late_minutes]))
    const about = sheetRows(book, 4)
    expect(about).toContainEqual(['Organization', 'Org a', null])
    expect(about).toContainEqual(['Period', day('2026-10-01'), day('2026-10-31')])
    // The grid: Ani's row, her late arrivals an H like any day present.
    const grid = sheetRows(book, 0)
    expect(grid.find((row) => row[1] === 'Ani Lestari')!.slice(3, 34).join('')).toBe(ANI.replace(/T/g, 'H'))

    // Indonesian is the default language of the file.
    const id = XLSX.read((await download(a.admin, `/api/organizations/${a.id}/reports/monthly/export?month=2026-10`)).bytes, { type: 'buffer' })
    expect(id.SheetNames).toEqual(['Absensi harian', 'Per anggota', 'Per departemen', 'Keterlambatan', 'Keterangan'])
    expect(sheetRows(id, 1)[0]![0]).toBe('Nama')
  })

  it('exports the daily list to .xlsx and .csv with the same rows, formula-like cells neutralised', async () => {
    const r = await daily('date=2026-10-20')
    const file = await download(a.support, `/api/organizations/${a.id}/reports/daily/export?date=2026-10-20&format=xlsx&lang=en`)
    expect(file.status).toBe(200)
    const book = XLSX.read(file.bytes, { type: 'buffer', cellDates: true })
    expect(book.SheetNames[0]).toBe('Daily 2026-10-20')
    const rows = sheetRows(book, 0)
    expect(rows[0]).toEqual(['Name', 'Member no.', 'Department', 'Status', 'Check-in', 'Check-out', 'Late (min)', 'Hours worked', 'Location', 'Notes'])
    expect(rows.slice(1)).toEqual([
      ['Ani Lestari', 'A-01', 'Tata Usaha', 'Absent', null, null, 0, 0, null, null],
      ['Budi Santoso', 'B-02', 'Kelas Pagi', 'Absent', null, null, 0, 0, null, null],
      ['Citra Dewi', '\'=1+2', null, 'On time', clock('07:59'), clock('16:00'), 0, 8.02, null, 'Left early'],
    ])
    expect(rows.length - 1).toBe(r.rows.length)

    const csv = await download(a.admin, `/api/organizations/${a.id}/reports/daily/export?date=2026-10-05&format=csv&lang=en`)
    expect(csv.status).toBe(200)
    expect(csv.type).toBe('text/csv; charset=utf-8')
    expect(csv.disposition).toContain('attendance-daily-2026-10-05.csv')
    const text = csv.bytes.toString('utf8')
    expect(text.startsWith('\uFEFF')).toBe(true)
    expect(text.slice(1).split('\r\n')).toEqual([
      'Name,Member no.,Department,Status,Check-in,Check-out,Late (min),Hours worked,Location,Notes',
      'Ani Lestari,A-01,Tata Usaha,Late,08:16,,16,0,,"No face data, Waiting for review"',
      'Budi Santoso,B-02,Kelas Pagi,Late,07:20,13:05,20,5.75,Gerbang Utama,',
      '',
    ])

    // Monthly CSV: one table at a time; the member number "=1+2" cannot run as a formula.
    const members = (await download(a.admin, `/api/organizations/${a.id}/reports/monthly/export?month=2026-10&format=csv&table=members`)).bytes.toString('utf8')
    expect(members).toContain('Citra Dewi,\'=1+2,,11,2,0,0,0,0,9,0,0,12.02')
    expect(members).not.toMatch(/,=1\+2/)
    const depts = (await download(a.admin, `/api/organizations/${a.id}/reports/monthly/export?month=2026-10&format=csv&table=departments&lang=en`)).bytes.toString('utf8')
    expect(depts.trim().split('\r\n').pop()).toBe('Total,3,60,5,4,0,1,0,51,0,72,42.53,180')
    const late = await download(a.admin, `/api/organizations/${a.id}/reports/monthly/export?month=2026-10&format=csv&table=late`)
    expect(late.disposition).toContain('rekap-kehadiran-2026-10-late.csv')
    expect(late.bytes.toString('utf8').trim().split('\r\n')).toHaveLength(5)

    // Every export is in the audit log: who took which report out, with which filters.
    const logged = await t.db.select().from(auditLog).where(eq(auditLog.action, 'report.export'))
    expect(logged.filter((e) => e.organizationId === a.id).length).toBeGreaterThanOrEqual(5)
    expect(logged).toContainEqual(expect.objectContaining({ organizationId: a.id, entityId: 'daily', details: expect.objectContaining({ report: 'daily', format: 'csv', date: '2026-10-05', rows: 2 }) }))
  })

  it('refuses bad periods and parameters with 422, roles without report:generate with 403, other organizations with 404', async () => {
    for (const q of ['month=2026-13', 'month=2026-1', 'month=oktober', 'month=1999-12', 'month=2026-10-01']) {
      const res = await a.admin.get(`/api/organizations/${a.id}/reports/monthly?${q}`)
      expect(res.status, q).toBe(422)
      expect(res.body.error.code).toBe('VALIDATION_FAILED')
      expect(res.body.error.details[0].path).toBe('month')
    }
    for (const q of ['date=2026-02-30', 'date=20-10-2026', 'status=excused', 'department_id=abc', 'location_id=-1']) {
      expect((await a.admin.get(`/api/organizations/${a.id}/reports/daily?${q}`)).status, q).toBe(422)
    }
    expect((await a.admin.get(`/api/organizations/${a.id}/reports/monthly/export?month=2026-10&format=pdf`)).status).toBe(422)
    expect((await a.admin.get(`/api/organizations/${a.id}/reports/monthly/export?month=2026-10&format=csv&table=all`)).status).toBe(422)
    expect((await a.admin.get(`/api/organizations/${a.id}/reports/monthly/export?month=2026-13`)).status).toBe(422)

    for (const path of ['reports/daily', 'reports/daily/export', 'reports/monthly', 'reports/monthly/export']) {
      for (const who of [a.member, a.petugas]) {
        const res = await who.get(`/api/organizations/${a.id}/${path}?month=2026-10`)
        expect(res.status, path).toBe(403)
        expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'report:generate' } })
      }
      const foreign = await b.admin.get(`/api/organizations/${a.id}/${path}?month=2026-10`)
      expect(foreign.status, path).toBe(404)
      expect(JSON.stringify(foreign.body)).not.toContain('Ani')
      expect((await t.agent().get(`/api/organizations/${a.id}/${path}`)).status).toBe(401)
    }
    // Organization B sees only its own member in its own report.
    const bReport = (await b.admin.get(`/api/organizations/${b.id}/reports/monthly?month=2026-10`)).body.data as MonthlyReport
    expect(bReport.members.map((m) => m.name)).toEqual(['Bambang'])
    expect(bReport.totals).toMatchObject({ late: 1, late_minutes: 60 })
  })

  it('defaults to today and this month in the organization zone', async () => {
    const r = await daily('')
    expect(r.date).toBe(r.today)
    const m = await monthly('')
    expect(m.month).toBe(m.today.slice(0, 7))
  })
})
