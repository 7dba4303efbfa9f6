import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'

/**
 * Where face photos live. Keys are made by the server (never from user input) and are opaque; photos are served only
 * through permission-checked routes, never by URL. Local disk by default; an S3-compatible bucket (server/storage/s3.ts)
 * when S3_BUCKET is set (server/storage/open.ts). A store that cannot take or give a photo throws
 * StorageUnavailableError (503).
 */
export interface PhotoStorage {
  put: (key: string, data: Uint8Array) => Promise<void>
  get: (key: string) => Promise<Uint8Array | null>
  delete: (key: string) => Promise<void>
}

const KEY = /^[a-z0-9][a-z0-9/_-]*\.(jpg|jpeg|png|webp)$/

/** Throws unless `key` is one the server makes (photoKey): no user input, no `..`, a known image extension. */
export function assertStorageKey(key: string): void {
  if (!KEY.test(key) || key.includes('..')) throw new Error(`invalid storage key: ${key}`)
}

export function photoKey(organizationId: number, kind: 'faces' | 'attendance', ownerId: number): string {
  return `org-${organizationId}/${kind}/${ownerId}/${crypto.randomUUID()}.jpg`
}

export class LocalDiskStorage implements PhotoStorage {
  constructor(private readonly root: string) {}

  private file(key: string): string {
    assertStorageKey(key)
    return path.join(this.root, key)
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.file(key)
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
    const tmp = `${file}.${process.pid}.tmp`
    await fs.writeFile(tmp, data, { mode: 0o600 })
    await fs.rename(tmp, file)
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await fs.readFile(this.file(key))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true })
  }

  /** Every stored key (storage:migrate), sorted; half-written temporary files and anything that is not a key are skipped. */
  async keys(): Promise<string[]> {
    let entries: string[]
    try {
      entries = await fs.readdir(this.root, { recursive: true, encoding: 'utf8' })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    return entries
      .map((e) => e.split(path.sep).join('/'))
      .filter((k) => KEY.test(k) && !k.includes('..'))
      .sort()
  }
}
