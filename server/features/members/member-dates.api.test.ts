import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { organizationMembers } from '../../db/schema'
import { memberFirstDay, toLocal } from '../../../shared/attendance/rules'
import { dailyReport, monthlyRecap } from '../reports/reports.service'
import { attendanceToday } from '../attendance/admin/attendance-today'

/**
 * Members join and leave on a date (issue 17 item 4): nobody is absent before their first day or after their last.
 * Organization hours 08:00-16:00 Monday to Friday, Jakarta. September 2026 has 22 weekdays.
 */
describe('a member’s first and last day', () => {
  let t: TestApp
  let a: OrgWorld
  const at = (date: string, time: string) => new Date(`${date}T${time}:00+07:00`)
  const url = (path = '') => `/api/organizations/${a.id}/members${path}`

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
  })
  afterAll(() => t.close())

  it('are set, changed and cleared by an admin, and a range that runs backwards is refused without a change', async () => {
    const created = await a.admin.post(url(), { name: 'Guru honorer', role: 'member', start_date: '2026-09-07', end_date: '2026-09-18' })
    expect(created.status).toBe(201)
    const id = created.body.data.id
    expect((await a.admin.get(url(`/${id}`))).body.data).toMatchObject({ start_date: '2026-09-07', end_date: '2026-09-18' })
    expect((await a.admin.post(url(), { name: 'X', role: 'member', start_date: '2026-09-07', end_date: '2026-09-06' })).status).toBe(422)
    // Only the end, earlier than the stored start: refused, nothing changed.
    const refused = await a.admin.patch(url(`/${id}`), { end_date: '2026-09-01' })
    expect(refused.status).toBe(422)
    expect(refused.body.error.details[0].path).toBe('end_date')
    expect((await a.admin.get(url(`/${id}`))).body.data).toMatchObject({ start_date: '2026-09-07', end_date: '2026-09-18' })
    expect((await a.admin.patch(url(`/${id}`), { end_date: null })).status).toBe(200)
    expect((await a.admin.get(url(`/${id}`))).body.data).toMatchObject({ start_date: '2026-09-07', end_date: null })
    await a.admin.patch(url(`/${id}`), { end_date: '2026-09-18' })
    expect((await a.support.patch(url(`/${id}`), { end_date: null })).status).toBe(403)
  })

  it('the reports count a member only between them, and one who left still in the days before', async () => {
    const id = (await a.admin.get(url('?q=Guru'))).body.data.members[0].id
    const recap = await monthlyRecap(t.db, a.id, { month: '2026-09' }, at('2026-10-05', '10:00'))
    // 7 to 18 September: 10 weekdays.
    expect(recap.members.find((m) => m.member_id === id)).toMatchObject({ working_days: 10, absent: 10 })
    expect((await monthlyRecap(t.db, a.id, { month: '2026-10' }, at('2026-10-20', '10:00'))).members.find((m) => m.member_id === id)).toBeUndefined()
    // Deactivated after leaving: September still shows them.
    await a.admin.patch(url(`/${id}`), { status: 'inactive' })
    expect((await monthlyRecap(t.db, a.id, { month: '2026-09' }, at('2026-10-05', '10:00'))).members.find((m) => m.member_id === id)).toMatchObject({ working_days: 10 })
    expect((await dailyReport(t.db, a.id, { date: '2026-09-04' }, at('2026-10-05', '10:00'))).rows.find((r) => r.member_id === id)).toBeUndefined()
    expect((await dailyReport(t.db, a.id, { date: '2026-09-07' }, at('2026-10-05', '10:00'))).rows.find((r) => r.member_id === id)).toMatchObject({ status: 'absent' })
  })

  it('someone added in the evening is not absent that day, only from the next', async () => {
    const id = (await a.admin.post(url(), { name: 'Siswa baru', role: 'member' })).body.data.id
    // Added on Tuesday 6 October 2026 at 22:05 in Jakarta; another at 07:30 the same day (before work).
    await t.db.update(organizationMembers).set({ createdAt: at('2026-10-06', '22:05') }).where(eq(organizationMembers.id, id))
    const early = (await a.admin.post(url(), { name: 'Siswa pagi', role: 'member' })).body.data.id
    await t.db.update(organizationMembers).set({ createdAt: at('2026-10-06', '07:30') }).where(eq(organizationMembers.id, early))
    const tuesday = await dailyReport(t.db, a.id, { date: '2026-10-06' }, at('2026-10-06', '23:00'))
    expect(tuesday.rows.find((r) => r.member_id === id)).toBeUndefined()
    expect(tuesday.rows.find((r) => r.member_id === early)).toMatchObject({ status: 'absent' })
    const wednesday = await dailyReport(t.db, a.id, { date: '2026-10-07' }, at('2026-10-07', '17:00'))
    expect(wednesday.rows.find((r) => r.member_id === id)).toMatchObject({ status: 'absent' })
    // Today at a glance follows the same rule.
    const glance = await attendanceToday(t.db, a.id, at('2026-10-06', '23:00'))
    const later = await attendanceToday(t.db, a.id, at('2026-10-07', '17:00'))
    expect(later.totals.members - glance.totals.members).toBe(1)
    // The one rule, as the glance and the grid both apply it.
    const schedule = { startTime: '08:00' }
    expect(memberFirstDay({ startDate: null, added: toLocal(at('2026-10-06', '22:05'), 'Asia/Jakarta'), schedule })).toBe('2026-10-07')
    expect(memberFirstDay({ startDate: null, added: toLocal(at('2026-10-06', '07:30'), 'Asia/Jakarta'), schedule })).toBe('2026-10-06')
    expect(memberFirstDay({ startDate: '2026-09-01', added: toLocal(at('2026-10-06', '07:30'), 'Asia/Jakarta'), schedule })).toBe('2026-09-01')
  })
})
