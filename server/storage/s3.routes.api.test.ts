import crypto from 'node:crypto'
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../tools/test-support/fixtures'
import { photoBase64 } from '../../tools/test-support/faces'
import { registerFace } from '../../tools/test-support/evidence-flow'
import { startS3Server, type TestS3Server } from '../../tools/test-support/s3-server'
import { attendanceRecords, memberFaceData } from '../db/schema'
import { loadEnv } from '../env'
import { runMaintenance } from '../features/attendance/maintenance'
import { DELETE_PHOTO_JOB } from './deletes'
import { openStorage } from './open'
import { S3Storage } from './s3'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The app configured as an operator would (the S3_* environment, read by loadEnv and openStorage), against s3rver on
 * 127.0.0.1: face registration, the permission-checked photo route and withdrawal go through the bucket; deletes made
 * while the store is down are queued and done once it is back.
 */
describe('face photos in an S3 bucket configured by the environment', () => {
  let s3: TestS3Server
  let t: TestApp
  let a: OrgWorld
  let bucket: S3Storage // a separate client, to look into the bucket
  beforeAll(async () => {
    s3 = await startS3Server()
    t = await createTestApp()
    const env = loadEnv({
      S3_BUCKET: s3.options.bucket,
      S3_ENDPOINT: s3.options.endpoint,
      S3_REGION: s3.options.region,
      S3_ACCESS_KEY_ID: s3.options.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.options.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      HADIR_DATA_DIR: t.photoDir,
    })
    const storage = await openStorage(env)
    expect(storage.describe).toBe(`S3 bucket ${s3.options.bucket} at ${s3.options.endpoint}`)
    t.deps.storage = storage
    bucket = new S3Storage(s3.options)
    a = await buildOrg(t, 'a')
  })
  afterAll(async () => {
    await t.close()
    bucket.close()
    await s3.close()
  })

  const referenceKey = async (memberId: number) =>
    (await t.db.select({ url: memberFaceData.faceImageUrl }).from(memberFaceData).where(eq(memberFaceData.organizationMemberId, memberId)))[0]?.url ?? null
  const diskFiles = () => fs.readdirSync(t.photoDir, { recursive: true }).filter((f) => String(f).endsWith('.jpg'))
  /** Waits until every queued photo delete has run and the object is gone (no deadline: the test's timeout is the limit). */
  async function untilGone(key: string) {
    while ((await bucket.size(key)) !== null || (await t.deps.jobs.pending(DELETE_PHOTO_JOB)) > 0) await sleep(200)
  }

  it('registration puts the reference photo in the bucket; the permission-checked route serves it; withdrawal deletes it', async () => {
    await registerFace(a.member, a.memberId, 'people/p01/p01-5.jpg')
    const key = (await referenceKey(a.memberId))!
    expect(key).toMatch(new RegExp(`^org-${a.id}/faces/${a.memberId}/`))
    const stored = await bucket.get(key)
    expect(stored?.byteLength).toBeGreaterThan(1000)
    expect(diskFiles()).toEqual([])

    const url = `/api/organizations/${a.id}/members/${a.memberId}/face/photo`
    const served = await a.admin.fetch(url)
    expect(served.status).toBe(200)
    expect(served.headers.get('cache-control')).toBe('no-store')
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(stored!))).toBe(true)
    expect((await a.support.get(url)).status).toBe(403)
    expect((await t.agent().get(url)).status).toBe(401)

    const withdrawn = await a.member.delete(`/api/members/${a.memberId}/face`)
    expect(withdrawn.status).toBe(200)
    expect(withdrawn.body.data.deleted_photos).toBe(1)
    expect(await bucket.size(key)).toBeNull()
    expect((await a.admin.get(url)).status).toBe(404)
  })

  it('withdrawal while the store is down succeeds; the delete is queued and done once the store is back', async () => {
    await registerFace(a.member, a.memberId, 'people/p01/p01-5.jpg')
    const key = (await referenceKey(a.memberId))!
    expect(await bucket.size(key)).toBeGreaterThan(0)
    await s3.stop()
    let withdrawn
    try {
      withdrawn = await a.member.delete(`/api/members/${a.memberId}/face`)
      expect(await t.deps.jobs.pending(DELETE_PHOTO_JOB)).toBeGreaterThanOrEqual(1)
    } finally {
      await s3.start()
    }
    expect(withdrawn.status).toBe(200)
    expect(await referenceKey(a.memberId)).toBeNull()
    await untilGone(key)
  })

  const syncPhoto = async (daysAgo: number) => {
    const res = await a.member.post('/api/attendance/sync', {
      device_id: 'phone-a',
      sent_at: new Date().toISOString(),
      records: [{ client_id: crypto.randomUUID(), member_id: a.memberId, kind: 'check_in', captured_at: new Date(Date.now() - daysAgo * 86_400_000).toISOString(), face_image: photoBase64('people/p01/p01-1.jpg') }],
    })
    expect(res.body.data.results[0].status).toBe('applied')
    const recordId = res.body.data.results[0].record_id as number
    return (await t.db.select({ url: attendanceRecords.faceImageUrl }).from(attendanceRecords).where(eq(attendanceRecords.id, recordId)))[0]!.url!
  }

  it('retention while the store is down: the photo is unlinked now and deleted from the bucket once it is back', async () => {
    const key = await syncPhoto(3)
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { photo_retention_days: 1 })
    await s3.stop()
    let purged
    try {
      purged = (await runMaintenance(t.deps, new Date(Date.now() + 60 * 86_400_000))).purged
    } finally {
      await s3.start()
    }
    expect(purged).toBeGreaterThanOrEqual(1)
    await untilGone(key)
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { photo_retention_days: 365 })
  })

  it('member deletion while the store is down: the member is gone at once, their photos once the store is back', async () => {
    const key = await syncPhoto(0)
    const member = `/api/organizations/${a.id}/members/${a.memberId}`
    expect((await a.admin.patch(member, { status: 'inactive' })).status).toBe(200)
    await s3.stop()
    let deleted
    try {
      deleted = await a.admin.delete(member)
    } finally {
      await s3.start()
    }
    expect(deleted.status).toBe(200)
    expect(deleted.body.data.deleted_photos).toBeGreaterThanOrEqual(1)
    await untilGone(key)
  })
})
