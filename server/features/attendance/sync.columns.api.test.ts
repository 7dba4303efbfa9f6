// Every value of a capture lands in its own column, on each of the sync's three ways of writing: a batch under locks
// (when webhooks want its records, or the optimistic write failed), a batch in one optimistic statement (its rows sent positionally, as one jsonb array per
// table), and record by record. Each capture carries values no other capture has, so a column written from the wrong
// place, or a JSON null stored as the jsonb value `null`, fails here.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { idleJobs, orgWithMembers, type OrgWorld } from '../../../tools/test-support/fixtures'
import { statementsOf, statementsOfSync } from '../../../tools/test-support/statements'
import { sync } from '../../../tools/test-support/evidence-flow'
import { rowsOf } from '../../db/raw'
import { attendanceEvents, attendanceRecords, webhookEndpoints } from '../../db/schema'
import { toLocal } from '../../../shared/attendance/rules'
import { syncSettings } from './attendance.sync'

describe('a capture is stored column by column, whichever way its batch is written', () => {
  let t: TestApp
  let org: OrgWorld
  /** Members A, B, C, D. */
  let members: number[]
  beforeAll(async () => {
    t = await createTestApp()
    await idleJobs(t)
    ;({ org, members } = await orgWithMembers(t, 'columns', 'K', 4))
  })
  afterEach(() => {
    syncSettings.batchWrites = true
  })
  afterAll(() => t.close())

  /** Yesterday in Jakarta. */
  const day = toLocal(new Date(Date.now() - 86_400_000), 'Asia/Jakarta').date
  let n = 0
  /** A capture with values of its own: coordinates, accuracy, the device's score, remarks. */
  const capture = (memberId: number, kind: 'check_in' | 'check_out', hhmm: string) => {
    n++
    return {
      client_id: randomUUID(),
      member_id: memberId,
      kind,
      captured_at: new Date(`${day}T${hhmm}:30+07:00`).toISOString(),
      recorded_by: org.petugasId,
      latitude: -6.2001 - n * 0.0101,
      longitude: 106.8167 + n * 0.0203,
      accuracy: 4 + n * 1.5,
      face_match_score: 0.5 + n * 0.03,
      remarks: `catatan ${n}`,
    }
  }

  const send = async (records: ReturnType<typeof capture>[]) => (await statementsOfSync(t, org.petugas, records)).texts

  it('on a locked batch, an optimistic batch and record by record alike', async () => {
    const [a, b, c, d] = members as [number, number, number, number]
    const ins = { a: capture(a, 'check_in', '07:05'), b: capture(b, 'check_in', '07:10'), c: capture(c, 'check_in', '07:15'), d: capture(d, 'check_in', '07:20') }
    const outs = { a: capture(a, 'check_out', '16:05'), b: capture(b, 'check_out', '16:10'), c: capture(c, 'check_out', '16:15') }

    // Under locks (a transaction): the way of a batch whose records webhooks want (their events are staged with it).
    const [hook] = await t.db.insert(webhookEndpoints).values({ organizationId: org.id, url: 'http://127.0.0.1:9/hook', events: ['attendance.recorded'], secret: 'rahasia' }).returning()
    const locked = await send([ins.a, ins.b])
    expect(locked).toContain('begin … commit')
    expect(locked.filter((s) => s.includes('pg_try_advisory_xact_lock'))).toHaveLength(0)
    await t.db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, hook!.id))
    // The next one in one statement against the days as read: A's day updated, C's inserted.
    const optimistic = await send([outs.a, ins.c])
    expect(optimistic.filter((s) => s.includes('pg_try_advisory_xact_lock'))).toHaveLength(1)
    expect(optimistic).not.toContain('begin … commit')
    // Record by record: B's and C's days updated, D's inserted.
    syncSettings.batchWrites = false
    await send([outs.b, outs.c, ins.d])

    const events = await t.db.select().from(attendanceEvents).where(eq(attendanceEvents.organizationId, org.id))
    const days = await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.organizationId, org.id))
    const eventOf = new Map(events.map((e) => [e.clientId, e]))
    const jakarta = (at: Date) => toLocal(at, 'Asia/Jakarta').time

    for (const cap of [...Object.values(ins), ...Object.values(outs)]) {
      const e = eventOf.get(cap.client_id)
      expect(e, cap.client_id).toBeDefined()
      const dayRow = days.find((x) => x.organizationMemberId === cap.member_id)!
      expect({ member: e!.organizationMemberId, kind: e!.kind, record: e!.attendanceRecordId, recordedBy: e!.recordedBy, device: e!.deviceId, at: e!.deviceCapturedAt?.toISOString(), verification: e!.verification, faceDistance: e!.faceDistance }).toEqual({
        member: cap.member_id, kind: cap.kind, record: dayRow.id, recordedBy: org.petugasId, device: org.deviceId, at: cap.captured_at, verification: 'done', faceDistance: null,
      })
      // The server's time: the device's corrected by its measured skew (here, the request's transit).
      expect(e!.capturedAt.getTime() - new Date(cap.captured_at).getTime()).toBeGreaterThanOrEqual(0)
      expect(e!.capturedAt.getTime() - new Date(cap.captured_at).getTime()).toBeLessThan(60_000)
      expect(e!.claims).toEqual({ location_id: null, latitude: cap.latitude, longitude: cap.longitude, accuracy: cap.accuracy, face_match_score: cap.face_match_score, face_encoding_sent: false, attendance_date: null, check_in_time: null })
      expect(e!.assurance).toMatchObject({ evidence: 'none', place: { code: 'no_fence', accuracy_m: cap.accuracy }, time: { captured_at: e!.capturedAt.toISOString() } })
      expect(e!.payloadHash).toMatch(/^[\w-]{43}$/)
    }
    // No evidence: SQL NULL, not the jsonb value null.
    const nulls = rowsOf<{ n: number }>(await t.db.execute(sql`select count(*)::int as n from attendance_events where organization_id = ${org.id} and evidence is null`))
    expect(nulls[0]!.n).toBe(events.length)

    for (const [who, cin] of Object.entries(ins)) {
      const out = outs[who as keyof typeof outs] as ReturnType<typeof capture> | undefined
      const dayRow = days.find((x) => x.organizationMemberId === cin.member_id)!
      expect({
        date: dayRow.attendanceDate, in: dayRow.checkInTime, out: dayRow.checkOutTime, clientId: dayRow.clientId, latitude: dayRow.latitude, longitude: dayRow.longitude,
        accuracy: dayRow.accuracyMeters, deviceScore: dayRow.deviceMatchScore, remarks: dayRow.remarks, recordedBy: dayRow.recordedBy, device: dayRow.deviceId,
        deviceAt: dayRow.deviceCapturedAt?.toISOString(), location: dayRow.locationId, photo: dayRow.faceImageUrl, score: dayRow.faceMatchScore, source: dayRow.source,
      }, who).toEqual({
        date: day, in: jakarta(eventOf.get(cin.client_id)!.capturedAt), out: out ? jakarta(eventOf.get(out.client_id)!.capturedAt) : null, clientId: cin.client_id,
        latitude: cin.latitude, longitude: cin.longitude, accuracy: cin.accuracy, deviceScore: Math.fround(cin.face_match_score) === cin.face_match_score ? cin.face_match_score : expect.closeTo(cin.face_match_score, 6),
        remarks: cin.remarks, recordedBy: org.petugasId, device: org.deviceId, deviceAt: cin.captured_at, location: null, photo: null, score: null, source: 'mobile',
      })
      // Without evidence the day waits for a person; its flags an array of words, the same on every path.
      expect(dayRow.approvalStatus, who).toBe('pending')
      expect(dayRow.flags, who).toEqual(['no_evidence'])
      expect(dayRow.assuranceLevel, who).toBe(eventOf.get(cin.client_id)!.assurance!.level)
    }
  })
})

describe('a batch whose optimistic write finds its rows stored since its reads', () => {
  let t: TestApp
  let org: OrgWorld
  let members: number[]
  beforeAll(async () => {
    t = await createTestApp()
    await idleJobs(t)
    ;({ org, members } = await orgWithMembers(t, 'raced', 'R', 3))
  })
  afterEach(() => {
    syncSettings.beforeOptimisticWrite = undefined
  })
  afterAll(() => t.close())

  it('is written under locks instead: the record stored meanwhile answers duplicate, the others applied, one row each', async () => {
    const day = toLocal(new Date(Date.now() - 86_400_000), 'Asia/Jakarta').date
    const rec = (memberId: number, hhmm: string) => ({ client_id: randomUUID(), member_id: memberId, kind: 'check_in', captured_at: new Date(`${day}T${hhmm}:00+07:00`).toISOString() })
    const [a, b, c] = members as [number, number, number]
    // The organization's first batch teaches the server its time zone (the next batch's days are read with it).
    await sync(org.petugas, [rec(c, '06:50'), rec(c, '06:55')])
    const first = rec(a, '07:01')
    const second = rec(b, '07:02')
    let raced = false
    // Between the batch's reads and its write, the same first capture arrives on its own and is stored: the batch's
    // statement then meets its day (a unique violation) and the batch goes the locked way.
    syncSettings.beforeOptimisticWrite = async () => {
      syncSettings.beforeOptimisticWrite = undefined
      const alone = await sync(org.petugas, [first])
      expect(alone[0]).toMatchObject({ status: 'applied' })
      raced = true
    }
    const sent = statementsOf(t)
    let results: { status: string; record_id?: number }[]
    try {
      results = await sync(org.petugas, [first, second])
    } finally {
      sent.stop()
    }
    expect(raced).toBe(true)
    expect(results.map((r) => r.status)).toEqual(['duplicate', 'applied'])
    expect(sent.texts.filter((s) => s.includes('pg_try_advisory_xact_lock'))).toHaveLength(1)
    expect(sent.texts).toContain('begin … commit')
    for (const r of [first, second]) {
      const n = rowsOf<{ n: number }>(await t.db.execute(sql`select count(*)::int as n from attendance_events where client_id = ${r.client_id}::uuid`))
      expect(n[0]!.n, r.client_id).toBe(1)
    }
    const days = await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.organizationId, org.id))
    expect(days.filter((d) => d.organizationMemberId === a)).toHaveLength(1)
    expect(results[0]!.record_id).toBe(days.find((d) => d.organizationMemberId === a)!.id)
  })
})
