import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import { and, asc, count, eq } from 'drizzle-orm'
import { createTestApp, type Agent, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, PIN, type OrgWorld } from '../../../tools/test-support/fixtures'
import { attendanceRecordHistory, attendanceRecords, auditLog, correctionRequests, organizationMembers } from '../../db/schema'
import { createMember } from '../members/members.service'
import { hashSecret } from '../../auth/crypto'
import { toLocal } from '../../../shared/attendance/rules'
import { addDays, isoWeekday } from '../../../shared/calendar'

// The fixtures' organizations: Asia/Jakarta, 08:00–16:00 Monday to Friday, 15 minutes' tolerance.
const today = () => toLocal(new Date(), 'Asia/Jakarta').date
/** The first day of ISO weekday `weekday` on or after `daysBack` days ago. */
function dayFrom(daysBack: number, weekday: number): string {
  let d = addDays(today(), -daysBack)
  while (isoWeekday(d) !== weekday) d = addDays(d, 1)
  return d
}

describe('correction requests ("lupa absen"): members ask, admins decide, the day is written with its history', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  /** A second member of organization A. */
  let sari: Agent
  let sariId: number

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    sariId = await t.db.transaction(async (tx) => {
      const id = await createMember(tx, a.id, { name: 'Sari Lestari', email: null, phone: null, member_number: 'M-sari', role: 'member' })
      await tx.update(organizationMembers).set({ pinHash: await hashSecret(PIN) }).where(eq(organizationMembers.id, id))
      return id
    })
    sari = t.agent()
    expect((await sari.post('/api/mobile/login', { organization_id: a.id, login: 'M-sari', pin: PIN })).status).toBe(200)
  })
  afterAll(() => t.close())

  const requestCount = async () => (await t.db.select({ n: count() }).from(correctionRequests))[0]!.n
  const recordOn = async (memberId: number, date: string) =>
    (await t.db.select().from(attendanceRecords).where(and(eq(attendanceRecords.organizationMemberId, memberId), eq(attendanceRecords.attendanceDate, date))))[0] ?? null
  const historyOf = (recordId: number) => t.db.select().from(attendanceRecordHistory).where(eq(attendanceRecordHistory.attendanceRecordId, recordId)).orderBy(asc(attendanceRecordHistory.id))
  async function capture(agent: Agent, memberId: number, kind: 'check_in' | 'check_out', date: string, time: string): Promise<void> {
    const res = await agent.post('/api/attendance/sync', {
      device_id: `phone-${memberId}`,
      sent_at: new Date().toISOString(),
      records: [{ client_id: crypto.randomUUID(), member_id: memberId, kind, captured_at: `${date}T${time}+07:00` }],
    })
    expect(res.body.data.results[0].status, JSON.stringify(res.body)).toBe('applied')
  }
  const path = (org: OrgWorld, id?: number, verb?: string) => `/api/organizations/${org.id}/correction-requests${id ? `/${id}/${verb}` : ''}`

  it('a member asks for a forgotten day, sees it pending with the date rules, and the dashboard lists it', async () => {
    const day = dayFrom(10, 2)
    const res = await a.member.post('/api/correction-requests', { attendance_date: day, kind: 'both', check_in_time: '07:55', check_out_time: '16:10', reason: '  HP tertinggal di rumah  ' })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.data).toMatchObject({
      attendance_date: day,
      kind: 'both',
      check_in_time: '07:55:00',
      check_out_time: '16:10:00',
      reason: 'HP tertinggal di rumah',
      status: 'pending',
      approved_check_in_time: null,
      attendance_record_id: null,
      decided_by: null,
      member: { id: a.memberId, name: 'Member a', member_number: 'M-a' },
    })
    const mine = await a.member.get('/api/correction-requests')
    expect(mine.status).toBe(200)
    expect(mine.body.data.correction_requests.map((r: { id: number }) => r.id)).toEqual([res.body.data.id])
    expect(mine.body.data.rules).toEqual({ today: today(), earliest_date: addDays(today(), -31) })
    const list = await a.admin.get(path(a))
    expect(list.status).toBe(200)
    expect(list.body.data).toMatchObject({ total: 1, pending: 1 })
    expect(list.body.data.correction_requests[0]).toMatchObject({ id: res.body.data.id, status: 'pending' })
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'correction_request.create'), eq(auditLog.entityId, String(res.body.data.id))))
    expect(entry).toMatchObject({ organizationId: a.id, entityType: 'correction_request' })
    // Nothing is written to the day until an admin approves.
    expect(await recordOn(a.memberId, day)).toBeNull()
  })

  it('refuses, with a 422 naming the rule and the field, what cannot be right; writing nothing', async () => {
    const mon = dayFrom(14, 1)
    await capture(sari, sariId, 'check_in', mon, '07:50:00')
    const tue = addDays(mon, 1)
    await capture(sari, sariId, 'check_in', tue, '08:00:00')
    await capture(sari, sariId, 'check_out', tue, '16:00:00')
    const empty = addDays(mon, 2)
    const asked = await sari.post('/api/correction-requests', { attendance_date: empty, kind: 'check_in', check_in_time: '08:00', reason: 'Lupa' })
    expect(asked.status).toBe(201)
    const before = await requestCount()
    const base = { attendance_date: empty, reason: 'Lupa absen' }
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...base, attendance_date: addDays(today(), 1), kind: 'check_in', check_in_time: '08:00' }, 'CORRECTION_FUTURE_DATE', 'attendance_date'],
      [{ ...base, attendance_date: addDays(today(), -32), kind: 'check_in', check_in_time: '08:00' }, 'CORRECTION_TOO_FAR_BACK', 'attendance_date'],
      [{ ...base, attendance_date: mon, kind: 'check_in', check_in_time: '07:40' }, 'CORRECTION_CHECK_IN_EXISTS', 'check_in_time'],
      [{ ...base, attendance_date: tue, kind: 'check_out', check_out_time: '17:00' }, 'CORRECTION_CHECK_OUT_EXISTS', 'check_out_time'],
      [{ ...base, attendance_date: addDays(mon, 3), kind: 'check_out', check_out_time: '16:00' }, 'CORRECTION_NO_CHECK_IN', 'kind'],
      [{ ...base, attendance_date: mon, kind: 'check_out', check_out_time: '07:30' }, 'CORRECTION_CHECK_OUT_BEFORE_CHECK_IN', 'check_out_time'],
      [{ ...base, kind: 'both', check_in_time: '07:30', check_out_time: '16:00' }, 'CORRECTION_DUPLICATE', 'attendance_date'],
      [{ ...base, kind: 'check_in' }, 'VALIDATION_FAILED', 'check_in_time'],
      [{ ...base, kind: 'check_in', check_in_time: '08:00', check_out_time: '16:00' }, 'VALIDATION_FAILED', 'check_out_time'],
      // The order is judged with the day's hours (a night shift's check-out is the next morning's): on this day shift, refused.
      [{ ...base, kind: 'both', check_in_time: '16:00', check_out_time: '08:00' }, 'CORRECTION_CHECK_OUT_BEFORE_CHECK_IN', 'check_out_time'],
      [{ ...base, kind: 'both', check_in_time: '08:00', check_out_time: '08:00' }, 'VALIDATION_FAILED', 'check_out_time'],
      [{ ...base, kind: 'check_in', check_in_time: '25:00' }, 'VALIDATION_FAILED', 'check_in_time'],
      [{ ...base, kind: 'lunch', check_in_time: '08:00' }, 'VALIDATION_FAILED', 'kind'],
      [{ ...base, kind: 'check_in', check_in_time: '08:00', reason: '   ' }, 'VALIDATION_FAILED', 'reason'],
      [{ ...base, kind: 'check_in', check_in_time: '08:00', reason: 'x'.repeat(501) }, 'VALIDATION_FAILED', 'reason'],
      [{ ...base, kind: 'check_in', check_in_time: '08:00', member_id: b.memberId }, 'VALIDATION_FAILED', ''],
    ]
    // A time still to come today (only while there is one left to try: no case depends on the hour it runs at).
    const now = toLocal(new Date(), 'Asia/Jakarta')
    if (now.minutes < 23 * 60 + 50) cases.push([{ ...base, attendance_date: today(), kind: 'check_in', check_in_time: '23:59' }, 'CORRECTION_FUTURE_TIME', 'check_in_time'])
    for (const [body, code, field] of cases) {
      const res = await sari.post('/api/correction-requests', body)
      expect(res.status, JSON.stringify(body)).toBe(422)
      expect(res.body.error.code, JSON.stringify(body)).toBe(code)
      expect(res.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(body)).toContain(field)
    }
    expect(await requestCount()).toBe(before)
    // Before the member's start date.
    await t.db.update(organizationMembers).set({ startDate: addDays(today(), -5) }).where(eq(organizationMembers.id, sariId))
    const early = await sari.post('/api/correction-requests', { ...base, attendance_date: addDays(today(), -6), kind: 'check_in', check_in_time: '08:00' })
    expect(early.body.error).toMatchObject({ code: 'CORRECTION_BEFORE_START', details: [{ path: 'attendance_date', limit: addDays(today(), -5) }] })
    expect((await sari.get('/api/correction-requests')).body.data.rules.earliest_date).toBe(addDays(today(), -5))
    await t.db.update(organizationMembers).set({ startDate: null }).where(eq(organizationMembers.id, sariId))
    // The other time of the same day is another question; a cancelled request no longer blocks.
    expect((await sari.post('/api/correction-requests', { ...base, kind: 'check_out', check_out_time: '16:00' })).body.error.code).toBe('CORRECTION_NO_CHECK_IN')
    const cancelled = await sari.post(`/api/correction-requests/${asked.body.data.id}/cancel`)
    expect(cancelled.body.data.status).toBe('cancelled')
    const again = await sari.post('/api/correction-requests', { ...base, kind: 'both', check_in_time: '07:30', check_out_time: '16:00' })
    expect(again.status).toBe(201)
    expect((await sari.post(`/api/correction-requests/${again.body.data.id}/cancel`)).status).toBe(200)
  })

  it('approving a forgotten day writes a manual record by the schedule, with a history row naming the request, in one go', async () => {
    const day = dayFrom(20, 3)
    const asked = await a.member.post('/api/correction-requests', { attendance_date: day, kind: 'both', check_in_time: '08:30', check_out_time: '15:00', reason: 'Lupa absen, rapat di luar' })
    const id = asked.body.data.id
    const approved = await a.admin.post(path(a, id, 'approve'), { note: 'Sudah dicek dengan atasan' })
    expect(approved.status, JSON.stringify(approved.body)).toBe(200)
    const record = await recordOn(a.memberId, day)
    expect(record).toMatchObject({
      organizationId: a.id,
      checkInTime: '08:30:00',
      checkOutTime: '15:00:00',
      status: 'late',
      source: 'manual',
      approvalStatus: 'approved',
      remarks: 'Lupa absen: Lupa absen, rapat di luar',
    })
    expect(record!.flags).toEqual(['late', 'left_early'])
    expect(approved.body.data).toMatchObject({
      id,
      status: 'approved',
      decision_note: 'Sudah dicek dengan atasan',
      decided_by: { name: 'Admin a' },
      check_in_time: '08:30:00',
      approved_check_in_time: '08:30:00',
      approved_check_out_time: '15:00:00',
      attendance_record_id: record!.id,
    })
    const [history] = await historyOf(record!.id)
    expect(history).toMatchObject({ organizationId: a.id, action: 'correction_request', reason: 'Lupa absen: Lupa absen, rapat di luar', before: null })
    expect(history!.after).toMatchObject({ correction_request_id: id, attendance_date: day, check_in_time: '08:30:00', check_out_time: '15:00:00', status: 'late' })
    const audits = await t.db.select().from(auditLog).where(eq(auditLog.organizationId, a.id))
    expect(audits.find((e) => e.action === 'correction_request.approve' && e.entityId === String(id))?.details).toMatchObject({ record_id: record!.id, created: true, adjusted: false })
    expect(audits.some((e) => e.action === 'attendance.correction_request' && e.entityId === String(record!.id))).toBe(true)

    // The member sees the answer, and the day in their history.
    const mine = await a.member.get('/api/correction-requests')
    expect(mine.body.data.correction_requests.find((r: { id: number }) => r.id === id)).toMatchObject({ status: 'approved', decision_note: 'Sudah dicek dengan atasan' })
    const own = await a.member.get('/api/attendance/mine')
    expect(own.body.data.records.find((r: { attendance_date: string }) => r.attendance_date === day)).toMatchObject({ status: 'late' })

    // Decided is decided: nothing moves.
    const again = await a.admin.post(path(a, id, 'approve'), {})
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({ code: 'CORRECTION_ALREADY_DECIDED', details: { status: 'approved' } })
    expect((await a.admin.post(path(a, id, 'reject'), { note: 'Salah' })).status).toBe(409)
    expect((await a.member.post(`/api/correction-requests/${id}/cancel`)).status).toBe(409)
    expect(await historyOf(record!.id)).toHaveLength(1)
    // The day now has both times: asking again is refused.
    expect((await a.member.post('/api/correction-requests', { attendance_date: day, kind: 'check_in', check_in_time: '08:00', reason: 'x' })).body.error.code).toBe('CORRECTION_CHECK_IN_EXISTS')
  })

  it('completes a day that has a check-in: the admin may adjust the time; the claim stays as claimed', async () => {
    const day = dayFrom(20, 4)
    await capture(a.member, a.memberId, 'check_in', day, '07:45:00')
    const before = await recordOn(a.memberId, day)
    const asked = await a.member.post('/api/correction-requests', { attendance_date: day, kind: 'check_out', check_out_time: '17:00', reason: 'Lupa absen pulang' })
    const id = asked.body.data.id
    const wrongField = await a.admin.post(path(a, id, 'approve'), { check_in_time: '07:00' })
    expect(wrongField.status).toBe(422)
    expect(wrongField.body.error.code).toBe('CORRECTION_NOT_ASKED')
    const tooEarly = await a.admin.post(path(a, id, 'approve'), { check_out_time: '07:30' })
    expect(tooEarly.body.error.code).toBe('CORRECTION_CHECK_OUT_BEFORE_CHECK_IN')
    expect(await recordOn(a.memberId, day)).toEqual(before)

    const approved = await a.admin.post(path(a, id, 'approve'), { check_out_time: '15:30' })
    expect(approved.status, JSON.stringify(approved.body)).toBe(200)
    expect(approved.body.data).toMatchObject({ check_out_time: '17:00:00', approved_check_out_time: '15:30:00', approved_check_in_time: null, attendance_record_id: before!.id })
    const after = await recordOn(a.memberId, day)
    expect(after).toMatchObject({ id: before!.id, checkInTime: '07:45:00', checkOutTime: '15:30:00', status: 'present', source: before!.source, remarks: before!.remarks })
    expect(after!.flags).toContain('left_early')
    const history = await historyOf(before!.id)
    expect(history.at(-1)).toMatchObject({ action: 'correction_request', before: { check_out_time: null }, after: { check_out_time: '15:30:00', correction_request_id: id } })
  })

  it('replaces a check-out the forgotten check-out job wrote, and turns an absent day present', async () => {
    const day = dayFrom(25, 1)
    const [closed] = await t.db
      .insert(attendanceRecords)
      .values({ organizationId: a.id, organizationMemberId: sariId, attendanceDate: day, checkInTime: '07:50:00', checkOutTime: '16:00:00', status: 'present', flags: ['auto_closed'], source: 'mobile' })
      .returning()
    const asked = await sari.post('/api/correction-requests', { attendance_date: day, kind: 'check_out', check_out_time: '18:15', reason: 'Lembur, lupa absen pulang' })
    expect(asked.status, JSON.stringify(asked.body)).toBe(201)
    expect((await a.admin.post(path(a, asked.body.data.id, 'approve'), {})).status).toBe(200)
    const after = await recordOn(sariId, day)
    expect(after).toMatchObject({ id: closed!.id, checkOutTime: '18:15:00', status: 'present' })
    expect(after!.flags).toEqual([])

    const absentDay = addDays(day, 1)
    await t.db.insert(attendanceRecords).values({ organizationId: a.id, organizationMemberId: sariId, attendanceDate: absentDay, status: 'absent', source: 'manual' })
    const asked2 = await sari.post('/api/correction-requests', { attendance_date: absentDay, kind: 'check_in', check_in_time: '08:20', reason: 'Saya hadir' })
    expect((await a.admin.post(path(a, asked2.body.data.id, 'approve'), {})).status).toBe(200)
    expect(await recordOn(sariId, absentDay)).toMatchObject({ checkInTime: '08:20:00', status: 'late' })
  })

  it('checks the day again at approval: a check-in that arrived meanwhile stops it, nothing written', async () => {
    const day = dayFrom(27, 5)
    const asked = await sari.post('/api/correction-requests', { attendance_date: day, kind: 'check_in', check_in_time: '08:00', reason: 'Lupa' })
    await capture(sari, sariId, 'check_in', day, '07:58:00')
    const before = await recordOn(sariId, day)
    const res = await a.admin.post(path(a, asked.body.data.id, 'approve'), {})
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('CORRECTION_CHECK_IN_EXISTS')
    expect(await recordOn(sariId, day)).toEqual(before)
    expect(await historyOf(before!.id)).toEqual([])
    expect((await t.db.select().from(correctionRequests).where(eq(correctionRequests.id, asked.body.data.id)))[0]!.status).toBe('pending')
    // The admin refuses it instead.
    expect((await a.admin.post(path(a, asked.body.data.id, 'reject'), { note: 'Sudah ada absen masuk' })).status).toBe(200)
  })

  it('refusing needs a note, writes no attendance, and the member sees why', async () => {
    const day = dayFrom(20, 5)
    const asked = await sari.post('/api/correction-requests', { attendance_date: day, kind: 'both', check_in_time: '08:00', check_out_time: '16:00', reason: 'Lupa' })
    const id = asked.body.data.id
    const noNote = await a.admin.post(path(a, id, 'reject'), {})
    expect(noNote.status).toBe(422)
    expect(noNote.body.error.details[0].path).toBe('note')
    expect((await a.admin.post(path(a, id, 'reject'), { note: '   ' })).status).toBe(422)
    const rejected = await a.admin.post(path(a, id, 'reject'), { note: 'Tidak ada di kantor hari itu' })
    expect(rejected.status).toBe(200)
    expect(rejected.body.data).toMatchObject({ status: 'rejected', decision_note: 'Tidak ada di kantor hari itu', decided_by: { name: 'Admin a' }, attendance_record_id: null })
    expect(await recordOn(sariId, day)).toBeNull()
    const mine = await sari.get('/api/correction-requests')
    expect(mine.body.data.correction_requests.find((r: { id: number }) => r.id === id)).toMatchObject({ status: 'rejected', decision_note: 'Tidak ada di kantor hari itu' })
    expect((await a.admin.post(path(a, id, 'approve'), {})).body.error.code).toBe('CORRECTION_ALREADY_DECIDED')
    expect(await recordOn(sariId, day)).toBeNull()
  })

  it('keeps requests to their member and organization', async () => {
    const day = dayFrom(6, 1) < today() ? dayFrom(6, 1) : dayFrom(13, 1)
    const own = await a.member.post('/api/correction-requests', { attendance_date: day, kind: 'check_in', check_in_time: '08:00', reason: 'Lupa' })
    expect(own.status, JSON.stringify(own.body)).toBe(201)
    const id = own.body.data.id
    expect((await sari.get('/api/correction-requests')).body.data.correction_requests.map((r: { id: number }) => r.id)).not.toContain(id)
    expect((await sari.post(`/api/correction-requests/${id}/cancel`)).status).toBe(404)
    expect((await b.member.post(`/api/correction-requests/${id}/cancel`)).status).toBe(404)
    expect((await b.member.get('/api/correction-requests')).body.data.correction_requests).toEqual([])
    expect((await b.admin.get(path(b))).body.data.total).toBe(0)
    expect((await b.admin.post(path(b, id, 'approve'), {})).status).toBe(404)
    expect((await b.admin.post(path(b, id, 'reject'), { note: 'x' })).status).toBe(404)
    expect((await b.admin.post(`/api/organizations/${a.id}/correction-requests/${id}/approve`, {})).status).toBe(404)
    expect((await b.admin.get(path(a))).status).toBe(404)
    expect((await t.db.select().from(correctionRequests).where(eq(correctionRequests.id, id)))[0]!.status).toBe('pending')
    expect(await recordOn(a.memberId, day)).toBeNull()

    // Support and managers read the list but do not decide; members, petugas and tablets neither.
    for (const agent of [a.support, a.manager]) {
      const list = await agent.get(`${path(a)}?status=pending`)
      expect(list.status).toBe(200)
      expect(list.body.data.correction_requests.map((r: { id: number }) => r.id)).toContain(id)
      expect((await agent.post(path(a, id, 'approve'), {})).body.error).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'attendance:record:approve' } })
    }
    for (const agent of [a.member, a.petugas, a.tablet]) expect([401, 403]).toContain((await agent.post(path(a, id, 'approve'), {})).status)
    for (const agent of [a.admin, a.petugas]) {
      expect((await agent.post('/api/correction-requests', { attendance_date: day, kind: 'check_in', check_in_time: '08:00', reason: 'x' })).status).toBe(403)
    }
    expect((await a.member.post(`/api/correction-requests/${id}/cancel`)).status).toBe(200)
  })

  it('filters the dashboard list by state, member, name and day; pending first', async () => {
    const all = (await a.admin.get(`${path(a)}?limit=200`)).body.data
    expect(all.total).toBe(all.correction_requests.length)
    const states = all.correction_requests.map((r: { status: string }) => r.status)
    expect(states.slice(0, all.pending)).toEqual(Array.from({ length: all.pending }, () => 'pending'))
    const approved = (await a.admin.get(`${path(a)}?status=approved`)).body.data
    expect(approved.total).toBe(4)
    expect(approved.correction_requests.every((r: { status: string }) => r.status === 'approved')).toBe(true)
    const bySari = (await a.admin.get(`${path(a)}?member_id=${sariId}`)).body.data
    expect(bySari.correction_requests.every((r: { member: { id: number } }) => r.member.id === sariId)).toBe(true)
    expect((await a.admin.get(`${path(a)}?q=lestari`)).body.data.total).toBe(bySari.total)
    expect((await a.admin.get(`${path(a)}?q=%25`)).body.data.total).toBe(0)
    const day = dayFrom(20, 3)
    const onDay = (await a.admin.get(`${path(a)}?from=${day}&to=${day}`)).body.data.correction_requests
    expect(onDay.length).toBeGreaterThan(0)
    expect(onDay.every((r: { attendance_date: string }) => r.attendance_date === day)).toBe(true)
    expect((await a.admin.get(`${path(a)}?status=unknown`)).status).toBe(422)
    expect((await a.admin.get(`${path(a)}?from=2026-01-10&to=2026-01-01`)).status).toBe(422)
  })
})
