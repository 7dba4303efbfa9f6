import crypto from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { loadEnv } from '../../server/env'
import { localPhotoDir, s3OptionsOf } from '../../server/storage/open'
import { S3Storage } from '../../server/storage/s3'
import { LocalDiskStorage } from '../../server/storage/storage'

export interface MigrateReport {
  /** Photos found on the local disk. */
  found: number
  /** Put in the bucket by this run, then read back and matched. */
  copied: number
  /** Already in the bucket with the same bytes (an earlier run): read back and matched, not copied again. */
  verified: number
  /** Could not be copied or did not read back the same: the keys, with why. */
  failed: Array<{ key: string; reason: string }>
}

const sha256 = (bytes: Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex')

/**
 * Copies every photo of a local photo folder to the bucket under the same key and checks each one by reading it back
 * (size and SHA-256). An object already there with the same bytes is only checked, one that differs is copied again:
 * the migration can be run again after a failure, or before and after the switch, and only finishes what is missing.
 * Nothing is deleted on either side.
 */
export async function migratePhotos(local: LocalDiskStorage, bucket: S3Storage, options: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<MigrateReport> {
  const keys = await local.keys()
  const report: MigrateReport = { found: keys.length, copied: 0, verified: 0, failed: [] }
  let next = 0
  let done = 0
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!
      try {
        const bytes = await local.get(key)
        if (!bytes) continue // removed meanwhile (retention ran): nothing to copy
        const want = sha256(bytes)
        const there = (await bucket.size(key)) === bytes.byteLength ? await bucket.get(key) : null
        if (there && sha256(there) === want) {
          report.verified++
        } else {
          await bucket.put(key, bytes)
          const back = await bucket.get(key)
          if (!back) throw new Error('not found after the copy')
          if (back.byteLength !== bytes.byteLength) throw new Error(`read back ${back.byteLength} bytes, expected ${bytes.byteLength}`)
          if (sha256(back) !== want) throw new Error('read back different bytes (SHA-256 differs)')
          report.copied++
        }
      } catch (err) {
        report.failed.push({ key, reason: err instanceof Error ? err.message : String(err) })
      } finally {
        options.onProgress?.(++done, keys.length)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker))
  report.failed.sort((a, b) => a.key.localeCompare(b.key))
  return report
}

/** `npm run storage:migrate`: HADIR_DATA_DIR/photos -> the S3_* bucket. Exit 0 only when every photo is in the bucket. */
async function main(): Promise<number> {
  const env = loadEnv()
  const s3 = s3OptionsOf(env)
  if (!s3) {
    console.error('storage:migrate: set S3_BUCKET (and S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_FORCE_PATH_STYLE as the server will use them)')
    return 2
  }
  const from = localPhotoDir(env)
  const bucket = new S3Storage(s3)
  console.log(`Copying photos from ${from} to the bucket ${s3.bucket}${s3.endpoint ? ` at ${s3.endpoint}` : ''}...`)
  const report = await migratePhotos(new LocalDiskStorage(from), bucket, {
    onProgress: (done, total) => {
      if (done % 500 === 0) console.log(`  ${done}/${total}`)
    },
  })
  bucket.close()
  console.log(`Found ${report.found} photo(s): ${report.copied} copied, ${report.verified} already in the bucket; all checked by reading back (size and SHA-256). ${report.failed.length} failed.`)
  for (const f of report.failed.slice(0, 50)) console.log(`  FAILED ${f.key}: ${f.reason}`)
  if (report.failed.length > 50) console.log(`  ... and ${report.failed.length - 50} more`)
  if (report.failed.length > 0) {
    console.log('Run it again: photos already copied are only checked.')
    return 1
  }
  console.log('Every photo is in the bucket. Start the server with the same S3_* settings; the local folder can be removed afterwards.')
  return 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : err)
      process.exit(1)
    },
  )
}
