import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld, workingThrough } from '../../../tools/test-support/fixtures'
import { attendanceRecords, organizationMembers, shiftAssignments, shiftTypes } from '../../db/schema'
import { addDays, isoWeekday } from '../../../shared/calendar'
import { toLocal } from '../../../shared/attendance/rules'
import { nationalHolidaysBetween } from '../../../shared/holidays/national'
import { runMaintenance } from '../attendance/maintenance'
import { dailyReport, monthlyRecap } from '../reports/reports.service'
import { attendanceToday, attendanceTrend } from '../attendance/admin/attendance-today'

/**
 * Shifts (issue 17 item 3): shift types (a morning 07:00-15:00, a night 22:00-06:00), a roster filled by a repeating
 * pattern and by hand, and the rules of a day following the member's shift of that day: a check-out at 06:10 after a
 * 22:00 shift closes that shift; a day marked off is a day off; a forgotten check-out of a night is closed at 06:00.
 */
describe('shifts and the roster', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  let morning = 0
  let night = 0
  let other = 0
  const at = (date: string, time: string) => new Date(`${date}T${time}:00+07:00`)
  // A stretch of eight days ending two days ago, none of them a national holiday (on one nobody is late).
  const today = toLocal(new Date(), 'Asia/Jakarta').date
  let first = addDays(today, -9)
  while (nationalHolidaysBetween(first, addDays(first, 7)).length > 0) first = addDays(first, -7)
  const day = (i: number) => addDays(first, i)
  const base = (org: OrgWorld) => `/api/organizations/${org.id}`

  async function sync(captures: { kind: 'check_in' | 'check_out'; at: Date }[], memberId = a.memberId) {
    const res = await a.member.post('/api/attendance/sync', {
      device_id: 'phone-shifts',
      sent_at: new Date().toISOString(),
      records: captures.map((c) => ({ client_id: crypto.randomUUID(), member_id: memberId, kind: c.kind, captured_at: c.at.toISOString() })),
    })
    expect(res.status).toBe(200)
    return res.body.data
  }
  const records = () => t.db.select().from(attendanceRecords).where(eq(attendanceRecords.organizationMemberId, a.memberId))

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    other = (await a.admin.post(`${base(a)}/members`, { name: 'Budi', member_number: 'B-1', role: 'member' })).body.data.id
    await t.db.update(organizationMembers).set({ createdAt: new Date('2026-01-05T00:00:00Z') }).where(eq(organizationMembers.organizationId, a.id))
  })
  afterAll(() => t.close())

  it('keeps shift types, a night one running past midnight, and refuses bad ones without a change', async () => {
    const m = await a.admin.post(`${base(a)}/shift-types`, { name: 'Pagi', code: 'P', start_time: '07:00', end_time: '15:00', late_tolerance_minutes: 10 })
    expect(m.status).toBe(201)
    expect(m.body.data).toMatchObject({ name: 'Pagi', code: 'P', start_time: '07:00', end_time: '15:00', late_tolerance_minutes: 10, overnight: false })
    morning = m.body.data.id
    const n = await a.admin.post(`${base(a)}/shift-types`, { name: 'Malam', code: 'M', start_time: '22:00', end_time: '06:00' })
    expect(n.body.data).toMatchObject({ start_time: '22:00', end_time: '06:00', late_tolerance_minutes: 15, overnight: true })
    night = n.body.data.id

    const zero = await a.admin.post(`${base(a)}/shift-types`, { name: 'Nol', code: 'N', start_time: '08:00', end_time: '08:00' })
    expect(zero.status).toBe(422)
    expect(zero.body.error.details).toEqual([expect.objectContaining({ path: 'end_time', reason: 'same_start_end' })])
    const longCode = await a.admin.post(`${base(a)}/shift-types`, { name: 'Siang', code: 'SIANG', start_time: '13:00', end_time: '21:00' })
    expect(longCode.status).toBe(422)
    const zeroByPatch = await a.admin.patch(`${base(a)}/shift-types/${morning}`, { end_time: '07:00' })
    expect(zeroByPatch.status).toBe(422)
    // A change of name keeps the rest; another organization sees none of them and cannot change them.
    const renamed = await a.admin.patch(`${base(a)}/shift-types/${morning}`, { name: 'Pagi (IGD)' })
    expect(renamed.body.data).toMatchObject({ name: 'Pagi (IGD)', start_time: '07:00', late_tolerance_minutes: 10 })
    expect((await b.admin.get(`${base(b)}/shift-types`)).body.data.shift_types).toEqual([])
    expect((await b.admin.patch(`${base(b)}/shift-types/${morning}`, { name: 'x' })).status).toBe(404)
    expect((await a.member.post(`${base(a)}/shift-types`, { name: 'X', code: 'X', start_time: '01:00', end_time: '02:00' })).status).toBe(403)
    expect((await t.db.select().from(shiftTypes).where(eq(shiftTypes.organizationId, a.id))).map((s) => s.name).sort()).toEqual(['Malam', 'Pagi (IGD)'])
  })

  it('fills the roster from a repeating pattern and by hand, and refuses another organization’s people or shifts', async () => {
    // Two mornings, two nights, two days off; Budi starts two steps later (on the nights).
    const laid = await a.admin.post(`${base(a)}/roster/pattern`, { member_ids: [a.memberId, other], start_date: day(0), end_date: day(7), pattern: [morning, morning, night, night, null, null], offsets: [0, 2] })
    expect(laid.status).toBe(200)
    expect(laid.body.data).toEqual({ set: 16, cleared: 0 })
    const roster = (await a.admin.get(`${base(a)}/roster?start=${day(0)}&end=${day(7)}`)).body.data
    expect(roster.dates).toHaveLength(8)
    expect(roster.shift_types.map((s: { code: string }) => s.code)).toEqual(['P', 'M'])
    const mine = roster.members.find((m: { id: number }) => m.id === a.memberId)
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => mine.days[day(i)])).toEqual([morning, morning, night, night, null, null, morning, morning])
    const budi = roster.members.find((m: { id: number }) => m.id === other)
    expect([0, 1, 2, 3].map((i) => budi.days[day(i)])).toEqual([night, night, null, null])
    // Petugas and dashboard staff do not record their own attendance: not on the roster.
    expect(roster.members.map((m: { id: number }) => m.id).sort()).toEqual([a.memberId, other].sort())

    // By hand: Budi's day 3 becomes a morning, his day 7 goes back to the schedule.
    const cells = await a.admin.put(`${base(a)}/roster`, { cells: [{ member_id: other, date: day(3), shift_type_id: morning }, { member_id: other, date: day(7), clear: true }] })
    expect(cells.body.data).toEqual({ set: 1, cleared: 1 })
    const after = (await a.admin.get(`${base(a)}/roster?start=${day(3)}&end=${day(7)}`)).body.data.members.find((m: { id: number }) => m.id === other)
    expect(after.days[day(3)]).toBe(morning)
    expect(day(7) in after.days).toBe(false)

    const before = await t.db.select().from(shiftAssignments).where(eq(shiftAssignments.organizationId, a.id))
    const foreignMember = await a.admin.put(`${base(a)}/roster`, { cells: [{ member_id: other, date: day(5), shift_type_id: night }, { member_id: b.memberId, date: day(5), shift_type_id: night }] })
    expect(foreignMember.status).toBe(422)
    const foreignShift = await b.admin.put(`${base(b)}/roster`, { cells: [{ member_id: b.memberId, date: day(5), shift_type_id: night }] })
    expect(foreignShift.status).toBe(422)
    const backwards = await a.admin.post(`${base(a)}/roster/pattern`, { member_ids: [other], start_date: day(5), end_date: day(1), pattern: [night] })
    expect(backwards.status).toBe(422)
    expect((await a.admin.get(`${base(a)}/roster?start=${day(0)}&end=${addDays(day(0), 70)}`)).status).toBe(422)
    expect((await a.member.put(`${base(a)}/roster`, { cells: [{ member_id: a.memberId, date: day(5), shift_type_id: morning }] })).status).toBe(403)
    expect(await t.db.select().from(shiftAssignments).where(eq(shiftAssignments.organizationId, a.id))).toEqual(before)
    // A shift on the roster cannot be deleted.
    const inUse = await a.admin.delete(`${base(a)}/shift-types/${night}`)
    expect(inUse.status).toBe(409)
  })

  it('a check-out at 06:10 after a 22:00 shift closes that shift, whatever the phone called it', async () => {
    // Day 2 is a night: in at 21:55, out the next morning at 06:10. The phone, knowing no shift, sends the morning's
    // capture as that day's first check-in.
    await sync([
      { kind: 'check_in', at: at(day(2), '21:55') },
      { kind: 'check_in', at: at(day(3), '06:10') },
    ])
    const rows = await records()
    const nightRow = rows.find((r) => r.attendanceDate === day(2))!
    expect(nightRow).toMatchObject({ status: 'present', checkInTime: '21:55:00', checkOutTime: '06:10:00' })
    expect(nightRow.flags).not.toContain('missing_check_in')
    expect(nightRow.flags).not.toContain('left_early')
    expect(rows.find((r) => r.attendanceDate === day(3))).toBeUndefined()

    // Day 3 is a night too: in at 22:30 is late (after 22:00 + 15 minutes); out at 05:30 is early (before 06:00).
    await sync([
      { kind: 'check_in', at: at(day(3), '22:30') },
      { kind: 'check_out', at: at(day(4), '05:30') },
    ])
    const late = (await records()).find((r) => r.attendanceDate === day(3))!
    expect(late).toMatchObject({ status: 'late', checkInTime: '22:30:00', checkOutTime: '05:30:00' })
    expect(late.flags).toEqual(expect.arrayContaining(['late', 'left_early']))
    expect((await records()).find((r) => r.attendanceDate === day(4))).toBeUndefined()
  })

  it('the reports follow the roster: a night’s hours across midnight, a shift day is a working day, a day marked off is not', async () => {
    const row = async (date: string) => (await dailyReport(t.db, a.id, { date }, new Date())).rows.find((r) => r.member_id === a.memberId)
    expect(await row(day(2))).toMatchObject({ status: 'present', worked_minutes: 8 * 60 + 15 })
    expect(await row(day(3))).toMatchObject({ status: 'late', late_minutes: 30, worked_minutes: 7 * 60 })
    // Day 1 is a morning with no record, whatever its weekday: absent. Day 5 is marked off: a day off.
    expect(await row(day(1))).toMatchObject({ status: 'absent' })
    expect(await row(day(5))).toMatchObject({ status: 'day_off' })
    expect(await row(day(6))).toMatchObject({ status: 'absent' })
    const recap = await monthlyRecap(t.db, a.id, { month: day(3).slice(0, 7) }, new Date())
    expect(recap.members.find((m) => m.member_id === a.memberId)?.late_minutes).toBeGreaterThanOrEqual(30)
  })

  it('a morning shift is judged by its own hours, and a capture at 14:00 after a night is not that night’s', async () => {
    // Day 0 is a morning (07:00 + 10): 07:12 is late. The organization's own hours (08:00) would call it on time.
    await sync([{ kind: 'check_in', at: at(day(0), '07:12') }])
    expect((await records()).find((r) => r.attendanceDate === day(0))).toMatchObject({ status: 'late' })
    // Day 4 is off after the night of day 3: someone who comes in at 14:30 anyway starts day 4's record.
    await sync([{ kind: 'check_in', at: at(day(4), '14:30') }])
    expect((await records()).find((r) => r.attendanceDate === day(4))).toMatchObject({ checkInTime: '14:30:00' })
  })

  it('an admin’s record on a night shift takes a check-out the next morning', async () => {
    const made = await a.admin.post(`${base(a)}/attendance`, { member_id: other, attendance_date: day(0), check_in_time: '22:10', check_out_time: '06:00', reason: 'Lupa absen, dicatat kepala ruang' })
    expect(made.status).toBe(201)
    expect(made.body.data).toMatchObject({ status: 'present' })
    expect(made.body.data.flags).not.toContain('left_early')
    // On a day shift the same times are refused: the check-out would be before the check-in.
    const backwards = await a.admin.post(`${base(a)}/attendance`, { member_id: other, attendance_date: day(3), check_in_time: '22:10', check_out_time: '06:00', reason: 'Lupa absen' })
    expect(backwards.status).toBe(422)
    expect(backwards.body.error.code).toBe('CHECK_OUT_BEFORE_CHECK_IN')
  })

  it('the member’s phone gets their shifts from yesterday to a week ahead', async () => {
    // Today and tomorrow are working days for the organization, even on a national holiday (New Year's Day...).
    await workingThrough(a, today, addDays(today, 1))
    // Budi works today's morning (07:00-15:00), whatever the weekday: by 17:00 his day is over.
    await a.admin.put(`${base(a)}/roster`, { cells: [{ member_id: a.memberId, date: today, shift_type_id: night }, { member_id: a.memberId, date: addDays(today, 1), shift_type_id: null }, { member_id: a.memberId, date: addDays(today, 9), shift_type_id: morning }, { member_id: other, date: today, shift_type_id: morning }] })
    const context = (await a.member.get('/api/attendance/context')).body.data
    expect(context.shifts).toEqual([
      { date: today, shift: { name: 'Malam', code: 'M', start_time: '22:00', end_time: '06:00', late_tolerance_minutes: 15 } },
      { date: addDays(today, 1), shift: null },
    ])
    // Today at a glance and the trend follow the roster: at 17:00, after the organization's 16:00, a member whose night
    // starts at 22:00 is not yet due, not absent, and Budi, whose morning is over, is absent (a colleague's night does
    // not keep his day open); the next day, marked off, is a day off.
    const evening = await attendanceToday(t.db, a.id, at(today, '17:00'))
    const mine = await t.db.select().from(attendanceRecords).where(and(eq(attendanceRecords.organizationMemberId, a.memberId), eq(attendanceRecords.attendanceDate, today)))
    expect(mine).toEqual([])
    expect(evening.totals).toMatchObject({ not_yet: 1, absent: 1 })
    const trend = await attendanceTrend(t.db, a.id, 1, at(today, '17:00'))
    expect(trend.days[0]).toMatchObject({ not_yet: 1, absent: 1 })
    const next = await attendanceToday(t.db, a.id, at(addDays(today, 1), '17:00'))
    await a.admin.put(`${base(a)}/roster`, { cells: [{ member_id: a.memberId, date: addDays(today, 1), clear: true }] })
    const unrostered = await attendanceToday(t.db, a.id, at(addDays(today, 1), '17:00'))
    // (Budi's day depends on the weekday; the member's off day is one more day off than their schedule gives.)
    if (isoWeekday(addDays(today, 1)) <= 5) expect(next.totals.day_off).toBe(unrostered.totals.day_off + 1)
    else expect(next.totals.day_off).toBe(unrostered.totals.day_off)
    expect(next.totals.members).toBe(unrostered.totals.members)
  })

  it('a night worker asks for a forgotten night: the check-out the next morning is after the check-in', async () => {
    // Day 6 becomes a night for the member (no record that day); day 1 is a morning without a record.
    await a.admin.put(`${base(a)}/roster`, { cells: [{ member_id: a.memberId, date: day(6), shift_type_id: night }] })
    const asked = await a.member.post('/api/correction-requests', { attendance_date: day(6), kind: 'both', check_in_time: '22:00', check_out_time: '06:05', reason: 'Lupa absen jaga malam' })
    expect(asked.status, JSON.stringify(asked.body)).toBe(201)
    // On a morning shift the same times are a check-out before the check-in.
    const morningDay = await a.member.post('/api/correction-requests', { attendance_date: day(1), kind: 'both', check_in_time: '22:00', check_out_time: '06:05', reason: 'Lupa absen' })
    expect(morningDay.status).toBe(422)
    expect(morningDay.body.error.code).toBe('CORRECTION_CHECK_OUT_BEFORE_CHECK_IN')
    const approved = await a.admin.post(`${base(a)}/correction-requests/${asked.body.data.id}/approve`, {})
    expect(approved.status, JSON.stringify(approved.body)).toBe(200)
    const [row] = await t.db.select().from(attendanceRecords).where(and(eq(attendanceRecords.organizationMemberId, a.memberId), eq(attendanceRecords.attendanceDate, day(6))))
    expect(row).toMatchObject({ checkInTime: '22:00:00', checkOutTime: '06:05:00', status: 'present', source: 'manual' })
    expect(row!.flags).not.toContain('left_early')
  })

  it('a night without a check-out is closed at 06:00 the next morning, not before that morning is over', async () => {
    await t.db.insert(attendanceRecords).values({ organizationId: a.id, organizationMemberId: other, attendanceDate: day(1), checkInTime: '21:58:00', status: 'present', source: 'mobile' })
    // At 09:00 the morning after (before the middle of the hours off, 14:00) the night may still be checked out of.
    await runMaintenance(t.deps, at(day(2), '09:00'))
    const open = await t.db.select().from(attendanceRecords).where(and(eq(attendanceRecords.organizationMemberId, other), eq(attendanceRecords.attendanceDate, day(1))))
    expect(open[0]).toMatchObject({ checkOutTime: null })
    await runMaintenance(t.deps, at(day(2), '15:00'))
    const closed = await t.db.select().from(attendanceRecords).where(and(eq(attendanceRecords.organizationMemberId, other), eq(attendanceRecords.attendanceDate, day(1))))
    expect(closed[0]).toMatchObject({ checkOutTime: '06:00:00', flags: ['auto_closed'] })
  })
})
