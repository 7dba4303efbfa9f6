import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../../tools/test-support/fixtures'
import { attendanceRecordHistory, attendanceRecords } from '../../../db/schema'
import { addDays, isoWeekday } from '../../../../shared/calendar'
import { toLocal } from '../../../../shared/attendance/rules'
import { nationalHolidaysBetween } from '../../../../shared/holidays/national'
import { overtimeTotals } from './attendance-overtime'

/**
 * Overtime (issue 17 item 6), for an organization working 08:00-16:00 Monday to Friday with overtime counted from 30
 * minutes: past the end of the day's hours (a night shift's end is the next morning), every minute on a day off; where
 * the organization wants it, only what an admin approved counts.
 */
describe('overtime', () => {
  let t: TestApp
  let a: OrgWorld
  let nurse = 0
  // A Wednesday and the Saturday after it, in the last weeks, no national holiday that week.
  const today = toLocal(new Date(), 'Asia/Jakarta').date
  let wednesday = addDays(today, -7)
  while (isoWeekday(wednesday) !== 3) wednesday = addDays(wednesday, -1)
  while (nationalHolidaysBetween(wednesday, addDays(wednesday, 3)).length > 0) wednesday = addDays(wednesday, -7)
  const thursday = addDays(wednesday, 1)
  const saturday = addDays(wednesday, 3)
  const month = wednesday.slice(0, 7)
  const base = () => `/api/organizations/${a.id}`
  const ids = { long: 0, short: 0, saturday: 0, night: 0 }

  async function manual(memberId: number, date: string, checkIn: string, checkOut: string): Promise<number> {
    const res = await a.admin.post(`${base()}/attendance`, { member_id: memberId, attendance_date: date, check_in_time: checkIn, check_out_time: checkOut, reason: 'Dicatat dari daftar hadir' })
    expect(res.status).toBe(201)
    return res.body.data.id
  }
  const overtime = async (query = '') => (await a.admin.get(`${base()}/overtime?month=${month}${query}`)).body.data

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    nurse = (await a.admin.post(`${base()}/members`, { name: 'Perawat Sinta', member_number: 'N-1', role: 'member' })).body.data.id
    const night = (await a.admin.post(`${base()}/shift-types`, { name: 'Malam', code: 'M', start_time: '22:00', end_time: '06:00' })).body.data.id
    await a.admin.put(`${base()}/roster`, { cells: [{ member_id: nurse, date: wednesday, shift_type_id: night }] })
    ids.long = await manual(a.memberId, wednesday, '08:00', '17:10')
    ids.short = await manual(a.memberId, thursday, '08:00', '16:20')
    ids.saturday = await manual(a.memberId, saturday, '09:00', '12:00')
    ids.night = await manual(nurse, wednesday, '22:00', '07:30')
  })
  afterAll(() => t.close())

  it('counts minutes past the day’s end, every minute of a day off, and a night’s morning after', async () => {
    const data = await overtime()
    expect(data).toMatchObject({ approval: false, minimum: 30 })
    const day = (id: number) => data.days.find((d: { record_id: number }) => d.record_id === id)
    expect(day(ids.long)).toMatchObject({ date: wednesday, end_time: '16:00', overtime_minutes: 70, status: 'counted', counted_minutes: 70 })
    // 20 minutes are under the organization's 30: no overtime.
    expect(day(ids.short)).toBeUndefined()
    expect(day(ids.saturday)).toMatchObject({ end_time: null, overtime_minutes: 180, counted_minutes: 180 })
    // The night shift ends at 06:00 the next morning: out at 07:30 is 90 minutes of overtime.
    expect(day(ids.night)).toMatchObject({ end_time: '06:00', overtime_minutes: 90, counted_minutes: 90 })
    expect(data.members.find((m: { member_id: number }) => m.member_id === a.memberId)).toMatchObject({ days: 2, overtime_minutes: 250, counted_minutes: 250, pending: 0 })
    expect((await overtimeTotals(t.db, a.id, `${month}-01`, `${month}-28`)).get(nurse)).toBe(90)
  })

  it('with approval, counts only what an admin approved, and keeps each decision in the record’s history', async () => {
    expect((await a.admin.patch(`${base()}/settings`, { overtime_approval: true, overtime_minimum_minutes: 15 })).status).toBe(200)
    let data = await overtime()
    expect(data).toMatchObject({ approval: true, minimum: 15 })
    // From 15 minutes, Thursday's 20 count too; everything waits for a decision.
    expect(data.days.map((d: { status: string }) => d.status)).toEqual(['pending', 'pending', 'pending', 'pending'])
    expect(data.members.find((m: { member_id: number }) => m.member_id === a.memberId)).toMatchObject({ days: 3, counted_minutes: 0, pending: 3 })
    expect((await overtime('&status=pending')).days).toHaveLength(4)

    const tooMany = await a.admin.post(`${base()}/attendance/${ids.long}/overtime`, { decision: 'approved', minutes: 71 })
    expect(tooMany.status).toBe(422)
    const approved = await a.admin.post(`${base()}/attendance/${ids.long}/overtime`, { decision: 'approved', minutes: 60, note: 'Rapat sampai 17.00' })
    expect(approved.status).toBe(200)
    expect(approved.body.data).toMatchObject({ status: 'approved', overtime_minutes: 70, counted_minutes: 60 })
    expect((await a.admin.post(`${base()}/attendance/${ids.saturday}/overtime`, { decision: 'rejected', note: 'Tidak diminta' })).status).toBe(200)
    expect((await a.admin.post(`${base()}/attendance/${ids.night}/overtime`, { decision: 'approved' })).status).toBe(200)
    // Refusals change nothing: no overtime on the day, no permission, another organization's record.
    const none = await manual(a.memberId, addDays(wednesday, -1), '08:00', '16:00')
    expect((await a.admin.post(`${base()}/attendance/${none}/overtime`, { decision: 'approved' })).body.error.code).toBe('NO_OVERTIME')
    expect((await a.member.post(`${base()}/attendance/${ids.short}/overtime`, { decision: 'approved' })).status).toBe(403)
    const b = await buildOrg(t, 'b')
    expect((await b.admin.post(`/api/organizations/${b.id}/attendance/${ids.short}/overtime`, { decision: 'approved' })).status).toBe(404)

    data = await overtime()
    const mine = data.members.find((m: { member_id: number }) => m.member_id === a.memberId)
    expect(mine).toMatchObject({ counted_minutes: 60, pending: 1 })
    expect((await overtimeTotals(t.db, a.id, `${month}-01`, `${month}-28`)).get(nurse)).toBe(90)
    const [row] = await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.id, ids.long))
    expect(row).toMatchObject({ overtimeDecision: 'approved', overtimeMinutes: 60 })
    const history = await t.db.select().from(attendanceRecordHistory).where(and(eq(attendanceRecordHistory.attendanceRecordId, ids.long), eq(attendanceRecordHistory.action, 'overtime')))
    expect(history).toHaveLength(1)
    expect(history[0]).toMatchObject({ reason: 'Rapat sampai 17.00', after: { overtime_decision: 'approved', overtime_minutes: 60, overtime_worked: 70 } })
  })
})
