import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { attendanceRecords, organizationMembers } from '../../db/schema'
import { addDays, isoWeekday } from '../../../shared/calendar'
import { toLocal } from '../../../shared/attendance/rules'
import { nationalHolidaysBetween } from '../../../shared/holidays/national'
import { dailyReport, monthlyRecap } from '../reports/reports.service'
import { attendanceToday, attendanceTrend } from '../attendance/admin/attendance-today'

/**
 * A day off is never an absence (issue 17 item 1). August 2026 in Jakarta: Monday 17 August and Tuesday 25 August
 * (Maulid Nabi) are national holidays,
 * "Libur SMA" (the organization's own) is Tuesday 18 to Wednesday 19 August for the SMA department only, and Friday
 * 21 August is the organization's own day off for everyone. Everyone joined in July; organization hours Monday to
 * Friday. Sari (SMA) comes in anyway on 17 August: a record on a holiday still counts. Organization B works on
 * 17 August (it opted the day out), so its member is absent there.
 */
describe('days off in the rules: reports, today at a glance, the trend, leave', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  let sma = 0
  let sari = 0
  let tono = 0
  const at = (date: string, time: string) => new Date(`${date}T${time}:00+07:00`)

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    sma = (await a.admin.post(`/api/organizations/${a.id}/departments`, { name: 'SMA' })).body.data.id
    const smp = (await a.admin.post(`/api/organizations/${a.id}/departments`, { name: 'SMP' })).body.data.id
    sari = (await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'Sari', member_number: 'S-1', department_id: sma, role: 'member' })).body.data.id
    tono = (await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'Tono', member_number: 'T-1', department_id: smp, role: 'member' })).body.data.id
    expect((await a.admin.post(`/api/organizations/${a.id}/holidays`, { name: 'Libur SMA', start_date: '2026-08-18', end_date: '2026-08-19', department_ids: [sma] })).status).toBe(201)
    expect((await a.admin.post(`/api/organizations/${a.id}/holidays`, { name: 'Milad yayasan', start_date: '2026-08-21', end_date: '2026-08-21' })).status).toBe(201)
    expect((await b.admin.put(`/api/organizations/${b.id}/national-holidays`, { date: '2026-08-17', observed: false })).status).toBe(200)
    for (const org of [a, b]) await t.db.update(organizationMembers).set({ createdAt: new Date('2026-07-01T00:00:00Z') }).where(eq(organizationMembers.organizationId, org.id))
    await t.db.insert(attendanceRecords).values({ organizationId: a.id, organizationMemberId: sari, attendanceDate: '2026-08-17', checkInTime: '07:40:00', checkOutTime: '12:00:00', status: 'present', source: 'mobile' })
  })
  afterAll(() => t.close())

  it('the daily report says "holiday" with its name, never absent, and counts a record on a holiday', async () => {
    const national = await dailyReport(t.db, a.id, { date: '2026-08-17' }, at('2026-08-20', '18:00'))
    const byName = Object.fromEntries(national.rows.map((r) => [r.name, r]))
    expect(byName.Sari).toMatchObject({ status: 'present', holiday: 'Proklamasi Kemerdekaan' })
    expect(byName.Tono).toMatchObject({ status: 'holiday', holiday: 'Proklamasi Kemerdekaan' })
    expect(national.summary).toMatchObject({ absent: 0, holiday: national.rows.length - 1, present: 1 })

    const departmentDay = await dailyReport(t.db, a.id, { date: '2026-08-18' }, at('2026-08-20', '18:00'))
    const rows = Object.fromEntries(departmentDay.rows.map((r) => [r.name, r]))
    expect(rows.Sari).toMatchObject({ status: 'holiday', holiday: 'Libur SMA' })
    expect(rows.Tono).toMatchObject({ status: 'absent', holiday: null })

    // Organization B works on 17 August: its member without a record is absent there.
    const worked = await dailyReport(t.db, b.id, { date: '2026-08-17' }, at('2026-08-20', '18:00'))
    expect(worked.rows.find((r) => r.member_id === b.memberId)).toMatchObject({ status: 'absent', holiday: null })
  })

  it('the monthly recap leaves days off out of the working days and counts them apart', async () => {
    const recap = await monthlyRecap(t.db, a.id, { month: '2026-08' }, at('2026-09-02', '10:00'))
    const byName = Object.fromEntries(recap.members.map((m) => [m.name, m]))
    // August 2026 has 21 weekdays. Everyone: 17, 21 and 25 August off. Sari (SMA) also 18 and 19; her record on the
    // 17th counts as present, not as a working day.
    expect(byName.Tono).toMatchObject({ working_days: 18, holidays: 3, absent: 18, present: 0 })
    expect(byName.Sari).toMatchObject({ working_days: 16, holidays: 5, absent: 16, present: 1 })
    // Organization B works on the 17th and has no days of its own: only Maulid Nabi is off.
    const recapB = await monthlyRecap(t.db, b.id, { month: '2026-08' }, at('2026-09-02', '10:00'))
    expect(recapB.members.find((m) => m.member_id === b.memberId)).toMatchObject({ working_days: 20, holidays: 1, absent: 20 })
  })

  it('today at a glance and the trend do not expect anyone on a day off', async () => {
    const today = await attendanceToday(t.db, a.id, at('2026-08-21', '17:00'))
    expect(today.holiday).toEqual({ name: 'Milad yayasan', kind: 'organization' })
    expect(today.totals).toMatchObject({ absent: 0, rate: null })
    expect(today.totals.holiday).toBe(today.totals.members)
    const sma18 = await attendanceToday(t.db, a.id, at('2026-08-18', '17:00'))
    expect(sma18.holiday).toBeNull()
    expect(sma18.departments.find((d) => d.name === 'SMA')).toMatchObject({ holiday: 1, absent: 0 })
    expect(sma18.departments.find((d) => d.name === 'SMP')).toMatchObject({ holiday: 0, absent: 1 })

    const trend = await attendanceTrend(t.db, a.id, 7, at('2026-08-21', '17:00'))
    const day = (date: string) => trend.days.find((d) => d.date === date)!
    expect(day('2026-08-17')).toMatchObject({ holiday: 'Proklamasi Kemerdekaan', scheduled: 0, absent: 0, rate: null })
    expect(day('2026-08-18').absent).toBe(day('2026-08-18').scheduled) // SMA is off: only the others are due
    expect(day('2026-08-18').scheduled).toBe(day('2026-08-20').scheduled - 1)
    expect(day('2026-08-21')).toMatchObject({ holiday: 'Milad yayasan', scheduled: 0 })
  })

  it('approved leave does not use up a day off', async () => {
    // A Wednesday off for everyone a few weeks ahead; leave from the Tuesday to the Thursday around it.
    const today = toLocal(new Date(), 'Asia/Jakarta').date
    // (a week without national days: 24 December, say, is cuti bersama)
    let wednesday = addDays(today, 14)
    while (isoWeekday(wednesday) !== 3 || nationalHolidaysBetween(addDays(wednesday, -1), addDays(wednesday, 1)).length > 0) wednesday = addDays(wednesday, 1)
    const [tuesday, thursday] = [addDays(wednesday, -1), addDays(wednesday, 1)]
    expect((await a.admin.post(`/api/organizations/${a.id}/holidays`, { name: 'Rapat yayasan', start_date: wednesday, end_date: wednesday })).status).toBe(201)
    const asked = await a.member.post('/api/leave-requests', { kind: 'leave', start_date: tuesday, end_date: thursday, reason: 'Acara keluarga' })
    expect(asked.status).toBe(201)
    const approved = await a.admin.post(`/api/organizations/${a.id}/leave-requests/${asked.body.data.id}/approve`, {})
    expect(approved.status).toBe(200)
    expect(approved.body.data.excuse).toEqual([tuesday, thursday])
    expect(approved.body.data.skipped).toEqual([{ date: wednesday, reason: 'holiday' }])
    expect(tono).toBeGreaterThan(0)
  })

  it('someone who comes on a day off is present, never late nor gone early', async () => {
    const today = toLocal(new Date(), 'Asia/Jakarta').date
    let off = addDays(today, -1)
    let normal = addDays(today, -2)
    while (nationalHolidaysBetween(normal, normal).length > 0 || nationalHolidaysBetween(off, off).length > 0) {
      off = addDays(off, -2)
      normal = addDays(normal, -2)
    }
    expect((await a.admin.post(`/api/organizations/${a.id}/holidays`, { name: 'Libur sekolah', start_date: off, end_date: off })).status).toBe(201)
    const sync = (records: { kind: 'check_in' | 'check_out'; at: string }[]) =>
      a.member.post('/api/attendance/sync', { device_id: 'phone-holiday', sent_at: new Date().toISOString(), records: records.map((r) => ({ client_id: crypto.randomUUID(), member_id: a.memberId, kind: r.kind, captured_at: r.at })) })
    const res = await sync([
      { kind: 'check_in', at: `${normal}T09:30:00+07:00` },
      { kind: 'check_in', at: `${off}T09:30:00+07:00` },
      { kind: 'check_out', at: `${off}T11:00:00+07:00` },
    ])
    expect(res.status).toBe(200)
    const rows = await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.organizationMemberId, a.memberId))
    const on = (date: string) => rows.find((r) => r.attendanceDate === date)!
    expect(on(normal)).toMatchObject({ status: 'late' })
    expect(on(normal).flags).toContain('late')
    expect(on(off)).toMatchObject({ status: 'present', checkInTime: '09:30:00', checkOutTime: '11:00:00' })
    expect(on(off).flags).not.toContain('late')
    expect(on(off).flags).not.toContain('left_early')
  })
})
