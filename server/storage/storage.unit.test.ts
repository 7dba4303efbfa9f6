import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { GetObjectAclCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalDiskStorage, photoKey, type PhotoStorage } from './storage'
import { S3Storage } from './s3'
import { startS3Server, type TestS3Server } from '../../tools/test-support/s3-server'

let s3: TestS3Server
let dir: string
beforeAll(async () => {
  s3 = await startS3Server()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-storage-'))
})
afterAll(async () => {
  await s3.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const stores: Array<[string, () => PhotoStorage]> = [
  ['local disk', () => new LocalDiskStorage(dir)],
  ['S3 (s3rver on 127.0.0.1)', () => new S3Storage(s3.options)],
]

describe.each(stores)('photo storage contract: %s', (_name, make) => {
  it('puts, gets back the same bytes, overwrites, deletes (twice is fine), and answers null for a missing key', async () => {
    const store = make()
    const key = photoKey(7, 'faces', 42)
    const bytes = crypto.randomBytes(200_000)
    expect(await store.get(key)).toBeNull()
    await store.put(key, bytes)
    expect(Buffer.from((await store.get(key))!).equals(bytes)).toBe(true)
    const other = crypto.randomBytes(10)
    await store.put(key, other)
    expect(Buffer.from((await store.get(key))!).equals(other)).toBe(true)
    await store.delete(key)
    expect(await store.get(key)).toBeNull()
    await store.delete(key)
  })

  it('refuses keys the server would not make', async () => {
    const store = make()
    for (const key of ['../etc/passwd.jpg', 'org-1/faces/1/x.exe', '/abs.jpg', 'Org-1/x.jpg']) {
      await expect(store.put(key, new Uint8Array([1]))).rejects.toThrow(/invalid storage key/)
      await expect(store.get(key)).rejects.toThrow(/invalid storage key/)
    }
  })
})

describe('S3 storage', () => {
  it('writes objects private (owner only), with the content type and the server-side encryption asked for', async () => {
    const store = new S3Storage(s3.options)
    const key = photoKey(1, 'attendance', 3)
    await store.put(key, crypto.randomBytes(1000))
    const head = await store.client.send(new HeadObjectCommand({ Bucket: s3.options.bucket, Key: key }))
    expect(head.ContentType).toBe('image/jpeg')
    expect(head.ContentLength).toBe(1000)
    const acl = await store.client.send(new GetObjectAclCommand({ Bucket: s3.options.bucket, Key: key }))
    expect(acl.Grants?.some((g) => g.Grantee?.URI?.includes('AllUsers') || g.Grantee?.URI?.includes('AuthenticatedUsers'))).toBe(false)
    // What the SDK sends: the encryption header on the put (s3rver accepts it without reporting it back).
    // s3rver does not enforce ACLs, so privacy is checked on what is sent: no x-amz-acl (the bucket's private default).
    const sent: Array<string | undefined> = []
    store.client.middlewareStack.add((next) => async (args) => {
      const req = args.request as { headers?: Record<string, string> }
      sent.push(req.headers?.['x-amz-server-side-encryption'])
      expect(Object.keys(req.headers ?? {}).filter((h) => h.toLowerCase().startsWith('x-amz-acl') || h.toLowerCase().startsWith('x-amz-grant'))).toEqual([])
      return next(args)
    }, { step: 'finalizeRequest' })
    await store.put(key, crypto.randomBytes(10))
    expect(sent).toEqual(['AES256'])
    const plain = new S3Storage({ ...s3.options, serverSideEncryption: 'none' })
    const unsent: Array<string | undefined> = []
    plain.client.middlewareStack.add((next) => async (args) => {
      unsent.push((args.request as { headers?: Record<string, string> }).headers?.['x-amz-server-side-encryption'])
      return next(args)
    }, { step: 'finalizeRequest' })
    await plain.put(key, crypto.randomBytes(10))
    expect(unsent).toEqual([undefined])
    await store.delete(key)
  })

  it('a store that is down: every verb fails with STORAGE_UNAVAILABLE (503) after its retries; the same put succeeds once it is back', async () => {
    const store = new S3Storage(s3.options)
    const key = photoKey(2, 'faces', 9)
    const attempts: number[] = []
    store.client.middlewareStack.add((next) => async (args) => {
      attempts.push(1)
      return next(args)
    }, { step: 'finalizeRequest' })
    await s3.stop()
    try {
      await expect(store.put(key, new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ status: 503, code: 'STORAGE_UNAVAILABLE' })
      expect(attempts.length).toBe(2) // maxAttempts: the SDK tried again before giving up
      await expect(store.get(key)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
      await expect(store.delete(key)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
    } finally {
      await s3.start()
    }
    await store.put(key, new Uint8Array([1, 2, 3]))
    expect(Array.from((await store.get(key))!)).toEqual([1, 2, 3])
  })

  it('a wrong bucket or credentials are a clear error too, not a missing photo', async () => {
    const store = new S3Storage({ ...s3.options, bucket: 'no-such-bucket' })
    await expect(store.put(photoKey(1, 'faces', 1), new Uint8Array([1]))).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
    await expect(store.get(photoKey(1, 'faces', 1))).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
  })
})
