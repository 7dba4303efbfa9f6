import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
// s3rver: an S3-protocol server in JavaScript (Koa, objects in a folder), started on 127.0.0.1 by the tests; no Docker.
import S3rver from 's3rver'
import type { S3StorageOptions } from '../../server/storage/s3'

export interface TestS3Server {
  /** Options for S3Storage against this server (path-style, the server's fixed credentials). */
  options: S3StorageOptions
  port: number
  /** The folder s3rver keeps buckets and objects in. */
  directory: string
  /** Stops answering (connections refused): the store is down. */
  stop: () => Promise<void>
  /** Answers again on the same port, with the objects it had. */
  start: () => Promise<void>
  close: () => Promise<void>
}

/** Starts an S3-compatible server on 127.0.0.1 (a free port) with one empty bucket. */
export async function startS3Server(bucket = 'hadir-photos'): Promise<TestS3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-s3-'))
  let server: S3rver | null = null
  let port = 0
  const start = async () => {
    server = new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] })
    const info = await server.run()
    port = info.port
  }
  const stop = async () => {
    const s = server
    server = null
    if (s) await s.close()
  }
  await start()
  return {
    options: {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
      // Short limits against a hang only: a refused connection fails at once whatever they are.
      maxAttempts: 2,
      connectionTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
    },
    get port() {
      return port
    },
    directory,
    stop,
    start,
    close: async () => {
      await stop()
      fs.rmSync(directory, { recursive: true, force: true })
    },
  }
}
