import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { attendanceRecords, organizationMembers, workSchedules } from '../../db/schema'
import { addDays, isoWeekday } from '../../../shared/calendar'
import { toLocal } from '../../../shared/attendance/rules'
import { nationalHolidaysBetween } from '../../../shared/holidays/national'
import { dailyReport, monthlyRecap } from '../reports/reports.service'
import { attendanceToday } from '../attendance/admin/attendance-today'
import { runMaintenance } from '../attendance/maintenance'

/**
 * Weekday hours (issue 17 item 2): a schedule of Monday to Saturday, 07:00-15:00, late after 10 minutes, with a short
 * Friday that starts earlier (06:30-11:00) and a half-day Saturday (07:00-12:00). Every rule about a day follows that
 * day's hours: late, left early, not yet vs absent, the forgotten check-out, the report's late minutes.
 */
describe('a schedule with hours per weekday', () => {
  let t: TestApp
  let a: OrgWorld
  let scheduleId = 0
  let department = 0
  let other = 0
  const at = (date: string, time: string) => new Date(`${date}T${time}:00+07:00`)
  // The latest Friday before today, and the Thursday before it, neither a national holiday (on one nobody is late).
  const today = toLocal(new Date(), 'Asia/Jakarta').date
  let friday = addDays(today, -1)
  while (isoWeekday(friday) !== 5) friday = addDays(friday, -1)
  while (nationalHolidaysBetween(addDays(friday, -1), friday).length > 0) friday = addDays(friday, -7)
  const thursday = addDays(friday, -1)

  const schedule = {
    name: 'Sekolah',
    work_days: [1, 2, 3, 4, 5, 6],
    start_time: '07:00',
    end_time: '15:00',
    late_tolerance_minutes: 10,
    day_hours: { 5: { start_time: '06:30', end_time: '11:00' }, 6: { start_time: '07:00', end_time: '12:00' } },
  }

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    const made = await a.admin.post(`/api/organizations/${a.id}/schedules`, schedule)
    expect(made.status).toBe(201)
    scheduleId = made.body.data.id
    department = (await a.admin.post(`/api/organizations/${a.id}/departments`, { name: 'Guru', work_schedule_id: scheduleId })).body.data.id
    expect((await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { department_id: department })).status).toBe(200)
    other = (await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'Budi', member_number: 'B-1', department_id: department, role: 'member' })).body.data.id
    await t.db.update(organizationMembers).set({ createdAt: new Date('2026-01-05T00:00:00Z') }).where(eq(organizationMembers.organizationId, a.id))
  })
  afterAll(() => t.close())

  it('keeps the days’ own hours, answers them with the schedule, and refuses bad ones without a change', async () => {
    const listed = (await a.admin.get(`/api/organizations/${a.id}/schedules`)).body.data.schedules.find((s: { id: number }) => s.id === scheduleId)
    expect(listed).toMatchObject({ start_time: '07:00', end_time: '15:00', day_hours: schedule.day_hours })

    const before = await t.db.select().from(workSchedules).where(eq(workSchedules.id, scheduleId))
    const backwards = await a.admin.patch(`/api/organizations/${a.id}/schedules/${scheduleId}`, { day_hours: { 5: { start_time: '11:00', end_time: '06:30' } } })
    expect(backwards.status).toBe(422)
    expect(JSON.stringify(backwards.body)).toContain('day_hours.5.end_time')
    const noSuchDay = await a.admin.patch(`/api/organizations/${a.id}/schedules/${scheduleId}`, { day_hours: { 8: { start_time: '07:00', end_time: '11:00' } } })
    expect(noSuchDay.status).toBe(422)
    const notATime = await a.admin.post(`/api/organizations/${a.id}/schedules`, { ...schedule, name: 'X', day_hours: { 5: { start_time: '7 pagi', end_time: '11:00' } } })
    expect(notATime.status).toBe(422)
    expect(await t.db.select().from(workSchedules).where(eq(workSchedules.id, scheduleId))).toEqual(before)
    expect((await t.db.select().from(workSchedules).where(eq(workSchedules.organizationId, a.id))).length).toBe(1)

    // A change of name keeps everything else (it used to put the days and tolerance back to their defaults); the
    // member's phone gets the day hours with its schedule.
    const renamed = await a.admin.patch(`/api/organizations/${a.id}/schedules/${scheduleId}`, { name: 'Sekolah (guru)' })
    expect(renamed.body.data).toMatchObject({ work_days: schedule.work_days, late_tolerance_minutes: 10, day_hours: schedule.day_hours })
    const context = await a.member.get('/api/attendance/context')
    expect(context.body.data.schedule).toMatchObject({ start_time: '07:00', end_time: '15:00', day_hours: schedule.day_hours })
  })

  it('judges a check-in and a check-out by the hours of their weekday', async () => {
    const res = await a.member.post('/api/attendance/sync', {
      device_id: 'phone-hours',
      sent_at: new Date().toISOString(),
      records: [
        // Thursday: 07:05 is within 07:00 + 10 minutes; leaving at 11:05 is four hours early.
        { kind: 'check_in', at: at(thursday, '07:05') },
        { kind: 'check_out', at: at(thursday, '11:05') },
        // Friday: work starts at 06:30, so 07:05 is 35 minutes late; it ends at 11:00, so 11:05 is not early.
        { kind: 'check_in', at: at(friday, '07:05') },
        { kind: 'check_out', at: at(friday, '11:05') },
      ].map((r) => ({ client_id: crypto.randomUUID(), member_id: a.memberId, kind: r.kind, captured_at: r.at.toISOString() })),
    })
    expect(res.status).toBe(200)
    const rows = await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.organizationMemberId, a.memberId))
    const on = (date: string) => rows.find((r) => r.attendanceDate === date)!
    expect(on(thursday)).toMatchObject({ status: 'present', checkInTime: '07:05:00', checkOutTime: '11:05:00' })
    expect(on(thursday).flags).toContain('left_early')
    expect(on(friday)).toMatchObject({ status: 'late', checkInTime: '07:05:00', checkOutTime: '11:05:00' })
    expect(on(friday).flags).not.toContain('left_early')

    // The reports count Friday's lateness from Friday's start.
    const daily = await dailyReport(t.db, a.id, { date: friday }, at(friday, '18:00'))
    expect(daily.rows.find((r) => r.member_id === a.memberId)).toMatchObject({ status: 'late', late_minutes: 35 })
    const recap = await monthlyRecap(t.db, a.id, { month: friday.slice(0, 7) }, at(addDays(friday, 1), '18:00'))
    expect(recap.members.find((m) => m.member_id === a.memberId)?.late_minutes).toBe(35)
  })

  it('an admin’s record follows the day’s hours too', async () => {
    const made = await a.admin.post(`/api/organizations/${a.id}/attendance`, { member_id: other, attendance_date: friday, check_in_time: '06:45', check_out_time: '10:30', reason: 'Lupa absen, dicatat wali kelas' })
    expect(made.status).toBe(201)
    expect(made.body.data).toMatchObject({ status: 'late' })
    expect(made.body.data.flags).toContain('left_early')
  })

  it('a day is "not yet" until that weekday’s work ends, then absent', async () => {
    // Budi has no record on Thursday; Thursday ends at 15:00, Friday's records are his (made above).
    const thursdayNoon = await dailyReport(t.db, a.id, { date: thursday }, at(thursday, '12:00'))
    expect(thursdayNoon.rows.find((r) => r.member_id === other)).toMatchObject({ status: 'not_yet' })
    const glanceNoon = await attendanceToday(t.db, a.id, at(thursday, '12:00'))
    expect(glanceNoon.departments.find((d) => d.id === department)).toMatchObject({ not_yet: 1 })
    // On a Friday at 12:00 (after Friday's 11:00) someone without a record is absent.
    await t.db.delete(attendanceRecords).where(and(eq(attendanceRecords.organizationMemberId, other), eq(attendanceRecords.attendanceDate, friday)))
    const fridayNoon = await dailyReport(t.db, a.id, { date: friday }, at(friday, '12:00'))
    expect(fridayNoon.rows.find((r) => r.member_id === other)).toMatchObject({ status: 'absent' })
    const glanceFriday = await attendanceToday(t.db, a.id, at(friday, '12:00'))
    expect(glanceFriday.departments.find((d) => d.id === department)).toMatchObject({ absent: 1, not_yet: 0 })
  })

  it('a forgotten check-out on a Friday is closed at Friday’s end', async () => {
    const earlier = addDays(friday, -7)
    await t.db.insert(attendanceRecords).values([
      { organizationId: a.id, organizationMemberId: other, attendanceDate: earlier, checkInTime: '06:25:00', status: 'present', source: 'mobile' },
      { organizationId: a.id, organizationMemberId: other, attendanceDate: addDays(earlier, -1), checkInTime: '06:55:00', status: 'present', source: 'mobile' },
    ])
    await runMaintenance(t.deps, at(today, '12:00'))
    const rows = await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.organizationMemberId, other))
    expect(rows.find((r) => r.attendanceDate === earlier)).toMatchObject({ checkOutTime: '11:00:00', flags: ['auto_closed'] })
    expect(rows.find((r) => r.attendanceDate === addDays(earlier, -1))).toMatchObject({ checkOutTime: '15:00:00', flags: ['auto_closed'] })
  })

  it('taking a day out of the week drops its own hours', async () => {
    const changed = await a.admin.patch(`/api/organizations/${a.id}/schedules/${scheduleId}`, { work_days: [1, 2, 3, 4, 5] })
    expect(changed.status).toBe(200)
    expect(changed.body.data.day_hours).toEqual({ 5: schedule.day_hours['5'] })
    // Hours given for a day that is not worked are not kept either.
    const extra = await a.admin.patch(`/api/organizations/${a.id}/schedules/${scheduleId}`, { day_hours: { 5: { start_time: '07:00', end_time: '11:30' }, 7: { start_time: '08:00', end_time: '10:00' } } })
    expect(extra.body.data.day_hours).toEqual({ 5: { start_time: '07:00', end_time: '11:30' } })
  })
})
