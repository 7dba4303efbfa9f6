import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { attendanceRecords, auditLog, users } from '../../db/schema'
import { CONSENT_VERSION } from '../../../shared/face/consent'
import { toLocal } from '../../../shared/attendance/rules'
import { addDays } from '../../../shared/calendar'

// The member's own data on their phone (issue 18, UU PDP's access right): profile, consents with versions and dates,
// attendance, requests, and who looked at their face photos and when; downloadable as a file, which is audited.
describe('a member reads and downloads their own data', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
  })
  afterAll(() => t.close())

  it('shows the profile, consents, attendance, requests and every view of their face photos, and nobody else\'s', async () => {
    expect((await a.member.post(`/api/members/${a.memberId}/face/consent`, { version: CONSENT_VERSION, device_id: 'phone-1' })).status).toBe(201)
    const [record] = await t.db
      .insert(attendanceRecords)
      .values({ organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: '2026-11-30', checkInTime: '07:12:00', status: 'present', source: 'mobile' })
      .returning()
    // Yesterday in Jakarta: a leave request may start at most 30 days back, so no fixed date stays valid.
    const yesterday = addDays(toLocal(new Date(), 'Asia/Jakarta').date, -1)
    const leave = await a.member.post('/api/leave-requests', { kind: 'sick', start_date: yesterday, end_date: yesterday, reason: 'Demam' })
    const [adminUser] = await t.db.select().from(users).where(eq(users.email, a.emails.admin))
    // The admin looked at the member's reference photo and at the photo of one of their records (as the photo routes
    // write it); someone looked at another member's, and B's admin at B's: neither is this member's business.
    await t.db.insert(auditLog).values([
      { organizationId: a.id, actorUserId: adminUser!.id, action: 'face.photo_view', entityType: 'member', entityId: String(a.memberId) },
      { organizationId: a.id, actorUserId: adminUser!.id, action: 'attendance.photo_view', entityType: 'attendance_record', entityId: String(record!.id) },
      { organizationId: a.id, actorUserId: adminUser!.id, action: 'face.photo_view', entityType: 'member', entityId: String(a.petugasId) },
      { organizationId: b.id, actorUserId: adminUser!.id, action: 'face.photo_view', entityType: 'member', entityId: String(a.memberId) },
    ])

    const res = await a.member.get('/api/mobile/me/data')
    expect(res.status).toBe(200)
    const data = res.body.data
    expect(data.profile).toMatchObject({ name: expect.any(String), organization: 'Org a' })
    expect(data.consents).toEqual([{ version: CONSENT_VERSION, accepted_at: expect.any(String), withdrawn_at: null, withdrawn_by: null }])
    expect(data.attendance).toEqual([expect.objectContaining({ attendance_date: '2026-11-30', check_in_time: '07:12:00', status: 'present' })])
    expect(leave.status, JSON.stringify(leave.body)).toBe(201)
    expect(data.leave_requests).toEqual([expect.objectContaining({ kind: 'sick', reason: 'Demam', status: 'pending' })])
    expect(data.photo_views).toHaveLength(2)
    expect(data.photo_views).toEqual(expect.arrayContaining([
      { at: expect.any(String), what: 'attendance_photo', by: 'Admin a', attendance_date: '2026-11-30' },
      { at: expect.any(String), what: 'face_photo', by: 'Admin a', attendance_date: null },
    ]))
    expect(data.face).toEqual({ registered: false, templates: {}, photos_kept: 0, registered_at: null })
    expect(JSON.stringify(data)).not.toMatch(/descriptor|encoding|pin_hash|password/i)
    // Nothing was written by reading.
    expect(await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.action, 'member.data_download')))).toEqual([])
  })

  it('downloads the same as a file, and the download is audited', async () => {
    const res = await a.member.get('/api/mobile/me/data?download=1')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="hadir-data-saya-\d{4}-\d{2}-\d{2}\.json"/)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.body.profile.organization).toBe('Org a')
    const logged = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.action, 'member.data_download')))
    expect(logged).toHaveLength(1)
    expect(logged[0]!.entityId).toBe(String(a.memberId))
    expect((await a.member.get('/api/mobile/me/data?download=yes')).status).toBe(422)
  })

  it('is only for the member themself', async () => {
    expect((await t.agent().get('/api/mobile/me/data')).status).toBe(401)
    expect((await a.admin.get('/api/mobile/me/data')).status).toBe(401)
    // B's member sees B's data only.
    const other = await b.member.get('/api/mobile/me/data')
    expect(other.status).toBe(200)
    expect(other.body.data.profile.organization).toBe('Org b')
    expect(other.body.data.photo_views).toEqual([])
    expect(other.body.data.attendance).toEqual([])
  })
})
