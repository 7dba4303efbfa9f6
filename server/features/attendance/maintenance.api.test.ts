import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { attendanceEvents, attendanceRecords, auditLog } from '../../db/schema'
import { photoKey } from '../../storage/storage'
import { runMaintenance } from './maintenance'

describe('maintenance jobs', () => {
  let t: TestApp
  let a: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
  })
  afterAll(() => t.close())

  const now = new Date('2026-11-23T05:00:00Z') // 12:00 in Jakarta

  it('closes forgotten check-outs of past days at the end of the schedule, never today', async () => {
    await t.db.insert(attendanceRecords).values([
      { organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: '2026-11-20', checkInTime: '07:50:00', status: 'present', source: 'mobile' },
      { organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: '2026-11-23', checkInTime: '07:50:00', status: 'present', source: 'mobile' },
    ])
    expect((await runMaintenance(t.deps, now)).closed).toBe(1)
    const rows = await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.organizationMemberId, a.memberId)).orderBy(attendanceRecords.attendanceDate)
    expect(rows[0]).toMatchObject({ checkOutTime: '16:00:00', flags: ['auto_closed'] })
    expect(rows[1]).toMatchObject({ checkOutTime: null, flags: [] })
    expect((await runMaintenance(t.deps, now)).closed).toBe(0)

    await a.admin.patch(`/api/organizations/${a.id}/settings`, { forgotten_checkout_rule: 'leave_open' })
    await t.db.insert(attendanceRecords).values({ organizationId: a.id, organizationMemberId: a.petugasId, attendanceDate: '2026-11-19', checkInTime: '08:00:00', status: 'present', source: 'mobile' })
    expect((await runMaintenance(t.deps, now)).closed).toBe(0)
  })

  it('deletes attendance photos older than the retention period, on disk and in the database', async () => {
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { photo_retention_days: 30 })
    const oldKey = photoKey(a.id, 'attendance', a.memberId)
    const newKey = photoKey(a.id, 'attendance', a.memberId)
    await t.deps.storage.put(oldKey, new Uint8Array([0xFF, 0xD8, 1]))
    await t.deps.storage.put(newKey, new Uint8Array([0xFF, 0xD8, 2]))
    await t.db.insert(attendanceRecords).values([
      { organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: '2026-10-01', status: 'present', source: 'mobile', faceImageUrl: oldKey },
      { organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: '2026-11-10', status: 'present', source: 'mobile', faceImageUrl: newKey },
    ])
    expect((await runMaintenance(t.deps, now)).purged).toBe(1)
    expect(fs.existsSync(path.join(t.photoDir, oldKey))).toBe(false)
    expect(fs.existsSync(path.join(t.photoDir, newKey))).toBe(true)
    const [old] = await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.attendanceDate, '2026-10-01'))
    expect(old!.faceImageUrl).toBeNull()
  })

  it('deletes the evidence frames of captures older than the retention period; the checklist stays', async () => {
    // Two captures with evidence as the sync stores it: frames in storage, their keys on the event.
    const capture = async (capturedAt: string) => {
      const keys = [0, 1, 2].map(() => photoKey(a.id, 'attendance', a.memberId))
      for (const key of keys) await t.deps.storage.put(key, new Uint8Array([0xFF, 0xD8, 3]))
      const clientId = crypto.randomUUID()
      await t.db.insert(attendanceEvents).values({
        organizationId: a.id,
        clientId,
        organizationMemberId: a.memberId,
        kind: 'check_in',
        payloadHash: clientId,
        deviceCapturedAt: new Date(capturedAt),
        capturedAt: new Date(capturedAt),
        evidence: { challenge_id: null, steps: ['turn_left', 'turn_right'], mode: 'offline', frames: keys.map((key, i) => ({ t: i * 400, key })) },
        verification: 'done',
      })
      return { clientId, keys }
    }
    const old = await capture('2026-10-02T00:50:00Z')
    const recent = await capture('2026-11-12T00:50:00Z')
    const { purged } = await runMaintenance(t.deps, now)
    expect(purged).toBe(3)
    for (const key of old.keys) expect(fs.existsSync(path.join(t.photoDir, key))).toBe(false)
    for (const key of recent.keys) expect(fs.existsSync(path.join(t.photoDir, key))).toBe(true)
    const eventOf = async (clientId: string) => (await t.db.select().from(attendanceEvents).where(eq(attendanceEvents.clientId, clientId)))[0]!
    expect((await eventOf(old.clientId)).evidence).toMatchObject({ frames: [], frames_deleted: true, mode: 'offline' })
    expect((await eventOf(recent.clientId)).evidence!.frames.map((f) => f.key)).toEqual(recent.keys)
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.action, 'retention.purge_photos')).orderBy(auditLog.id).then((rows) => rows.slice(-1))
    expect(entry!.details).toMatchObject({ photos: 0, evidence_frames: 3 })
    // Nothing left to purge.
    expect((await runMaintenance(t.deps, now)).purged).toBe(0)
  })
})
