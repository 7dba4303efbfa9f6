import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'

/**
 * Where face photos live. Keys are made by the server (never from user input) and are opaque; photos are served only
 * through permission-checked routes, never by URL. Local disk by default; an S3-compatible store can implement the
 * same three verbs.
 */
export interface PhotoStorage {
  put: (key: string, data: Uint8Array) => Promise<void>
  get: (key: string) => Promise<Uint8Array | null>
  delete: (key: string) => Promise<void>
}

const KEY = /^[a-z0-9][a-z0-9/_-]*\.(jpg|jpeg|png|webp)$/

export function photoKey(organizationId: number, kind: 'faces' | 'attendance', ownerId: number): string {
  return `org-${organizationId}/${kind}/${ownerId}/${crypto.randomUUID()}.jpg`
}

export class LocalDiskStorage implements PhotoStorage {
  constructor(private readonly root: string) {}

  private file(key: string): string {
    if (!KEY.test(key) || key.includes('..')) throw new Error(`invalid storage key: ${key}`)
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
}
