import { execFile } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { S3Storage } from '../../server/storage/s3'
import { LocalDiskStorage, photoKey } from '../../server/storage/storage'
import { startS3Server, type TestS3Server } from '../test-support/s3-server'
import { migratePhotos } from './migrate'

describe('storage:migrate (local photos to an S3 bucket)', () => {
  let s3: TestS3Server
  let dataDir: string
  let local: LocalDiskStorage
  const photos = new Map<string, Buffer>()
  beforeAll(async () => {
    s3 = await startS3Server()
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-migrate-'))
    local = new LocalDiskStorage(path.join(dataDir, 'photos'))
    for (let i = 0; i < 12; i++) {
      const key = photoKey(1 + (i % 3), i % 2 ? 'faces' : 'attendance', 10 + i)
      const bytes = crypto.randomBytes(1000 + i * 997)
      photos.set(key, bytes)
      await local.put(key, bytes)
    }
    // A half-written temporary file of an interrupted put, and a stray file: neither is a photo.
    fs.writeFileSync(path.join(dataDir, 'photos', 'org-1', 'x.jpg.123.tmp'), 'partial')
    fs.writeFileSync(path.join(dataDir, 'photos', 'README.txt'), 'not a photo')
  })
  afterAll(async () => {
    await s3.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('copies every photo under the same key, checks each by reading back, and only checks them when run again', async () => {
    const bucket = new S3Storage(s3.options)
    const first = await migratePhotos(local, bucket)
    expect(first).toEqual({ found: 12, copied: 12, verified: 0, failed: [] })
    for (const [key, bytes] of photos) expect(Buffer.from((await bucket.get(key))!).equals(bytes)).toBe(true)
    const again = await migratePhotos(local, bucket)
    expect(again).toEqual({ found: 12, copied: 0, verified: 12, failed: [] })
  })

  it('an object in the bucket that differs (same size or not) is copied again', async () => {
    const bucket = new S3Storage(s3.options)
    const [k1, k2] = [...photos.keys()]
    await bucket.put(k1!, crypto.randomBytes(photos.get(k1!)!.byteLength)) // same size, other bytes
    await bucket.delete(k2!)
    expect(await migratePhotos(local, bucket)).toEqual({ found: 12, copied: 2, verified: 10, failed: [] })
    expect(Buffer.from((await bucket.get(k1!))!).equals(photos.get(k1!)!)).toBe(true)
  })

  it('the store down: every photo is reported failed (nothing claimed copied); the next run finishes', async () => {
    const bucket = new S3Storage(s3.options)
    const extra = photoKey(4, 'faces', 99)
    photos.set(extra, crypto.randomBytes(500))
    await local.put(extra, photos.get(extra)!)
    await s3.stop()
    let down
    try {
      down = await migratePhotos(local, bucket)
    } finally {
      await s3.start()
    }
    expect(down).toMatchObject({ found: 13, copied: 0, verified: 0 })
    expect(down.failed).toHaveLength(13)
    expect(await migratePhotos(local, bucket)).toEqual({ found: 13, copied: 1, verified: 12, failed: [] })
  })

  it('npm run storage:migrate: reads the S3_* settings and HADIR_DATA_DIR, reports the counts, exits 0 when all are in', async () => {
    const env = {
      ...process.env,
      HADIR_DATA_DIR: dataDir,
      S3_ENDPOINT: s3.options.endpoint,
      S3_BUCKET: s3.options.bucket,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    }
    const run = promisify(execFile)
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'tools/storage/migrate.ts'], { env, cwd: path.resolve(__dirname, '../..') })
    expect(stdout).toMatch(/Found 13 photo\(s\): 0 copied, 13 already in the bucket; .* 0 failed\./)
    const noBucket = await run(process.execPath, ['--import', 'tsx', 'tools/storage/migrate.ts'], { env: { ...env, S3_BUCKET: '' }, cwd: path.resolve(__dirname, '../..') }).catch((e: { code: number; stderr: string }) => e)
    expect(noBucket).toMatchObject({ code: 2 })
    expect((noBucket as { stderr: string }).stderr).toMatch(/set S3_BUCKET/)
  })
})
