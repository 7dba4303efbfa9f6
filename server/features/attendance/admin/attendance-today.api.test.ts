import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../../tools/test-support/fixtures'
import { createMember } from '../../members/members.service'
import { attendanceRecords, departments, leaveRequests, organizationMembers, workSchedules } from '../../../db/schema'
import { attendanceToday, attendanceTrend } from './attendance-today'

// Monday 16 November 2026 in Jakarta (UTC+7); the organization works Monday to Friday, 08:00–16:00.
const at = (time: string) => new Date(`2026-11-16T${time}:00+07:00`)

describe('today at a glance and the attendance trend', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  const m: Record<string, number> = {}
  let office: number
  let weekend: number

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    office = (await t.db.insert(departments).values({ organizationId: a.id, name: 'Kantor' }).returning())[0]!.id
    const schedule = (await t.db.insert(workSchedules).values({ organizationId: a.id, name: 'Akhir pekan', workDays: [6, 7], startTime: '09:00', endTime: '13:00' }).returning())[0]!.id
    weekend = (await t.db.insert(departments).values({ organizationId: a.id, name: 'Satpam akhir pekan', workScheduleId: schedule }).returning())[0]!.id
    await t.db.transaction(async (tx) => {
      for (const [key, dept] of [['onTime', office], ['late', office], ['waiting', office], ['checking', office], ['excusedRecord', office], ['rejected', null], ['onLeave', office], ['weekend', weekend], ['inactive', office]] as const) {
        m[key] = await createMember(tx, a.id, { name: key, email: null, phone: null, member_number: key, department_id: dept, role: 'member' })
      }
    })
    await t.db.update(organizationMembers).set({ status: 'inactive' }).where(eq(organizationMembers.id, m.inactive!))
    // Everyone joined well before the days under test.
    await t.db.update(organizationMembers).set({ createdAt: new Date('2026-10-01T00:00:00Z') }).where(eq(organizationMembers.organizationId, a.id))
    const rec = (memberId: number, date: string, over: Partial<typeof attendanceRecords.$inferInsert> = {}) => ({
      organizationId: a.id,
      organizationMemberId: memberId,
      attendanceDate: date,
      checkInTime: '07:50:00',
      status: 'present' as const,
      source: 'mobile' as const,
      ...over,
    })
    await t.db.insert(attendanceRecords).values([
      rec(m.onTime!, '2026-11-16'),
      rec(m.late!, '2026-11-16', { checkInTime: '08:40:00', status: 'late', flags: ['late'] }),
      // Not decided yet: one waits for a person's review, one for the server's check of its images.
      rec(m.waiting!, '2026-11-16', { approvalStatus: 'pending', assuranceLevel: 'medium' }),
      rec(m.checking!, '2026-11-16', { checkInTime: '08:35:00', status: 'late', approvalStatus: 'verifying' }),
      rec(m.excusedRecord!, '2026-11-16', { checkInTime: null, status: 'excused', source: 'manual' }),
      rec(m.rejected!, '2026-11-16', { approvalStatus: 'rejected' }),
      // A petugas-only account and an inactive member are not expected; their records do not count.
      rec(a.petugasId, '2026-11-16'),
      rec(m.inactive!, '2026-11-16'),
      // Friday
      rec(m.onTime!, '2026-11-13'),
      rec(m.late!, '2026-11-13', { checkInTime: '08:30:00', status: 'late' }),
      rec(m.waiting!, '2026-11-13', { approvalStatus: 'pending' }),
    ])
    await t.db.insert(leaveRequests).values({ organizationId: a.id, organizationMemberId: m.onLeave!, kind: 'sick', startDate: '2026-11-13', endDate: '2026-11-16', reason: 'Demam', status: 'approved' })
    // Another organization's day is its own.
    await t.db.insert(attendanceRecords).values({ organizationId: b.id, organizationMemberId: b.memberId, attendanceDate: '2026-11-16', checkInTime: '09:00:00', status: 'late', source: 'mobile' })
  })
  afterAll(() => t.close())

  it('counts present, late, excused, not yet in and day off, in total and per department', async () => {
    const today = await attendanceToday(t.db, a.id, at('10:00'))
    expect(today).toMatchObject({ date: '2026-11-16', time: '10:00', timezone: 'Asia/Jakarta', pending_review: 1, verifying: 1 })
    // Expected: the 8 active members made here plus "Member a". Only approved records are attendance: the one waiting
    // for review and the one being checked are counted apart, and the rejected record does not count.
    expect(today.totals).toEqual({ members: 9, present: 1, late: 1, pending: 1, verifying: 1, excused: 2, sick: 1, permit: 1, leave: 0, not_yet: 2, absent: 0, day_off: 1, holiday: 0, attended: 2, rate: 0.333 })
    const byName = Object.fromEntries(today.departments.map((d) => [d.name ?? '-', d]))
    expect(byName.Kantor).toMatchObject({ id: office, members: 6, present: 1, late: 1, pending: 1, verifying: 1, excused: 2, sick: 1, permit: 1, leave: 0, not_yet: 0, attended: 2, rate: 0.5 })
    expect(byName['Satpam akhir pekan']).toMatchObject({ id: weekend, members: 1, day_off: 1, rate: null })
    expect(byName['-']).toMatchObject({ id: null, members: 2, not_yet: 2, rate: 0 })
    expect(today.departments.map((d) => d.name)).toEqual(['Kantor', 'Satpam akhir pekan', null])
  })

  it('turns "not yet in" into "absent" once the working day has ended', async () => {
    const evening = await attendanceToday(t.db, a.id, at('17:00'))
    expect(evening.totals).toMatchObject({ not_yet: 0, absent: 2, present: 1, late: 1, pending: 1, verifying: 1 })
  })

  it('gives the attendance rate per day for the last days, from the schedules', async () => {
    const trend = await attendanceTrend(t.db, a.id, 7, at('10:00'))
    expect(trend.today).toBe('2026-11-16')
    expect(trend.days.map((d) => d.date)).toEqual(['2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16'])
    const day = Object.fromEntries(trend.days.map((d) => [d.date, d]))
    // Friday: eight office-hours members due, two came, one more waits for review, one on sick leave, four absent.
    expect(day['2026-11-13']).toEqual({ date: '2026-11-13', scheduled: 8, present: 1, late: 1, waiting: 1, excused: 1, absent: 4, not_yet: 0, rate: 0.286, holiday: null })
    // Saturday: only the weekend guard is due, and did not come.
    expect(day['2026-11-14']).toMatchObject({ scheduled: 1, absent: 1, rate: 0 })
    // Tuesday: nobody came.
    expect(day['2026-11-10']).toMatchObject({ scheduled: 8, absent: 8, rate: 0 })
    // Today so far: as today at a glance counts it (those still missing are "not yet", the undecided wait, the rejected
    // record does not count).
    expect(day['2026-11-16']).toEqual({ date: '2026-11-16', scheduled: 8, present: 1, late: 1, waiting: 2, excused: 2, absent: 0, not_yet: 2, rate: 0.333, holiday: null })
  })

  it('answers through the API for every dashboard role, and only for the own organization', async () => {
    for (const who of [a.admin, a.support, a.manager]) {
      const today = await who.get(`/api/organizations/${a.id}/attendance/today`)
      expect(today.status).toBe(200)
      expect(today.body.data.totals).toMatchObject({ members: 9 })
      const trend = await who.get(`/api/organizations/${a.id}/attendance/trend?days=30`)
      expect(trend.status).toBe(200)
      expect(trend.body.data.days).toHaveLength(30)
    }
    expect((await a.admin.get(`/api/organizations/${a.id}/attendance/trend`)).body.data.days).toHaveLength(30)
    expect((await a.admin.get(`/api/organizations/${a.id}/attendance/trend?days=0`)).status).toBe(422)
    expect((await a.admin.get(`/api/organizations/${a.id}/attendance/trend?days=91`)).status).toBe(422)
    expect((await a.admin.get(`/api/organizations/${a.id}/attendance/trend?days=x`)).status).toBe(422)
    expect((await b.admin.get(`/api/organizations/${a.id}/attendance/today`)).status).toBe(404)
    expect((await a.member.get(`/api/organizations/${a.id}/attendance/today`)).status).toBe(403)
    const bToday = await attendanceToday(t.db, b.id, at('10:00'))
    expect(bToday.totals).toMatchObject({ members: 1, late: 1 })
  })

  it('lists the filter choices: departments, locations and who records attendance', async () => {
    const res = await a.support.get(`/api/organizations/${a.id}/attendance/options`)
    expect(res.status).toBe(200)
    expect(res.body.data.departments.map((d: { name: string }) => d.name)).toEqual(['Kantor', 'Satpam akhir pekan'])
    expect(res.body.data.recorders.map((r: { name: string }) => r.name).sort()).toEqual(['Admin a', 'Petugas a'])
    expect(res.body.data).toMatchObject({ timezone: 'Asia/Jakarta', today: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), locations: [] })
    expect((await b.admin.get(`/api/organizations/${a.id}/attendance/options`)).status).toBe(404)
  })
})
