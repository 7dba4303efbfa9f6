import path from 'node:path'
import type { Env } from '../env'
import { LocalDiskStorage, type PhotoStorage } from './storage'
import type { S3StorageOptions } from './s3'

/** The S3 settings of the environment, or null when S3_BUCKET is unset (photos on local disk). */
export function s3OptionsOf(env: Env): S3StorageOptions | null {
  if (!env.S3_BUCKET) return null
  return {
    endpoint: env.S3_ENDPOINT,
    bucket: env.S3_BUCKET,
    region: env.S3_REGION,
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    serverSideEncryption: env.S3_SERVER_SIDE_ENCRYPTION,
  }
}

/** Where photos go: the S3 bucket when configured, else HADIR_DATA_DIR/photos. */
export async function openStorage(env: Env): Promise<PhotoStorage & { describe: string }> {
  const s3 = s3OptionsOf(env)
  if (s3) {
    const { S3Storage } = await import('./s3')
    return Object.assign(new S3Storage(s3), { describe: `S3 bucket ${s3.bucket}${s3.endpoint ? ` at ${s3.endpoint}` : ''}` })
  }
  const dir = localPhotoDir(env)
  return Object.assign(new LocalDiskStorage(dir), { describe: `local folder ${dir}` })
}

export function localPhotoDir(env: Env): string {
  return path.join(env.HADIR_DATA_DIR, 'photos')
}
