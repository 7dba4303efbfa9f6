import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import sharp from 'sharp'
import { and, count, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../../tools/test-support/fixtures'
import { attendanceEvents, attendanceRecordHistory, attendanceRecords, auditLog, type StoredEvidence } from '../../../db/schema'
import type { Assurance } from '../../../../shared/attendance/evidence'
import { assuranceFor, type AssuranceChange } from './assurance.fixtures'

// The dashboard's view of what the server concluded about each capture (issue 13): the checklist per capture in the
// record's detail, its evidence frames behind a permission-checked, audit-logged route, the level and 'verifying'
// in the list and its filters, and no decision while the check still runs. Captures and their checklists are written
// straight into the database, as the server's check leaves them.

const at = (time: string, date = '2026-11-16') => new Date(`${date}T${time}+07:00`)

describe('the assurance of captures on the dashboard', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  const ids: Record<'high' | 'verifying' | 'replayed' | 'offline' | 'old' | 'manual' | 'bRecord', number> = {} as never
  const events: Record<'highIn' | 'highOut' | 'verifying' | 'replayed' | 'old' | 'bIn', number> = {} as never
  const frameBytes: Buffer[] = []

  const path = (org: OrgWorld, rest = '') => `/api/organizations/${org.id}/attendance${rest}`
  const frameViews = async () => (await t.db.select({ n: count() }).from(auditLog).where(eq(auditLog.action, 'attendance.frame_view')))[0]!.n

  /** `n` distinct small JPEGs in storage, as the evidence of one capture. */
  async function storeFrames(org: OrgWorld, n: number, collect = false): Promise<StoredEvidence['frames']> {
    const frames: StoredEvidence['frames'] = []
    for (let i = 0; i < n; i++) {
      const bytes = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 40 * i, g: 120, b: 200 - 30 * i } } }).jpeg().toBuffer()
      const key = `org-${org.id}/evidence/${crypto.randomUUID()}.jpg`
      await t.deps.storage.put(key, bytes)
      if (collect) frameBytes.push(bytes)
      frames.push({ t: i * 700, key })
    }
    return frames
  }

  /** A day record and its captures, as sync and the image check leave them. */
  async function day(
    org: OrgWorld,
    memberId: number,
    date: string,
    record: Partial<typeof attendanceRecords.$inferInsert>,
    captures: { kind: 'check_in' | 'check_out'; time: string; evidence?: StoredEvidence | null; assurance?: AssuranceChange | null; verifying?: boolean }[],
  ): Promise<{ recordId: number; eventIds: number[] }> {
    const [row] = await t.db
      .insert(attendanceRecords)
      .values({ organizationId: org.id, organizationMemberId: memberId, attendanceDate: date, checkInTime: captures[0] ? `${captures[0].time}:00` : null, status: 'present', source: 'mobile', ...record })
      .returning({ id: attendanceRecords.id })
    const eventIds: number[] = []
    for (const c of captures) {
      const captured = at(`${c.time}:00`, date)
      const received = new Date(captured.getTime() + 3000)
      const assurance: Assurance | null = c.assurance === null ? null : assuranceFor(captured, received, { ...c.assurance, verifying: c.verifying })
      const [e] = await t.db
        .insert(attendanceEvents)
        .values({
          organizationId: org.id,
          clientId: crypto.randomUUID(),
          attendanceRecordId: row!.id,
          organizationMemberId: memberId,
          kind: c.kind,
          payloadHash: crypto.randomBytes(16).toString('hex'),
          deviceCapturedAt: captured,
          capturedAt: captured,
          receivedAt: received,
          origin: 'phone',
          evidence: c.evidence ?? null,
          verification: c.verifying ? 'verifying' : 'done',
          assurance,
        })
        .returning({ id: attendanceEvents.id })
      eventIds.push(e!.id)
    }
    return { recordId: row!.id, eventIds }
  }

  const online = async (org: OrgWorld, n = 5, collect = false): Promise<StoredEvidence> => ({ challenge_id: crypto.randomUUID(), steps: ['turn_left', 'turn_right'], mode: 'online', frames: await storeFrames(org, n, collect) })

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    const member = a.memberId
    // A genuine day: both captures on issued challenges, everything passed.
    let d = await day(a, member, '2026-11-16', { assuranceLevel: 'high', checkOutTime: '16:05:00' }, [
      { kind: 'check_in', time: '07:52', evidence: await online(a, 5, true), assurance: {} },
      { kind: 'check_out', time: '16:05', evidence: await online(a, 3), assurance: {} },
    ])
    ids.high = d.recordId
    ;[events.highIn, events.highOut] = d.eventIds as [number, number]
    // Still being checked.
    d = await day(a, member, '2026-11-17', { approvalStatus: 'verifying', assuranceLevel: null }, [{ kind: 'check_in', time: '07:58', evidence: await online(a), assurance: {}, verifying: true }])
    ids.verifying = d.recordId
    events.verifying = d.eventIds[0]!
    // A replay: the challenge had already answered another capture.
    d = await day(a, member, '2026-11-18', { approvalStatus: 'pending', assuranceLevel: 'failed' }, [
      { kind: 'check_in', time: '07:40', evidence: await online(a), assurance: { liveness: { outcome: 'fail', code: 'challenge_reused' } } },
    ])
    ids.replayed = d.recordId
    events.replayed = d.eventIds[0]!
    // Offline evidence from the member's phone: waits for review by the default policy.
    d = await day(a, member, '2026-11-19', { approvalStatus: 'pending', assuranceLevel: 'medium' }, [
      { kind: 'check_in', time: '07:45', evidence: { challenge_id: null, steps: ['turn_right', 'turn_left'], mode: 'offline', frames: await storeFrames(a, 4) }, assurance: { evidence: 'offline' } },
    ])
    ids.offline = d.recordId
    // From before the checks existed: a capture with neither evidence nor checklist.
    d = await day(a, member, '2026-11-12', {}, [{ kind: 'check_in', time: '07:30', evidence: null, assurance: null }])
    ids.old = d.recordId
    events.old = d.eventIds[0]!
    ids.manual = (await day(a, member, '2026-11-13', { source: 'manual', recordedBy: null }, [])).recordId
    d = await day(b, b.memberId, '2026-11-16', { assuranceLevel: 'high' }, [{ kind: 'check_in', time: '07:50', evidence: await online(b), assurance: {} }])
    ids.bRecord = d.recordId
    events.bIn = d.eventIds[0]!
  })
  afterAll(() => t.close())

  it('shows each capture\'s checklist, evidence and state in the record\'s detail, never where the frames are stored', async () => {
    for (const who of [a.admin, a.support, a.manager]) {
      const res = await who.get(path(a, `/${ids.high}`))
      expect(res.status).toBe(200)
      expect(res.body.data.record).toMatchObject({ id: ids.high, approval_status: 'approved', assurance_level: 'high' })
      const [checkIn, checkOut] = res.body.data.events
      expect(checkIn).toMatchObject({
        id: events.highIn,
        kind: 'check_in',
        origin: 'phone',
        verification: 'done',
        evidence: { mode: 'online', steps: ['turn_left', 'turn_right'], challenge_issued: true, frames: [0, 1, 2, 3, 4].map((index) => ({ index, t: index * 700 })) },
        assurance: {
          level: 'high',
          evidence: 'online',
          face: { outcome: 'pass', code: 'ok', distance: 0.612, other_distance: 1.183, threshold: 0.9, margin: 0.05 },
          liveness: { outcome: 'pass', code: 'passed', mode: 'online', steps: ['turn_left', 'turn_right'], frames: 5 },
          place: { outcome: 'pass', code: 'inside', distance_m: 42, accuracy_m: 12, radius_m: 100 },
          time: { outcome: 'pass', code: 'ok' },
          checked_at: expect.any(String),
        },
      })
      expect(checkOut).toMatchObject({ kind: 'check_out', evidence: { frames: [{ index: 0 }, { index: 1 }, { index: 2 }] } })
      expect(JSON.stringify(res.body)).not.toContain(`org-${a.id}/`)
    }
    const verifying = (await a.admin.get(path(a, `/${ids.verifying}`))).body.data
    expect(verifying.record).toMatchObject({ approval_status: 'verifying', assurance_level: null })
    expect(verifying.events[0]).toMatchObject({ verification: 'verifying', assurance: { face: { outcome: 'none' }, liveness: { outcome: 'none' }, checked_at: null } })
    const replayed = (await a.admin.get(path(a, `/${ids.replayed}`))).body.data
    expect(replayed.record).toMatchObject({ approval_status: 'pending', assurance_level: 'failed' })
    expect(replayed.events[0].assurance).toMatchObject({ level: 'failed', liveness: { outcome: 'fail', code: 'challenge_reused' } })
    const offline = (await a.admin.get(path(a, `/${ids.offline}`))).body.data
    expect(offline.events[0]).toMatchObject({ evidence: { mode: 'offline', challenge_issued: false }, assurance: { level: 'medium', evidence: 'offline' } })
    // Older captures and manual records carry nothing to show, and say so by being null / empty.
    const old = (await a.admin.get(path(a, `/${ids.old}`))).body.data
    expect(old.record.assurance_level).toBeNull()
    expect(old.events[0]).toMatchObject({ evidence: null, assurance: null, verification: 'done' })
    expect((await a.admin.get(path(a, `/${ids.manual}`))).body.data.events).toEqual([])
  })

  it('serves a frame as an image, never cached, to whoever may see attendance photos, with an audit row per view', async () => {
    const before = await frameViews()
    // Everyone who may see attendance photos (attendance:record:view): the dashboard roles and the petugas.
    for (const [i, who] of [a.admin, a.support, a.manager, a.petugas].entries()) {
      const res = await t.app.request(path(a, `/${ids.high}/frames?event=${events.highIn}&frame=${i}`), { headers: { cookie: [...who.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/jpeg')
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(Buffer.from(await res.arrayBuffer()).equals(frameBytes[i]!)).toBe(true)
    }
    expect(await frameViews()).toBe(before + 4)
    const [row] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'attendance.frame_view'), eq(auditLog.entityId, String(ids.high))))
      .orderBy(auditLog.id)
      .limit(1)
    expect(row).toMatchObject({ organizationId: a.id, entityType: 'attendance_record', details: { event_id: events.highIn, frame: 0 } })

    // Who may not see it, and frames that are not there: no image, no audit row.
    expect((await a.member.get(path(a, `/${ids.high}/frames?event=${events.highIn}&frame=0`))).status).toBe(403)
    expect((await t.agent().get(path(a, `/${ids.high}/frames?event=${events.highIn}&frame=0`))).status).toBe(401)
    const notFound: [OrgWorld, string][] = [
      [b, path(a, `/${ids.high}/frames?event=${events.highIn}&frame=0`)], // another organization's admin
      [a, path(a, `/${ids.bRecord}/frames?event=${events.bIn}&frame=0`)], // the other organization's capture under this one
      [a, path(a, `/${ids.high}/frames?event=${events.bIn}&frame=0`)],
      [a, path(a, `/${ids.verifying}/frames?event=${events.highIn}&frame=0`)], // a capture of another record
      [a, path(a, `/${ids.high}/frames?event=${events.highOut}&frame=3`)], // past the capture's last frame
      [a, path(a, `/${ids.old}/frames?event=${events.old}&frame=0`)], // a capture without evidence
    ]
    for (const [org, url] of notFound) expect((await org.admin.get(url)).status, url).toBe(404)
    for (const bad of ['', '?event=1', '?frame=0', `?event=${events.highIn}&frame=12`, `?event=${events.highIn}&frame=-1`, `?event=x&frame=0`, `?event=${events.highIn}&frame=0&size=full`]) {
      expect((await a.admin.get(path(a, `/${ids.high}/frames${bad}`))).status, bad).toBe(422)
    }
    expect(await frameViews()).toBe(before + 4)
    // A frame the storage lost is not found either (and not logged as seen).
    const [stored] = await t.db.select({ evidence: attendanceEvents.evidence }).from(attendanceEvents).where(eq(attendanceEvents.id, events.highOut))
    await t.deps.storage.delete(stored!.evidence!.frames[2]!.key)
    expect((await a.admin.get(path(a, `/${ids.high}/frames?event=${events.highOut}&frame=2`))).status).toBe(404)
    expect(await frameViews()).toBe(before + 4)
  })

  it('lists the level and the review state, and filters by level and by every review state', async () => {
    const list = async (query: string) => {
      const res = await a.support.get(path(a, `?start_date=2026-11-01&end_date=2026-11-30&${query}`))
      expect(res.status, query).toBe(200)
      return res.body.data.records as { id: number; approval_status: string; assurance_level: string | null }[]
    }
    const all = await list('')
    expect(Object.fromEntries(all.map((r) => [r.id, [r.approval_status, r.assurance_level]]))).toEqual({
      [ids.high]: ['approved', 'high'],
      [ids.verifying]: ['verifying', null],
      [ids.replayed]: ['pending', 'failed'],
      [ids.offline]: ['pending', 'medium'],
      [ids.old]: ['approved', null],
      [ids.manual]: ['approved', null],
    })
    const idsOf = async (query: string) => (await list(query)).map((r) => r.id).sort((x, y) => x - y)
    expect(await idsOf('level=high')).toEqual([ids.high])
    expect(await idsOf('level=medium')).toEqual([ids.offline])
    expect(await idsOf('level=low')).toEqual([])
    expect(await idsOf('level=failed')).toEqual([ids.replayed])
    expect(await idsOf('level=none')).toEqual([ids.verifying, ids.old, ids.manual].sort((x, y) => x - y))
    expect(await idsOf('approval_status=verifying')).toEqual([ids.verifying])
    expect(await idsOf('approval_status=pending')).toEqual([ids.replayed, ids.offline].sort((x, y) => x - y))
    expect(await idsOf('approval_status=pending&level=failed')).toEqual([ids.replayed])
    const counted = await a.admin.get(path(a, '?start_date=2026-11-01&end_date=2026-11-30&approval_status=verifying'))
    expect(counted.body.data.total).toBe(1)
    for (const bad of ['level=great', 'level=', 'approval_status=waiting']) expect((await a.admin.get(path(a, `?${bad}`))).status, bad).toBe(422)
    // The other organization's records stay out of every filter.
    expect((await b.admin.get(path(b, '?start_date=2026-11-01&end_date=2026-11-30&level=high'))).body.data.records.map((r: { id: number }) => r.id)).toEqual([ids.bRecord])
  })

  it('refuses to approve or reject a record still being checked (409), and lets the admin decide once the check is done', async () => {
    for (const action of ['approve', 'reject']) {
      const res = await a.admin.post(path(a, `/${ids.verifying}/${action}`), { note: 'Terlalu cepat' })
      expect(res.status).toBe(409)
      expect(res.body.error).toMatchObject({ code: 'STILL_VERIFYING', message: expect.stringContaining('still checking') })
    }
    const [unchanged] = await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.id, ids.verifying))
    expect(unchanged!.approvalStatus).toBe('verifying')
    expect(await t.db.select().from(attendanceRecordHistory).where(eq(attendanceRecordHistory.attendanceRecordId, ids.verifying))).toEqual([])
    // Support and manager are still refused for want of the permission, not told about the check.
    expect((await a.support.post(path(a, `/${ids.verifying}/approve`), {})).status).toBe(403)

    // The check ends (the record waits for review): now the admin decides.
    await t.db.update(attendanceRecords).set({ approvalStatus: 'pending', assuranceLevel: 'low' }).where(eq(attendanceRecords.id, ids.verifying))
    const approved = await a.admin.post(path(a, `/${ids.verifying}/approve`), { note: 'Dicek' })
    expect(approved.status).toBe(200)
    expect(approved.body.data).toMatchObject({ approval_status: 'approved', assurance_level: 'low' })
    // A failed capture can be rejected (or approved by a person who knows better).
    expect((await a.admin.post(path(a, `/${ids.replayed}/reject`), { note: 'Rekaman ulang' })).body.data).toMatchObject({ approval_status: 'rejected', assurance_level: 'failed' })
  })
})
