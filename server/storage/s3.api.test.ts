import crypto from 'node:crypto'
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../tools/test-support/fixtures'
import { photoBase64 } from '../../tools/test-support/faces'
import { startS3Server, type TestS3Server } from '../../tools/test-support/s3-server'
import { attendanceEvents, attendanceRecords } from '../db/schema'
import { runMaintenance } from '../features/attendance/maintenance'
import { S3Storage } from './s3'

/** The app with S3_BUCKET set: every attendance photo goes to the bucket (s3rver on 127.0.0.1), none to the disk. */
describe('photos in an S3 bucket, through the routes', () => {
  let s3: TestS3Server
  let t: TestApp
  let a: OrgWorld
  let store: S3Storage
  beforeAll(async () => {
    s3 = await startS3Server()
    t = await createTestApp()
    store = new S3Storage(s3.options)
    t.deps.storage = store
    a = await buildOrg(t, 'a')
  })
  afterAll(async () => {
    await t.close()
    await s3.close()
  })

  const day = (n: number) => new Date(Date.now() - n * 86_400_000)
  const capture = (clientId: string, daysAgo: number) => ({
    device_id: 'phone-a',
    sent_at: new Date().toISOString(),
    records: [{ client_id: clientId, member_id: a.memberId, kind: 'check_in', captured_at: day(daysAgo).toISOString(), face_image: photoBase64('people/p01/p01-1.jpg') }],
  })
  const photoOf = async (recordId: number) => (await t.db.select({ url: attendanceRecords.faceImageUrl }).from(attendanceRecords).where(eq(attendanceRecords.id, recordId)))[0]!.url

  it('a synced photo lands in the bucket (not on disk) and is served only through the permission-checked route', async () => {
    const res = await a.member.post('/api/attendance/sync', capture(crypto.randomUUID(), 2))
    expect(res.body.data.results[0].status).toBe('applied')
    const recordId = res.body.data.results[0].record_id as number
    const key = (await photoOf(recordId))!
    expect(key).toMatch(new RegExp(`^org-${a.id}/attendance/${a.memberId}/`))
    const stored = await store.get(key)
    expect(stored?.byteLength).toBeGreaterThan(1000)
    expect(fs.readdirSync(t.photoDir)).toEqual([]) // nothing on the local disk
    const url = `/api/organizations/${a.id}/attendance/${recordId}/photo`
    const served = await a.admin.fetch(url)
    expect(served.status).toBe(200)
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(stored!))).toBe(true)
    expect([401, 403]).toContain((await a.member.get(url)).status) // a member's phone session: not a dashboard viewer
    expect((await t.agent().get(url)).status).toBe(401)
  })

  it('the store down: the sync fails cleanly (503 STORAGE_UNAVAILABLE), nothing is written; the device sends again once the store is back', async () => {
    const clientId = crypto.randomUUID()
    const events = async () => (await t.db.select({ id: attendanceEvents.id }).from(attendanceEvents).where(eq(attendanceEvents.clientId, clientId))).length
    await s3.stop()
    let down
    try {
      down = await a.member.post('/api/attendance/sync', capture(clientId, 1))
    } finally {
      await s3.start()
    }
    expect(down.status).toBe(503)
    expect(down.body.error.code).toBe('STORAGE_UNAVAILABLE')
    expect(down.headers.get('retry-after')).toBe('30')
    expect(await events()).toBe(0)
    const again = await a.member.post('/api/attendance/sync', capture(clientId, 1))
    expect(again.body.data.results[0].status).toBe('applied')
    expect(await events()).toBe(1)
    expect(await store.get((await photoOf(again.body.data.results[0].record_id))!)).not.toBeNull()
  })

  it('retention deletes old photos from the bucket', async () => {
    const res = await a.member.post('/api/attendance/sync', capture(crypto.randomUUID(), 3))
    const key = (await photoOf(res.body.data.results[0].record_id))!
    expect(await store.size(key)).toBeGreaterThan(0)
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { photo_retention_days: 30 })
    const { purged } = await runMaintenance(t.deps, new Date(Date.now() + 60 * 86_400_000))
    expect(purged).toBeGreaterThanOrEqual(1)
    expect(await store.size(key)).toBeNull()
  })

  it('deleting a member deletes their photos from the bucket', async () => {
    const res = await a.member.post('/api/attendance/sync', capture(crypto.randomUUID(), 0))
    const key = (await photoOf(res.body.data.results[0].record_id))!
    expect(await store.size(key)).toBeGreaterThan(0)
    const member = `/api/organizations/${a.id}/members/${a.memberId}`
    expect((await a.admin.patch(member, { status: 'inactive' })).status).toBe(200)
    const deleted = await a.admin.delete(member)
    expect(deleted.status).toBe(200)
    expect(deleted.body.data.deleted_photos).toBeGreaterThanOrEqual(1)
    expect(await store.size(key)).toBeNull()
  })
})
