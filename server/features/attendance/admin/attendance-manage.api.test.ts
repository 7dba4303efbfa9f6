import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import sharp from 'sharp'
import { and, count, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../../tools/test-support/fixtures'
import { attendanceRecordHistory, attendanceRecords, auditLog, locations, organizationMembers } from '../../../db/schema'
import { photoBase64 } from '../../../../tools/test-support/faces'
import { toLocal } from '../../../../shared/attendance/rules'

function jakarta(date: string, time: string): string {
  return new Date(`${date}T${time}:00+07:00`).toISOString()
}

/** Days before today in Jakarta: captures stay within the offline window (set to its longest below), whatever today is. */
const daysAgo = (n: number) => toLocal(new Date(Date.now() - n * 86_400_000), 'Asia/Jakarta').date
const D1 = daysAgo(6)
const D2 = daysAgo(5)
const D3 = daysAgo(4)

describe('reviewing attendance on the dashboard', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  let recordId: number
  let bRecordId: number
  let gate: number

  const path = (org: OrgWorld, rest = '') => `/api/organizations/${org.id}/attendance${rest}`
  const historyOf = (id: number) => t.db.select().from(attendanceRecordHistory).where(eq(attendanceRecordHistory.attendanceRecordId, id)).orderBy(attendanceRecordHistory.id)
  const auditCount = async (action: string) => (await t.db.select({ n: count() }).from(auditLog).where(eq(auditLog.action, action)))[0]!.n
  const recordRow = async (id: number) => (await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.id, id)))[0]!

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { offline_window_hours: 744 })
    gate = (await t.db.insert(locations).values({ organizationId: a.id, name: 'Gerbang' }).returning({ id: locations.id }))[0]!.id
    // A petugas records a check-in with a photo and no face data (so it waits for review), then a check-out.
    const sync = await a.petugas.post('/api/attendance/sync', {
      device_id: 'tablet-a',
      sent_at: new Date().toISOString(),
      records: [
        { client_id: crypto.randomUUID(), member_id: a.memberId, kind: 'check_in', captured_at: jakarta(D1, '08:20'), face_image: photoBase64('people/p01/p01-1.jpg') },
        { client_id: crypto.randomUUID(), member_id: a.memberId, kind: 'check_out', captured_at: jakarta(D1, '15:00') },
      ],
    })
    expect(sync.body.data.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied'])
    recordId = sync.body.data.results[0].record_id
    const other = await b.member.post('/api/attendance/sync', {
      device_id: 'phone-b',
      sent_at: new Date().toISOString(),
      records: [{ client_id: crypto.randomUUID(), member_id: b.memberId, kind: 'check_in', captured_at: jakarta(D1, '07:50'), face_image: photoBase64('people/p02/p02-1.jpg') }],
    })
    bRecordId = other.body.data.results[0].record_id
  })
  afterAll(() => t.close())

  it('shows a record with its captures and an empty history, to every dashboard role', async () => {
    for (const who of [a.admin, a.support, a.manager]) {
      const res = await who.get(path(a, `/${recordId}`))
      expect(res.status).toBe(200)
      expect(res.body.data.record).toMatchObject({
        id: recordId,
        member_name: 'Member a',
        check_in_time: '08:20:00',
        check_out_time: '15:00:00',
        status: 'late',
        approval_status: 'pending',
        // Sent without evidence (a legacy photo proves nobody's identity): the server's check cannot pass it.
        flags: ['late', 'left_early', 'no_evidence'],
        recorded_by: 'Petugas a',
        device: 'Tablet a',
        has_photo: true,
      })
      expect(res.body.data.events.map((e: { kind: string }) => e.kind)).toEqual(['check_in', 'check_out'])
      expect(res.body.data.events[0]).toMatchObject({ recorded_by: 'Petugas a', device: 'Tablet a', mobile_device_id: 'tablet-a' })
      expect(res.body.data.history).toEqual([])
    }
    expect((await a.admin.get(path(a, `/${bRecordId}`))).status).toBe(404)
    expect((await b.admin.get(path(a, `/${recordId}`))).status).toBe(404)
    expect((await a.admin.get(path(a, '/99999999'))).status).toBe(404)
    expect((await a.admin.get(path(a, '/abc'))).status).toBe(422)
  })

  it('serves the photo as a JPEG, never cached, and audit-logs every view', async () => {
    const before = await auditCount('attendance.photo_view')
    const full = await a.support.request('GET', path(a, `/${recordId}/photo`))
    expect(full.status).toBe(200)
    expect(full.headers.get('content-type')).toBe('image/jpeg')
    expect(full.headers.get('cache-control')).toBe('no-store')
    const thumb = await a.manager.request('GET', path(a, `/${recordId}/photo?size=thumb`))
    expect(thumb.status).toBe(200)
    const meta = await sharp(Buffer.from(await (await t.app.request(path(a, `/${recordId}/photo?size=thumb`), { headers: { cookie: [...a.admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })).arrayBuffer())).metadata()
    expect([meta.width, meta.height, meta.format]).toEqual([96, 96, 'jpeg'])
    expect(await auditCount('attendance.photo_view')).toBe(before + 3)
    const [row] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'attendance.photo_view'), eq(auditLog.entityId, String(recordId))))
      .limit(1)
    expect(row).toMatchObject({ organizationId: a.id, entityType: 'attendance_record' })
    // Another organization's photo is not found, and looking for it leaves no view behind.
    expect((await a.admin.get(path(a, `/${bRecordId}/photo`))).status).toBe(404)
    expect((await b.admin.get(path(a, `/${recordId}/photo`))).status).toBe(404)
    expect(await auditCount('attendance.photo_view')).toBe(before + 3)
    expect((await a.admin.get(path(a, `/${recordId}/photo?size=huge`))).status).toBe(422)
  })

  it('lets an admin approve and reject with a note, keeping the history; support and manager only read', async () => {
    for (const who of [a.support, a.manager]) {
      expect((await who.post(path(a, `/${recordId}/approve`), {})).status).toBe(403)
      expect((await who.post(path(a, `/${recordId}/reject`), {})).status).toBe(403)
      expect((await who.patch(path(a, `/${recordId}`), { reason: 'typo fix', check_in_time: '07:00' })).status).toBe(403)
    }
    expect((await historyOf(recordId)).length).toBe(0)
    expect((await b.admin.post(path(b, `/${recordId}/approve`), {})).status).toBe(404)
    expect((await a.admin.post(path(a, `/${recordId}/approve`), { note: 'x'.repeat(501) })).status).toBe(422)
    expect((await a.admin.post(path(a, `/${recordId}/approve`), { approved: true })).status).toBe(422)
    expect((await recordRow(recordId)).approvalStatus).toBe('pending')

    const approved = await a.admin.post(path(a, `/${recordId}/approve`), { note: 'Dicek dengan CCTV' })
    expect(approved.status).toBe(200)
    expect(approved.body.data).toMatchObject({ id: recordId, approval_status: 'approved' })
    const again = await a.admin.post(path(a, `/${recordId}/approve`), {})
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('ALREADY_APPROVED')
    const rejected = await a.admin.post(path(a, `/${recordId}/reject`), {})
    expect(rejected.body.data.approval_status).toBe('rejected')
    const history = await historyOf(recordId)
    expect(history.map((h) => [h.action, h.reason, h.before, h.after])).toEqual([
      ['approve', 'Dicek dengan CCTV', { approval_status: 'pending' }, { approval_status: 'approved' }],
      ['reject', null, { approval_status: 'approved' }, { approval_status: 'rejected' }],
    ])
    expect(await auditCount('attendance.approve')).toBe(1)
    expect(await auditCount('attendance.reject')).toBe(1)
    const detail = await a.support.get(path(a, `/${recordId}`))
    expect(detail.body.data.history.map((h: { action: string; changed_by: string }) => [h.action, h.changed_by])).toEqual([
      ['approve', 'Admin a'],
      ['reject', 'Admin a'],
    ])
  })

  it('corrects a record for a stated reason: the status follows the new check-in, the history keeps before and after', async () => {
    const noReason = await a.admin.patch(path(a, `/${recordId}`), { check_in_time: '07:55' })
    expect(noReason.status).toBe(422)
    expect(noReason.body.error.details[0].path).toBe('reason')
    const nothing = await a.admin.patch(path(a, `/${recordId}`), { reason: 'no change', check_in_time: '08:20' })
    expect(nothing.body.error.code).toBe('NOTHING_TO_CHANGE')
    const backwards = await a.admin.patch(path(a, `/${recordId}`), { reason: 'wrong', check_out_time: '07:00' })
    expect(backwards.body.error.code).toBe('CHECK_OUT_BEFORE_CHECK_IN')
    expect((await a.admin.patch(path(a, `/${recordId}`), { reason: 'wrong', check_in_time: '25:00' })).status).toBe(422)
    expect((await a.admin.patch(path(a, `/${recordId}`), { reason: 'wrong', location_id: 999999 })).status).toBe(422)
    expect((await a.admin.patch(path(a, `/${recordId}`), { reason: 'wrong', member_id: 1 })).status).toBe(422)
    expect((await b.admin.patch(path(b, `/${recordId}`), { reason: 'mine now', status: 'absent' })).status).toBe(404)
    expect((await historyOf(recordId)).length).toBe(2)

    const fixed = await a.admin.patch(path(a, `/${recordId}`), { reason: 'Tablet clock was wrong', check_in_time: '07:55', check_out_time: '16:10', location_id: gate, remarks: 'Dikoreksi' })
    expect(fixed.status).toBe(200)
    expect(fixed.body.data).toMatchObject({ check_in_time: '07:55:00', check_out_time: '16:10:00', status: 'present', flags: ['no_evidence'], location: 'Gerbang', remarks: 'Dikoreksi' })
    const last = (await historyOf(recordId)).at(-1)!
    expect(last).toMatchObject({
      action: 'correct',
      reason: 'Tablet clock was wrong',
      before: { check_in_time: '08:20:00', check_out_time: '15:00:00', status: 'late', remarks: null, location_id: null, flags: ['late', 'left_early', 'no_evidence'] },
      after: { check_in_time: '07:55:00', check_out_time: '16:10:00', status: 'present', remarks: 'Dikoreksi', location_id: gate, flags: ['no_evidence'] },
    })
    // A status given outright wins.
    const excused = await a.admin.patch(path(a, `/${recordId}`), { reason: 'Sakit, surat dokter', status: 'excused' })
    expect(excused.body.data).toMatchObject({ status: 'excused', flags: ['no_evidence'] })
    expect((await historyOf(recordId)).at(-1)).toMatchObject({ before: { status: 'present' }, after: { status: 'excused' } })
    expect(await auditCount('attendance.correct')).toBe(2)
  })

  it('makes a manual record once per member and day, refusing bad ones without writing anything', async () => {
    const today = toLocal(new Date(), 'Asia/Jakarta').date
    const rows = async () => (await t.db.select({ n: count() }).from(attendanceRecords).where(eq(attendanceRecords.organizationId, a.id)))[0]!.n
    const before = await rows()
    const body = { member_id: a.memberId, attendance_date: D2, check_in_time: '08:40', check_out_time: '16:00', reason: 'Tablet rusak, absen di buku' }
    for (const who of [a.support, a.manager]) expect((await who.post(path(a), body)).status).toBe(403)
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...body, reason: undefined }, 422, 'VALIDATION_FAILED'],
      [{ ...body, reason: 'x' }, 422, 'VALIDATION_FAILED'],
      [{ ...body, attendance_date: '2999-01-01' }, 422, 'FUTURE_DATE'],
      [{ ...body, attendance_date: '17-11-2026' }, 422, 'VALIDATION_FAILED'],
      [{ ...body, check_in_time: undefined }, 422, 'CHECK_IN_REQUIRED'],
      [{ ...body, check_out_time: '07:00' }, 422, 'CHECK_OUT_BEFORE_CHECK_IN'],
      [{ ...body, member_id: b.memberId }, 422, 'VALIDATION_FAILED'],
      [{ ...body, location_id: 999999 }, 422, 'VALIDATION_FAILED'],
      [{ ...body, status: 'asleep' }, 422, 'VALIDATION_FAILED'],
      [{ ...body, source: 'mobile' }, 422, 'VALIDATION_FAILED'],
      [{ ...body, attendance_date: D1 }, 409, 'ATTENDANCE_EXISTS'],
    ]
    for (const [input, status, code] of cases) {
      const res = await a.admin.post(path(a), input)
      expect(res.status, JSON.stringify(input)).toBe(status)
      expect(res.body.error.code).toBe(code)
    }
    expect((await a.admin.request('POST', path(a), 'not json', { 'content-type': 'application/json' })).status).toBe(400)
    expect((await b.admin.post(path(a), body)).status).toBe(404)
    expect(await rows()).toBe(before)

    const made = await a.admin.post(path(a), body)
    expect(made.status).toBe(201)
    expect(made.body.data).toMatchObject({ member_id: a.memberId, attendance_date: D2, check_in_time: '08:40:00', check_out_time: '16:00:00', status: 'late', flags: ['late'], source: 'manual', approval_status: 'approved', recorded_by: 'Admin a' })
    const dup = await a.admin.post(path(a), body)
    expect(dup.status).toBe(409)
    expect(dup.body.error).toMatchObject({ code: 'ATTENDANCE_EXISTS', details: { record_id: made.body.data.id } })
    const [h] = await historyOf(made.body.data.id)
    expect(h).toMatchObject({ action: 'create_manual', reason: 'Tablet rusak, absen di buku', before: null, after: expect.objectContaining({ member_id: a.memberId, attendance_date: D2, status: 'late' }) })
    expect(await auditCount('attendance.create_manual')).toBe(1)

    // An excused day needs no times; today is allowed.
    const sick = await a.admin.post(path(a), { member_id: a.petugasId, attendance_date: today, status: 'excused', reason: 'Izin keluarga' })
    expect(sick.status).toBe(201)
    expect(sick.body.data).toMatchObject({ status: 'excused', check_in_time: null, flags: [] })
    // An inactive member cannot get a new record.
    await t.db.update(organizationMembers).set({ status: 'inactive' }).where(eq(organizationMembers.id, a.memberId))
    const inactive = await a.admin.post(path(a), { ...body, attendance_date: D3 })
    expect(inactive.body.error.code).toBe('MEMBER_INACTIVE')
    await t.db.update(organizationMembers).set({ status: 'active' }).where(eq(organizationMembers.id, a.memberId))
    // A capture arriving later for the manual day folds into it rather than making a second record.
    const later = await a.member.post('/api/attendance/sync', { device_id: 'p', sent_at: new Date().toISOString(), records: [{ client_id: crypto.randomUUID(), member_id: a.memberId, kind: 'check_out', captured_at: jakarta(D2, '17:00') }] })
    expect(later.body.data.results[0]).toMatchObject({ status: 'applied', record_id: made.body.data.id })
  })
})
