import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, type ServerSideEncryption } from '@aws-sdk/client-s3'
import { StorageUnavailableError } from '../errors'
import { assertStorageKey, type PhotoStorage } from './storage'

export interface S3StorageOptions {
  /** http(s)://host:port of an S3-compatible server; unset for AWS S3 itself (then `region` picks the endpoint). */
  endpoint?: string
  bucket: string
  region: string
  /** Unset: the SDK's default credential chain (instance role, AWS_* variables, ...). */
  accessKeyId?: string
  secretAccessKey?: string
  /** http://host/bucket/key instead of http://bucket.host/key: MinIO and most self-hosted servers want it. */
  forcePathStyle?: boolean
  /** Server-side encryption asked for on every put ('AES256' = SSE-S3); 'none' for a store that refuses the header. */
  serverSideEncryption?: 'AES256' | 'aws:kms' | 'none'
  /** Attempts per request, the first included (the SDK retries throttling, 5xx and network errors with backoff). Default 3. */
  maxAttempts?: number
  /** Milliseconds to open a connection / to wait for an answer before the attempt fails (and is retried). */
  connectionTimeoutMs?: number
  requestTimeoutMs?: number
}

const MIME: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' }

/** The key is not in the bucket (a missing bucket is NoSuchBucket: an error, never "no photo"). */
function isMissing(err: unknown, head = false): boolean {
  const e = err as { name?: string; Code?: string }
  return e?.name === 'NoSuchKey' || e?.Code === 'NoSuchKey' || (head && e?.name === 'NotFound')
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } }
  const status = e?.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ''
  return `${e?.name ?? 'Error'}${status}: ${e?.message || e?.code || String(err)}`
}

/**
 * Photos in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Garage, R2, ...). The same opaque keys as on disk. Objects
 * are written without an ACL (a bucket's default: private) and with server-side encryption; they are never served by
 * URL, only read back here by the permission-checked routes. A store that cannot be reached (after the SDK's retries)
 * or refuses a request becomes StorageUnavailableError (HTTP 503, STORAGE_UNAVAILABLE): callers that store an image
 * fail before anything that refers to it is written.
 */
export class S3Storage implements PhotoStorage {
  readonly client: S3Client
  readonly bucket: string
  private readonly sse: ServerSideEncryption | undefined

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket
    this.sse = options.serverSideEncryption === 'none' ? undefined : (options.serverSideEncryption ?? 'AES256')
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : undefined,
      maxAttempts: options.maxAttempts ?? 3,
      // Checksums only where the operation requires them: older MinIO/Ceph releases refuse the newer default trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? 5_000, requestTimeout: options.requestTimeoutMs ?? 30_000 },
    })
  }

  private fail(verb: string, key: string, err: unknown): never {
    console.error(`[hadir] photo store: ${verb} ${key} failed: ${describe(err)}`)
    throw new StorageUnavailableError(undefined, err)
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    assertStorageKey(key)
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: data,
          ContentLength: data.byteLength,
          ContentType: MIME[key.slice(key.lastIndexOf('.') + 1)] ?? 'application/octet-stream',
          ServerSideEncryption: this.sse,
        }),
      )
    } catch (err) {
      this.fail('put', key, err)
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    assertStorageKey(key)
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      if (!res.Body) return null
      return await res.Body.transformToByteArray()
    } catch (err) {
      if (isMissing(err)) return null
      this.fail('get', key, err)
    }
  }

  async delete(key: string): Promise<void> {
    assertStorageKey(key)
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
    } catch (err) {
      if (isMissing(err)) return
      this.fail('delete', key, err)
    }
  }

  /** The stored size of an object, or null when there is none (storage:migrate). */
  async size(key: string): Promise<number | null> {
    assertStorageKey(key)
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))
      return res.ContentLength ?? null
    } catch (err) {
      if (isMissing(err, true)) return null
      this.fail('head', key, err)
    }
  }

  close(): void {
    this.client.destroy()
  }
}
