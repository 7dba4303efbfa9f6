import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FACE_MODEL } from '../../../shared/face/model'
import crypto from 'node:crypto'
import sharp from 'sharp'
import { and, count, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { createMember } from '../members/members.service'
import { faceEncoding, photoBase64 } from '../../../tools/test-support/faces'
import { offlineEvidence, settled } from '../../../tools/test-support/evidence-flow'
import { attendanceEvents, attendanceRecords, attendanceSyncLogs, locations, memberFaceData } from '../../db/schema'
import { decodeDescriptor, descriptorToBytes } from '../../../shared/face/descriptor'
import { toLocal } from '../../../shared/attendance/rules'
import { nationalHolidaysBetween } from '../../../shared/holidays/national'
import type { Evidence } from '../../../shared/attendance/evidence'

/** A capture at a given Jakarta wall-clock time on a given day (UTC+7). */
function jakarta(date: string, time: string): string {
  return new Date(`${date}T${time}:00+07:00`).toISOString()
}

/**
 * The n-th day of the test (1..29): the days of the month before today (Jakarta), in order, so each test's captures are
 * later than the ones before (an earlier capture is held as out of order) and within the organization's offline window
 * (set to 31 days below), whatever today is.
 */
function day(n: number): string {
  if (n < 1 || n > 29) throw new Error('day(n): 1..29')
  return toLocal(new Date(Date.now() - (30 - n) * 86_400_000), 'Asia/Jakarta').date
}

describe('attendance capture and sync', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  let mine: Evidence // member a's face, as the phone records it offline
  let someoneElse: Evidence
  let descriptor: string // member a's face as a device's descriptor: a claim, never proof
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    // Captures over the last 30 days are not "stale" here, and offline evidence that passes every check approves by itself.
    expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { offline_window_hours: 24 * 31, offline_review: 'never' })).status).toBe(200)
    // Member a has a face on file (the server's own templates; registration itself is tested in faces.api.test.ts).
    for (const f of ['p01/p01-1.jpg', 'p01/p01-2.jpg', 'p01/p01-3.jpg']) {
      const descriptor = decodeDescriptor(await faceEncoding(`people/${f}`))
      await t.db.insert(memberFaceData).values({ organizationId: a.id, organizationMemberId: a.memberId, model: FACE_MODEL.id, faceEncoding: Buffer.from(descriptorToBytes(descriptor)), faceVerified: true })
    }
    t.deps.faceIndex.invalidate(a.id)
    descriptor = await faceEncoding('people/p01/p01-5.jpg')
    mine = await offlineEvidence('people/p01/p01-5.jpg')
    someoneElse = await offlineEvidence('people/p02/p02-1.jpg')
  })
  afterAll(() => t.close())

  /** A capture as a phone sent it before evidence: the device's descriptor and score, which the server keeps as claims only. */
  const rec = (over: Record<string, unknown> = {}) => ({
    client_id: crypto.randomUUID(),
    member_id: a.memberId,
    kind: 'check_in',
    captured_at: jakarta(day(1), '07:55'),
    face_encoding: descriptor,
    face_match_score: 0.99,
    ...over,
  })
  const batch = (records: unknown[], over: Record<string, unknown> = {}) => ({ device_id: 'phone-a', sent_at: new Date().toISOString(), records, ...over })
  const rows = async (memberId = a.memberId) =>
    t.db.select().from(attendanceRecords).where(eq(attendanceRecords.organizationMemberId, memberId))
  const eventCount = async () => (await t.db.select({ n: count() }).from(attendanceEvents))[0]!.n

  const dayOf = async (date: string, memberId = a.memberId) => (await rows(memberId)).find((r) => r.attendanceDate === date)
  const eventOf = async (clientId: string) => (await t.db.select().from(attendanceEvents).where(eq(attendanceEvents.clientId, clientId)))[0]!
  const statuses = (results: { status: string; code?: string }[]) => results.map((r) => [r.status, r.code ?? null])

  it('applies a check-in once: the same batch again is a duplicate, a changed payload a conflict; the server checks the evidence', async () => {
    const r = rec({ evidence: mine })
    const first = await a.member.post('/api/attendance/sync', batch([r]))
    expect(first.status).toBe(200)
    expect(first.body.data).toMatchObject({ synced: 1, failed: 0 })
    expect(first.body.data.results[0]).toMatchObject({ client_id: r.client_id, status: 'applied', attendance_status: 'present', approval_status: 'verifying', flags: ['offline_evidence'] })
    const again = await a.member.post('/api/attendance/sync', batch([r]))
    expect(again.body.data.results[0]).toMatchObject({ status: 'duplicate', record_id: first.body.data.results[0].record_id })
    const changed = await a.member.post('/api/attendance/sync', batch([{ ...r, remarks: 'edited later' }]))
    expect(changed.body.data.results[0]).toMatchObject({ status: 'conflict', code: 'CLIENT_ID_REUSED' })
    // The server's own check of the frames: member a's face, head turns seen; offline evidence approved by this
    // organization's policy ('never' reviewed).
    const { event, day: checked } = await settled(t, r.client_id)
    expect(event.assurance).toMatchObject({ level: 'medium', evidence: 'offline', face: { outcome: 'pass', code: 'ok' }, liveness: { outcome: 'pass', code: 'passed' } })
    expect(event.claims).toMatchObject({ face_match_score: 0.99, face_encoding_sent: true })
    const [row] = await rows()
    expect(checked!.id).toBe(row!.id)
    expect(row).toMatchObject({ attendanceDate: day(1), checkInTime: '07:55:00', status: 'present', approvalStatus: 'approved', assuranceLevel: 'medium', source: 'mobile', recordedBy: null })
    // The record's score is the server's own match of the frames; the device's is kept as its claim.
    expect(row!.faceMatchScore).toBeGreaterThan(0.5)
    expect(row!.deviceMatchScore).toBeCloseTo(0.99)
    expect(await eventCount()).toBe(1)
  })

  it('folds a later check-out into the same day, flagging leaving early; a capture without evidence sends the day to review', async () => {
    const out = await a.member.post('/api/attendance/sync', batch([rec({ kind: 'check_out', captured_at: jakarta(day(1), '15:10') })]))
    expect(out.body.data.results[0]).toMatchObject({ status: 'applied', approval_status: 'pending' })
    expect(out.body.data.results[0].flags).toEqual(expect.arrayContaining(['left_early', 'no_evidence']))
    const later = await a.member.post('/api/attendance/sync', batch([rec({ kind: 'check_out', captured_at: jakarta(day(1), '16:30') })]))
    expect(later.body.data.results[0].flags).not.toContain('left_early')
    const days = await rows()
    expect(days).toHaveLength(1)
    expect(days[0]).toMatchObject({ checkInTime: '07:55:00', checkOutTime: '16:30:00', approvalStatus: 'pending', assuranceLevel: 'failed' })
    const [event] = await t.db.select().from(attendanceEvents).where(and(eq(attendanceEvents.organizationMemberId, a.memberId), eq(attendanceEvents.kind, 'check_out'))).limit(1)
    expect(event!.assurance).toMatchObject({ level: 'failed', evidence: 'none', face: { code: 'no_evidence' } })
    expect(event!.verification).toBe('done')
  })

  it('decides late by the organization schedule and zone; an earlier check-in from another device never rewrites the day without review', async () => {
    const late = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta(day(2), '08:16') })]))
    expect(late.body.data.results[0]).toMatchObject({ attendance_status: 'late' })
    expect(late.body.data.results[0].flags).toContain('late')
    // The kiosk's record says 08:10: kept as a claim, the day stays late and waits for a person to decide.
    const earlier = await a.petugas.post('/api/attendance/sync', batch([rec({ captured_at: jakarta(day(2), '08:10') })], { device_id: 'tablet-a' }))
    expect(earlier.body.data.results[0]).toMatchObject({ status: 'applied', attendance_status: 'late', approval_status: 'pending' })
    expect(earlier.body.data.results[0].flags).toEqual(expect.arrayContaining(['earlier_capture', 'out_of_order']))
    const kiosk = await eventOf(earlier.body.data.results[0].client_id)
    expect(kiosk).toMatchObject({ origin: 'kiosk', recordedBy: a.petugasId, deviceId: a.deviceId })
    expect(kiosk.assurance!.time).toMatchObject({ outcome: 'warn' })
    expect(await dayOf(day(2))).toMatchObject({ checkInTime: '08:16:00', status: 'late', recordedBy: null, approvalStatus: 'pending' })
    // The phone never heard of the kiosk's capture and sends "check in" at 16:05: it is the day's check-out.
    const leaving = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta(day(2), '16:05') })]))
    expect(leaving.body.data.results[0]).toMatchObject({ status: 'applied', attendance_status: 'late' })
    expect(await dayOf(day(2))).toMatchObject({ checkInTime: '08:16:00', checkOutTime: '16:05:00' })
  })

  it('keeps the valid records of a batch with invalid ones, and refuses an oversized batch whole', async () => {
    const good = rec({ captured_at: jakarta(day(3), '07:40') })
    const notAnImage = { ...mine, frames: mine.frames.map((f) => ({ ...f, image: Buffer.from('%PDF-1.4 '.repeat(20)).toString('base64') })) }
    const res = await a.member.post('/api/attendance/sync', batch([good, { client_id: 'nope' }, rec({ member_id: b.memberId }), rec({ evidence: notAnImage }), rec({ evidence: { ...mine, mode: 'online' } }), 'junk']))
    expect(res.body.data).toMatchObject({ synced: 1, failed: 5 })
    expect(statuses(res.body.data.results)).toEqual([
      ['applied', null],
      ['rejected', 'VALIDATION_FAILED'],
      ['rejected', 'NOT_ALLOWED'],
      ['rejected', 'EVIDENCE_NOT_AN_IMAGE'],
      ['rejected', 'VALIDATION_FAILED'], // online evidence names its challenge
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
    const records = [4, 5, 6].map((d) => rec({ captured_at: jakarta(day(d), '07:45') }))
    const [x, y] = await Promise.all([a.member.post('/api/attendance/sync', batch(records)), a.member.post('/api/attendance/sync', batch(records))])
    const all = [...x.body.data.results, ...y.body.data.results].map((r: { status: string }) => r.status).sort()
    expect(all).toEqual(['applied', 'applied', 'applied', 'duplicate', 'duplicate', 'duplicate'])
    for (const r of records) {
      const n = await t.db.select({ n: count() }).from(attendanceEvents).where(eq(attendanceEvents.clientId, r.client_id))
      expect(n[0]!.n).toBe(1)
    }
  })

  it('flags a face that is not the member\'s and sends the record to review; the device score and descriptor are only claims', async () => {
    const impostor = rec({ captured_at: jakarta(day(7), '07:50'), evidence: someoneElse, face_match_score: 1 })
    const res = await a.member.post('/api/attendance/sync', batch([impostor]))
    expect(res.body.data.results[0]).toMatchObject({ status: 'applied', approval_status: 'verifying' })
    const { event, day: checked } = await settled(t, impostor.client_id)
    expect(event.assurance).toMatchObject({ level: 'failed', face: { outcome: 'fail', code: 'not_member' } })
    expect(event.claims).toMatchObject({ face_match_score: 1 })
    expect(checked!.flags).toContain('face_not_verified')
    expect(checked!.approvalStatus).toBe('pending')
    expect(checked!.faceMatchScore).toBeLessThan(0.5)
    // Member a's own descriptor, sent without evidence, proves nothing: the record waits for review.
    const noEvidence = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta(day(8), '07:50') })]))
    expect(noEvidence.body.data.results[0]).toMatchObject({ status: 'applied', approval_status: 'pending' })
    expect(noEvidence.body.data.results[0].flags).toContain('no_evidence')
    expect((await dayOf(day(8)))!.faceMatchScore).toBeNull()
  })

  it('flags evidence with no face in it', async () => {
    const blank = (await sharp({ create: { width: 128, height: 128, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg().toBuffer()).toString('base64')
    const empty = rec({ captured_at: jakarta(day(9), '07:50'), evidence: { ...mine, frames: mine.frames.map((f) => ({ ...f, image: blank })) } })
    await a.member.post('/api/attendance/sync', batch([empty]))
    const { event, day: checked } = await settled(t, empty.client_id)
    expect(event.assurance).toMatchObject({ level: 'failed', face: { outcome: 'fail', code: 'no_face' } })
    expect(checked!.flags).toContain('no_face')
    expect(checked!.approvalStatus).toBe('pending')
  })

  it('corrects and flags a device clock that is a day off', async () => {
    const skewed = new Date(Date.now() + 24 * 3600_000)
    // The device thinks it is 07:50 on the next day; by the server's clock it was 07:50 on day 10.
    const capturedByDevice = new Date(new Date(jakarta(day(10), '07:50')).getTime() + 24 * 3600_000).toISOString()
    const res = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: capturedByDevice })], { sent_at: skewed.toISOString() }))
    expect(res.body.data.results[0].flags).toEqual(expect.arrayContaining(['clock_skew']))
    expect(await dayOf(day(10))).toMatchObject({ checkInTime: expect.stringMatching(/^07:5/), approvalStatus: 'pending' })
  })

  it('checks captures against the location fence: flag or refuse per organization setting', async () => {
    const [loc] = await t.db.insert(locations).values({ organizationId: a.id, name: 'Gerbang', latitude: -6.1754, longitude: 106.8272, radiusMeters: 100 }).returning()
    try {
      const far = { latitude: -6.19, longitude: 106.8272, accuracy: 10, location_id: loc!.id }
      const flagged = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta(day(11), '07:50'), ...far })]))
      expect(flagged.body.data.results[0].flags).toContain('outside_geofence')
      const inside = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta(day(12), '07:50'), latitude: -6.1755, longitude: 106.8272, accuracy: 5, location_id: loc!.id })]))
      expect(inside.body.data.results[0].flags).toEqual(['no_evidence'])
      // No fix, or a fix coarser than the fence, cannot show the capture was inside it.
      const unsure = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta(day(13), '07:50'), location_id: loc!.id }), rec({ captured_at: jakarta(day(13), '16:50'), kind: 'check_out', latitude: -6.1755, longitude: 106.8272, accuracy: 500 })]))
      expect(unsure.body.data.results[0].flags).toContain('no_location')
      expect(unsure.body.data.results[1].flags).toContain('location_inaccurate')
      await a.admin.patch(`/api/organizations/${a.id}/settings`, { geofence_policy: 'refuse' })
      const refused = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta(day(14), '07:50'), ...far }), rec({ captured_at: jakarta(day(14), '07:51') })]))
      expect(statuses(refused.body.data.results)).toEqual([['rejected', 'OUTSIDE_GEOFENCE'], ['rejected', 'NO_LOCATION']])
      await a.admin.patch(`/api/organizations/${a.id}/settings`, { geofence_policy: 'flag' })
      // Another organization's location id is unknown here.
      const [other] = await t.db.insert(locations).values({ organizationId: b.id, name: 'B', latitude: 0, longitude: 0 }).returning()
      const foreign = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta(day(14), '07:50'), location_id: other!.id })]))
      expect(foreign.body.data.results[0]).toMatchObject({ status: 'rejected', code: 'UNKNOWN_LOCATION' })
    } finally {
      await a.admin.patch(`/api/organizations/${a.id}/settings`, { geofence_policy: 'flag' })
      // The rest of the file captures without a fence to check.
      await t.db.update(locations).set({ latitude: null, longitude: null }).where(eq(locations.id, loc!.id))
    }
  })

  it('records through the spec endpoints: member submit and petugas record, recorded_by never taken on trust', async () => {
    const submit = await a.member.post('/api/attendance/submit', { organization_id: a.id, client_id: crypto.randomUUID(), kind: 'check_in', captured_at: jakarta(day(15), '07:30'), evidence: mine, face_image: photoBase64('people/p01/p01-5.jpg'), remarks: 'Tepat waktu' })
    expect(submit.status).toBe(201)
    expect(submit.body.data).toMatchObject({ status: 'present', sync_status: 'applied', id: expect.any(Number) })
    expect((await a.member.post('/api/attendance/submit', { organization_id: b.id, client_id: crypto.randomUUID(), kind: 'check_in', captured_at: jakarta(day(15), '07:30') })).status).toBe(404)

    const body = { organization_id: a.id, member_id: a.memberId, client_id: crypto.randomUUID(), kind: 'check_in', captured_at: jakarta(day(16), '07:30'), evidence: mine }
    const spoof = await a.petugas.post('/api/attendance/record', { ...body, recorded_by: a.memberId })
    expect(spoof.status).toBe(403)
    expect(spoof.body.error.code).toBe('RECORDED_BY_MISMATCH')
    const recorded = await a.petugas.post('/api/attendance/record', { ...body, recorded_by: a.petugasId })
    expect(recorded.status).toBe(201)
    expect((await dayOf(day(16)))!.recordedBy).toBe(a.petugasId)
    expect((await a.petugas.post('/api/attendance/record', { ...body, client_id: crypto.randomUUID(), member_id: b.memberId })).status).toBe(404)
    expect((await a.member.post('/api/attendance/record', body)).status).toBe(403)
    // Both captures are checked by the server like any other: the same face, offline evidence.
    const checkedSubmit = await settled(t, submit.body.data.client_id)
    expect(checkedSubmit.event.assurance).toMatchObject({ face: { code: 'ok' }, liveness: { code: 'passed' } })
    const checkedRecord = await settled(t, body.client_id)
    expect(checkedRecord.event).toMatchObject({ origin: 'kiosk' })
    expect(checkedRecord.day!.approvalStatus).toBe('approved')

    const own = await a.member.get('/api/attendance/mine')
    expect(own.body.data.records.map((r: { attendance_date: string }) => r.attendance_date)).toContain(day(15))
    expect((await b.member.get('/api/attendance/mine')).body.data.records).toEqual([])
    const logs = await t.db.select().from(attendanceSyncLogs).where(and(eq(attendanceSyncLogs.organizationId, a.id), eq(attendanceSyncLogs.mobileDeviceId, 'tablet-a')))
    expect(logs[0]).toMatchObject({ syncStatus: 'completed', recordsSynced: 1, deviceId: a.deviceId })
  })

  it('keeps a photo sent with a capture as the record\'s picture only: it proves nobody\'s identity', async () => {
    // Once the server re-derived the face from this photo (face_reverify_photos); identity now comes from the
    // evidence frames alone, so someone else's photo neither passes nor refuses a capture: it waits for review.
    const honest = rec({ captured_at: jakarta(day(17), '07:40'), face_image: photoBase64('people/p01/p01-5.jpg') })
    const swapped = rec({ captured_at: jakarta(day(18), '07:40'), face_image: photoBase64('people/p02/p02-1.jpg') })
    const res = await a.member.post('/api/attendance/sync', batch([honest, swapped]))
    expect(statuses(res.body.data.results)).toEqual([
      ['applied', null],
      ['applied', null],
    ])
    for (const r of res.body.data.results) {
      expect(r.approval_status).toBe('pending')
      expect(r.flags).toContain('no_evidence')
      expect(r.flags).not.toContain('photo_mismatch')
    }
    expect((await dayOf(day(17)))!.faceImageUrl).toMatch(/^org-\d+\/attendance\//)
    expect((await dayOf(day(18)))!.faceImageUrl).toMatch(/^org-\d+\/attendance\//)
  })

  it('keeps records made before a change of shift attributed to the petugas who made them, and checks the claim', async () => {
    const second = await t.db.transaction((tx) => createMember(tx, a.id, { name: 'Petugas Dua', email: null, phone: null, member_number: 'P-a2', role: 'petugas' }))
    const on = (n: number) => rec({ captured_at: jakarta(day(n), '07:40') })
    const ok = await a.petugas.post('/api/attendance/sync', batch([{ ...on(19), recorded_by: second }], { device_id: 'tablet-a' }))
    expect(ok.body.data.results[0]).toMatchObject({ status: 'applied' })
    expect((await dayOf(day(19)))!.recordedBy).toBe(second)
    // Not a petugas, another organization's petugas: refused, and nothing is written.
    const before = await eventCount()
    const bad = await a.petugas.post('/api/attendance/sync', batch([{ ...on(20), recorded_by: a.memberId }, { ...on(21), recorded_by: b.petugasId }], { device_id: 'tablet-a' }))
    expect(bad.body.data.results.map((r: { code?: string }) => r.code)).toEqual(['RECORDED_BY_INVALID', 'RECORDED_BY_INVALID'])
    expect(await eventCount()).toBe(before)
    // A member's phone cannot name a recorder: the field is ignored, the record is the member's own.
    const own = await a.member.post('/api/attendance/sync', batch([{ ...on(22), recorded_by: a.petugasId }]))
    expect(own.body.data.results[0]).toMatchObject({ status: 'applied' })
    expect((await dayOf(day(22)))!.recordedBy).toBeNull()
  })

  it('a check-in on a day already excused wins: the day becomes present or late', async () => {
    // A day that is not a national holiday (on one, whoever comes anyway is present, never late): Christmas is day 23
    // on New Year's Day.
    const n = [23, 24, 25, 26, 27, 28, 29].find((i) => nationalHolidaysBetween(day(i), day(i)).length === 0)!
    await t.db.insert(attendanceRecords).values({ organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: day(n), status: 'excused', source: 'manual', remarks: 'sick' })
    const res = await a.member.post('/api/attendance/sync', batch([rec({ captured_at: jakarta(day(n), '08:40') })]))
    expect(res.body.data.results[0]).toMatchObject({ status: 'applied', attendance_status: 'late' })
    expect(await dayOf(day(n))).toMatchObject({ status: 'late', checkInTime: '08:40:00', source: 'mobile' })
  })
})
