import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import { and, asc, count, eq } from 'drizzle-orm'
import { createTestApp, type Agent, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, PIN, type OrgWorld } from '../../../tools/test-support/fixtures'
import { attendanceRecordHistory, attendanceRecords, auditLog, leaveRequests, organizationMembers } from '../../db/schema'
import { createMember } from '../members/members.service'
import { hashSecret } from '../../auth/crypto'
import { toLocal } from '../../../shared/attendance/rules'
import { addDays, isoWeekday } from './leave.rules'

/** Today in the fixtures' zone (Asia/Jakarta), and the first Thursday on or after `from` days back. */
const today = () => toLocal(new Date(), 'Asia/Jakarta').date
function thursdayFrom(daysBack: number): string {
  let d = addDays(today(), -daysBack)
  while (isoWeekday(d) !== 4) d = addDays(d, 1)
  return d
}

describe('leave requests: members ask, admins decide, approved days become excused', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  /** A second member of organization A (her requests are not the first member's business). */
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
    const login = await sari.post('/api/mobile/login', { organization_id: a.id, login: 'M-sari', pin: PIN })
    expect(login.status).toBe(200)
  })
  afterAll(() => t.close())

  const leaveCount = async () => (await t.db.select({ n: count() }).from(leaveRequests))[0]!.n
  const recordsOf = (memberId: number) =>
    t.db.select().from(attendanceRecords).where(eq(attendanceRecords.organizationMemberId, memberId)).orderBy(asc(attendanceRecords.attendanceDate))

  it('a member asks for leave, sees it pending with the date rules, and the dashboard lists it', async () => {
    const start = addDays(today(), 3)
    const res = await a.member.post('/api/leave-requests', { kind: 'leave', start_date: start, end_date: addDays(start, 2), reason: '  Acara keluarga di Bandung  ' })
    expect(res.status).toBe(201)
    expect(res.body.data).toMatchObject({
      kind: 'leave',
      start_date: start,
      end_date: addDays(start, 2),
      days: 3,
      reason: 'Acara keluarga di Bandung',
      status: 'pending',
      decision_note: null,
      decided_by: null,
      member: { id: a.memberId, name: 'Member a', member_number: 'M-a' },
    })
    const mine = await a.member.get('/api/leave-requests')
    expect(mine.status).toBe(200)
    expect(mine.body.data.leave_requests.map((r: { id: number }) => r.id)).toEqual([res.body.data.id])
    expect(mine.body.data.rules).toEqual({ today: today(), earliest_start: addDays(today(), -30), latest_start: addDays(today(), 365), max_days: 31 })

    const list = await a.admin.get(`/api/organizations/${a.id}/leave-requests`)
    expect(list.status).toBe(200)
    expect(list.body.data).toMatchObject({ total: 1, pending: 1 })
    expect(list.body.data.leave_requests[0]).toMatchObject({ id: res.body.data.id, member: { name: 'Member a' }, status: 'pending' })
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'leave_request.create'), eq(auditLog.entityId, String(res.body.data.id))))
    expect(entry).toMatchObject({ organizationId: a.id, entityType: 'leave_request' })
  })

  it('refuses bad input with a 422 and a stable code, writing nothing', async () => {
    const before = await leaveCount()
    const base = { kind: 'sick', start_date: today(), end_date: today(), reason: 'Demam' }
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...base, end_date: addDays(today(), -1) }, 'LEAVE_END_BEFORE_START', 'end_date'],
      [{ ...base, end_date: addDays(today(), 31) }, 'LEAVE_TOO_LONG', 'end_date'],
      [{ ...base, start_date: addDays(today(), -31), end_date: addDays(today(), -31) }, 'LEAVE_TOO_FAR_BACK', 'start_date'],
      [{ ...base, start_date: addDays(today(), 366), end_date: addDays(today(), 366) }, 'LEAVE_TOO_FAR_AHEAD', 'start_date'],
      [{ ...base, kind: 'holiday' }, 'VALIDATION_FAILED', 'kind'],
      [{ ...base, start_date: '2026-02-30' }, 'VALIDATION_FAILED', 'start_date'],
      [{ ...base, end_date: '31/12/2026' }, 'VALIDATION_FAILED', 'end_date'],
      [{ ...base, reason: '   ' }, 'VALIDATION_FAILED', 'reason'],
      [{ ...base, reason: 'x'.repeat(501) }, 'VALIDATION_FAILED', 'reason'],
      [{ ...base, member_id: b.memberId }, 'VALIDATION_FAILED', ''],
    ]
    for (const [body, code, path] of cases) {
      const res = await a.member.post('/api/leave-requests', body)
      expect(res.status, JSON.stringify(body)).toBe(422)
      expect(res.body.error.code, JSON.stringify(body)).toBe(code)
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path)
    }
    // 31 days exactly, starting 30 days back, is allowed (the limits are inclusive).
    const longest = await sari.post('/api/leave-requests', { ...base, start_date: addDays(today(), -30), end_date: today() })
    expect(longest.status).toBe(201)
    expect(longest.body.data.days).toBe(31)
    expect(await leaveCount()).toBe(before + 1)
    expect((await sari.post(`/api/leave-requests/${longest.body.data.id}/cancel`)).status).toBe(200)
  })

  it('refuses a request that overlaps a pending or approved one (409), not a cancelled one', async () => {
    const start = addDays(today(), 40)
    const first = await a.member.post('/api/leave-requests', { kind: 'permit', start_date: start, end_date: addDays(start, 1), reason: 'Urusan KTP' })
    expect(first.status).toBe(201)
    const before = await leaveCount()
    const overlap = await a.member.post('/api/leave-requests', { kind: 'sick', start_date: addDays(start, 1), end_date: addDays(start, 4), reason: 'Sakit' })
    expect(overlap.status).toBe(409)
    expect(overlap.body.error).toMatchObject({ code: 'LEAVE_OVERLAP', details: { id: first.body.data.id, status: 'pending' } })
    expect(await leaveCount()).toBe(before)
    // Another member's days are their own.
    expect((await sari.post('/api/leave-requests', { kind: 'sick', start_date: start, end_date: start, reason: 'Sakit' })).status).toBe(201)
    const cancelled = await a.member.post(`/api/leave-requests/${first.body.data.id}/cancel`)
    expect(cancelled.status).toBe(200)
    expect(cancelled.body.data.status).toBe('cancelled')
    expect((await a.member.post('/api/leave-requests', { kind: 'sick', start_date: addDays(start, 1), end_date: addDays(start, 4), reason: 'Sakit' })).status).toBe(201)
  })

  it('keeps members to their own requests: another\'s (or another organization\'s) cannot be seen or cancelled', async () => {
    const start = addDays(today(), 60)
    const own = await a.member.post('/api/leave-requests', { kind: 'other', start_date: start, end_date: start, reason: 'Wisuda adik' })
    const id = own.body.data.id
    expect((await sari.get('/api/leave-requests')).body.data.leave_requests.map((r: { id: number }) => r.id)).not.toContain(id)
    expect((await sari.post(`/api/leave-requests/${id}/cancel`)).status).toBe(404)
    expect((await b.member.post(`/api/leave-requests/${id}/cancel`)).status).toBe(404)
    expect((await b.member.get('/api/leave-requests')).body.data.leave_requests).toEqual([])
    // Org B's dashboard cannot see or decide it, under its own path or A's.
    expect((await b.admin.get(`/api/organizations/${b.id}/leave-requests`)).body.data.total).toBe(0)
    expect((await b.admin.post(`/api/organizations/${b.id}/leave-requests/${id}/approve`, {})).status).toBe(404)
    expect((await b.admin.post(`/api/organizations/${b.id}/leave-requests/${id}/reject`, { note: 'x' })).status).toBe(404)
    expect((await b.admin.post(`/api/organizations/${a.id}/leave-requests/${id}/approve`, {})).status).toBe(404)
    expect((await b.admin.get(`/api/organizations/${a.id}/leave-requests`)).status).toBe(404)
    expect((await t.db.select().from(leaveRequests).where(eq(leaveRequests.id, id)))[0]!.status).toBe('pending')
    expect((await a.member.post(`/api/leave-requests/${id}/cancel`)).status).toBe(200)
  })

  it('approving excuses exactly the working days without a record, in one go, with history and audit', async () => {
    const thu = thursdayFrom(20)
    const [fri, sat, sun, mon, tue] = [1, 2, 3, 4, 5].map((n) => addDays(thu, n))
    // Friday the member checked in (07:50, on time).
    const checkIn = await a.member.post('/api/attendance/sync', {
      device_id: 'phone-a',
      sent_at: new Date().toISOString(),
      records: [{ client_id: crypto.randomUUID(), member_id: a.memberId, kind: 'check_in', captured_at: `${fri}T07:50:00+07:00` }],
    })
    expect(checkIn.body.data.results[0].status).toBe('applied')
    const [friBefore] = (await recordsOf(a.memberId)).filter((r) => r.attendanceDate === fri)

    const asked = await a.member.post('/api/leave-requests', { kind: 'sick', start_date: thu, end_date: tue, reason: 'Demam berdarah, dirawat' })
    expect(asked.status).toBe(201)
    const id = asked.body.data.id

    const approved = await a.admin.post(`/api/organizations/${a.id}/leave-requests/${id}/approve`, { note: 'Semoga cepat sembuh' })
    expect(approved.status).toBe(200)
    expect(approved.body.data).toMatchObject({
      leave_request: { id, status: 'approved', decision_note: 'Semoga cepat sembuh', decided_by: { name: 'Admin a' }, excused_days: 3 },
      excuse: [thu, mon, tue],
      skipped: [
        { date: fri, reason: 'has_record' },
        { date: sat, reason: 'day_off' },
        { date: sun, reason: 'day_off' },
      ],
    })

    const records = await recordsOf(a.memberId)
    const excused = records.filter((r) => r.status === 'excused')
    expect(excused.map((r) => r.attendanceDate)).toEqual([thu, mon, tue])
    for (const r of excused) {
      expect(r).toMatchObject({ source: 'manual', approvalStatus: 'approved', remarks: 'Sakit: Demam berdarah, dirawat', checkInTime: null, organizationId: a.id })
    }
    expect(records.some((r) => r.attendanceDate === sat || r.attendanceDate === sun)).toBe(false)
    // The day with a check-in is exactly as it was.
    expect(records.find((r) => r.attendanceDate === fri)).toEqual(friBefore)

    const history = await t.db.select().from(attendanceRecordHistory).where(eq(attendanceRecordHistory.action, 'excuse'))
    expect(history.map((h) => h.attendanceRecordId).sort()).toEqual(excused.map((r) => r.id).sort())
    for (const h of history) expect(h.after).toMatchObject({ status: 'excused', leave_request_id: id })
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'leave_request.approve'), eq(auditLog.entityId, String(id))))
    expect(entry?.details).toMatchObject({ excused_dates: [thu, mon, tue] })

    // The member sees the decision, and the excused days in their history.
    const mine = await a.member.get('/api/leave-requests')
    expect(mine.body.data.leave_requests.find((r: { id: number }) => r.id === id)).toMatchObject({ status: 'approved', decision_note: 'Semoga cepat sembuh' })
    const own = await a.member.get('/api/attendance/mine')
    expect(own.body.data.records.filter((r: { status: string }) => r.status === 'excused').map((r: { attendance_date: string }) => r.attendance_date).sort()).toEqual([thu, mon, tue])
    // The phone says which kind of day it was (Sakit), from the request that excused it.
    expect(new Set(own.body.data.records.filter((r: { status: string }) => r.status === 'excused').map((r: { excuse_kind: string }) => r.excuse_kind))).toEqual(new Set(['sick']))
    expect(own.body.data.records.filter((r: { status: string }) => r.status !== 'excused').every((r: { excuse_kind: string | null }) => r.excuse_kind === null)).toBe(true)

    // Decided is decided: approve, reject or cancel again is a conflict and changes nothing.
    const again = await a.admin.post(`/api/organizations/${a.id}/leave-requests/${id}/approve`, {})
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({ code: 'LEAVE_ALREADY_DECIDED', details: { status: 'approved' } })
    expect((await a.admin.post(`/api/organizations/${a.id}/leave-requests/${id}/reject`, { note: 'Salah' })).status).toBe(409)
    expect((await a.member.post(`/api/leave-requests/${id}/cancel`)).status).toBe(409)
    expect((await recordsOf(a.memberId)).filter((r) => r.status === 'excused')).toHaveLength(3)
    // An approved request still blocks overlapping ones.
    expect((await a.member.post('/api/leave-requests', { kind: 'sick', start_date: tue, end_date: tue, reason: 'Lagi' })).body.error.code).toBe('LEAVE_OVERLAP')
  })

  it('follows the member\'s own schedule: a Saturday worker is excused on Saturday', async () => {
    const schedule = await b.admin.post(`/api/organizations/${b.id}/schedules`, { name: 'Enam hari', work_days: [1, 2, 3, 4, 5, 6], start_time: '07:00', end_time: '14:00' })
    const dept = await b.admin.post(`/api/organizations/${b.id}/departments`, { name: 'Gudang' })
    await b.admin.patch(`/api/organizations/${b.id}/departments/${dept.body.data.id}`, { work_schedule_id: schedule.body.data.id })
    await b.admin.patch(`/api/organizations/${b.id}/members/${b.memberId}`, { department_id: dept.body.data.id })
    const thu = thursdayFrom(20)
    const asked = await b.member.post('/api/leave-requests', { kind: 'leave', start_date: thu, end_date: addDays(thu, 4), reason: 'Cuti tahunan' })
    const approved = await b.admin.post(`/api/organizations/${b.id}/leave-requests/${asked.body.data.id}/approve`, {})
    expect(approved.body.data.excuse).toEqual([thu, addDays(thu, 1), addDays(thu, 2), addDays(thu, 4)])
    expect(approved.body.data.skipped).toEqual([{ date: addDays(thu, 3), reason: 'day_off' }])
    expect(approved.body.data.leave_request.decision_note).toBeNull()
    expect((await recordsOf(b.memberId)).map((r) => r.remarks)).toEqual(Array.from({ length: 4 }).fill('Cuti: Cuti tahunan'))
  })

  it('rejecting needs a note, writes no attendance, and the member sees why', async () => {
    const start = thursdayFrom(27)
    const asked = await sari.post('/api/leave-requests', { kind: 'permit', start_date: start, end_date: addDays(start, 1), reason: 'Mengantar orang tua' })
    const id = asked.body.data.id
    const noNote = await a.admin.post(`/api/organizations/${a.id}/leave-requests/${id}/reject`, {})
    expect(noNote.status).toBe(422)
    expect(noNote.body.error.details[0].path).toBe('note')
    expect((await a.admin.post(`/api/organizations/${a.id}/leave-requests/${id}/reject`, { note: '   ' })).status).toBe(422)
    const rejected = await a.admin.post(`/api/organizations/${a.id}/leave-requests/${id}/reject`, { note: 'Tanpa surat keterangan' })
    expect(rejected.status).toBe(200)
    expect(rejected.body.data).toMatchObject({ status: 'rejected', decision_note: 'Tanpa surat keterangan', decided_by: { name: 'Admin a' } })
    expect(await recordsOf(sariId)).toEqual([])
    const mine = await sari.get('/api/leave-requests')
    expect(mine.body.data.leave_requests.find((r: { id: number }) => r.id === id)).toMatchObject({ status: 'rejected', decision_note: 'Tanpa surat keterangan' })
    expect((await a.admin.post(`/api/organizations/${a.id}/leave-requests/${id}/approve`, {})).body.error.code).toBe('LEAVE_ALREADY_DECIDED')
    expect(await recordsOf(sariId)).toEqual([])
  })

  it('lets support and managers read the list but not decide; members and petugas cannot decide', async () => {
    const start = addDays(today(), 90)
    const asked = await sari.post('/api/leave-requests', { kind: 'sick', start_date: start, end_date: start, reason: 'Operasi gigi' })
    const id = asked.body.data.id
    for (const agent of [a.support, a.manager]) {
      const list = await agent.get(`/api/organizations/${a.id}/leave-requests?status=pending`)
      expect(list.status).toBe(200)
      expect(list.body.data.leave_requests.map((r: { id: number }) => r.id)).toContain(id)
      for (const action of ['approve', 'reject']) {
        const res = await agent.post(`/api/organizations/${a.id}/leave-requests/${id}/${action}`, { note: 'ok' })
        expect(res.status).toBe(403)
        expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'attendance:record:approve' } })
      }
    }
    for (const agent of [a.member, a.petugas, a.tablet]) {
      for (const action of ['approve', 'reject']) {
        expect([401, 403]).toContain((await agent.post(`/api/organizations/${a.id}/leave-requests/${id}/${action}`, { note: 'ok' })).status)
      }
    }
    expect((await a.member.get(`/api/organizations/${a.id}/leave-requests`)).status).toBe(403)
    expect((await a.tablet.get(`/api/organizations/${a.id}/leave-requests`)).status).toBe(401)
    // Dashboard people and petugas cannot ask for leave on a member's behalf.
    for (const agent of [a.admin, a.petugas]) {
      expect((await agent.post('/api/leave-requests', { kind: 'sick', start_date: start, end_date: start, reason: 'x' })).status).toBe(403)
    }
    expect((await t.db.select().from(leaveRequests).where(eq(leaveRequests.id, id)))[0]!.status).toBe('pending')
  })

  it('filters the dashboard list by state, kind, member and dates', async () => {
    const path = `/api/organizations/${a.id}/leave-requests`
    const all = (await a.admin.get(`${path}?limit=200`)).body.data
    expect(all.total).toBe(all.leave_requests.length)
    // Pending ones come first.
    const states = all.leave_requests.map((r: { status: string }) => r.status)
    expect(states.slice(0, all.pending)).toEqual(Array.from({ length: all.pending }, () => 'pending'))

    const approved = (await a.admin.get(`${path}?status=approved`)).body.data
    expect(approved.leave_requests.every((r: { status: string }) => r.status === 'approved')).toBe(true)
    expect(approved.total).toBe(1)
    const sick = (await a.admin.get(`${path}?kind=sick`)).body.data.leave_requests
    expect(sick.length).toBeGreaterThan(0)
    expect(sick.every((r: { kind: string }) => r.kind === 'sick')).toBe(true)
    const bySari = (await a.admin.get(`${path}?member_id=${sariId}`)).body.data.leave_requests
    expect(bySari.length).toBeGreaterThan(0)
    expect(bySari.every((r: { member: { id: number } }) => r.member.id === sariId)).toBe(true)
    expect((await a.admin.get(`${path}?q=lestari`)).body.data.total).toBe(bySari.length)
    expect((await a.admin.get(`${path}?q=M-SARI`)).body.data.total).toBe(bySari.length)
    expect((await a.admin.get(`${path}?q=%25`)).body.data.total).toBe(0)

    // Dates select the requests that overlap the range: the approved Thursday–Tuesday one by its Monday alone.
    const thu = thursdayFrom(20)
    const monday = addDays(thu, 4)
    const overlapping = (await a.admin.get(`${path}?from=${monday}&to=${monday}`)).body.data.leave_requests
    expect(overlapping.map((r: { start_date: string }) => r.start_date)).toContain(thu)
    for (const r of overlapping) expect(r.start_date <= monday && r.end_date >= monday).toBe(true)

    expect((await a.admin.get(`${path}?status=unknown`)).status).toBe(422)
    expect((await a.admin.get(`${path}?from=2026-01-10&to=2026-01-01`)).status).toBe(422)
    expect((await a.admin.get(`${path}?from=yesterday`)).status).toBe(422)
  })
})
