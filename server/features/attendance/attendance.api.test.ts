import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import { and, count, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/harness'
import { buildOrg, type OrgWorld } from '../../test/fixtures'
import { createMember } from '../members/members.service'
import { faceEncoding, photoBase64 } from '../../test/faces'
import { attendanceEvents, attendanceRecords, attendanceSyncLogs, locations } from '../../db/schema'
import { CONSENT_VERSION } from '../../../shared/face/consent'

/** A capture at a given Jakarta wall-clock time on a given day (UTC+7). */
function jakarta(date: string, time: string): string {
  return new Date(`${date}T${time}:00+07:00`).toISOString()
}

describe('attendance capture and sync', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  const enc: Record<string, string> = {}
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    for (const f of ['p01/p01-1.jpg', 'p01/p01-2.jpg', 'p01/p01-3.jpg', 'p01/p01-5.jpg', 'p02/p02-1.jpg']) enc[f] = await faceEncoding(`people/${f}`)
    await a.member.post(`/api/members/${a.memberId}/face/consent`, { version: CONSENT_VERSION })
    const reg = await a.member.post(`/api/members/${a.memberId}/face/register`, {
      face_encoding: enc['p01/p01-1.jpg'],
      face_encodings: [enc['p01/p01-2.jpg'], enc['p01/p01-3.jpg']],
      face_image: photoBase64('people/p01/p01-1.jpg'),
    })
    expect(reg.status).toBe(201)
  }, 120_000)
  afterAll(() => t.close())

  const rec = (over: Record<string, unknown> = {}) => ({
    client_id: crypto.randomUUID(),
    member_id: a.memberId,
    kind: 'check_in',
    captured_at: jakarta('2026-11-16', '07:55'),
    face_encoding: enc['p01/p01-5.jpg'],
    face_match_score: 0.99,
    ...over,
  })
  const batch = (records: unknown[], over: Record<string, unknown> = {}) => ({ device_id: 'phone-a', sent_at: new Date().toISOString(), records, ...over })
  const rows = async (memberId = a.memberId) =>
    t.db.select().from(attendanceRecords).where(eq(attendanceRecords.organizationMemberId, memberId))
  const eventCount = async () => (await t.db.select({ n: count() }).from(attendanceEvents))[0]!.n

  it('applies a check-in once: the same batch again is a duplicate, a changed payload a conflict', async () => {
    const r = rec()
    const first = await a.member.post('/api/attendance/sync', batch([r]))
    expect(first.status).toBe(200)
    expect(first.body.data).toMatchObject({ synced: 1, failed: 0 })
    expect(first.body.data.results[0]).toMatchObject({ client_id: r.client_id, status: 'applied', attendance_status: 'present', flags: [] })
    const again = await a.member.post('/api/attendance/sync', batch([r]))
    expect(again.body.data.results[0]).toMatchObject({ status: 'duplicate', record_id: first.body.data.results[0].record_id })
    const changed = await a.member.post('/api/attendance/sync', batch([{ ...r, remarks: 'edited later' }]))
    expect(changed.body.data.results[0]).toMatchObject({ status: 'conflict', code: 'CLIENT_ID_REUSED' })
    const [row] = await rows()
    expect(row).toMatchObject({ attendanceDate: '2026-11-16', checkInTime: '07:55:00', status: 'present', approvalStatus: 'approved', source: 'mobile', recordedBy: null })
    expect(row!.faceMatchScore).toBeGreaterThan(0.5)
    expect(row!.deviceMatchScore).toBeCloseTo(0.99)
    expect(await eventCount()).toBe(1)
  })

  it('folds a later check-out into the same day, flagging leaving early', async () => {
    const out = await a.member.post('/api/attendance/sync', batch([rec({ kind: 'check_out', captured_at: jakarta('2026-11-16', '15:10') })]))
    expect(out.body.data.results[0]).toMatchObject({ status: 'applied', flags: ['left_early'] })
    const later = await a.member.post('/api/attendance/sync', batch([rec({ kind: 'check_out', captured_at: jakarta('2026-11-16', '16:30') })]))
    expect(later.body.data.results[0].flags).toEqual([])
    const day = await rows()
    expect(day).toHaveLength(1)
    expect(day[0]).toMatchObject({ checkInTime: '07:55:00', checkOutTime: '16:30:00' })
  })

  it('decides late by the organization schedule and zone, and an earlier check-in from another device wins', async () => {
    const late = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta('2026-11-17', '08:16') })]))
    expect(late.body.data.results[0]).toMatchObject({ attendance_status: 'late', flags: ['late'] })
    const earlier = await a.petugas.post('/api/attendance/sync', batch([rec({ captured_at: jakarta('2026-11-17', '08:10') })], { device_id: 'tablet-a' }))
    expect(earlier.body.data.results[0]).toMatchObject({ status: 'applied', attendance_status: 'present', flags: [] })
    const [day] = (await rows()).filter((r) => r.attendanceDate === '2026-11-17')
    expect(day).toMatchObject({ checkInTime: '08:10:00', status: 'present', recordedBy: a.petugasId, deviceId: a.deviceId })
    // The phone never heard of the kiosk's check-in and sends "check in" at 16:05: it is the day's check-out.
    const leaving = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta('2026-11-17', '16:05') })]))
    expect(leaving.body.data.results[0]).toMatchObject({ status: 'applied', attendance_status: 'present' })
    const [after] = (await rows()).filter((r) => r.attendanceDate === '2026-11-17')
    expect(after).toMatchObject({ checkInTime: '08:10:00', checkOutTime: '16:05:00' })
  })

  it('keeps the valid records of a batch with invalid ones, and refuses an oversized batch whole', async () => {
    const good = rec({ captured_at: jakarta('2026-11-18', '07:40') })
    const res = await a.member.post('/api/attendance/sync', batch([good, { client_id: 'nope' }, rec({ member_id: b.memberId }), rec({ face_encoding: 'AAAA' }), 'junk']))
    expect(res.body.data).toMatchObject({ synced: 1, failed: 4 })
    expect(res.body.data.results.map((r: { status: string; code?: string }) => [r.status, r.code ?? null])).toEqual([
      ['applied', null],
      ['rejected', 'VALIDATION_FAILED'],
      ['rejected', 'NOT_ALLOWED'],
      ['rejected', 'BAD_DESCRIPTOR'],
      ['rejected', 'VALIDATION_FAILED'],
    ])
    const before = await eventCount()
    const big = await a.member.post('/api/attendance/sync', batch(Array.from({ length: 101 }, () => rec())))
    expect(big.status).toBe(413)
    expect(big.body.error.code).toBe('BATCH_TOO_LARGE')
    expect(await eventCount()).toBe(before)
    expect((await a.member.post('/api/attendance/sync', { device_id: 'x', records: [] })).status).toBe(422)
  })

  it('writes exactly one row when the same batch arrives twice at once', async () => {
    const records = [1, 2, 3].map((d) => rec({ captured_at: jakarta(`2026-11-0${d + 1}`, '07:45') }))
    const [x, y] = await Promise.all([a.member.post('/api/attendance/sync', batch(records)), a.member.post('/api/attendance/sync', batch(records))])
    const statuses = [...x.body.data.results, ...y.body.data.results].map((r: { status: string }) => r.status).sort()
    expect(statuses).toEqual(['applied', 'applied', 'applied', 'duplicate', 'duplicate', 'duplicate'])
    for (const r of records) {
      const n = await t.db.select({ n: count() }).from(attendanceEvents).where(eq(attendanceEvents.clientId, r.client_id))
      expect(n[0]!.n).toBe(1)
    }
  })

  it('flags a face that does not match and sends the record to review; the device score is only a claim', async () => {
    const res = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta('2026-11-19', '07:50'), face_encoding: enc['p02/p02-1.jpg'], face_match_score: 1 })]))
    expect(res.body.data.results[0].flags).toContain('face_not_verified')
    const [day] = (await rows()).filter((r) => r.attendanceDate === '2026-11-19')
    expect(day!.approvalStatus).toBe('pending')
    expect(day!.faceMatchScore).toBeLessThan(0.5)
    const noFace = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta('2026-11-20', '07:50'), face_encoding: undefined })]))
    expect(noFace.body.data.results[0].flags).toContain('no_face')
  })

  it('corrects and flags a device clock that is a day off', async () => {
    const skewed = new Date(Date.now() + 24 * 3600_000)
    // The device thinks it is 07:50 tomorrow; by the server's clock it was 07:50 on the day before that.
    const capturedByDevice = new Date(new Date(jakarta('2026-11-21', '07:50')).getTime() + 24 * 3600_000).toISOString()
    const res = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: capturedByDevice })], { sent_at: skewed.toISOString() }))
    expect(res.body.data.results[0].flags).toEqual(expect.arrayContaining(['clock_skew']))
    const [day] = (await rows()).filter((r) => r.attendanceDate === '2026-11-21')
    expect(day).toMatchObject({ checkInTime: expect.stringMatching(/^07:5/), approvalStatus: 'pending' })
  })

  it('checks captures against the location fence: flag or refuse per organization setting', async () => {
    const [loc] = await t.db.insert(locations).values({ organizationId: a.id, name: 'Gerbang', latitude: -6.1754, longitude: 106.8272, radiusMeters: 100 }).returning()
    const far = { latitude: -6.19, longitude: 106.8272, accuracy: 10, location_id: loc!.id }
    const flagged = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta('2026-11-12', '07:50'), ...far })]))
    expect(flagged.body.data.results[0].flags).toContain('outside_geofence')
    const inside = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta('2026-11-11', '07:50'), latitude: -6.1755, longitude: 106.8272, accuracy: 5, location_id: loc!.id })]))
    expect(inside.body.data.results[0].flags).toEqual([])
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { geofence_policy: 'refuse' })
    const refused = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta('2026-11-10', '07:50'), ...far })]))
    expect(refused.body.data.results[0]).toMatchObject({ status: 'rejected', code: 'OUTSIDE_GEOFENCE' })
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { geofence_policy: 'flag' })
    // Another organization's location id is unknown here.
    const [other] = await t.db.insert(locations).values({ organizationId: b.id, name: 'B', latitude: 0, longitude: 0 }).returning()
    const foreign = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta('2026-11-09', '07:50'), location_id: other!.id })]))
    expect(foreign.body.data.results[0]).toMatchObject({ status: 'rejected', code: 'UNKNOWN_LOCATION' })
  })

  it('records through the spec endpoints: member submit and petugas record, recorded_by never taken on trust', async () => {
    const submit = await a.member.post('/api/attendance/submit', { organization_id: a.id, client_id: crypto.randomUUID(), kind: 'check_in', captured_at: jakarta('2026-11-05', '07:30'), face_encoding: enc['p01/p01-5.jpg'], face_image: photoBase64('people/p01/p01-5.jpg'), remarks: 'Tepat waktu' })
    expect(submit.status).toBe(201)
    expect(submit.body.data).toMatchObject({ status: 'present', sync_status: 'applied', id: expect.any(Number) })
    expect((await a.member.post('/api/attendance/submit', { organization_id: b.id, client_id: crypto.randomUUID(), kind: 'check_in', captured_at: jakarta('2026-11-05', '07:30') })).status).toBe(404)

    const body = { organization_id: a.id, member_id: a.memberId, client_id: crypto.randomUUID(), kind: 'check_in', captured_at: jakarta('2026-11-04', '07:30'), face_encoding: enc['p01/p01-5.jpg'] }
    const spoof = await a.petugas.post('/api/attendance/record', { ...body, recorded_by: a.memberId })
    expect(spoof.status).toBe(403)
    expect(spoof.body.error.code).toBe('RECORDED_BY_MISMATCH')
    const recorded = await a.petugas.post('/api/attendance/record', { ...body, recorded_by: a.petugasId })
    expect(recorded.status).toBe(201)
    const [day] = (await rows()).filter((r) => r.attendanceDate === '2026-11-04')
    expect(day!.recordedBy).toBe(a.petugasId)
    expect((await a.petugas.post('/api/attendance/record', { ...body, client_id: crypto.randomUUID(), member_id: b.memberId })).status).toBe(404)
    expect((await a.member.post('/api/attendance/record', body)).status).toBe(403)

    const mine = await a.member.get('/api/attendance/mine')
    expect(mine.body.data.records.map((r: { attendance_date: string }) => r.attendance_date)).toContain('2026-11-05')
    expect((await b.member.get('/api/attendance/mine')).body.data.records).toEqual([])
    const logs = await t.db.select().from(attendanceSyncLogs).where(and(eq(attendanceSyncLogs.organizationId, a.id), eq(attendanceSyncLogs.mobileDeviceId, 'tablet-a')))
    expect(logs[0]).toMatchObject({ syncStatus: 'completed', recordsSynced: 1, deviceId: a.deviceId })
  })

  it('re-derives the face from the photo when the organization asks, and refuses a mismatch', async () => {
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_reverify_photos: true })
    try {
      const honest = rec({ captured_at: jakarta('2026-11-03', '07:40'), face_image: photoBase64('people/p01/p01-5.jpg') })
      const swapped = rec({ captured_at: jakarta('2026-11-02', '07:40'), face_image: photoBase64('people/p02/p02-1.jpg') })
      const res = await a.member.post('/api/attendance/sync', batch([honest, swapped]))
      expect(res.body.data.results.map((r: { status: string; code?: string }) => [r.status, r.code ?? null])).toEqual([
        ['applied', null],
        ['rejected', 'PHOTO_MISMATCH'],
      ])
      const [day] = (await rows()).filter((r) => r.attendanceDate === '2026-11-03')
      expect(day!.faceImageUrl).toMatch(/^org-\d+\/attendance\//)
    } finally {
      await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_reverify_photos: false })
    }
  }, 60_000)

  it('keeps records made before a change of shift attributed to the petugas who made them, and checks the claim', async () => {
    const second = await t.db.transaction((tx) => createMember(tx, a.id, { name: 'Petugas Dua', email: null, phone: null, member_number: 'P-a2', role: 'petugas' }))
    const day = (d: string) => rec({ captured_at: jakarta(d, '07:40') })
    const ok = await a.petugas.post('/api/attendance/sync', batch([{ ...day('2026-10-05'), recorded_by: second }], { device_id: 'tablet-a' }))
    expect(ok.body.data.results[0]).toMatchObject({ status: 'applied' })
    expect((await rows()).find((r) => r.attendanceDate === '2026-10-05')!.recordedBy).toBe(second)
    // Not a petugas, another organization's petugas: refused, and nothing is written.
    const before = await eventCount()
    const bad = await a.petugas.post('/api/attendance/sync', batch([{ ...day('2026-10-06'), recorded_by: a.memberId }, { ...day('2026-10-07'), recorded_by: b.petugasId }], { device_id: 'tablet-a' }))
    expect(bad.body.data.results.map((r: { code?: string }) => r.code)).toEqual(['RECORDED_BY_INVALID', 'RECORDED_BY_INVALID'])
    expect(await eventCount()).toBe(before)
    // A member's phone cannot name a recorder: the field is ignored, the record is the member's own.
    const own = await a.member.post('/api/attendance/sync', batch([{ ...day('2026-10-08'), recorded_by: a.petugasId }]))
    expect(own.body.data.results[0]).toMatchObject({ status: 'applied' })
    expect((await rows()).find((r) => r.attendanceDate === '2026-10-08')!.recordedBy).toBeNull()
  })

  it('a check-in on a day already excused wins: the day becomes present or late', async () => {
    await t.db.insert(attendanceRecords).values({ organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: '2026-10-13', status: 'excused', source: 'manual', remarks: 'sick' })
    const res = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta('2026-10-13', '08:40') })]))
    expect(res.body.data.results[0]).toMatchObject({ status: 'applied', attendance_status: 'late' })
    const day = (await rows()).find((r) => r.attendanceDate === '2026-10-13')!
    expect(day).toMatchObject({ status: 'late', checkInTime: '08:40:00', source: 'mobile' })
  })
})
